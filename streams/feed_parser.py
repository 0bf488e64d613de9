"""Feed documents into :class:`RawEntry` lists: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed.

Safety first: a document whose DOCTYPE declares entities is refused before any XML parser sees
it (the billion-laughs attack needs entity declarations; real feeds never have them), so memory
stays bounded whatever the entities would expand to. The body size is already capped by the HTTP
client. A "bozo" feed (not well-formed) that still yields entries is used and the reason kept; one
that yields none is an error for that feed.

Parsing is synchronous and CPU-bound: callers run big documents in a thread.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import feedparser

from streams.errors import NewsstreamError

JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")
_PROLOG_SCAN = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SY_PERIOD_SECONDS = {
    "hourly": 3600.0,
    "daily": 86400.0,
    "weekly": 7 * 86400.0,
    "monthly": 30 * 86400.0,
    "yearly": 365 * 86400.0,
}


class FeedParseError(NewsstreamError):
    """The document is not a usable feed (or is hostile); ``reason`` says why."""

    retriable = True

    def __init__(self, reason: str, *, hostile: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hostile = hostile


@dataclass(slots=True)
class RawEntry:
    """One item as the feed gave it, before normalisation; strings may hold HTML."""

    link: str | None = None
    guid: str | None = None
    title: str = ""
    summary: str = ""
    content: str = ""
    published: str | None = None  # the raw date text
    published_utc: float | None = None  # epoch seconds when the parser understood the date
    updated: str | None = None
    updated_utc: float | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFeed:
    format: str  # feedparser's version ("rss20", "atom10", ...) or "json11"
    title: str = ""
    link: str | None = None
    language: str | None = None
    entries: list[RawEntry] = field(default_factory=list)
    bozo_reason: str | None = None  # set when the document was not well-formed but usable
    truncated: int = 0  # entries dropped beyond the per-feed cap
    interval_hint: float | None = None  # seconds between updates the feed asks for (ttl, sy:)


def reject_entity_declarations(body: bytes) -> None:
    """Refuse documents that declare XML entities (billion laughs, external entities)."""
    head = body[:_PROLOG_SCAN]
    if b"\x00" in head:  # UTF-16/32: look at it as if it were 8-bit
        head = head.replace(b"\x00", b"")
    doctype = _DOCTYPE.search(head)
    if doctype and _ENTITY.search(head, doctype.start()):
        raise FeedParseError(
            "DOCTYPE declares entities (entity expansion attack?): refused", hostile=True
        )


def looks_like_json_feed(body: bytes, content_type: str) -> bool:
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in ("application/feed+json", "application/json"):
        return True
    return body.lstrip()[:1] == b"{" and b"jsonfeed.org/version" in body[:4096]


def parse_feed(
    body: bytes, *, url: str, content_type: str = "", max_entries: int = 20_000
) -> ParsedFeed:
    """Parse one feed document; raises :class:`FeedParseError` when it yields nothing usable."""
    if not body.strip():
        raise FeedParseError("empty body")
    if looks_like_json_feed(body, content_type):
        return parse_json_feed(body, max_entries=max_entries)
    reject_entity_declarations(body)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    bozo_reason = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        bozo_reason = f"{type(exc).__name__}: {exc}" if exc else "not well-formed"
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries:
        if bozo_reason:
            raise FeedParseError(f"not well-formed and no entries ({bozo_reason})")
        if not version:
            raise FeedParseError("not a feed (no RSS/Atom root element)")
    feed = parsed.get("feed", {})
    result = ParsedFeed(
        format=version or "unknown",
        title=str(feed.get("title", "")),
        link=feed.get("link"),
        language=feed.get("language"),
        bozo_reason=bozo_reason,
        interval_hint=_interval_hint(feed),
    )
    if len(entries) > max_entries:
        result.truncated = len(entries) - max_entries
        entries = entries[:max_entries]
    result.entries = [_from_feedparser(e) for e in entries]
    return result


def _interval_hint(feed: Any) -> float | None:
    """The update interval the feed asks for, from RSS ``ttl`` or ``sy:updatePeriod``."""
    hints: list[float] = []
    ttl = str(feed.get("ttl", "")).strip()
    if ttl.isdigit() and int(ttl) > 0:
        hints.append(int(ttl) * 60.0)
    period = str(feed.get("sy_updateperiod", "")).strip().lower()
    if period in _SY_PERIOD_SECONDS:
        freq_text = str(feed.get("sy_updatefrequency", "1")).strip()
        freq = int(freq_text) if freq_text.isdigit() and int(freq_text) > 0 else 1
        hints.append(_SY_PERIOD_SECONDS[period] / freq)
    return max(hints) if hints else None


def _epoch(struct: time.struct_time | None) -> float | None:
    if not struct:
        return None
    try:
        return float(calendar.timegm(struct))
    except (TypeError, ValueError, OverflowError):
        return None


def _from_feedparser(e: Any) -> RawEntry:
    content = ""
    for part in e.get("content") or []:
        value = part.get("value") or ""
        if len(value) > len(content):
            content = value
    authors = [a.get("name", "") for a in e.get("authors") or [] if a.get("name")]
    if not authors and e.get("author"):
        authors = [str(e.get("author"))]
    tags = [t.get("term") or t.get("label") or "" for t in e.get("tags") or []]
    link = e.get("link")
    if not link:
        for candidate in e.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    return RawEntry(
        link=link or None,
        guid=e.get("id") or None,
        title=e.get("title", "") or "",
        summary=e.get("summary", "") or "",
        content=content,
        published=e.get("published"),
        published_utc=_epoch(e.get("published_parsed")),
        # dict.get: FeedParserDict.get("updated") would fall back to "published" (and warn)
        updated=dict.get(e, "updated"),
        updated_utc=_epoch(dict.get(e, "updated_parsed")),
        authors=authors,
        tags=[t for t in tags if t],
    )


def parse_json_feed(body: bytes, *, max_entries: int = 20_000) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedParseError("JSON document is not a JSON Feed (no items list)")
    version = str(doc.get("version", ""))
    if version not in JSON_FEED_VERSIONS:
        raise FeedParseError(f"unknown JSON Feed version {version!r}")
    items = [i for i in doc["items"] if isinstance(i, dict)]
    result = ParsedFeed(
        format="json11" if version.endswith("1.1") else "json10",
        title=str(doc.get("title", "")),
        link=doc.get("home_page_url"),
        language=doc.get("language"),
    )
    if len(items) > max_entries:
        result.truncated = len(items) - max_entries
        items = items[:max_entries]
    feed_authors = _json_authors(doc)
    for item in items:
        result.entries.append(
            RawEntry(
                link=item.get("url") or item.get("external_url") or None,
                guid=str(item["id"]) if item.get("id") is not None else None,
                title=str(item.get("title") or ""),
                summary=str(item.get("summary") or ""),
                content=str(item.get("content_html") or item.get("content_text") or ""),
                published=item.get("date_published"),
                updated=item.get("date_modified"),
                authors=_json_authors(item) or feed_authors,
                tags=[str(t) for t in item.get("tags") or [] if t],
            )
        )
    return result


def _json_authors(obj: dict[str, Any]) -> list[str]:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj["author"]] if isinstance(obj.get("author"), dict) else []
    return [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]

"""Feed documents into :class:`RawEntry` lists: RSS 0.9x/1.0/2.0 and Atom via feedparser, JSON Feed.

Safety first: a document whose DOCTYPE declares entities is refused before any XML parser sees
it (the billion-laughs attack needs entity declarations; real feeds never have them), so memory
stays bounded whatever the entities would expand to. The body size is already capped by the HTTP
client. A "bozo" feed (not well-formed) that still yields entries is used and the reason kept; one
that yields none is an error for that feed. A UTF-8 document with a few broken bytes has them
replaced (:func:`repair_utf8`), so they do not garble the rest of it.

One bad item never fails its feed: each item is read on its own, and one that cannot be (a JSON
Feed item whose title is a number, whose url is a list, whose date is an object, or nested past
:data:`MAX_JSON_DEPTH`) is left out and listed in ``ParsedFeed.skipped`` with the reason.

Parsing is synchronous and CPU-bound: callers run big documents in a thread.
"""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import feedparser

from streams.errors import NewsstreamError

JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")
_PROLOG_SCAN = 64 * 1024
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_REPLACED_RUN = re.compile("\ufffd+")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
# A feed item is four levels deep; a document deeper than this is pruned before json.loads,
# whose recursion would otherwise fail the whole document (RecursionError at ~1,000 levels).
MAX_JSON_DEPTH = 32
_TOO_DEEP = "\x00newsstream: nested too deep"  # what a pruned value becomes
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
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


class ItemInvalid(ValueError):
    """One item cannot be used; ``reason`` is a short label (``wrong_type``, ``too_deep``...)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """An item left out of its feed, and why; ``index`` is its position in the document."""

    index: int
    reason: str
    detail: str

    @classmethod
    def of(cls, index: int, exc: Exception) -> SkippedItem:
        if isinstance(exc, ItemInvalid):
            return cls(index, exc.reason, str(exc))
        return cls(index, "error", f"{type(exc).__name__}: {exc}"[:300])

    def __str__(self) -> str:
        return f"item {self.index}: {self.reason}: {self.detail}"


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
    skipped: list[SkippedItem] = field(default_factory=list)  # items that could not be read


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


def repair_utf8(body: bytes, content_type: str = "") -> tuple[bytes, str | None]:
    """``body`` with invalid UTF-8 sequences replaced by U+FFFD, when it is UTF-8 with damage;
    the second value says what was done (None: nothing).

    Why: feedparser, given a document declared UTF-8 that does not decode, reads the whole
    document as windows-1252 instead, so one broken byte in one item turns every "Città" of
    every other item into "CittÃ\xa0", silently. The repair applies only when no declaration
    (HTTP charset, XML declaration) names another encoding and the valid non-ASCII characters
    outnumber the runs of invalid bytes; a legacy-encoded document mislabelled UTF-8 has next to
    no valid ones and is left to feedparser's fallback, which reads it right.
    """
    declared = [m.group(1).decode("ascii") for m in [_XML_ENCODING.match(body[:_PROLOG_SCAN])] if m]
    declared += [m.group(1) for m in [_CHARSET.search(content_type)] if m]
    if any(d.lower().replace("_", "-") not in ("utf-8", "utf8") for d in declared):
        return body, None
    try:
        body.decode("utf-8")
        return body, None
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = len(_REPLACED_RUN.findall(text))  # a broken sequence may be several U+FFFD
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced
    if good <= bad:
        return body, None
    return text.encode("utf-8"), f"{bad} invalid UTF-8 sequences replaced with U+FFFD"


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
        return parse_json_feed(body, url=url, max_entries=max_entries)
    reject_entity_declarations(body)
    body, repaired = repair_utf8(body, content_type)
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    bozo_reason = repaired
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        bozo_reason = f"{type(exc).__name__}: {exc}" if exc else "not well-formed"
        bozo_reason = f"{repaired}; {bozo_reason}" if repaired else bozo_reason
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
    for index, e in enumerate(entries):
        try:
            result.entries.append(_from_feedparser(e))
        except Exception as exc:  # one bad item never fails its feed
            result.skipped.append(SkippedItem.of(index, exc))
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


def parse_json_feed(body: bytes, *, url: str = "", max_entries: int = 20_000) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1); relative item URLs resolve
    against ``url``, as feedparser resolves them in RSS and Atom."""
    try:
        try:
            doc = json.loads(body)
        except RecursionError:
            doc = json.loads(prune_deep_json(body, MAX_JSON_DEPTH))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FeedParseError(f"invalid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise FeedParseError("JSON document is not a JSON Feed (no items list)")
    version = str(doc.get("version", ""))
    if version not in JSON_FEED_VERSIONS:
        raise FeedParseError(f"unknown JSON Feed version {version!r}")
    items: list[Any] = doc["items"]
    result = ParsedFeed(
        format="json11" if version.endswith("1.1") else "json10",
        title=str(doc.get("title", "")),
        link=doc.get("home_page_url"),
        language=doc.get("language"),
    )
    if len(items) > max_entries:
        result.truncated = len(items) - max_entries
        items = items[:max_entries]
    feed_authors = _json_authors(doc) if isinstance(doc.get("authors", []), list) else []
    for index, item in enumerate(items):
        try:
            result.entries.append(_json_item(item, url, feed_authors))
        except Exception as exc:  # one bad item never fails its feed
            result.skipped.append(SkippedItem.of(index, exc))
    return result


def _json_item(item: Any, base_url: str, feed_authors: list[str]) -> RawEntry:
    """One JSON Feed item; raises :class:`ItemInvalid` when a field has the wrong type."""
    if not isinstance(item, dict):
        raise ItemInvalid("wrong_type", f"an item is an object, not {type(item).__name__}")
    if _too_deep(item, MAX_JSON_DEPTH):
        raise ItemInvalid("too_deep", f"nested deeper than {MAX_JSON_DEPTH} levels")

    def text(name: str) -> str | None:
        value = item.get(name)
        if value is None or isinstance(value, str):
            return value
        raise ItemInvalid("wrong_type", f"{name} is {type(value).__name__}, not a string")

    guid = item.get("id")
    if isinstance(guid, bool) or not isinstance(guid, str | int | None):
        raise ItemInvalid("wrong_type", f"id is {type(guid).__name__}, not a string")
    link = text("url") or text("external_url")
    tags = item.get("tags") or []
    if not isinstance(tags, list):
        raise ItemInvalid("wrong_type", f"tags is {type(tags).__name__}, not a list")
    return RawEntry(
        link=urljoin(base_url, link) if link and base_url else link or None,
        guid=str(guid) if guid is not None else None,
        title=text("title") or "",
        summary=text("summary") or "",
        content=text("content_html") or text("content_text") or "",
        published=text("date_published"),
        updated=text("date_modified"),
        authors=_json_authors(item) or feed_authors,
        tags=[t for t in tags if isinstance(t, str) and t],
    )


def prune_deep_json(body: bytes, max_depth: int) -> bytes:
    """``body`` with every array or object deeper than ``max_depth`` replaced by a marker string.

    Brackets inside strings are skipped by the tokenizer, so only the structure is counted; the
    loop runs once per bracket or string, in linear time, with no recursion.
    """
    out: list[bytes] = []
    marker = json.dumps(_TOO_DEEP).encode()
    depth, copied, cut_at = 0, 0, -1
    for match in _JSON_TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth == max_depth + 1:
                cut_at = match.start()
        elif token in (b"]", b"}"):
            if depth == max_depth + 1 and cut_at >= 0:
                out += [body[copied:cut_at], marker]
                copied, cut_at = match.end(), -1
            depth -= 1
    out.append(body[copied:] if cut_at < 0 else body[copied:cut_at] + marker)
    return b"".join(out)


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests past ``limit`` levels or holds a pruned value (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if current == _TOO_DEEP or depth > limit:
            return True
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)
    return False


def _json_authors(obj: dict[str, Any]) -> list[str]:
    authors = obj.get("authors")
    if not isinstance(authors, list):
        authors = [obj["author"]] if isinstance(obj.get("author"), dict) else []
    return [str(a["name"]) for a in authors if isinstance(a, dict) and a.get("name")]

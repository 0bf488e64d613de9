"""Raw feed items into ``FeedEntry`` records: canonical URLs, stable ids, clean text, UTC dates.

The article id is the key of every record downstream, so it must be the same whichever feed,
tracking link or fragment brought the article: it is a hash of the canonical URL (tracking
parameters and fragment stripped, host lower-cased, query sorted), or of the GUID when an item
has no link. Syndicated copies of one story (same title and lead, different URLs) share a content
fingerprint; the poller turns it into ``cluster_id`` / ``duplicate_of``.

``url`` is only ever an http(s) link or an inert identifier: a ``javascript:``, ``data:`` or
``file:`` link is no link (the item is known by its GUID), and a link-less item's GUID stands in
only when it is a ``tag:`` or ``urn:`` URI; otherwise the URL is ``urn:newsstream:<article id>``.
Kibana renders ``url`` as a link, so nothing else may be stored there.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from streams.feed_parser import ItemInvalid, RawEntry
from streams.records import FeedEntry

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "icid",
        "ito",
        "cmpid",
        "ocid",
        "xtor",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "smid",
        "sr_share",
        "spm",
        "ref_src",
        "ref_url",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "wt_mc",
        "wt.mc_id",
        "cmp",
        "intcmp",
        "__twitter_impression",
        "guccounter",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "at_", "ns_")
INERT_GUID_SCHEMES = ("tag", "urn")  # GUIDs that may stand in as a URL: no browser follows them
FUTURE_TOLERANCE = timedelta(minutes=10)
_WS = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_C1 = re.compile("[\x80-\x9f]")
_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote")


def canonical_url(url: str) -> str:
    """The URL without tracking parameters and fragment, host lower-cased, query sorted.

    Raises ``ValueError`` for a URL that cannot be split (a bad port, an open bracket).
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    port = (
        parts.port
        if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443))
        else None
    )
    netloc = host if port is None else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query, doseq=True), ""))


def stable_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def article_id_for(url: str | None, guid: str | None, feed_url: str) -> str:
    """Hash of the canonical URL; of feed URL + GUID when the item has no usable link."""
    if url:
        return stable_id(canonical_url(url))
    if guid:
        return stable_id(f"guid:{feed_url}\n{guid}")
    raise ValueError("an entry needs a link or a GUID")


def source_of(url: str) -> str:
    """The publisher's domain as people say it: ``www.ansa.it`` -> ``ansa.it``."""
    host = (urlsplit(url).hostname or "").lower()
    for prefix in ("www.", "www1.", "www2.", "m.", "amp.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def fix_c1_controls(text: str) -> str:
    """Characters U+0080-U+009F are windows-1252 bytes decoded as ISO-8859-1 (a feed that lies
    about its encoding, as browsers assume): map them back to what was meant (€, “, ”, –...)."""

    def repl(m: re.Match[str]) -> str:
        try:
            return m.group().encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:
            return ""

    return _C1.sub(repl, text)


def clean_text(value: str) -> str:
    """HTML or text into one line of plain text: tags dropped, entities decoded, spaces folded."""
    if not value:
        return ""
    text = value
    if "<" in value and ">" in value:
        try:
            root = lxml.html.fragment_fromstring(value, create_parent="div")
            etree.strip_elements(root, "script", "style", with_tail=False)
            for el in root.iter(*_BLOCK_TAGS):
                el.tail = " " + (el.tail or "")
            text = root.text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]+>", " ", value)
    text = html.unescape(text)
    text = fix_c1_controls(unicodedata.normalize("NFC", text))
    text = "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch) != "Cc")
    return _WS.sub(" ", text).strip()


def fingerprint(title: str, summary: str) -> str | None:
    """A hash of the story's words (title + start of the lead), equal for syndicated copies."""
    words = [w.lower() for w in _TOKEN.findall(title)]
    if len(words) < 3:
        return None  # "Live", "Update": too short to say two items are the same story
    words += [w.lower() for w in _TOKEN.findall(summary)][:40]
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()[:20]


def cluster_id_for(fp: str) -> str:
    return f"c{fp}"


def parse_date(
    raw: str | None, parsed_utc: float | None, *, now: datetime, flags: list[str], field: str
) -> datetime | None:
    """A UTC datetime from the parser's result, ISO 8601, or dateparser for anything else.

    Dates in the future (beyond a small clock-skew tolerance) are clamped to ``now`` and flagged:
    a feed that dates its items tomorrow must not sort them above everything for a day.
    """
    when: datetime | None = None
    if parsed_utc is not None:
        when = datetime.fromtimestamp(parsed_utc, UTC)
    elif raw and raw.strip():
        text = raw.strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            when = _loose_date(text)
            if when is not None:
                flags.append(f"{field}_parsed_loosely")
        if when is not None and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when is None:
            flags.append(f"{field}_unparsed")
    if when is None:
        return None
    when = when.astimezone(UTC)
    if when > now + FUTURE_TOLERANCE:
        flags.append("future_clamped" if field == "published" else f"{field}_future_clamped")
        when = now
    return when


def _loose_date(text: str) -> datetime | None:
    import dateparser  # slow to import; only feeds with non-standard dates need it

    return dateparser.parse(
        text,
        settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True, "TO_TIMEZONE": "UTC"},
    )


def http_link(text: str | None) -> str | None:
    """``text`` when it is a usable http(s) URL with a host, else None (javascript:, file:,
    data:, a bad port or bracket: such a link is no link)."""
    link = text.strip() if text else None
    if not link:
        return None
    try:
        parts = urlsplit(link)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return link


def entry_identity(raw: RawEntry, feed_url: str) -> tuple[str, str | None, str | None]:
    """(article id, http link, GUID) of an item: cheap, so seen items are skipped before the
    costlier normalisation. Raises :class:`ItemInvalid` for an item with neither link nor GUID."""
    link = http_link(raw.link)
    guid = raw.guid.strip() if raw.guid else None
    if not link and guid:
        link = http_link(guid)  # RSS guid isPermaLink
    if not link and not guid:
        raise ItemInvalid("no_identity", "the item has neither an http(s) link nor a GUID")
    return article_id_for(link, guid, feed_url), link, guid


def stand_in_url(guid: str | None, article_id: str) -> str:
    """The ``url`` of an item with no http(s) link: its GUID if inert (``tag:``, ``urn:``)."""
    try:
        if guid and urlsplit(guid).scheme.lower() in INERT_GUID_SCHEMES:
            return guid
    except ValueError:  # "[" in a GUID: urlsplit reads it as an IPv6 host
        pass
    return f"urn:newsstream:{article_id}"


def normalise_entry(
    raw: RawEntry,
    *,
    feed_url: str,
    feed_name: str,
    lang: str | None,
    feed_tags: list[str],
    now: datetime,
) -> FeedEntry:
    """One ``FeedEntry``; raises :class:`ItemInvalid` for an item with neither link nor GUID."""
    article_id, link, guid = entry_identity(raw, feed_url)
    # The record needs a URL: a link-less item gets an inert one, which the fetch stage
    # recognises as not downloadable.
    url = canonical_url(link) if link else stand_in_url(guid, article_id)
    flags: list[str] = []
    published = parse_date(
        raw.published, raw.published_utc, now=now, flags=flags, field="published"
    )
    updated = parse_date(raw.updated, raw.updated_utc, now=now, flags=flags, field="updated")
    if published is None:
        published = updated
        if published is None:
            flags.append("missing")
    title = clean_text(raw.title)
    summary = clean_text(raw.summary)
    content = clean_text(raw.content)
    if content == summary:
        content = ""
    fp = fingerprint(title, summary or content)
    tags = list(dict.fromkeys([*(clean_text(t) for t in raw.tags), *feed_tags]))
    return FeedEntry(
        article_id=article_id,
        url=url,
        feed_url=feed_url,
        feed_name=feed_name,
        source=source_of(url if link else feed_url),
        title=title,
        summary=summary,
        content=content,
        lang=lang,
        published_at=published,
        updated_at=updated,
        date_flags=flags,
        authors=list(dict.fromkeys(a for a in (clean_text(x) for x in raw.authors) if a)),
        tags=[t for t in tags if t],
        guid=guid,
        fingerprint=fp,
        cluster_id=cluster_id_for(fp) if fp else None,
        polled_at=now,
    )

"""The fetch stage: news.entries -> news.articles, with each article's full text.

Most feeds carry only a summary, so the article page is downloaded (per-host limits, robots.txt
respected and cached per host, size and time caps: :class:`streams.http.PoliteClient`) and its
main text extracted with trafilatura. When the page cannot be had (robots.txt says no, an error,
no main text found), the feed's own content or summary is used and the record says so
(``text_source="feed"``, ``fetch_error``). An entry with no text at all, neither page nor feed,
goes to news.deadletter with the reason; so does one whose link the fetch fence refuses (a
loopback, private or other non-public address, a redirect to one, credentials in the URL: see
:mod:`streams.fence`). A refused link is never fetched, robots.txt included, and never falls back
to the feed's text: the feed that sent it is hostile or broken, and the dead letter says which.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
import urllib.robotparser
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import faust
import trafilatura

from streams.app import Topics
from streams.errors import FetchError, LinkRefused
from streams.health import AgentHealth, oldest_timestamp, supervised
from streams.http import PoliteClient, TransferError, TransferErrorKind
from streams.metrics import Metrics
from streams.records import Article, DeadLetter, FeedEntry, Stage, TextSource
from streams.settings import Settings

log = logging.getLogger(__name__)

HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
MIN_PAGE_TEXT = 200  # shorter "main text" is usually a cookie wall or a teaser
ROBOTS_TTL = 24 * 3600.0
ROBOTS_MAX_BYTES = 512 * 1024
_ROBOTS_NUMBER_FIELDS = ("crawl-delay", "request-rate")
_LONGEST_DELAY = "999999999"  # what an absurdly long Crawl-delay becomes (and is then capped)


@dataclass(slots=True)
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: everything allowed
    fetched_at: float


class RobotsCache:
    """robots.txt per host (scheme + authority), fetched once a day, one fetch per host at once.

    A missing robots.txt (4xx) allows everything; one that cannot be fetched (5xx, timeout)
    disallows the host until the next try, as RFC 9309 asks. Its Crawl-delay for our agent is
    handed to the client, which spaces later requests to the host by it (capped:
    :meth:`PoliteClient.set_crawl_delay`).
    """

    def __init__(self, client: PoliteClient, *, user_agent: str, ttl: float = ROBOTS_TTL) -> None:
        self.client = client
        self.agent = user_agent.split("/")[0]
        self.ttl = ttl
        self._hosts: dict[str, _Robots] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str, *, linked_from: str | None = None) -> bool:
        """Whether robots.txt lets us fetch ``url``; a fence refusal of its host propagates
        (a :class:`TransferError` of kind ``refused``) and nothing is cached."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            robots = self._hosts.get(origin)
            if robots is None or time.time() - robots.fetched_at > self.ttl:
                robots = self._hosts[origin] = await self._fetch(origin, linked_from)
                delay = robots.parser.crawl_delay(self.agent) if robots.parser else None
                self.client.set_crawl_delay(origin, float(delay) if delay is not None else None)
        return robots.parser is None or robots.parser.can_fetch(self.agent, url)

    async def _fetch(self, origin: str, linked_from: str | None) -> _Robots:
        now = time.time()
        try:
            resp = await self.client.get(
                f"{origin}/robots.txt",
                accept="text/plain",
                max_body_bytes=ROBOTS_MAX_BYTES,
                linked_from=linked_from,
            )
        except TransferError as exc:
            if exc.kind is TransferErrorKind.REFUSED:
                raise
            if exc.status is not None and 400 <= exc.status < 500:
                return _Robots(None, now)
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(["User-agent: *", "Disallow: /"])
            return _Robots(parser, now)
        return _Robots(parse_robots(resp.body.decode("utf-8", errors="replace")), now)


def parse_robots(text: str) -> urllib.robotparser.RobotFileParser:
    """A robots.txt parsed by ``urllib.robotparser``, which must not raise on any text.

    Why: robotparser calls ``int()`` on every Crawl-delay and Request-rate value that
    ``str.isdigit()`` accepts, which includes "²" (or ``%C2%B2``, which it unquotes) and
    5,000-digit numbers: both raise ValueError, and every article of the host would fail
    with it. Such a value is made harmless first: a too-long Crawl-delay reads as
    ``_LONGEST_DELAY`` (the client caps it), anything else as no value at all.
    """
    parser = urllib.robotparser.RobotFileParser()
    parser.parse([_harmless_robots_line(line) for line in text.splitlines()])
    return parser


def _harmless_robots_line(line: str) -> str:
    name, colon, value = line.partition(":")
    key = name.strip().lower()
    if not colon or key not in _ROBOTS_NUMBER_FIELDS:
        return line
    value = urllib.parse.unquote(value.split("#", 1)[0].strip())  # as robotparser reads it
    parts = [p.strip() for p in value.split("/")]
    if all(not p.isdigit() or (p.isascii() and len(p) <= len(_LONGEST_DELAY)) for p in parts):
        return line
    if key == "crawl-delay" and value.isascii():
        return f"{name}: {_LONGEST_DELAY}"
    return f"{name}: unreadable"


def extract_main_text(html: bytes, url: str) -> str:
    """The article's main text (trafilatura); "" when none was found. CPU-bound: use a thread."""
    text = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    return (text or "").strip()


async def fetch_article(
    entry: FeedEntry,
    client: PoliteClient,
    settings: Settings,
    *,
    robots: RobotsCache | None = None,
) -> Article:
    """The entry with its full text: the page's main text, or the feed's own text and why.

    Raises :class:`FetchError` when there is no text at all (the record would be empty), and
    :class:`LinkRefused` when the fetch fence refuses the link or a redirect from it.
    """
    page_text, page_error = "", None
    if not settings.fetch.enabled:
        page_error = "page fetching is disabled"
    elif urlsplit(entry.url).scheme not in ("http", "https"):
        page_error = "the entry has no article URL"
    else:
        try:
            page_text, page_error = await _page_text(entry, client, settings, robots)
        except TransferError as exc:  # only a refusal leaves _page_text
            raise LinkRefused(entry.url, str(exc.refusal), str(exc)) from exc

    feed_text = entry.content or entry.summary
    if page_text:
        text, source = page_text, TextSource.PAGE
    elif feed_text:
        text, source = feed_text, TextSource.FEED
    else:
        raise FetchError(entry.url, f"no text: no page text ({page_error}) and none in the feed")
    return Article.from_entry(
        entry,
        text,
        text_source=source,
        fetched_at=datetime.now(UTC),
        fetch_error=page_error if source is TextSource.FEED else None,
    )


async def _page_text(
    entry: FeedEntry, client: PoliteClient, settings: Settings, robots: RobotsCache | None
) -> tuple[str, str | None]:
    """(main text, None) or ("", why not); a fence refusal is raised, not returned.

    The feed's own host is exempt from the fence: its pages are where it says they are.
    """
    url = entry.url
    if settings.fetch.respect_robots:
        robots = robots or RobotsCache(client, user_agent=settings.poller.user_agent)
        if not await robots.allowed(url, linked_from=entry.feed_url):
            return "", "disallowed by robots.txt"
    try:
        resp = await client.get(
            url,
            accept=HTML_ACCEPT,
            max_body_bytes=settings.fetch.max_body_bytes,
            linked_from=entry.feed_url,
        )
    except TransferError as exc:
        if exc.kind is TransferErrorKind.REFUSED:
            raise
        return "", f"{exc.kind.value}: {exc}"
    ctype = resp.content_type.split(";")[0].strip().lower()
    if ctype and ctype not in HTML_TYPES:
        return "", f"not an HTML page ({ctype})"
    text = await asyncio.to_thread(extract_main_text, resp.body, resp.url)
    if len(text) < MIN_PAGE_TEXT:
        return "", "no main text found on the page"
    return text, None


def dead_letter(entry: FeedEntry, exc: BaseException, source_topic: str) -> DeadLetter:
    return DeadLetter(
        stage=Stage.FETCH.value,
        error_type=type(exc).__name__,
        reason=str(exc) or type(exc).__name__,
        original=entry.asdict(),
        key=entry.article_id,
        source_topic=source_topic,
        feed_url=entry.feed_url,
        failed_at=datetime.now(UTC),
    )


def register_fetch(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics | None = None
) -> None:
    """The fetch agent on news.entries; one HTTP client and robots cache shared by its actors,
    so the per-host limits hold across them."""
    fetch = settings.fetch
    shared: dict[str, Any] = {}

    def resources() -> tuple[PoliteClient, RobotsCache]:
        if "client" not in shared:
            client = PoliteClient.for_pages(fetch, user_agent=settings.poller.user_agent)
            shared["client"] = client
            shared["robots"] = RobotsCache(client, user_agent=settings.poller.user_agent)
        return shared["client"], shared["robots"]

    async def _dead_letter(entry: FeedEntry, exc: BaseException) -> None:
        letter = dead_letter(entry, exc, topics.entries.get_topic_name())
        await (await topics.deadletter.send(key=entry.article_id, value=letter))
        if metrics is not None:
            metrics.deadlettered.labels(Stage.FETCH.value).inc()

    health = metrics.health if metrics is not None else AgentHealth()

    @app.agent(topics.entries, name="fetch", concurrency=fetch.concurrency)
    @supervised(health, "fetch")
    async def fetch_pages(stream: faust.StreamT[FeedEntry]) -> None:
        actor = id(stream)
        async for entry in stream:
            health.holding("fetch", oldest_timestamp([stream.current_event]), actor)
            await fetch_one(entry)
            health.released("fetch", actor)

    async def fetch_one(entry: FeedEntry) -> None:
        """The entry's article to news.articles, or its dead letter; never raises."""
        client, robots = resources()
        try:
            article = await fetch_article(entry, client, settings, robots=robots)
        except LinkRefused as exc:
            log.warning(
                "link refused by the fetch fence, dead-lettered",
                extra={"article_id": entry.article_id, "url": entry.url, "reason": str(exc)},
            )
            await _dead_letter(entry, exc)
            if metrics is not None:
                metrics.fetch_refused.labels(exc.reason).inc()
            return
        except Exception as exc:  # the record must reach the dead letters, whatever broke
            log.warning(
                "fetch failed, dead-lettered",
                extra={"article_id": entry.article_id, "reason": str(exc)},
            )
            await _dead_letter(entry, exc)
            return
        # acknowledged before the offset of the entry can be committed
        await (await topics.articles.send(key=article.article_id, value=article))
        if metrics is not None:
            metrics.articles.labels(Stage.FETCH.value).inc()

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_client(app: Any, **kwargs: Any) -> None:
        client = shared.pop("client", None)
        if client is not None:
            await client.aclose()

"""fetch_article against the local server: page text, robots.txt, and the feed-text fallback."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin

import pytest
from feedserver import FeedServer, Route

from agents.fetch import RobotsCache, fetch_article, parse_robots
from streams.errors import FetchError
from streams.http import PoliteClient
from streams.records import FeedEntry, TextSource
from streams.settings import FetchSettings, Settings, load_settings

PARAGRAPHS = [
    "The regional council approved the new budget on Tuesday after a debate that lasted"
    " more than nine hours, with 31 votes in favour and 17 against.",
    "The plan allocates 240 million euros to public transport and 85 million to schools,"
    " the council's president told reporters after the vote.",
    "Opposition members said the figures did not add up and announced an appeal to the"
    " regional court, which is expected to rule before the end of the year.",
]
PAGE = (
    "<html><head><title>Budget approved</title></head><body>"
    "<nav><a href='/'>Home</a> | <a href='/politics'>Politics</a></nav>"
    "<article><h1>Council approves the budget</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article><footer>Cookie policy. All rights reserved.</footer></body></html>"
).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        srv.set(
            "/robots.txt",
            Route(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        )
        yield srv


@pytest.fixture
def settings() -> Settings:
    base = load_settings()
    return base.model_copy(
        update={
            "fetch": FetchSettings(timeout=1.0, politeness_delay=0.0, max_body_bytes=200_000),
        }
    )


def entry(url: str, *, summary: str = "Short feed summary.", content: str = "") -> FeedEntry:
    return FeedEntry(
        article_id="a" * 32,
        url=url,
        feed_url=urljoin(url, "/feed.xml"),  # the page is on the feed's own host: not fenced
        feed_name="Test",
        source="127.0.0.1",
        title="Council approves the budget",
        summary=summary,
        content=content,
        cluster_id="c1",
        tags=["politics"],
    )


def client_for(settings: Settings) -> PoliteClient:
    return PoliteClient.for_pages(settings.fetch, user_agent=settings.poller.user_agent)


async def test_page_text_is_extracted(server: FeedServer, settings: Settings) -> None:
    url = server.set("/news/budget.html", Route(body=PAGE, content_type="text/html"))
    async with client_for(settings) as client:
        article = await fetch_article(entry(url), client, settings)
    assert article.text_source == TextSource.PAGE.value and article.fetch_error is None
    assert "240 million euros" in article.text and "regional court" in article.text
    assert "Cookie policy" not in article.text
    assert article.article_id == "a" * 32 and article.cluster_id == "c1"
    assert article.tags == ["politics"]


async def test_robots_txt_is_respected(server: FeedServer, settings: Settings) -> None:
    url = server.set("/private/secret.html", Route(body=PAGE, content_type="text/html"))
    server.hits.clear()
    async with client_for(settings) as client:
        article = await fetch_article(entry(url), client, settings)
    assert article.text_source == TextSource.FEED.value
    assert article.text == "Short feed summary."
    assert article.fetch_error == "disallowed by robots.txt"
    assert server.hits["/private/secret.html"] == 0


async def test_robots_is_fetched_once_per_host(server: FeedServer, settings: Settings) -> None:
    urls = [
        server.set(f"/news/{i}.html", Route(body=PAGE, content_type="text/html")) for i in range(3)
    ]
    server.hits.clear()
    async with client_for(settings) as client:
        robots = RobotsCache(client, user_agent=settings.poller.user_agent)
        for url in urls:
            await fetch_article(entry(url), client, settings, robots=robots)
    assert server.hits["/robots.txt"] == 1


async def test_failures_fall_back_to_the_feed_text(server: FeedServer, settings: Settings) -> None:
    cases = {
        "missing": server.url("/news/does-not-exist.html"),
        "slow": server.set("/news/slow.html", Route(body=PAGE, content_type="text/html", delay=3)),
        "pdf": server.set("/news/doc.pdf", Route(body=b"%PDF-1.4", content_type="application/pdf")),
        "empty": server.set(
            "/news/empty.html",
            Route(body=b"<html><body><p>Hi</p></body></html>", content_type="text/html"),
        ),
        "huge": server.set(
            "/news/huge.html", Route(body=b"<p>x</p>" * 100_000, content_type="text/html")
        ),
    }
    started = time.monotonic()
    async with client_for(settings) as client:
        results = {
            name: await fetch_article(entry(url, content="Full feed content."), client, settings)
            for name, url in cases.items()
        }
    assert time.monotonic() - started < 8
    for name, article in results.items():
        assert article.text_source == TextSource.FEED.value, name
        assert article.text == "Full feed content.", name  # content preferred to summary
        assert article.fetch_error, name
    assert "404" in (results["missing"].fetch_error or "")
    assert "timeout" in (results["slow"].fetch_error or "")
    assert "not an HTML page" in (results["pdf"].fetch_error or "")
    assert "no main text" in (results["empty"].fetch_error or "")
    assert "too_large" in (results["huge"].fetch_error or "")


async def test_no_text_anywhere_is_an_error(server: FeedServer, settings: Settings) -> None:
    async with client_for(settings) as client:
        with pytest.raises(FetchError) as caught:
            await fetch_article(
                entry(server.url("/news/nothing.html"), summary=""), client, settings
            )
    assert "404" in str(caught.value)


async def test_disabled_fetching_uses_the_feed(server: FeedServer, settings: Settings) -> None:
    url = server.set("/news/budget2.html", Route(body=PAGE, content_type="text/html"))
    off = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"enabled": False})}
    )
    server.hits.clear()
    async with client_for(off) as client:
        article = await fetch_article(entry(url), client, off)
    assert article.text_source == TextSource.FEED.value and "disabled" in (
        article.fetch_error or ""
    )
    assert server.hits["/news/budget2.html"] == 0


def arrival_gaps(srv: FeedServer) -> list[float]:
    """Seconds between consecutive requests the server received (robots.txt included)."""
    times = sorted(t for t, _ in srv.times)
    return [b - a for a, b in itertools.pairwise(times)]


async def test_crawl_delay_spaces_requests_to_its_host_up_to_the_cap(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    robots = {"delayed": b"Crawl-delay: 1\n", "plain": b"", "hostile": b"Crawl-delay: 100000\n"}
    polite = settings.model_copy(
        update={
            "fetch": settings.fetch.model_copy(
                update={"politeness_delay": 0.2, "max_crawl_delay": 1.5}
            )
        }
    )
    servers = {name: FeedServer().start() for name in robots}
    try:
        urls: dict[str, list[str]] = {}
        for name, srv in servers.items():
            srv.set(
                "/robots.txt",
                Route(body=b"User-agent: *\n" + robots[name], content_type="text/plain"),
            )
            urls[name] = [
                srv.set(f"/news/{i}.html", Route(body=PAGE, content_type="text/html"))
                for i in range(2)
            ]
        caplog.set_level(logging.WARNING, logger="streams.http")
        async with client_for(polite) as client:
            cache = RobotsCache(client, user_agent=polite.poller.user_agent)
            articles = await asyncio.gather(
                *(
                    fetch_article(entry(url), client, polite, robots=cache)
                    for pages in urls.values()
                    for url in pages
                )
            )
        gaps = {name: arrival_gaps(srv) for name, srv in servers.items()}
    finally:
        for srv in servers.values():
            srv.stop()
    assert all(a.text_source == TextSource.PAGE.value for a in articles)
    assert all(len(g) == 2 for g in gaps.values())  # robots.txt, then two pages, per host
    tolerance = 0.1  # server-side arrival times: connection set-up jitter, not our spacing
    assert all(g >= 1.0 - tolerance for g in gaps["delayed"]), gaps
    assert all(0.2 - tolerance <= g < 1.0 - tolerance for g in gaps["plain"]), gaps
    assert all(1.5 - tolerance <= g < 3.0 for g in gaps["hostile"]), gaps  # capped, not parked
    assert "Crawl-delay 100000s: capped at fetch.max_crawl_delay=1.5s" in caplog.text


@pytest.mark.parametrize("value", ["\u00b2", "%C2%B2", "9" * 5000, "9" * 400])
def test_unreadable_crawl_delay_never_fails_robots_txt(value: str) -> None:
    # urllib.robotparser alone raises ValueError on each of these
    parser = parse_robots(f"User-agent: *\nCrawl-delay: {value}\nDisallow: /private/\n")
    assert not parser.can_fetch("newsstream", "http://h/private/x")
    assert parser.can_fetch("newsstream", "http://h/news/x")
    delay = parser.crawl_delay("newsstream")
    assert delay is None or int(delay) == 999_999_999  # a huge number is huge, then capped


async def test_an_undated_entry_is_dated_when_fetched_and_says_so(
    server: FeedServer, settings: Settings
) -> None:
    off = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"enabled": False})}
    )
    async with client_for(off) as client:
        undated = await fetch_article(entry(server.url("/news/undated.html")), client, off)
        dated_entry = entry(server.url("/news/dated.html"))
        dated_entry.published_at = datetime(2026, 11, 1, tzinfo=UTC)
        dated = await fetch_article(dated_entry, client, off)
    assert undated.published_at == undated.fetched_at is not None
    assert undated.published_at_is_fetched_at
    assert dated.published_at == datetime(2026, 11, 1, tzinfo=UTC)
    assert not dated.published_at_is_fetched_at

"""The fetch agent in a Faust test context: entries in, articles or dead letters out.

The output topics are replaced by recorders (what would leave the process), so the agent's own
code (client sharing, the feed-text fallback, dead-lettering) runs without a broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urljoin

import faust
import pytest
from feedserver import FeedServer

from agents.fetch import register_fetch
from streams.app import Topics
from streams.metrics import Metrics
from streams.records import Article, DeadLetter, FeedEntry, TextSource
from streams.settings import FetchSettings, Settings, load_settings


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


class Outbox:
    """Stands in for an output topic: what leaves the process is recorded, not produced."""

    def __init__(self) -> None:
        self.sent: list[object] = []

    async def send(self, *, key: str, value: object) -> asyncio.Future[None]:
        self.sent.append(value)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def entry(article_id: str, url: str, summary: str, *, feed_url: str | None = None) -> FeedEntry:
    return FeedEntry(
        article_id=article_id,
        url=url,
        # by default the page is on the feed's own host: not fenced
        feed_url=feed_url or urljoin(url, "/f.xml"),
        feed_name="F",
        source="127.0.0.1",
        title="T",
        summary=summary,
    )


async def test_agent_sends_articles_and_dead_letters(server: FeedServer) -> None:
    base = load_settings()
    settings: Settings = base.model_copy(
        update={"fetch": FetchSettings(timeout=1.0, politeness_delay=0.0, concurrency=1)}
    )
    app = faust.App(
        "test-fetch-agent",
        broker="kafka://127.0.0.1:9092",
        store="memory://",
        web_enabled=False,
        autodiscover=False,
    )
    articles, letters = Outbox(), Outbox()
    topics = Topics(
        entries=app.topic("entries", key_type=str, value_type=FeedEntry),
        articles=articles,  # type: ignore[arg-type]
        enriched=Outbox(),  # type: ignore[arg-type]
        deadletter=letters,  # type: ignore[arg-type]
        replay=Outbox(),  # type: ignore[arg-type]
        story_queue=Outbox(),  # type: ignore[arg-type]
        storied=Outbox(),  # type: ignore[arg-type]
    )
    metrics = Metrics()
    register_fetch(app, topics, settings, metrics)
    agent = app.agents["fetch"]
    missing = server.url("/agent/missing.html")
    # a feed elsewhere links to the server's loopback address: refused, though it has a summary
    hostile = entry("a3", missing, "Feed summary", feed_url="http://feeds.example.org/rss")
    async with agent.test_context() as ctx:
        await asyncio.wait_for(ctx.put(key="a1", value=entry("a1", missing, "Feed summary")), 30)
        await asyncio.wait_for(ctx.put(key="a2", value=entry("a2", missing, "")), 30)
        await asyncio.wait_for(ctx.put(key="a3", value=hostile), 30)
        for _ in range(300):  # the agent fetches asynchronously
            if articles.sent and len(letters.sent) == 2:
                break
            await asyncio.sleep(0.05)
    (article,) = articles.sent
    letter, refused = sorted(letters.sent, key=lambda x: x.key)  # type: ignore[attr-defined]
    assert isinstance(article, Article)
    assert article.article_id == "a1" and article.text == "Feed summary"
    assert article.text_source == TextSource.FEED.value and "404" in (article.fetch_error or "")
    assert isinstance(letter, DeadLetter)
    assert letter.key == "a2" and letter.stage == "fetch" and "no text" in letter.reason
    assert letter.original is not None and letter.original["article_id"] == "a2"
    assert isinstance(refused, DeadLetter) and refused.key == "a3"
    assert refused.error_type == "LinkRefused" and "loopback" in refused.reason
    sample = metrics.registry.get_sample_value
    assert sample("newsstream_fetch_refused_total", {"reason": "loopback"}) == 1
    assert sample("newsstream_deadlettered_total", {"stage": "fetch"}) == 2
    assert server.hits["/agent/missing.html"] == 2  # a1 and a2: a3 was never fetched

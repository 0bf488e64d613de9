"""The poller against the local feed server (real HTTP on 127.0.0.1), state in memory.

Kafka-backed runs (``poll_once``) are in test_poller_kafka.py.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator

import pytest
from feedserver import (
    EPOCH,
    FeedServer,
    Route,
    billion_laughs,
    gzip_bomb,
    json_feed,
    news_items,
    rss,
    rss_date,
)

from streams.feed_state import MemoryFeedStore
from streams.feeds import Feed
from streams.http import PoliteClient
from streams.poller import FeedPoller, PollReport, PollStatus
from streams.records import FeedEntry
from streams.settings import PollerSettings


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


def poller_settings(**overrides: object) -> PollerSettings:
    base: dict[str, object] = {
        "politeness_delay": 0.0,
        "per_host_concurrency": 8,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_body_bytes": 2 * 1024 * 1024,
        "max_failures": 3,
    }
    base.update(overrides)
    return PollerSettings.model_validate(base)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Harness:
    """A poller with a memory store and a list that collects what it emits."""

    def __init__(self, settings: PollerSettings, client: PoliteClient) -> None:
        self.clock = Clock()
        self.store = MemoryFeedStore()
        self.poller = FeedPoller(settings, client, self.store, clock=self.clock)
        self.emitted: list[FeedEntry] = []

    async def emit(self, entries: list[FeedEntry]) -> None:
        self.emitted.extend(entries)

    async def round(self, feeds: list[Feed], *, force: bool = True) -> PollReport:
        return await self.poller.poll_due(feeds, self.emit, force=force)


async def run_rounds(settings: PollerSettings, feeds: list[Feed], rounds: int = 1):
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        reports = [await h.round(feeds) for _ in range(rounds)]
        return h, reports


def feed(url: str, name: str = "test", **kw: object) -> Feed:
    return Feed(url=url, name=name, **kw)  # type: ignore[arg-type]


async def test_second_round_is_answered_by_304_and_produces_nothing(server: FeedServer) -> None:
    url = server.set("/etag.xml", Route(body=rss(news_items("etag", 5)), etag="auto"))
    url2 = server.set(
        "/lm.xml", Route(body=rss(news_items("lm", 4)), last_modified=rss_date(EPOCH))
    )
    h, (first, second) = await run_rounds(poller_settings(), [feed(url), feed(url2)], rounds=2)
    assert first.entries_produced == 9
    assert second.count(PollStatus.NOT_MODIFIED) == 2
    assert second.entries_produced == 0
    assert second.wire_bytes == 0
    assert len({e.article_id for e in h.emitted}) == 9


async def test_changed_feed_produces_only_the_new_entries(server: FeedServer) -> None:
    url = server.set("/changing.xml", Route(body=rss(news_items("chg", 5)), etag="auto"))
    settings = poller_settings()
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        await h.round([feed(url)])
        server.routes["/changing.xml"].body = rss(news_items("chg", 7, start=-2))
        report = await h.round([feed(url)])
    assert report.outcomes[0].status == PollStatus.NEW
    assert sorted(e.url.rsplit("/", 1)[1] for e in report.outcomes[0].entries) == [
        "-1.html",
        "-2.html",
    ]
    assert len(h.emitted) == 7


async def test_entries_are_normalised(server: FeedServer) -> None:
    url = server.set("/norm.xml", Route(body=rss(news_items("norm", 1))))
    h, _ = await run_rounds(poller_settings(), [feed(url, "Norm", lang="en", tags=["x"])])
    (entry,) = h.emitted
    assert entry.url == "https://news.example.com/norm/0.html"
    assert entry.summary == "Lead paragraph of norm story 0: the council met."
    assert entry.source == "news.example.com"
    assert entry.lang == "en" and "x" in entry.tags
    assert entry.published_at is not None and entry.published_at.timestamp() == EPOCH
    assert entry.feed_url == url and entry.feed_name == "Norm"


async def test_permanent_redirect_updates_the_stored_url(server: FeedServer) -> None:
    target = server.set("/moved-here.xml", Route(body=rss(news_items("moved", 2))))
    old = server.set("/old.xml", Route(status=301, location="/moved-here.xml"))
    tmp = server.set("/tmp.xml", Route(status=302, location="/moved-here.xml"))
    h, (report,) = await run_rounds(poller_settings(), [feed(old), feed(tmp)])
    states = h.store.states
    assert states[old].url == target
    assert report.outcomes[0].moved_to == target or report.outcomes[1].moved_to == target
    assert states[tmp].url == tmp  # a temporary redirect leaves the URL alone
    assert len(h.emitted) == 2  # same articles via both feeds: produced once


async def test_308_chain_and_redirect_limit(server: FeedServer) -> None:
    server.set("/r308.xml", Route(status=308, location="/r308b.xml"))
    server.set("/r308b.xml", Route(body=rss(news_items("r308", 1))))
    for i in range(8):
        server.set(f"/loop{i}.xml", Route(status=302, location=f"/loop{i + 1}.xml"))
    h, (report,) = await run_rounds(
        poller_settings(max_redirects=5),
        [feed(server.url("/r308.xml")), feed(server.url("/loop0.xml"))],
    )
    by_url = {o.feed_url: o for o in report.outcomes}
    assert h.store.states[server.url("/r308.xml")].url == server.url("/r308b.xml")
    looped = by_url[server.url("/loop0.xml")]
    assert looped.status == PollStatus.FAILED and "redirects" in (looped.error or "")


async def test_410_disables_the_feed(server: FeedServer) -> None:
    url = server.set("/gone.xml", Route(status=410))
    h, (first, second) = await run_rounds(poller_settings(), [feed(url)], rounds=2)
    assert first.outcomes[0].status == PollStatus.DISABLED
    assert "410" in (first.outcomes[0].error or "")
    assert h.store.states[url].disabled
    assert second.outcomes[0].status == PollStatus.DISABLED
    assert server.hits["/gone.xml"] == 1  # a disabled feed is not requested again


async def test_429_retry_after_is_honoured(server: FeedServer) -> None:
    url = server.set("/busy.xml", Route(status=429, headers={"Retry-After": "3600"}))
    settings = poller_settings(backoff_base=10.0)
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        report = await h.round([feed(url)])
        state = h.store.states[url]
        assert report.outcomes[0].status == PollStatus.FAILED
        assert "retry after 3600" in (report.outcomes[0].error or "")
        assert state.next_poll_at - h.clock.now >= 3600
        again = await h.round([feed(url)], force=False)  # not due yet: no request
    assert again.outcomes[0].status == PollStatus.NOT_DUE
    assert server.hits["/busy.xml"] == 1


async def test_failures_back_off_exponentially_then_disable(server: FeedServer) -> None:
    url = server.url("/missing.xml")  # 404
    settings = poller_settings(backoff_base=60.0, max_failures=3)
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        delays = []
        for _ in range(3):
            await h.round([feed(url)])
            state = h.store.states[url]
            delays.append(state.next_poll_at - h.clock.now)
    assert delays[1] == pytest.approx(2 * delays[0])
    assert state.disabled and "3 consecutive failures" in (state.disabled_reason or "")


async def test_slow_server_times_out_cleanly(server: FeedServer) -> None:
    slow = server.set("/slow.xml", Route(body=rss(news_items("slow", 1)), delay=3.0))
    fast = server.set("/fast.xml", Route(body=rss(news_items("fast", 1))))
    started = time.monotonic()
    _h, (report,) = await run_rounds(
        poller_settings(read_timeout=0.5, connect_timeout=0.5), [feed(slow), feed(fast)]
    )
    assert time.monotonic() - started < 2.5
    by_url = {o.feed_url: o for o in report.outcomes}
    assert by_url[slow].status == PollStatus.FAILED
    assert "Timeout" in (by_url[slow].error or "") or "timeout" in (by_url[slow].error or "")
    assert by_url[fast].status == PollStatus.NEW


async def test_malformed_xml(server: FeedServer) -> None:
    broken = server.set("/broken.xml", Route(body=b"<rss><channel><title>oops</titl"))
    garbage = server.set("/garbage.xml", Route(body=b"\x00\x01 not a feed at all"))
    # not well-formed but with items: used, and the reason kept
    bozo = server.set(
        "/bozo.xml",
        Route(body=rss(news_items("bozo", 2)).replace(b"</channel>", b"<unclosed></channel>")),
    )
    h, (report,) = await run_rounds(poller_settings(), [feed(broken), feed(garbage), feed(bozo)])
    by_url = {o.feed_url: o for o in report.outcomes}
    assert by_url[broken].status == PollStatus.FAILED and by_url[broken].error
    assert by_url[garbage].status == PollStatus.FAILED
    assert by_url[bozo].status == PollStatus.NEW and by_url[bozo].bozo_reason
    assert h.store.states[bozo].bozo_reason


async def test_billion_laughs_is_rejected_with_bounded_memory(server: FeedServer) -> None:
    url = server.set("/lol.xml", Route(body=billion_laughs()))
    tracemalloc.start()
    try:
        h, (report,) = await run_rounds(poller_settings(), [feed(url)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outcome = report.outcomes[0]
    assert outcome.status == PollStatus.FAILED
    assert "entit" in (outcome.error or "")
    assert peak < 20 * 1024 * 1024
    assert not h.emitted


async def test_gzip_bomb_is_capped(server: FeedServer) -> None:
    bomb = gzip_bomb(64)
    url = server.set("/bomb.xml", Route(body=bomb, content_encoding="gzip"))
    settings = poller_settings(max_body_bytes=1024 * 1024)
    tracemalloc.start()
    try:
        _h, (report,) = await run_rounds(settings, [feed(url)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outcome = report.outcomes[0]
    assert outcome.status == PollStatus.FAILED
    assert "exceeds the cap" in (outcome.error or "")
    assert peak < 16 * 1024 * 1024  # 64 MiB would have been inflated without the cap
    assert len(bomb) < 200_000


async def test_compressed_feed_is_decoded(server: FeedServer) -> None:
    url = server.set("/gz.xml", Route(body=rss(news_items("gz", 30)), compress=True))
    h, (report,) = await run_rounds(poller_settings(), [feed(url)])
    assert report.outcomes[0].status == PollStatus.NEW and len(h.emitted) == 30
    assert report.wire_bytes < len(rss(news_items("gz", 30))) / 2


async def test_latin1_and_windows1252_feeds_are_decoded(server: FeedServer) -> None:
    latin = rss(
        [
            {
                "title": "Città, caffè e perché",
                "link": "http://example.org/l1",
                "description": "Über die Straße à Paris",
            }
        ],
        encoding="ISO-8859-1",
    )
    cp1252 = rss(
        [
            {
                "title": "“Quoted” – 5 €",
                "link": "http://example.org/w1",
                "description": "l’été dernier",
            }
        ],
        encoding="windows-1252",
    )
    # declared ISO-8859-1 but really windows-1252 (the usual lie): curly quotes in 0x80-0x9f
    mislabelled = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>\u201cIl governo\u201d \u2013 10 \u20ac</title>"
        "<link>http://example.org/m1</link></item></channel></rss>"
    ).encode("cp1252")
    urls = [
        server.set("/latin1.xml", Route(body=latin, content_type="application/rss+xml")),
        server.set("/cp1252.xml", Route(body=cp1252, content_type="text/xml")),
        server.set("/mislabelled.xml", Route(body=mislabelled, content_type="text/xml")),
    ]
    h, _ = await run_rounds(poller_settings(), [feed(u) for u in urls])
    titles = {e.url.rsplit("/", 1)[1]: e for e in h.emitted}
    assert titles["l1"].title == "Città, caffè e perché"
    assert titles["l1"].summary == "Über die Straße à Paris"
    assert titles["w1"].title == "“Quoted” – 5 €"
    assert titles["w1"].summary == "l’été dernier"
    assert titles["m1"].title == "“Il governo” – 10 €"


@pytest.mark.slow
async def test_ten_thousand_item_feed(server: FeedServer) -> None:
    body = rss(news_items("big", 10_000))
    url = server.set("/big.xml", Route(body=body, etag="auto"))
    started = time.monotonic()
    h, (_first, second) = await run_rounds(
        poller_settings(max_body_bytes=20 * 1024 * 1024), [feed(url)], rounds=2
    )
    assert len(h.emitted) == 10_000
    assert len({e.article_id for e in h.emitted}) == 10_000
    assert second.outcomes[0].status == PollStatus.NOT_MODIFIED
    assert time.monotonic() - started < 60


async def test_duplicates_across_two_feeds_are_marked_not_dropped(server: FeedServer) -> None:
    story = {
        "title": "Earthquake of magnitude 5.1 strikes central Italy",
        "description": "The quake was felt in Rome; no damage was reported, officials said.",
    }
    a = server.set(
        "/agency.xml",
        Route(
            body=rss(
                [
                    {**story, "link": "https://agency.example/eq-1", "guid": "a1"},
                    {"title": "Only in the agency feed today", "link": "https://agency.example/2"},
                ]
            )
        ),
    )
    b = server.set(
        "/paper.xml",
        Route(
            body=rss(
                [
                    {**story, "link": "https://paper.example/news/quake?utm_source=x"},
                    {"title": "Same link in both feeds", "link": "https://agency.example/2"},
                ]
            )
        ),
    )
    h, (_report,) = await run_rounds(poller_settings(concurrency=1), [feed(a), feed(b)])
    by_url = {e.url: e for e in h.emitted}
    first, copy = by_url["https://agency.example/eq-1"], by_url["https://paper.example/news/quake"]
    assert copy.duplicate_of == first.article_id
    assert copy.cluster_id == first.cluster_id is not None
    assert first.duplicate_of is None
    assert copy.source == "paper.example"
    # the very same URL from a second feed is the same article: produced once
    assert sum(1 for e in h.emitted if e.url == "https://agency.example/2") == 1


async def test_json_feed(server: FeedServer) -> None:
    body = json_feed(
        [
            {
                "id": "1",
                "url": "https://j.example/1",
                "title": "JSON item",
                "content_html": "<p>Body <b>text</b></p>",
                "date_published": "2025-11-10T10:00:00+01:00",
                "authors": [{"name": "Ada"}],
                "tags": ["politics"],
            }
        ]
    )
    url = server.set("/feed.json", Route(body=body, content_type="application/feed+json"))
    h, _ = await run_rounds(poller_settings(), [feed(url)])
    (entry,) = h.emitted
    assert entry.title == "JSON item" and entry.content == "Body text"
    assert entry.published_at is not None and entry.published_at.hour == 9
    assert entry.authors == ["Ada"] and "politics" in entry.tags


async def test_lying_etag_stops_validator_trust(server: FeedServer) -> None:
    path = "/liar.xml"
    url = server.set(path, Route(body=rss(news_items("liar", 2)), etag='"always-the-same"'))
    settings = poller_settings()
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        await h.round([feed(url)])
        # new content, same ETag, and the server ignores If-None-Match: caught by the hash
        server.routes[path].body = rss(news_items("liar", 3, start=-1))
        server.routes[path].honor_conditional = False
        r2 = await h.round([feed(url)])
        assert r2.entries_produced == 1
        assert h.store.states[url].trust_validators is False
        server.routes[path].honor_conditional = True  # a 304 now would hide new content
        server.routes[path].body = rss(news_items("liar", 4, start=-2))
        r3 = await h.round([feed(url)])
    assert r3.entries_produced == 1  # validators no longer sent, so no false 304


async def test_never_304_feed_relies_on_content_hash(server: FeedServer) -> None:
    url = server.set(
        "/no304.xml", Route(body=rss(news_items("no304", 3)), etag="auto", honor_conditional=False)
    )
    h, reports = await run_rounds(poller_settings(), [feed(url)], rounds=5)
    assert [r.outcomes[0].status for r in reports[1:]] == [PollStatus.UNCHANGED] * 4
    state = h.store.states[url]
    assert not state.trust_validators and "304" in (state.validator_note or "")
    assert len(h.emitted) == 3


async def test_hints_and_publishing_rate_set_the_interval(server: FeedServer) -> None:
    quiet = server.set(
        "/quiet.xml",
        Route(body=rss(news_items("quiet", 2), channel_extra="<ttl>180</ttl>"), etag="auto"),
    )
    daily = server.set(
        "/daily.xml",
        Route(
            body=rss(
                news_items("daily", 2),
                channel_extra="<sy:updatePeriod>daily</sy:updatePeriod>"
                "<sy:updateFrequency>2</sy:updateFrequency>",
            )
        ),
    )
    cached = server.set(
        "/cached.xml",
        Route(body=rss(news_items("cc", 2)), headers={"Cache-Control": "public, max-age=5400"}),
    )
    settings = poller_settings(min_interval=60.0, max_interval=86400.0)
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        await h.round([feed(quiet), feed(daily), feed(cached)])
        st = h.store.states
        assert st[quiet].interval >= 180 * 60
        assert st[daily].interval >= 12 * 3600
        assert st[cached].interval >= 5400
        # a busy feed: many new items between polls shortens its interval to the minimum
        busy_path = "/busy-wire.xml"
        busy = server.set(busy_path, Route(body=rss(news_items("wire", 10)), etag="auto"))
        await h.round([feed(busy)])
        before = st[busy].interval
        h.clock.now += 600
        server.routes[busy_path].body = rss(news_items("wire", 40, start=-30))
        await h.round([feed(busy)])
        assert st[busy].interval < before
        assert st[busy].interval == settings.min_interval
        # and a feed that stays unchanged drifts towards the maximum
        intervals = []
        for _ in range(4):
            h.clock.now += st[busy].interval
            await h.round([feed(busy)])
            intervals.append(st[busy].interval)
        assert intervals == sorted(intervals) and intervals[-1] > intervals[0]


async def test_per_host_politeness(server: FeedServer) -> None:
    urls = [
        server.set(f"/polite{i}.xml", Route(body=rss(news_items(f"p{i}", 1)))) for i in range(4)
    ]
    started = time.monotonic()
    await run_rounds(
        poller_settings(politeness_delay=0.3, per_host_concurrency=1), [feed(u) for u in urls]
    )
    assert time.monotonic() - started >= 0.9  # 4 requests to one host, 0.3 s apart


async def test_user_agent_and_encodings_are_sent(server: FeedServer) -> None:
    url = server.set("/ua.xml", Route(body=rss(news_items("ua", 1))))
    settings = poller_settings(user_agent="newsstream-test/9 (+mailto:x@example.org)")
    await run_rounds(settings, [feed(url)])
    headers = server.last_headers["/ua.xml"]
    assert headers["User-Agent"] == "newsstream-test/9 (+mailto:x@example.org)"
    assert "gzip" in headers["Accept-Encoding"]
    assert "application/rss+xml" in headers["Accept"]


# ------------------------------------------------- nothing lost between emit and commit


class FailingOnce:
    """An emit whose first call fails the way a producer does when Kafka is away."""

    def __init__(self) -> None:
        self.calls = 0
        self.emitted: list[FeedEntry] = []

    async def __call__(self, entries: list[FeedEntry]) -> None:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("broker not available")
        self.emitted.extend(entries)


async def test_entries_not_sent_are_sent_on_the_next_poll(server: FeedServer) -> None:
    url = server.set("/lossless.xml", Route(body=rss(news_items("lossless", 6)), etag="auto"))
    settings = poller_settings()
    emit = FailingOnce()
    async with PoliteClient.for_feeds(settings) as client:
        store = MemoryFeedStore()
        poller = FeedPoller(settings, client, store)
        first = await poller.poll_due([feed(url)], emit, force=True)
        assert first.outcomes[0].status == PollStatus.FAILED
        assert "entries not sent" in (first.outcomes[0].error or "")
        # nothing of the failed poll was committed: no hash, no validators, no seen ids
        state = store.states[url]
        assert state.content_hash is None and state.etag is None
        assert store.articles == {} and store.seen_ids.get(url) in (None, {})
        assert state.failures == 0  # the feed did nothing wrong
        second = await poller.poll_due([feed(url)], emit, force=True)
    assert second.outcomes[0].status == PollStatus.NEW
    assert len({e.article_id for e in emit.emitted}) == 6


class StoreFailingOnWrite(MemoryFeedStore):
    """A store whose first article write fails, as a Faust table does when its changelog topic
    is not yet in the producer's metadata (aiokafka's partitioner raises TypeError)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures_left = 1

    def put_article_seen(self, article_id: str, at: float) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise TypeError("'NoneType' object is not iterable")
        super().put_article_seen(article_id, at)


async def test_a_store_failure_after_sending_loses_nothing(server: FeedServer) -> None:
    url = server.set("/store-fails.xml", Route(body=rss(news_items("sf", 4)), etag="auto"))
    settings = poller_settings()
    store = StoreFailingOnWrite()
    store.failures_left = 0
    async with PoliteClient.for_feeds(settings) as client:
        h = Harness(settings, client)
        h.store = h.poller.store = store
        await h.round([feed(url)])
        server.routes["/store-fails.xml"].body = rss(news_items("sf", 6, start=-2))
        store.failures_left = 1
        failed = await h.round([feed(url)])
        again = await h.round([feed(url)])
        settled = await h.round([feed(url)])
    assert failed.outcomes[0].status == PollStatus.FAILED
    # sent twice at worst (same keys: downstream overwrites), never lost
    assert again.outcomes[0].status == PollStatus.NEW
    assert settled.outcomes[0].status == PollStatus.NOT_MODIFIED
    assert {e.url.rsplit("/", 1)[1] for e in h.emitted} == {f"{i}.html" for i in range(-2, 4)}


async def test_two_feeds_polled_at_once_send_a_shared_article_once(server: FeedServer) -> None:
    items = news_items("shared", 3)
    a = server.set("/shared-a.xml", Route(body=rss(items)))
    b = server.set("/shared-b.xml", Route(body=rss(items)))
    emitted: list[FeedEntry] = []

    async def slow_emit(entries: list[FeedEntry]) -> None:
        await asyncio.sleep(0.5)  # Kafka takes a moment to acknowledge
        emitted.extend(entries)

    settings = poller_settings()
    async with PoliteClient.for_feeds(settings) as client:
        poller = FeedPoller(settings, client, MemoryFeedStore())
        await poller.poll_due([feed(a), feed(b)], slow_emit, force=True)
    assert len(emitted) == 3 and len({e.article_id for e in emitted}) == 3


async def test_a_feed_past_its_deadline_fails_alone(server: FeedServer) -> None:
    slow = server.set("/deadline-slow.xml", Route(body=rss(news_items("dl", 2)), delay=5.0))
    fast = server.set("/deadline-fast.xml", Route(body=rss(news_items("fast", 2))))
    settings = poller_settings(feed_deadline=1.0, read_timeout=30.0)
    h, (report,) = await run_rounds(settings, [feed(slow), feed(fast)])
    by_url = {o.feed_url: o for o in report.outcomes}
    assert by_url[slow].status == PollStatus.FAILED
    assert "no complete poll within 1s" in (by_url[slow].error or "")
    assert by_url[fast].status == PollStatus.NEW
    assert h.store.states[slow].next_poll_at > 0  # tried again later, not disabled


async def test_bad_items_are_skipped_and_reported_the_rest_go_on(server: FeedServer) -> None:
    good = [
        {"id": "1", "url": "https://j.example/1", "title": "First good item"},
        {"id": "v6", "url": "http://[2001:db8::7]:8080/story?utm_source=x", "title": "IPv6"},
        {"id": "3", "url": "https://j.example/3", "title": "Third good item"},
    ]
    bad: list[dict[str, object]] = [
        {"id": "b1", "url": "https://j.example/b1", "title": 42},
        {"id": "b2", "url": ["https://j.example/b2"], "title": "list url"},
        {"id": "b3", "url": "https://j.example/b3", "date_published": {"when": "today"}},
    ]
    body = json_feed([good[0], bad[0], good[1], bad[1], bad[2], good[2]])
    url = server.set("/bad-items.json", Route(body=body, content_type="application/feed+json"))
    h, (report,) = await run_rounds(poller_settings(), [feed(url)])
    (outcome,) = report.outcomes
    assert outcome.status == PollStatus.NEW and outcome.error is None
    assert [e.guid for e in h.emitted] == ["1", "v6", "3"]
    assert h.emitted[1].url == "http://[2001:db8::7]:8080/story"
    assert [(s.index, s.reason) for s in outcome.skipped] == [
        (1, "wrong_type"),
        (3, "wrong_type"),
        (4, "wrong_type"),
    ]
    assert "3 bad items skipped" in report.summary()
    # a skipped item is not marked seen: it is skipped (and reported) again, not forgotten
    assert len(h.store.seen(url)) == 3

"""``poll_once`` on the real Kafka: each entry once in news.entries, state resumed from Kafka."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from feedserver import FeedServer, Route, billion_laughs, gzip_bomb, news_items, rss
from pipeline_helpers import cli, write_config

from streams.feed_state import ensure_topics, topic_partitions
from streams.feeds import Feed, save_feeds
from streams.poller import PollStatus, feed_statuses, poll_once, reset_feed_state
from streams.provision import drop_topics
from streams.records import FeedEntry
from streams.settings import Settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


def run_settings(base: Settings, feeds_file: Path) -> Settings:
    """The session's isolated settings, with topics and app id of this test only."""
    tag = uuid.uuid4().hex[:8]
    topics = base.kafka.topics.model_copy(update={"entries": f"{base.kafka.topics.entries}.{tag}"})
    return base.model_copy(
        update={
            "kafka": base.kafka.model_copy(update={"topics": topics}),
            "worker": base.worker.model_copy(update={"app_id": f"{base.worker.app_id}-{tag}"}),
            "poller": base.poller.model_copy(
                update={
                    "feeds_file": feeds_file,
                    "politeness_delay": 0.0,
                    "per_host_concurrency": 16,
                    "read_timeout": 1.0,
                    "connect_timeout": 1.0,
                    "max_body_bytes": 1024 * 1024,
                }
            ),
        }
    )


@pytest.fixture
async def poller_settings(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings of this test alone (see run_settings); its topics are dropped after it."""
    own = run_settings(settings, tmp_path / "feeds.yaml")
    yield own
    await drop_topics(own, topics=[own.kafka.topics.entries])


async def consume_all(settings: Settings) -> list[tuple[bytes, FeedEntry]]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        topic = settings.kafka.topics.entries
        parts = await topic_partitions(settings.kafka.bootstrap_servers, [topic])
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[tuple[bytes, FeedEntry]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in parts]):
            for messages in (await consumer.getmany(timeout_ms=2000)).values():
                for msg in messages:
                    assert msg.key is not None and msg.value is not None
                    out.append((msg.key, FeedEntry.loads(msg.value, serializer="json")))
        return out
    finally:
        await consumer.stop()


async def test_two_rounds_produce_each_entry_exactly_once(
    poller_settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    good = [
        server.set(f"/k/feed{i}.xml", Route(body=rss(news_items(f"k{i}", 10)), etag="auto"))
        for i in range(6)
    ]
    hostile = {
        "gone": server.set("/k/gone.xml", Route(status=410)),
        "busy": server.set("/k/busy.xml", Route(status=429, headers={"Retry-After": "120"})),
        "slow": server.set("/k/slow.xml", Route(body=rss(news_items("slow", 1)), delay=3)),
        "broken": server.set("/k/broken.xml", Route(body=b"<rss><channel><item><title>x")),
        "lol": server.set("/k/lol.xml", Route(body=billion_laughs())),
        "bomb": server.set("/k/bomb.xml", Route(body=gzip_bomb(32), content_encoding="gzip")),
        "offline": "http://127.0.0.1:9/nothing-listens-here.xml",
    }
    feeds = [Feed(url=u, name=f"good {i}", lang="en") for i, u in enumerate(good)]
    feeds += [Feed(url=u, name=name) for name, u in hostile.items()]
    settings = poller_settings
    save_feeds(settings.poller.feeds_file, feeds)

    first = await poll_once(settings)
    assert first.entries_produced == 60
    failed = {o.feed_url: o for o in first.outcomes if o.error}
    assert set(failed) == set(hostile.values())
    assert all(o.error for o in failed.values())
    assert failed[hostile["gone"]].status == PollStatus.DISABLED

    # between rounds, two feeds publish two new items each
    for i in (0, 1):
        server.routes[f"/k/feed{i}.xml"].body = rss(news_items(f"k{i}", 12, start=-2))
    server.reset_counters()
    second = await poll_once(settings, force=True)  # a new process: state comes from Kafka
    assert second.entries_produced == 4
    statuses = Counter(o.status for o in second.outcomes if o.feed_url in good)
    assert statuses[PollStatus.NOT_MODIFIED] == 4 and statuses[PollStatus.NEW] == 2
    assert server.hits["/k/gone.xml"] == 0  # disabled in round one, remembered

    records = await consume_all(settings)
    ids = Counter(entry.article_id for _, entry in records)
    assert len(records) == 64
    assert all(count == 1 for count in ids.values())
    assert all(key.decode() == entry.article_id for key, entry in records)

    statuses_by_url = {feed.url: state for feed, state in await feed_statuses(settings)}
    assert statuses_by_url[hostile["gone"]] is not None
    assert statuses_by_url[hostile["gone"]].disabled  # type: ignore[union-attr]
    assert statuses_by_url[good[0]].entries_produced == 12  # type: ignore[union-attr]

    # re-enabling the gone feed: state forgotten, seen ids kept
    assert await reset_feed_state(settings, hostile["gone"])
    assert not await reset_feed_state(settings, "http://127.0.0.1:9/never-polled.xml")
    statuses_by_url = {feed.url: state for feed, state in await feed_statuses(settings)}
    assert statuses_by_url[hostile["gone"]] is None


def start_poller_worker(
    settings: Settings, log_file: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``newsstream poll`` (continuous) in its own process, configured through the environment."""
    env = {
        **os.environ,
        "NEWSSTREAM_KAFKA__PARTITIONS": str(settings.kafka.partitions),
        "NEWSSTREAM_KAFKA__TOPICS__ENTRIES": settings.kafka.topics.entries,
        "NEWSSTREAM_WORKER__APP_ID": settings.worker.app_id,
        "NEWSSTREAM_WORKER__DATA_DIR": str(log_file.parent / "faust"),
        "NEWSSTREAM_POLLER__FEEDS_FILE": str(settings.poller.feeds_file),
        "NEWSSTREAM_POLLER__POLITENESS_DELAY": "0",
        "NEWSSTREAM_POLLER__MIN_INTERVAL": "1",
        "NEWSSTREAM_POLLER__DEFAULT_INTERVAL": "1",
        "NEWSSTREAM_POLLER__MAX_INTERVAL": "2",
        "NEWSSTREAM_METRICS__ENABLED": "false",
        **(extra_env or {}),
    }
    code = (
        "from streams.settings import load_settings\n"
        "from streams.runner import Role, run_worker\n"
        "run_worker(load_settings(), Role.POLLER)\n"
    )
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


async def wait_for_entries(settings: Settings, count: int, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    records: list[tuple[bytes, FeedEntry]] = []
    while time.monotonic() < deadline:
        records = await consume_all(settings)
        if len(records) >= count:
            return records
        await asyncio.sleep(2)
    tail = log.read_text(errors="replace")[-3000:]
    raise AssertionError(f"{len(records)} entries after {timeout}s, wanted {count}\n{tail}")


@pytest.mark.slow
async def test_continuous_worker_resumes_after_restart(
    poller_settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    paths = [f"/w/feed{i}.xml" for i in range(3)]
    urls = [
        server.set(p, Route(body=rss(news_items(f"w{i}", 5)), etag="auto"))
        for i, p in enumerate(paths)
    ]
    settings = poller_settings
    save_feeds(settings.poller.feeds_file, [Feed(url=u, name=f"w{i}") for i, u in enumerate(urls)])
    await ensure_topics(settings, {settings.kafka.topics.entries: False})
    log = tmp_path / "worker.log"

    # `poll --once` first: the worker's tables must restore what it wrote
    quick = settings.poller.model_copy(
        update={"min_interval": 1.0, "default_interval": 1.0, "max_interval": 2.0}
    )
    first = await poll_once(settings.model_copy(update={"poller": quick}))
    assert first.entries_produced == 15
    worker = start_poller_worker(settings, log)
    try:
        await wait_for_entries(settings, 15, 120, log)
        server.routes[paths[0]].body = rss(news_items("w0", 7, start=-2))
        await wait_for_entries(settings, 17, 60, log)
    finally:
        stop_worker(worker)

    # while no worker runs, a feed publishes; the restarted worker resumes from its tables
    server.routes[paths[1]].body = rss(news_items("w1", 7, start=-2))
    server.reset_counters()
    worker = start_poller_worker(settings, log)
    try:
        await wait_for_entries(settings, 19, 120, log)
        await asyncio.sleep(8)  # more rounds: nothing else may appear
        records = await consume_all(settings)
    finally:
        stop_worker(worker)
    ids = Counter(entry.article_id for _, entry in records)
    assert len(records) == 19 and set(ids.values()) == {1}
    assert all(key.decode() == entry.article_id for key, entry in records)  # same keys both ways
    assert server.statuses[304] > 0  # the restarted worker still had the validators


@pytest.mark.slow
async def test_a_first_start_on_new_topics_sends_every_entry(
    poller_settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    """The worker's first poll writes its tables while their changelog topics are brand new
    (this test's app id has never run): every entry arrives on the first poll, with no error."""
    urls = [
        server.set(f"/first/feed{i}.xml", Route(body=rss(news_items(f"first{i}", 4))))
        for i in range(3)
    ]
    settings = poller_settings
    save_feeds(settings.poller.feeds_file, [Feed(url=u, name=f"f{i}") for i, u in enumerate(urls)])
    log = tmp_path / "worker.log"
    started = time.monotonic()
    worker = start_poller_worker(settings, log)
    try:
        records = await wait_for_entries(settings, 12, 90, log)
        took = time.monotonic() - started
    finally:
        stop_worker(worker)
    output = log.read_text(errors="replace")
    assert "not iterable" not in output and "Traceback" not in output, output[-3000:]
    assert len({entry.article_id for _, entry in records}) == 12
    print(f"first start: 12 entries in Kafka {took:.1f}s after the worker started")


@pytest.mark.slow
async def test_a_slow_host_holds_only_its_own_feed(
    poller_settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    """One feed answers after 40 s; the others are polled on their own schedule meanwhile."""
    slow = server.set("/slowhost/feed.xml", Route(body=rss(news_items("slowhost", 2)), delay=40))
    fast = server.set("/fasthost/feed.xml", Route(body=rss(news_items("fasthost", 3))))
    settings = poller_settings.model_copy(
        update={"poller": poller_settings.poller.model_copy(update={"read_timeout": 60.0})}
    )
    save_feeds(
        settings.poller.feeds_file, [Feed(url=slow, name="slow"), Feed(url=fast, name="fast")]
    )
    log = tmp_path / "worker.log"
    worker = start_poller_worker(settings, log, extra_env={"NEWSSTREAM_POLLER__READ_TIMEOUT": "60"})
    try:
        await wait_for_entries(settings, 3, 60, log)
        # the fast feed publishes while the slow one is still being read
        server.routes["/fasthost/feed.xml"].body = rss(news_items("fasthost", 5, start=-2))
        changed_at = time.monotonic()
        records = await wait_for_entries(settings, 5, 30, log)
        picked_up = time.monotonic() - changed_at
    finally:
        stop_worker(worker)
    fast_ids = {e.article_id for _, e in records if e.feed_url == fast}
    assert len(fast_ids) == 5
    assert not any(e.feed_url == slow for _, e in records)  # still waiting for its answer
    print(f"slow host: the fast feed's new items were in Kafka {picked_up:.1f}s after publishing")


async def test_poll_now_polls_a_feed_that_is_not_due(
    poller_settings: Settings, server: FeedServer, tmp_path: Path
) -> None:
    """`newsstream poll --now FEED`: the feed's schedule says later, the user says now."""
    path = "/now/feed.xml"
    url = server.set(path, Route(body=rss(news_items("now", 3)), etag="auto"))
    other = server.set("/now/other.xml", Route(body=rss(news_items("other", 1))))
    settings = poller_settings
    save_feeds(
        settings.poller.feeds_file, [Feed(url=url, name="Old News"), Feed(url=other, name="B")]
    )
    config = write_config(settings, tmp_path / "settings.yaml")
    env = {"NEWSSTREAM_CONFIG": str(config)}

    first = cli("poll", "--once", env=env)
    assert first.returncode == 0, first.stderr
    server.routes[path].body = rss(news_items("now", 5, start=-2))
    server.reset_counters()
    not_due = cli("poll", "--once", env=env)
    assert not_due.returncode == 0 and server.hits[path] == 0, not_due.stdout
    now = cli("poll", "--now", "old news", env=env)
    assert now.returncode == 0, now.stderr
    assert server.hits[path] == 1 and server.hits["/now/other.xml"] == 0
    assert len(await consume_all(settings)) == 3 + 1 + 2

    unknown = cli("poll", "--now", "no such feed", env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "error: not in the feed list: no such feed (see newsstream feeds list)"
    )
    alone = cli("poll", "old news", env=env)
    assert alone.returncode == 2 and "goes with --now" in alone.stderr

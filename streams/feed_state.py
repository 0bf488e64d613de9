"""What the poller knows about each feed, and where it is kept.

State lives in four tables keyed by strings:

    feed_state      listed feed URL -> FeedState (validators, schedule, failures, disabled)
    feed_seen       listed feed URL -> {article id: last seen in that feed} (retention window)
    seen_articles   article id -> first seen (any feed): the same article via two feeds is one
    story_clusters  content fingerprint -> (first article id, when): syndicated copies

In the Faust worker they are Faust tables (:class:`TableFeedStore`); ``newsstream poll --once``
reads and appends to the same changelog topics directly (:class:`ChangelogFeedStore`), writing
records exactly as Faust does, so both modes share one state. :class:`MemoryFeedStore` is for
tests and the bench.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any, Protocol

import faust
import faust.utils.json as faust_json
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import murmur2

from streams.settings import Settings

STATE_TABLE = "feed_state"
SEEN_TABLE = "feed_seen"
CLUSTER_TABLE = "story_clusters"
ARTICLE_TABLE = "seen_articles"


def store_tables() -> tuple[str, ...]:
    """The names of the poller's tables (each has a changelog topic)."""
    return (STATE_TABLE, SEEN_TABLE, CLUSTER_TABLE, ARTICLE_TABLE)


class FeedState(faust.Record, serializer="json"):
    """What the poller knows about one feed (table ``feed_state``, key: the listed URL)."""

    feed_url: str  # the URL in the feed list: the key, never changed
    url: str  # where the feed is fetched now (moved by permanent redirects)
    etag: str | None = None
    last_modified: str | None = None
    trust_validators: bool = True
    validator_note: str | None = None  # why the validators are no longer sent
    content_hash: str | None = None
    unchanged_200s: int = 0  # 200s with the same body while validators were sent
    interval: float = 0.0
    hint_interval: float | None = None
    rate_per_hour: float | None = None
    next_poll_at: float = 0.0
    failures: int = 0
    disabled: bool = False
    disabled_reason: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    bozo_reason: str | None = None
    last_polled_at: float | None = None
    last_success_at: float | None = None
    polls: int = 0
    not_modified: int = 0
    entries_produced: int = 0


class FeedStore(Protocol):
    """Where feed state, seen article ids and story clusters are kept."""

    def state(self, feed_url: str) -> FeedState | None: ...
    def put_state(self, state: FeedState) -> None: ...
    def seen(self, feed_url: str) -> dict[str, float]: ...
    def put_seen(self, feed_url: str, seen: dict[str, float]) -> None: ...
    def cluster_first(self, fingerprint: str) -> tuple[str, float] | None: ...
    def put_cluster_first(self, fingerprint: str, article_id: str, at: float) -> None: ...
    def article_seen(self, article_id: str) -> float | None: ...
    def put_article_seen(self, article_id: str, at: float) -> None: ...


class MemoryFeedStore:
    """A store in dicts: for tests, the bench and one-process use without Kafka."""

    def __init__(self) -> None:
        self.states: dict[str, FeedState] = {}
        self.seen_ids: dict[str, dict[str, float]] = {}
        self.clusters: dict[str, tuple[str, float]] = {}
        self.articles: dict[str, float] = {}

    def state(self, feed_url: str) -> FeedState | None:
        return self.states.get(feed_url)

    def put_state(self, state: FeedState) -> None:
        self.states[state.feed_url] = state

    def seen(self, feed_url: str) -> dict[str, float]:
        return dict(self.seen_ids.get(feed_url, {}))

    def put_seen(self, feed_url: str, seen: dict[str, float]) -> None:
        self.seen_ids[feed_url] = dict(seen)

    def cluster_first(self, fingerprint: str) -> tuple[str, float] | None:
        return self.clusters.get(fingerprint)

    def put_cluster_first(self, fingerprint: str, article_id: str, at: float) -> None:
        self.clusters[fingerprint] = (article_id, at)

    def article_seen(self, article_id: str) -> float | None:
        return self.articles.get(article_id)

    def put_article_seen(self, article_id: str, at: float) -> None:
        self.articles[article_id] = at


def changelog_topic(settings: Settings, table: str) -> str:
    """The changelog topic Faust uses for ``table`` of this app (``<app id>-<table>-changelog``)."""
    return f"{settings.worker.app_id}-{table}-changelog"


def table_key(key: str) -> bytes:
    """A table key as Faust writes it to a changelog: ``str`` keys are JSON-serialised."""
    return faust_json.dumps(key).encode("utf-8")


def partition_for(key: str, partitions: int) -> int:
    """The changelog partition Faust's tables (default partitioner) put ``key`` in."""
    return (murmur2(table_key(key)) & 0x7FFFFFFF) % partitions


async def ensure_topics(settings: Settings, names: dict[str, bool]) -> None:
    """Create missing topics (``name -> compacted``) with the configured partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                name,
                num_partitions=settings.kafka.partitions,
                replication_factor=settings.kafka.replication_factor,
                topic_configs={"cleanup.policy": "compact"} if compacted else {},
            )
            for name, compacted in names.items()
            if name not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


async def topic_partitions(
    bootstrap_servers: str, topics: list[str], *, timeout: float = 30.0
) -> list[TopicPartition]:
    """Every partition of ``topics`` whose leader is known (just-created topics need a moment)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            described = await admin.describe_topics(topics)
            found = [
                TopicPartition(d["topic"], p["partition"])
                for d in described
                if d["error_code"] == 0
                for p in d["partitions"]
                if p["leader"] >= 0
            ]
            ready = {tp.topic for tp in found} == set(topics)
            if ready or time.monotonic() > deadline:
                return sorted(found)
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


class ChangelogFeedStore(MemoryFeedStore):
    """The Faust tables' changelog topics, read whole at start and appended to on :meth:`flush`.

    Records are written exactly as Faust writes them (JSON key and value, default partitioner),
    so the continuous worker's tables restore what ``poll --once`` left, and the reverse.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.topics = {t: changelog_topic(settings, t) for t in store_tables()}
        self._dirty: dict[str, set[str]] = {t: set() for t in self.topics}

    async def load(self) -> None:
        await ensure_topics(self.settings, {name: True for name in self.topics.values()})
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka.bootstrap_servers,
            enable_auto_commit=False,
            max_partition_fetch_bytes=self.settings.kafka.max_message_bytes,
            fetch_max_bytes=self.settings.kafka.max_message_bytes * 2,
        )
        await consumer.start()
        try:
            partitions = await topic_partitions(
                self.settings.kafka.bootstrap_servers, list(self.topics.values())
            )
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            pending = {tp for tp in partitions if ends[tp] > 0}
            by_topic = {v: k for k, v in self.topics.items()}
            while pending:
                batches = await consumer.getmany(*pending, timeout_ms=1000)
                for tp, messages in batches.items():
                    for msg in messages:
                        self._apply(by_topic[tp.topic], msg.key, msg.value)
                for tp in list(pending):
                    if await consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
        finally:
            await consumer.stop()
        self._dirty = {t: set() for t in self.topics}

    def _tables(self) -> dict[str, dict[str, Any]]:
        return {
            STATE_TABLE: self.states,
            SEEN_TABLE: self.seen_ids,
            CLUSTER_TABLE: self.clusters,
            ARTICLE_TABLE: self.articles,
        }

    def _apply(self, table: str, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        k = json.loads(key)
        target = self._tables()[table]
        if value is None:
            target.pop(k, None)
        elif table == STATE_TABLE:
            target[k] = FeedState.loads(value, serializer="json")
        elif table == CLUSTER_TABLE:
            article_id, at = json.loads(value)
            target[k] = (str(article_id), float(at))
        else:
            target[k] = json.loads(value)

    def _encode(self, table: str, key: str) -> bytes | None:
        value = self._tables()[table].get(key)
        if value is None:
            return None  # a tombstone: compaction forgets the key
        if table == STATE_TABLE:
            return value.dumps(serializer="json")
        return faust_json.dumps(list(value) if table == CLUSTER_TABLE else value).encode()

    def expire(self, now: float) -> int:
        """Forget article ids and clusters past the retention window (tombstoned on flush)."""
        retention = self.settings.poller.seen_retention_days * 86400.0
        old_articles = [k for k, at in self.articles.items() if now - at > retention]
        old_clusters = [k for k, (_, at) in self.clusters.items() if now - at > retention]
        for k in old_articles:
            del self.articles[k]
            self._dirty[ARTICLE_TABLE].add(k)
        for k in old_clusters:
            del self.clusters[k]
            self._dirty[CLUSTER_TABLE].add(k)
        return len(old_articles) + len(old_clusters)

    def put_state(self, state: FeedState) -> None:
        super().put_state(state)
        self._dirty[STATE_TABLE].add(state.feed_url)

    def forget_state(self, feed_url: str) -> None:
        self.states.pop(feed_url, None)
        self._dirty[STATE_TABLE].add(feed_url)  # flushed as a tombstone

    def put_seen(self, feed_url: str, seen: dict[str, float]) -> None:
        super().put_seen(feed_url, seen)
        self._dirty[SEEN_TABLE].add(feed_url)

    def put_cluster_first(self, fingerprint: str, article_id: str, at: float) -> None:
        super().put_cluster_first(fingerprint, article_id, at)
        self._dirty[CLUSTER_TABLE].add(fingerprint)

    def put_article_seen(self, article_id: str, at: float) -> None:
        super().put_article_seen(article_id, at)
        self._dirty[ARTICLE_TABLE].add(article_id)

    async def flush(self, producer: AIOKafkaProducer) -> int:
        """Write what changed since :meth:`load`; returns the number of records written."""
        written = 0
        for table, keys in self._dirty.items():
            topic = self.topics[table]
            for key in keys:
                await producer.send(topic, key=table_key(key), value=self._encode(table, key))
                written += 1
            keys.clear()
        await producer.flush()
        return written


class TableFeedStore:
    """A :class:`FeedStore` over Faust tables (written from a timer, so ``use_partitioner``)."""

    def __init__(self, states: Any, seen: Any, clusters: Any, articles: Any) -> None:
        self.states, self.seen_ids, self.clusters = states, seen, clusters
        self.articles = articles

    def state(self, feed_url: str) -> FeedState | None:
        value = self.states.get(feed_url)
        return value if isinstance(value, FeedState) else None

    def put_state(self, state: FeedState) -> None:
        self.states[state.feed_url] = state

    def seen(self, feed_url: str) -> dict[str, float]:
        return dict(self.seen_ids.get(feed_url) or {})

    def put_seen(self, feed_url: str, seen: dict[str, float]) -> None:
        self.seen_ids[feed_url] = seen

    def cluster_first(self, fingerprint: str) -> tuple[str, float] | None:
        value = self.clusters.get(fingerprint)
        return (str(value[0]), float(value[1])) if value else None

    def put_cluster_first(self, fingerprint: str, article_id: str, at: float) -> None:
        self.clusters[fingerprint] = [article_id, at]

    def article_seen(self, article_id: str) -> float | None:
        value = self.articles.get(article_id)
        return float(value) if value is not None else None

    def put_article_seen(self, article_id: str, at: float) -> None:
        self.articles[article_id] = at

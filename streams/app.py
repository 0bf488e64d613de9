"""The Faust application and the topics that carry newsstream's records.

    feed ──poll──▶ news.entries ──fetch──▶ news.articles ──enrich──▶ news.enriched ──index──▶ ES
    news.enriched ──story order──▶ news.story-queue ──story──▶ news.storied ──index──▶ ES
        (when the story stage is on, the index agent reads news.storied instead)
    any stage ──a record it cannot process──▶ news.deadletter

``create_app`` builds the app from the settings and declares every topic with its record
model; agents and tables are attached by the modules of their stage (``streams.poller``,
``agents.fetch``, ``agents.enrich``, ``agents.index``), which receive the app and topics.
There is no module-level app: the settings are the only input.
"""

from __future__ import annotations

from dataclasses import dataclass

import faust
from faust.types import TopicT

from streams.records import Article, DeadLetter, EnrichedArticle, FeedEntry
from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class Topics:
    """Every topic of the flow, each typed with the record it carries, keyed by article id."""

    entries: TopicT
    articles: TopicT
    enriched: TopicT
    deadletter: TopicT
    replay: TopicT
    story_queue: TopicT  # news.enriched in one partition: the order stories are made in
    storied: TopicT  # news.enriched with story_id set, keyed by article id again

    @classmethod
    def declare(cls, app: faust.App, settings: Settings) -> Topics:
        names = settings.kafka.topics
        partitions = settings.kafka.partitions

        def topic(name: str, value_type: type[faust.Record]) -> TopicT:
            return app.topic(
                name,
                key_type=str,
                value_type=value_type,
                partitions=partitions,
                replicas=settings.kafka.replication_factor,
                config={"max.message.bytes": str(settings.kafka.max_message_bytes)},
            )

        return cls(
            entries=topic(names.entries, FeedEntry),
            articles=topic(names.articles, Article),
            enriched=topic(names.enriched, EnrichedArticle),
            deadletter=topic(names.deadletter, DeadLetter),
            replay=topic(names.replay, Article),
            story_queue=topic(names.story_queue, EnrichedArticle),
            storied=topic(names.storied, EnrichedArticle),
        )

    def all(self) -> tuple[TopicT, ...]:
        return (
            self.entries,
            self.articles,
            self.enriched,
            self.deadletter,
            self.replay,
            self.story_queue,
            self.storied,
        )


PRODUCER_LINGER_MAX = 0.005
"""Seconds the producer may hold a record for others to join its request (Faust's default is
none at all; aiokafka batches whatever queued meanwhile anyway)."""


def producer_linger(batch_deadline: float) -> float:
    """The producer's linger: short enough that a stage's deadline is not spent waiting in the
    producer, never longer than the deadline itself."""
    return min(PRODUCER_LINGER_MAX, batch_deadline)


def create_app(settings: Settings, *, app_id: str | None = None) -> tuple[faust.App, Topics]:
    """The Faust app for these settings, with its topics declared (no agents yet)."""
    worker = settings.worker
    app = faust.App(
        app_id or worker.app_id,
        broker=f"kafka://{settings.kafka.bootstrap_servers}",
        # Tables live in memory and are rebuilt from their changelog topics on start, so feed
        # state survives restarts without a local RocksDB.
        store="memory://",
        datadir=str(worker.data_dir.expanduser()),
        topic_partitions=settings.kafka.partitions,
        topic_replication_factor=settings.kafka.replication_factor,
        key_serializer="raw",
        value_serializer="json",
        producer_max_request_size=settings.kafka.max_message_bytes,
        consumer_max_fetch_size=settings.kafka.max_message_bytes,
        broker_session_timeout=settings.kafka.session_timeout,
        # A send waits at most this long for others to share its request: a few ms gather the
        # records of one batch under load, and stay far below the batch deadline.
        producer_linger=producer_linger(worker.batch_deadline),
        # Metrics are served by prometheus_client (streams.metrics); several workers on one
        # host would otherwise fight over the web port.
        web_enabled=False,
        autodiscover=False,
        # On a stop or a rebalance, do not wait for the batches in hand (an index batch may be
        # waiting for Elasticsearch): their offsets are not committed, the next owner reads them
        # again, and ids make that harmless. Waiting could hold a SIGTERM for minutes.
        stream_wait_empty=False,
    )
    return app, Topics.declare(app, settings)

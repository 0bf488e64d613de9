"""The story stage: news.enriched -> one ordered queue -> story -> news.storied (-> index).

Every article joins an open story or opens one, in arrival order (:class:`agents.stories.book.
StoryBook`). Clustering is one sequence over all articles, so it must be read in one order that
a restart reads again: the ``story-order`` agent forwards each enriched record to one partition
of news.story-queue (:data:`STORY_QUEUE_PARTITION`), still keyed by its article id. The
``story`` agent, the only reader of that partition, keeps the book in a Faust table
(``stories``) whose changelog receives every write in that same partition: a worker that
restarts, or a second worker taking the partition over, restores the table and reads on from
the committed offset, so the same articles in the same order give the same stories. Records
read again (written before a crash, not committed) find their article in its story already and
get the same id. Closed stories are deleted from the table, so memory and changelog stay
bounded by the open stories.

Per batch, the agent writes the touched stories' documents (news-stories) with retries while
Elasticsearch is away, sends each article on to news.storied with its story_id, and only then
lets Faust commit. Table writes go out before the commit too (Faust flushes the producer first).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import faust
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_bulk

from agents.stories.book import StoryBook, StorySummary, story_document
from agents.stories.cluster import ClustererSettings
from agents.stories.concepts import ConceptLexicon
from agents.stories.features import StreamFeatures
from streams.app import Topics
from streams.health import oldest_timestamp, supervised
from streams.metrics import Metrics
from streams.records import key_text
from streams.settings import Settings, StorySettings

log = logging.getLogger(__name__)

STORY_QUEUE_PARTITION = 0
"""The one partition of news.story-queue that carries records: one partition, one order."""

STORY_TABLE = "stories"


def clusterer_settings(settings: StorySettings) -> ClustererSettings:
    return ClustererSettings(
        threshold=settings.threshold,
        quiet_days=settings.quiet_days,
        max_open=settings.max_open,
        time_decay_days=settings.time_decay_days,
    )


class StoryTableWriter:
    """Mirrors the book into the Faust table, every write in the queue's partition.

    Faust picks a table write's partition from the current event, which a batch of events
    (``take_events``) does not set: the partition is given here, the one the batch came from.
    """

    def __init__(self, table: Any) -> None:
        self.table = table

    def put(self, partition: int, key: str, value: dict[str, Any]) -> None:
        self.table.data[key] = value
        self.table.send_changelog(partition, key, value)

    def drop(self, partition: int, key: str) -> None:
        self.table.data.pop(key, None)
        self.table.send_changelog(partition, key, None, value_serializer="raw")

    def entries(self) -> list[Mapping[str, Any]]:
        return list(self.table.data.values())


class StoryDocuments:
    """Writes story documents to the stories alias; waits out Elasticsearch outages."""

    def __init__(self, es: AsyncElasticsearch, settings: Settings) -> None:
        self.es = es
        self.alias = settings.elasticsearch.stories_alias
        self.backoff_max = settings.elasticsearch.retry_backoff_max

    async def write(self, documents: Sequence[Mapping[str, Any]]) -> None:
        actions = [
            {"_op_type": "index", "_index": self.alias, "_id": d["story_id"], "_source": d}
            for d in documents
        ]
        delay = 1.0
        while actions:
            try:
                _, errors = await async_bulk(
                    self.es, actions, raise_on_error=False, stats_only=False
                )
            except (TimeoutError, TransportConnectionError) as exc:
                log.warning("story documents not written (%s), again in %.0fs", exc, delay)
            else:
                again = []
                by_id = {a["_id"]: a for a in actions}
                for error in errors if isinstance(errors, list) else []:
                    _, item = next(iter(error.items()))
                    if int(item.get("status", 0)) == 429 or int(item.get("status", 0)) >= 500:
                        again.append(by_id[str(item.get("_id"))])
                    else:
                        log.error("story document rejected: %s", item.get("error"))
                actions = again
                if not actions:
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)


class StoryStage:
    """The Kafka-free part of the agent: a batch of enriched records (wire bytes) in, the
    records with their story id and the story documents to write out."""

    def __init__(self, settings: StorySettings, features: StreamFeatures) -> None:
        self.settings = settings
        self.features = features
        self.book: StoryBook | None = None

    def process(
        self, records: Sequence[tuple[str | None, bytes]], writer: StoryTableWriter, partition: int
    ) -> tuple[list[tuple[str | None, bytes]], list[dict[str, Any]]]:
        """``records`` are (article id, enriched record as bytes), in queue order; out go the
        same with story_id set, and the documents of the stories they changed."""
        if self.book is None:  # after a start or a rebalance: what the changelog restored
            self.book = StoryBook.from_entries(writer.entries(), clusterer_settings(self.settings))
        book = self.book
        out: list[tuple[str | None, bytes]] = []
        documents: dict[str, dict[str, Any]] = {}
        for key, value in records:
            try:
                enriched = json.loads(value)
                view = self.features.article(enriched)
            except (ValueError, KeyError, TypeError) as exc:
                # the index agent dead-letters what is not an enriched article; pass it on
                log.warning("no story for an unreadable record: %s", exc)
                out.append((key, value))
                continue
            assignment = book.assign(enriched, view)
            if not assignment.again:
                for summary in assignment.closed:
                    writer.drop(partition, summary.story_id)
                    documents[summary.story_id] = self._document(summary, is_open=False)
                writer.put(partition, assignment.story_id, book.entry(assignment.story_id))
                summary = book.summaries[assignment.story_id]
                documents[assignment.story_id] = self._document(summary, is_open=True)
            enriched["story_id"] = assignment.story_id
            out.append((view.id, json.dumps(enriched).encode()))
        return out, list(documents.values())

    def _document(self, summary: StorySummary, *, is_open: bool) -> dict[str, Any]:
        return story_document(summary, is_open=is_open, top=self.settings.top)


def register_story(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics, es: AsyncElasticsearch
) -> None:
    """The ``story-order`` and ``story`` agents and the ``stories`` table."""
    health = metrics.health
    table = app.Table(
        STORY_TABLE, key_type=str, value_type=None, partitions=settings.kafka.partitions
    )
    writer = StoryTableWriter(table)
    stage = StoryStage(settings.stories, StreamFeatures(ConceptLexicon.from_file()))
    documents = StoryDocuments(es, settings)

    def raw(topic: faust.types.TopicT) -> faust.types.TopicT:
        return app.topic(topic.get_topic_name(), value_type=bytes, value_serializer="raw")

    @app.agent(raw(topics.enriched), name="story-order")
    @supervised(health, "story-order")
    async def story_order(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            await topics.story_queue.send(
                key=key_text(event.key),
                value=event.value,
                partition=STORY_QUEUE_PARTITION,
                value_serializer="raw",
            )

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def forget_book(app: Any, revoked: Any, **kwargs: Any) -> None:
        stage.book = None  # the next owner may have written since: restore from the table

    @app.agent(raw(topics.story_queue), name="story")
    @supervised(health, "story")
    async def story(stream: faust.StreamT[bytes]) -> None:
        batches = stream.take_events(settings.stories.batch, within=settings.worker.batch_deadline)  # type: ignore[attr-defined]
        async for events in batches:
            health.holding("story", oldest_timestamp(events))
            partition = events[0].message.partition
            out, docs = stage.process(
                [(key_text(e.key), e.value) for e in events], writer, partition
            )
            if docs:
                await documents.write(docs)
            pending = [
                await topics.storied.send(key=key, value=value, value_serializer="raw")
                for key, value in out
            ]
            await asyncio.gather(*pending)
            metrics.articles.labels("story").inc(len(out))
            health.released("story")

"""Stage 3: news.articles -> enrich (language, entities, claims, figures) -> news.enriched.

``enrich_batch`` is the plain, Kafka-free heart of the stage: articles in, enriched articles or
dead letters out. Extraction is CPU-bound, so the agent runs it in a process pool
(:class:`EnrichmentPool`) and the event loop stays free for consumer heartbeats; each pool
process loads its pipelines once. A record that fails extraction is parked in news.deadletter
with the error, and the stream goes on.

Each article has a size budget (``nlp.max_chars``: the text is cut, and the record says so) and
a time budget (``worker.enrich_article_timeout``): hostile text that would hold a pool process
for minutes is dead-lettered instead, and the process replaced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import faust
from spacy.tokens import Doc

from agents.extract import extract_document
from agents.language import LanguageIdentifier
from agents.pipeline import PipelineRegistry
from agents.pool import BudgetPool, JobFailed, JobOverBudget
from streams.app import Topics
from streams.errors import ExtractionError, ExtractionTimeout, RecordInvalid
from streams.health import oldest_timestamp, supervised
from streams.metrics import Metrics
from streams.records import (
    Article,
    ClaimRecord,
    DeadLetter,
    EnrichedArticle,
    EntityRecord,
    FigureRecord,
    Stage,
    key_text,
    undecodable,
)
from streams.settings import NlpSettings, Settings

log = logging.getLogger(__name__)

EXTRACTOR_VERSION = "0.1.0"
"""Bumped when extraction changes, so `newsstream replay` re-enriches into a comparable state."""

_ENTITY_FIELDS = set(EntityRecord._options.fields)
_CLAIM_FIELDS = set(ClaimRecord._options.fields)
_FIGURE_FIELDS = set(FigureRecord._options.fields)


def _pick(data: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in fields}


def lemmas_of(doc: Doc) -> str:
    """Lowercased lemmas of the words (the surface form where no lemmatizer ran)."""
    return " ".join((t.lemma_ or t.text).lower() for t in doc if t.is_alpha)


class Enricher:
    """Language detection plus the per-language pipelines, loaded once per process."""

    def __init__(self, settings: NlpSettings) -> None:
        self.settings = settings
        self.registry = PipelineRegistry(settings)
        self.identifier = LanguageIdentifier(settings)

    def language_of(self, article: Article) -> str:
        detection = self.identifier.detect(f"{article.title}\n{article.text}", hint=article.lang)
        return detection.lang

    def to_enriched(self, article: Article, lang: str, doc: Doc) -> EnrichedArticle:
        found = extract_document(doc)
        truncated = len(article.text) > self.settings.max_chars
        return EnrichedArticle(
            article=article,
            lang=lang,
            lemmas=lemmas_of(doc),
            entities=[EntityRecord(**_pick(e, _ENTITY_FIELDS)) for e in found["entities"]],
            claims=[ClaimRecord(**_pick(c, _CLAIM_FIELDS)) for c in found["claims"]],
            figures=[FigureRecord(**_pick(f, _FIGURE_FIELDS)) for f in found["figures"]],
            extractor_version=EXTRACTOR_VERSION,
            enriched_at=datetime.now(UTC),
            truncated=truncated,
        )

    def enrich_batch(self, articles: Sequence[Article]) -> list[EnrichedArticle | DeadLetter]:
        """One result per article, in order: enriched, or a dead letter saying why not."""
        results: list[EnrichedArticle | DeadLetter | None] = [None] * len(articles)
        by_lang: dict[str, list[int]] = {}
        for i, article in enumerate(articles):
            try:
                if not article.text.strip():
                    raise ValueError("article has no text")
                by_lang.setdefault(self.language_of(article), []).append(i)
            except Exception as exc:
                results[i] = dead_letter(article, exc)
        max_chars = self.settings.max_chars
        for lang, indices in by_lang.items():
            nlp = self.registry.get(lang)
            texts = [articles[i].text[:max_chars] for i in indices]
            try:
                docs = list(nlp.pipe(texts))
            except Exception:
                # One bad article must not sink its batch: find it by going one at a time.
                docs = []
                for i, text in zip(indices, texts, strict=True):
                    try:
                        docs.append(nlp(text))
                    except Exception as exc:
                        results[i] = dead_letter(articles[i], exc)
                        docs.append(None)  # type: ignore[arg-type]
            for i, doc in zip(indices, docs, strict=True):
                if doc is None:
                    continue
                try:
                    results[i] = self.to_enriched(articles[i], lang, doc)
                except Exception as exc:
                    results[i] = dead_letter(articles[i], exc)
        return [r for r in results if r is not None]


def dead_letter(article: Article, exc: BaseException, stage: Stage = Stage.ENRICH) -> DeadLetter:
    return DeadLetter(
        stage=stage.value,
        error_type=type(exc).__name__,
        reason=str(exc) or type(exc).__name__,
        original=article.asdict(),
        key=article.article_id,
        feed_url=article.feed_url,
        failed_at=datetime.now(UTC),
    )


# -- the process pool ------------------------------------------------------------------------------


def build_enricher(settings: NlpSettings) -> Enricher:
    """A pool process's state: the enricher with every pipeline loaded before the first article."""
    enricher = Enricher(settings)
    for lang in settings.languages:
        enricher.registry.get(lang)
    return enricher


@dataclass(frozen=True, slots=True)
class EncodedResult:
    """One article's outcome, already serialised, so the worker's event loop only forwards it."""

    key: str
    value: bytes
    dead: bool
    reason: str | None = None
    truncated: bool = False  # the text was cut to nlp.max_chars before extraction
    over_budget: bool = False  # dead-lettered because extraction exceeded its time budget


def decode_article(value: bytes) -> Article:
    """The record on the wire -> Article; a record that isn't one raises RecordInvalid."""
    try:
        return Article.loads(value)
    except Exception as exc:
        raise RecordInvalid("news.articles", f"not an article record: {exc}") from exc


Record = tuple[str | None, bytes]
"""A record as Kafka carries it: (key, value)."""


def enrich_encoded(enricher: Enricher, records: Sequence[Record]) -> list[EncodedResult]:
    """Decode, enrich and encode a batch of (key, value); undecodable records are dead letters."""
    out: list[EncodedResult | None] = [None] * len(records)
    articles: list[Article] = []
    positions: list[int] = []
    for i, (key, value) in enumerate(records):
        try:
            articles.append(decode_article(value))
            positions.append(i)
        except RecordInvalid as exc:
            letter = undecodable(Stage.ENRICH, key, value, exc)
            out[i] = EncodedResult(key or "", letter.dumps(), dead=True, reason=letter.reason)
    for i, result in zip(positions, enricher.enrich_batch(articles), strict=True):
        if isinstance(result, DeadLetter):
            out[i] = EncodedResult(result.key or "", result.dumps(), True, result.reason)
        else:
            out[i] = EncodedResult(
                result.article.article_id, result.dumps(), dead=False, truncated=result.truncated
            )
    return [r for r in out if r is not None]


def enrich_record(enricher: Enricher, record: Record) -> EncodedResult:
    """The pool's job: one record, so each article has a time budget of its own."""
    return enrich_encoded(enricher, [record])[0]


def _failed(record: Record, exc: ExtractionError) -> EncodedResult:
    """The dead letter of a record whose extraction gave no answer (over budget, or its process
    died), built in the parent from the record it still holds."""
    key, value = record
    try:
        letter = dead_letter(decode_article(value), exc)
    except RecordInvalid as invalid:
        letter = undecodable(Stage.ENRICH, key, value, invalid)
    over = isinstance(exc, ExtractionTimeout)
    return EncodedResult(letter.key or key or "", letter.dumps(), True, letter.reason, False, over)


class EnrichmentPool:
    """Runs the extraction in worker processes, off the event loop, each article within
    ``timeout`` seconds.

    Records cross the process boundary as the bytes Kafka carries, so the worker's event loop
    neither decodes nor builds records: it forwards. An article over its budget is dead-lettered
    ("extraction exceeded 30 s") and its process replaced; the articles behind it go on.
    ``target`` is the per-article function a pool process runs (tests pass one of their own).
    """

    def __init__(
        self,
        settings: NlpSettings,
        processes: int = 1,
        *,
        timeout: float = 30.0,
        target: Callable[[Enricher, Record], EncodedResult] = enrich_record,
    ) -> None:
        self.settings = settings
        self.processes = max(1, processes)
        self.timeout = timeout
        self._pool: BudgetPool[Enricher, Record, EncodedResult] = BudgetPool(
            init=build_enricher,
            init_arg=settings,
            target=target,
            processes=self.processes,
            timeout=timeout,
            name="enrich",
        )

    @property
    def replaced(self) -> int:
        """Pool processes killed and replaced so far (over budget, or dead)."""
        return self._pool.replaced

    def pids(self) -> list[int]:
        return self._pool.pids()

    def start(self) -> None:
        """Start the processes now: each loads its pipelines (some seconds) while the worker
        joins its consumer group, instead of stalling the first batch of its partitions."""
        self._pool.start()

    def wait_ready(self) -> None:
        """Block until every process has loaded its pipelines (tests, benchmarks)."""
        self._pool.start()
        self._pool.wait_ready()

    def stop(self) -> None:
        self._pool.stop()

    async def _one(self, record: Record) -> EncodedResult:
        try:
            return await self._pool.run(record)
        except JobOverBudget:
            key = record[0] or ""
            return _failed(
                record, ExtractionTimeout(key, f"extraction exceeded {self.timeout:g} s")
            )
        except JobFailed as exc:
            return _failed(record, ExtractionError(record[0] or "", str(exc)))

    def submit_encoded(self, records: Sequence[Record]) -> list[asyncio.Future[EncodedResult]]:
        """One future per record, in order, each done as soon as its record is: the caller can
        pass on the first result while the pool still works on the rest."""
        self.start()
        return [asyncio.ensure_future(self._one(r)) for r in records]

    async def enrich_encoded(self, records: Sequence[Record]) -> list[EncodedResult]:
        """One result per record, in order; the records share the pool's processes."""
        return list(await asyncio.gather(*self.submit_encoded(records)))

    async def enrich(self, articles: Sequence[Article]) -> list[EnrichedArticle | DeadLetter]:
        """The same, for callers that hold records (tests, tools)."""
        results = await self.enrich_encoded([(a.article_id, a.dumps()) for a in articles])
        return [
            DeadLetter.loads(r.value) if r.dead else EnrichedArticle.loads(r.value) for r in results
        ]


def register_enrich(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics, pool: EnrichmentPool
) -> None:
    """The enrich agents: one on news.articles (live) and one on news.replay (re-enrichment).

    They read the topics' raw bytes (the pool decodes them), so a record that is not an article
    reaches the dead letters instead of stopping the stream.
    """
    worker = settings.worker
    max_chars = settings.nlp.max_chars

    def raw(topic: faust.types.TopicT) -> faust.types.TopicT:
        return app.topic(topic.get_topic_name(), value_type=bytes, value_serializer="raw")

    health = metrics.health

    async def send_result(result: EncodedResult) -> Awaitable[Any]:
        """Send one result on (news.enriched, or news.deadletter); the acknowledgement to await."""
        if result.over_budget:
            metrics.enrich_over_budget.inc()
        if result.truncated:
            metrics.enrich_truncated.inc()
            log.info(
                "article text cut for extraction",
                extra={"article_id": result.key, "max_chars": max_chars},
            )
        if result.dead:
            metrics.deadlettered.labels(Stage.ENRICH.value).inc()
            log.warning(
                "enrichment failed, dead-lettered",
                extra={"article_id": result.key, "reason": result.reason},
            )
            target = topics.deadletter
        else:
            metrics.articles.labels(Stage.ENRICH.value).inc()
            target = topics.enriched
        sent: Awaitable[Any] = await target.send(
            key=result.key, value=result.value, value_serializer="raw"
        )
        return sent

    async def process(stream: faust.StreamT[bytes], lane: str) -> None:
        agent, actor = ("enrich" if lane == "live" else "enrich-replay"), id(stream)
        # A batch is enrich_batch records, or what came within batch_deadline: a lone article
        # goes to the pool without waiting for a batch to fill.
        # take_events (not take) keeps each record's key; StreamT does not declare it yet
        batches = stream.take_events(worker.enrich_batch, within=worker.batch_deadline)  # type: ignore[attr-defined]
        async for events in batches:
            health.holding(agent, oldest_timestamp(events), actor)
            batch = [(key_text(e.key), e.value) for e in events]
            started = time.perf_counter()
            # Each result is sent on as soon as it and those before it are ready (in order, so
            # a key's records keep their order), not after the whole batch: the first article
            # of a batch does not wait for the 31 behind it. The batch's offsets commit only
            # once every send is acknowledged.
            pending = []
            for ready in pool.submit_encoded(batch):
                result = await ready
                pending.append(await send_result(result))
            metrics.enrich_seconds.labels(lane).observe(time.perf_counter() - started)
            await asyncio.gather(*pending)
            health.released(agent, actor)

    @app.agent(raw(topics.articles), name="enrich", concurrency=worker.enrich_concurrency)
    @supervised(health, "enrich")
    async def enrich_live(stream: faust.StreamT[bytes]) -> None:
        await process(stream, "live")

    @app.agent(raw(topics.replay), name="enrich-replay", concurrency=1)
    @supervised(health, "enrich-replay")
    async def enrich_replay(stream: faust.StreamT[bytes]) -> None:
        await process(stream, "replay")

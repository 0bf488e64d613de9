"""Stage 4: news.enriched -> Elasticsearch, in bulk.

The document id is the article id, so a replayed record overwrites its earlier copy. While
Elasticsearch cannot be reached or answers 429/5xx, the agent holds its batch and tries again
with capped backoff for as long as it takes, saying so in the health board; it resumes by itself
when Elasticsearch is back. A document Elasticsearch rejects (a 4xx for that document) goes to
news.deadletter with the reason. The agent moves on (and Faust may commit the batch's offsets)
only after Elasticsearch acknowledged every document. A request refused as a whole (400, 401,
403, 404: a configuration error, not an outage) raises, which crashes the agent: the process
then exits non-zero (:mod:`streams.health`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_bulk

from agents.answers import Sentences, claim_documents, figure_documents
from streams.app import Topics
from streams.errors import RecordInvalid
from streams.health import AgentHealth, oldest_timestamp, supervised
from streams.metrics import Metrics
from streams.records import DeadLetter, Stage, key_text, undecodable
from streams.settings import AnswerKind, Settings

log = logging.getLogger(__name__)

_ENTITY_FACETS = {"PERSON": "person", "ORG": "org", "LOCATION": "location"}
# What the nested claims and figures of a document keep (offsets stay in Kafka).
_CLAIM_FIELDS = ("speaker", "speaker_key", "via", "via_key", "kind", "text")
_FIGURE_FIELDS = ("text", "value", "unit", "counts", "qualifier", "source", "kind")


def _unique(values: Any) -> list[Any]:
    return list(dict.fromkeys(v for v in values if v))


def decode_enriched(value: bytes) -> dict[str, Any]:
    """A news.enriched record as it travels: its JSON fields, checked for the shape indexing needs.

    Decoding into ``EnrichedArticle`` re-validates every nested entity, claim and figure and costs
    some twenty times the JSON parse, on the worker's event loop; the enricher built the record
    through that model already, so the indexer reads the wire form.
    """
    try:
        data = json.loads(value)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise RecordInvalid("news.enriched", f"not JSON: {exc}") from exc
    article = data.get("article") if isinstance(data, dict) else None
    if not isinstance(article, dict) or not article.get("article_id"):
        raise RecordInvalid("news.enriched", "not an enriched article: no article.article_id")
    return data


def _isoformat(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def to_document(enriched: Mapping[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The Elasticsearch document (schemas/index-template.json) of an enriched article in its
    wire form (see :func:`decode_enriched`)."""
    a = enriched["article"]
    found_entities = enriched.get("entities") or []
    found_claims = enriched.get("claims") or []
    found_figures = enriched.get("figures") or []
    entities: dict[str, list[str]] = {"person": [], "org": [], "location": [], "misc": []}
    for e in found_entities:
        entities[_ENTITY_FACETS.get(e["type"], "misc")].append(e["canonical"])
    claims = [{k: c.get(k) for k in _CLAIM_FIELDS} for c in found_claims]
    figures = [{k: f.get(k) for k in _FIGURE_FIELDS} for f in found_figures]
    # records fetched before the fetch stage dated undated items are dated here the same way
    published_at = a.get("published_at") or a.get("fetched_at")
    dated_by_fetch = bool(a.get("published_at_is_fetched_at")) or (
        not a.get("published_at") and bool(published_at)
    )
    return {
        "article_id": a["article_id"],
        "url": a.get("url"),
        "title": a.get("title"),
        "body": a.get("text"),
        "lemmas": enriched.get("lemmas"),
        "lang": enriched.get("lang"),
        "text_source": a.get("text_source"),
        "source": {"name": a.get("feed_name"), "domain": a.get("source")},
        "feed": {"url": a.get("feed_url"), "name": a.get("feed_name")},
        "authors": a.get("authors") or [],
        "tags": a.get("tags") or [],
        "entities": {
            **{k: _unique(v) for k, v in entities.items()},
            "keys": _unique(e.get("key") for e in found_entities),
            "countries": _unique(e.get("country") for e in found_entities),
            "surface": _unique(e.get("text") for e in found_entities),
        },
        "claims": claims,
        "speakers": _unique(c["speaker"] for c in claims),
        "speaker_keys": _unique(c.get("speaker_key") for c in claims),
        "vias": _unique(c["via"] for c in claims),
        "via_keys": _unique(c.get("via_key") for c in claims),
        "figures": figures,
        "figure_units": _unique(f["unit"] for f in figures),
        "figure_counts": _unique(f["counts"] for f in figures),
        "figure_kinds": _unique(f["kind"] for f in figures),
        "published_at": _isoformat(published_at),
        "published_at_is_fetched_at": dated_by_fetch,
        "updated_at": _isoformat(a.get("updated_at")),
        "fetched_at": _isoformat(a.get("fetched_at")),
        "enriched_at": _isoformat(enriched.get("enriched_at")),
        "indexed_at": (now or datetime.now(UTC)).isoformat(),
        "duplicate_of": a.get("duplicate_of"),
        "cluster_id": a.get("cluster_id"),
        "copies_key": a.get("cluster_id") or a["article_id"],
        "extractor_version": enriched.get("extractor_version"),
        "story_id": enriched.get("story_id"),  # set by the story stage (agents.story)
    }


@dataclass
class IndexOutcome:
    indexed: int = 0  # article documents acknowledged
    rejected: list[DeadLetter] = field(default_factory=list)
    attempts: int = 0
    answers: int = 0  # claim and figure documents written
    stale_answers: int = 0  # claim and figure documents of an earlier version deleted


class IndexUnavailable(Exception):
    """Elasticsearch is away or overloaded: the same request may succeed later."""


def _status_of(exc: Exception) -> int:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "meta", None), "status", 0)
    try:
        return int(status or 0)
    except (TypeError, ValueError):
        return 0


class ArticleIndexer:
    """Bulk-indexes enriched articles into the write alias; waits out Elasticsearch outages.

    Each article's claims and figures go into the same bulk request, one document each in their
    own aliases (:mod:`agents.answers`), with the same retries and dead letters: the batch is
    done only when every document of it is acknowledged or rejected. An article whose claim or
    figure is rejected is dead-lettered whole. A re-indexed article that now has fewer claims or
    figures loses the extra documents of its earlier version in the same request.
    ``with_answers=False`` writes the article documents alone (bench/answers.py compares).
    """

    def __init__(
        self,
        es: AsyncElasticsearch,
        settings: Settings,
        *,
        health: AgentHealth | None = None,
        agent: str = "index",
        on_retry: Callable[[], None] | None = None,
        with_answers: bool = True,
    ) -> None:
        self.es = es
        self.alias = settings.elasticsearch.alias
        self.answer_aliases = {
            kind: settings.elasticsearch.answers_alias(kind) for kind in AnswerKind
        }
        self.with_answers = with_answers
        self.max_retries = settings.elasticsearch.bulk_max_retries
        self.backoff_max = settings.elasticsearch.retry_backoff_max
        self.health = health
        self.agent = agent
        self.on_retry = on_retry

    async def index(self, batch: Sequence[Mapping[str, Any]]) -> IndexOutcome:
        """Index every enriched article (wire form); return what was indexed and what
        Elasticsearch rejected. Returns only once every document was acknowledged or rejected."""
        outcome = IndexOutcome()
        by_id = {e["article"]["article_id"]: e for e in batch}  # the last copy of an id wins
        actions: list[dict[str, Any]] = []
        owner: dict[str, str] = {}  # document id -> its article's id
        for article_id, e in by_id.items():
            document = to_document(e)
            actions.append(
                {"_op_type": "index", "_index": self.alias, "_id": article_id, "_source": document}
            )
            owner[article_id] = article_id
            if not self.with_answers:
                continue
            sentences = Sentences.of(str(e["article"].get("text") or ""))
            for kind, documents in (
                (AnswerKind.CLAIMS, claim_documents(e, document, sentences)),
                (AnswerKind.FIGURES, figure_documents(e, document, sentences)),
            ):
                for doc_id, source in documents:
                    actions.append(
                        {
                            "_op_type": "index",
                            "_index": self.answer_aliases[kind],
                            "_id": doc_id,
                            "_source": source,
                        }
                    )
                    owner[doc_id] = article_id
        articles = len(by_id)
        answer_owners = [owner[a["_id"]] for a in actions if a["_index"] != self.alias]
        stale_looked_up = not self.with_answers or not by_id
        delay = 1.0
        while actions:
            outcome.attempts += 1
            try:
                if not stale_looked_up:
                    stale = await self._stale_answers(list(by_id), set(owner))
                    outcome.stale_answers = len(stale)
                    actions.extend(stale)
                    owner.update((a["_id"], a["_article_id"]) for a in stale)
                    stale_looked_up = True
                actions = await self._try(actions, by_id, owner, outcome)
                if not actions:
                    break
                reason = f"{len(actions)} documents answered 429/5xx"
            except IndexUnavailable as exc:
                reason = str(exc)
            if self.health is not None:
                self.health.waiting(self.agent, f"Elasticsearch: {reason}")
            if self.on_retry is not None:
                self.on_retry()
            log.warning("bulk request not done (%s), trying again in %.0fs", reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max)
        if self.health is not None:
            self.health.running(self.agent)
        rejected = {dead.key for dead in outcome.rejected}
        outcome.indexed = articles - len(rejected)
        outcome.answers = sum(1 for article_id in answer_owners if article_id not in rejected)
        return outcome

    async def _stale_answers(
        self, article_ids: list[str], current: set[str]
    ) -> list[dict[str, Any]]:
        """Delete actions for the claim and figure documents of these articles that the new
        versions do not have (a re-enriched article with fewer claims). Read from a search, so a
        document written less than a refresh interval ago may be missed: a replay re-indexes
        what was indexed long before."""
        try:
            found = await self.es.search(
                index=",".join(self.answer_aliases.values()),
                query={"terms": {"article_id": article_ids}},
                source_includes=["article_id"],
                size=10_000,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except (TimeoutError, TransportConnectionError) as exc:
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            status = _status_of(exc)
            if status and status < 500 and status != 429:
                raise
            raise IndexUnavailable(f"HTTP {status or '?'}: {exc}") from exc
        return [
            {
                "_op_type": "delete",
                "_index": hit["_index"],
                "_id": hit["_id"],
                "_article_id": hit["_source"]["article_id"],
            }
            for hit in found["hits"]["hits"]
            if hit["_id"] not in current
        ]

    async def _try(
        self,
        actions: list[dict[str, Any]],
        by_id: Mapping[str, Mapping[str, Any]],
        owner: Mapping[str, str],
        outcome: IndexOutcome,
    ) -> list[dict[str, Any]]:
        """One bulk request; the actions to send again (429/5xx per document)."""
        try:
            # 429s are retried per document by the helper; everything else comes back to us.
            _, errors = await async_bulk(
                self.es,
                [{k: v for k, v in a.items() if k != "_article_id"} for a in actions],
                max_retries=self.max_retries,
                initial_backoff=1,
                raise_on_error=False,
                raise_on_exception=True,
                stats_only=False,
            )
        except (TimeoutError, TransportConnectionError) as exc:
            raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            status = _status_of(exc)
            if status and status < 500 and status != 429:
                raise  # the request itself is wrong: no retry will fix it
            raise IndexUnavailable(f"HTTP {status or '?'}: {exc}") from exc
        again: list[dict[str, Any]] = []
        by_action = {a["_id"]: a for a in actions}
        dead: set[str] = {letter.key for letter in outcome.rejected if letter.key}
        for error in errors if isinstance(errors, list) else []:
            operation, item = next(iter(error.items()))
            status = int(item.get("status", 0))
            doc_id = str(item.get("_id"))
            if operation == "delete" and status == 404:
                continue  # gone already: what a delete wants
            if status == 429 or status >= 500:
                again.append(by_action[doc_id])
                continue
            article_id = owner.get(doc_id, doc_id)
            if article_id in dead:
                continue  # one dead letter per article, whichever of its documents failed
            dead.add(article_id)
            enriched = by_id[article_id]
            reason = item.get("error", {})
            outcome.rejected.append(
                DeadLetter(
                    stage=Stage.INDEX.value,
                    error_type=str(reason.get("type", "rejected"))
                    if isinstance(reason, dict)
                    else "rejected",
                    reason=str(reason.get("reason", reason))
                    if isinstance(reason, dict)
                    else str(reason),
                    original=dict(enriched),
                    key=article_id,
                    feed_url=enriched["article"].get("feed_url"),
                    failed_at=datetime.now(UTC),
                )
            )
        return again


def register_index(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics, es: AsyncElasticsearch
) -> None:
    health = metrics.health
    indexer = ArticleIndexer(es, settings, health=health, on_retry=metrics.bulk_retries.inc)
    worker = settings.worker

    # Raw bytes, decoded here by decode_enriched: a record that is not an enriched article
    # reaches the dead letters instead of stopping the stream.
    # With the story stage on, the index agent reads its output: the records with story_id.
    source = topics.storied if settings.stories.enabled else topics.enriched
    enriched = app.topic(source.get_topic_name(), value_type=bytes, value_serializer="raw")

    @app.agent(enriched, name="index")
    @supervised(health, "index")
    async def index_enriched(stream: faust.StreamT[bytes]) -> None:
        # One bulk request per batch: index_batch documents, or what came within batch_deadline
        # of the first one, so a lone article is indexed without waiting for a batch to fill.
        # take_events (not take) keeps each record's key; StreamT does not declare it yet
        batches = stream.take_events(worker.index_batch, within=worker.batch_deadline)  # type: ignore[attr-defined]
        async for events in batches:
            health.holding("index", oldest_timestamp(events))
            batch, letters = [], []
            for event in events:
                try:
                    batch.append(decode_enriched(event.value))
                except RecordInvalid as exc:
                    letters.append(undecodable(Stage.INDEX, key_text(event.key), event.value, exc))
            started = time.perf_counter()
            outcome = await indexer.index(batch)
            metrics.bulk_seconds.observe(time.perf_counter() - started)
            metrics.articles.labels(Stage.INDEX.value).inc(outcome.indexed)
            pending = []
            for dead in [*letters, *outcome.rejected]:
                metrics.deadlettered.labels(Stage.INDEX.value).inc()
                log.warning(
                    "not indexed, dead-lettered",
                    extra={"article_id": dead.key, "reason": dead.reason},
                )
                pending.append(await topics.deadletter.send(key=dead.key, value=dead))
            await asyncio.gather(*pending)
            health.released("index")

"""Stage 4: news.enriched -> Elasticsearch, in bulk.

The document id is the article id, so a replayed record overwrites its earlier copy. A batch is
retried with backoff while Elasticsearch answers 429/5xx or cannot be reached; a document it
rejects (a 4xx for that document) goes to news.deadletter with the reason. The agent moves on
(and Faust may commit the batch's offsets) only after Elasticsearch acknowledged every document.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_bulk

from streams.app import Topics
from streams.metrics import Metrics
from streams.records import DeadLetter, EnrichedArticle, Stage
from streams.settings import Settings

log = logging.getLogger(__name__)

_ENTITY_FACETS = {"PERSON": "person", "ORG": "org", "LOCATION": "location"}


def _unique(values: Any) -> list[Any]:
    return list(dict.fromkeys(v for v in values if v))


def to_document(enriched: EnrichedArticle, *, now: datetime | None = None) -> dict[str, Any]:
    """The Elasticsearch document of an enriched article (schemas/index-template.json)."""
    a = enriched.article
    entities: dict[str, list[str]] = {"person": [], "org": [], "location": [], "misc": []}
    for e in enriched.entities:
        entities[_ENTITY_FACETS.get(e.type, "misc")].append(e.canonical)
    claims = [
        {
            "speaker": c.speaker,
            "speaker_key": c.speaker_key,
            "via": c.via,
            "kind": c.kind,
            "text": c.text,
        }
        for c in enriched.claims
    ]
    figures = [
        {
            "text": f.text,
            "value": f.value,
            "unit": f.unit,
            "counts": f.counts,
            "qualifier": f.qualifier,
            "source": f.source,
            "kind": f.kind,
        }
        for f in enriched.figures
    ]
    return {
        "article_id": a.article_id,
        "url": a.url,
        "title": a.title,
        "body": a.text,
        "lemmas": enriched.lemmas,
        "lang": enriched.lang,
        "text_source": a.text_source,
        "source": {"name": a.feed_name, "domain": a.source},
        "feed": {"url": a.feed_url, "name": a.feed_name},
        "authors": a.authors,
        "tags": a.tags,
        "entities": {
            **{k: _unique(v) for k, v in entities.items()},
            "keys": _unique(e.key for e in enriched.entities),
            "countries": _unique(e.country for e in enriched.entities),
            "surface": _unique(e.text for e in enriched.entities),
        },
        "claims": claims,
        "speakers": _unique(c.speaker for c in enriched.claims),
        "vias": _unique(c.via for c in enriched.claims),
        "figures": figures,
        "figure_units": _unique(f.unit for f in enriched.figures),
        "figure_counts": _unique(f.counts for f in enriched.figures),
        "figure_kinds": _unique(f.kind for f in enriched.figures),
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
        "fetched_at": a.fetched_at.isoformat() if a.fetched_at else None,
        "enriched_at": enriched.enriched_at.isoformat() if enriched.enriched_at else None,
        "indexed_at": (now or datetime.now(UTC)).isoformat(),
        "duplicate_of": a.duplicate_of,
        "cluster_id": a.cluster_id,
        "extractor_version": enriched.extractor_version,
    }


@dataclass
class IndexOutcome:
    indexed: int = 0
    rejected: list[DeadLetter] = field(default_factory=list)
    attempts: int = 0


class ArticleIndexer:
    """Bulk-indexes enriched articles into the write alias, with retries."""

    def __init__(self, es: AsyncElasticsearch, settings: Settings) -> None:
        self.es = es
        self.alias = settings.elasticsearch.alias
        self.max_retries = settings.elasticsearch.bulk_max_retries

    async def index(self, batch: Sequence[EnrichedArticle]) -> IndexOutcome:
        """Index every article; return what was indexed and what Elasticsearch rejected."""
        outcome = IndexOutcome()
        by_id = {e.article.article_id: e for e in batch}  # the last copy of an id wins
        actions = [
            {
                "_op_type": "index",
                "_index": self.alias,
                "_id": article_id,
                "_source": to_document(e),
            }
            for article_id, e in by_id.items()
        ]
        delay = 1.0
        retriable: Exception
        while True:
            outcome.attempts += 1
            try:
                # 429s are retried per document by the helper; everything else comes back to us.
                ok, errors = await async_bulk(
                    self.es,
                    actions,
                    max_retries=self.max_retries,
                    initial_backoff=1,
                    raise_on_error=False,
                    raise_on_exception=True,
                    stats_only=False,
                )
                break
            except (TimeoutError, TransportConnectionError) as exc:
                retriable = exc
            except Exception as exc:  # 5xx from the whole request
                status = getattr(exc, "status_code", None) or getattr(
                    getattr(exc, "meta", None), "status", 0
                )
                if status and int(status) < 500 and int(status) != 429:
                    raise
                retriable = exc
            if outcome.attempts > self.max_retries:
                raise retriable
            log.warning("bulk request failed, retrying in %.0fs: %s", delay, retriable)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        outcome.indexed = int(ok)
        retry_again: list[dict[str, Any]] = []
        for error in errors if isinstance(errors, list) else []:
            item = next(iter(error.values()))
            status = int(item.get("status", 0))
            article_id = str(item.get("_id"))
            if status == 429 or status >= 500:
                retry_again.append(item)
                continue
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
                    original=enriched.to_representation(),
                    key=article_id,
                    feed_url=enriched.article.feed_url,
                    failed_at=datetime.now(UTC),
                )
            )
        if retry_again:
            raise RuntimeError(f"{len(retry_again)} documents still failing after retries")
        return outcome


def register_index(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics, es: AsyncElasticsearch
) -> None:
    indexer = ArticleIndexer(es, settings)
    worker = settings.worker

    @app.agent(topics.enriched, name="index")
    async def index_enriched(stream: faust.StreamT[EnrichedArticle]) -> None:
        async for batch in stream.take(worker.index_batch, within=worker.index_within):
            started = time.perf_counter()
            outcome = await indexer.index(batch)
            metrics.bulk_seconds.observe(time.perf_counter() - started)
            metrics.articles.labels(Stage.INDEX.value).inc(outcome.indexed)
            pending = []
            for dead in outcome.rejected:
                metrics.deadlettered.labels(Stage.INDEX.value).inc()
                log.warning(
                    "document rejected by Elasticsearch, dead-lettered",
                    extra={"article_id": dead.key, "reason": dead.reason},
                )
                pending.append(await topics.deadletter.send(key=dead.key, value=dead))
            await asyncio.gather(*pending)

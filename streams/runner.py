"""Running the pipeline: ``newsstream run`` (everything in one process), ``worker`` (the agents)
and ``poll`` (the feed pollers). More processes of either role join the same consumer groups, so
scaling out is starting another one.

A Faust worker owns the event loop and the signals: on SIGTERM or SIGINT it stops the agents,
which finish the batch in hand, and commits offsets before the process exits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

import faust
from elasticsearch import AsyncElasticsearch

from agents.enrich import EnrichmentPool
from streams.app import Topics, create_app
from streams.metrics import Metrics
from streams.settings import Settings

log = logging.getLogger(__name__)


class Role(StrEnum):
    ALL = "all"  # pollers and agents
    WORKER = "worker"  # fetch, enrich and index agents
    POLLER = "poller"  # feed pollers only


@dataclass
class Pipeline:
    app: faust.App
    topics: Topics
    metrics: Metrics
    role: Role
    pool: EnrichmentPool | None = None


def build_pipeline(settings: Settings, role: Role, metrics: Metrics | None = None) -> Pipeline:
    """The Faust app with the agents (and pollers) of ``role`` attached."""
    from agents.enrich import register_enrich
    from agents.index import register_index

    app, topics = create_app(settings)
    metrics = metrics or Metrics()
    pipeline = Pipeline(app, topics, metrics, role)
    if role in (Role.ALL, Role.POLLER):
        from streams.poller import register_poller

        register_poller(app, topics, settings, metrics)
    if role in (Role.ALL, Role.WORKER):
        from agents.fetch import register_fetch

        register_fetch(app, topics, settings, metrics)
        pool = EnrichmentPool(
            settings.nlp,
            settings.worker.enrich_processes,
            timeout=settings.worker.enrich_article_timeout,
        )
        register_enrich(app, topics, settings, metrics, pool)
        es = AsyncElasticsearch(
            settings.elasticsearch.url, request_timeout=settings.elasticsearch.request_timeout
        )
        register_index(app, topics, settings, metrics, es)
        pipeline.pool = pool

    return pipeline


def run_worker(settings: Settings, role: Role) -> None:
    """Run until SIGTERM/SIGINT; blocks."""
    pipeline = build_pipeline(settings, role)
    if settings.metrics.enabled:
        url = pipeline.metrics.serve(settings.metrics)
        log.info("metrics at %s", url)
    if pipeline.pool is not None:
        pipeline.pool.start()
    # our structured logging stays as configured at start-up (override_logging=False)
    worker = faust.Worker(
        pipeline.app, loglevel=settings.log_level.lower(), quiet=True, override_logging=False
    )
    try:
        worker.execute_from_commandline()
    finally:
        if pipeline.pool is not None:
            pipeline.pool.stop()

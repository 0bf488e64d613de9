"""Running the pipeline: ``newsstream run`` (everything in one process), ``worker`` (the agents)
and ``poll`` (the feed pollers). More processes of either role join the same consumer groups, so
scaling out is starting another one.

A Faust worker owns the event loop and the signals: on SIGTERM or SIGINT it stops the agents and
commits the offsets of what they finished; a batch in hand (say, waiting for Elasticsearch) is
not waited for, so a stop takes seconds, and its records are read again by the next worker.

An agent whose actor raised is not restarted in place (a restarted Faust actor gets no stream
and would sit idle): the process stops and exits with status 70, so the service manager
(systemd, Docker's restart policy) starts a fresh one, which resumes from the committed offsets.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import faust

from agents.enrich import EnrichmentPool
from streams.app import Topics, create_app
from streams.connections import elasticsearch_client
from streams.health import AgentHealth
from streams.metrics import Metrics
from streams.settings import Settings

log = logging.getLogger(__name__)

EXIT_AGENT_CRASHED = 70  # EX_SOFTWARE: an agent crashed; restart the process
EXIT_STOP_TIMED_OUT = 1


class BoundedWorker(faust.Worker):
    """A Faust worker whose stop cannot hang: ``stop_timeout`` seconds after a stop began (a
    signal, or an agent's crash), the process exits, whatever is still winding down. Nothing
    is lost by that: what was not committed is read again by the next worker."""

    def __init__(self, *args: Any, stop_timeout: float, health: AgentHealth, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.stop_timeout = stop_timeout
        self.health = health
        self._watchdog: threading.Thread | None = None

    async def stop(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(
                target=self._exit_if_stuck, name="newsstream-stop-watchdog", daemon=True
            )
            self._watchdog.start()
        await super().stop()

    def _exit_if_stuck(self) -> None:
        time.sleep(self.stop_timeout)
        code = EXIT_AGENT_CRASHED if self.health.any_crashed else EXIT_STOP_TIMED_OUT
        log.critical("still stopping after %.0fs: exiting now (status %d)", self.stop_timeout, code)
        logging.shutdown()
        os._exit(code)


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
    metrics = metrics or Metrics(settings.health)
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
        es = elasticsearch_client(settings.elasticsearch)
        # closed at shutdown, or asyncio reports its aiohttp session as unclosed
        app.on_before_shutdown.connect(lambda app, **kwargs: es.close())  # type: ignore[arg-type]
        register_index(app, topics, settings, metrics, es)
        if settings.stories.enabled:
            from agents.story import register_story

            register_story(app, topics, settings, metrics, es)
        register_lag_watch(app, topics, settings, metrics)
        pipeline.pool = pool

    return pipeline


def register_lag_watch(
    app: faust.App, topics: Topics, settings: Settings, metrics: Metrics
) -> None:
    """Every ``health.lag_interval`` seconds, the group's lag on the topics the agents consume,
    into the ``newsstream_consumer_lag`` gauge and the health board (a lag that sits while
    nothing is committed makes the process unhealthy)."""
    from streams.status import topic_statuses

    consumers = {
        topics.entries.get_topic_name(): "fetch",
        topics.articles.get_topic_name(): "enrich",
        topics.enriched.get_topic_name(): "index",
        topics.replay.get_topic_name(): "enrich-replay",
    }
    if settings.stories.enabled:
        consumers[topics.enriched.get_topic_name()] = "story-order"
        consumers[topics.story_queue.get_topic_name()] = "story"
        consumers[topics.storied.get_topic_name()] = "index"
    names = list(consumers)

    @app.timer(interval=settings.health.lag_interval, name="newsstream.lag_watch")
    async def watch_lag() -> None:
        try:
            found = await topic_statuses(settings, names)
        except Exception as exc:  # Kafka away: the agents say so themselves
            log.debug("lag not measured: %s", exc)
            return
        health = metrics.health
        for topic in found:
            if topic.lag is not None:
                metrics.consumer_lag.labels(topic.name).set(topic.lag)
                health.observe_lag(
                    topic.name, topic.records - topic.lag, topic.lag, consumers[topic.name]
                )
        if app.rebalancing or app.in_recovery:
            health.settling()
            return
        # An agent that sits idle over a backlog is as good as dead: stop, and let the service
        # manager start a fresh process, which reads on from the committed offsets.
        for agent, why in health.stalled_agents().items():
            health.crashed(agent, RuntimeError(f"stalled: {why}"))
            break


def run_worker(settings: Settings, role: Role) -> None:
    """Run until SIGTERM/SIGINT, or until an agent crashes (then exit 70); blocks."""
    pipeline = build_pipeline(settings, role)
    health = pipeline.metrics.health

    def stop_on_crash(agent: str, exc: BaseException) -> None:
        log.critical("stopping: agent %s crashed; exit status %d", agent, EXIT_AGENT_CRASHED)
        os.kill(os.getpid(), signal.SIGTERM)  # the Faust worker's own graceful stop

    health.on_crash = stop_on_crash
    # The pool's processes first: they must not inherit the metrics server's listening socket,
    # or a killed worker would leave them holding the port and block its restart.
    if pipeline.pool is not None:
        pipeline.pool.start()
    if settings.metrics.enabled:
        url = pipeline.metrics.serve(settings.metrics)
        log.info("metrics at %s, health at %s", url, url.replace("/metrics", "/healthz"))
    # our structured logging stays as configured at start-up (override_logging=False)
    worker = BoundedWorker(
        pipeline.app,
        loglevel=settings.log_level.lower(),
        quiet=True,
        override_logging=False,
        stop_timeout=settings.worker.stop_timeout,
        health=health,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exit_:
        if health.any_crashed and not exit_.code:
            raise SystemExit(EXIT_AGENT_CRASHED) from None
        raise
    finally:
        pipeline.metrics.close()
        if pipeline.pool is not None:
            pipeline.pool.stop()

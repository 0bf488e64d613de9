"""The index stage under Elasticsearch faults: away, overloaded, refusing. Real Elasticsearch,
behind a relay that the tests cut or make answer an error (tests/faultproxy.py)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from elasticsearch import ApiError, AsyncElasticsearch
from faultproxy import FaultProxy
from pipeline_helpers import NewsstreamProcess, free_port, write_config
from test_index_integration import enriched
from test_pipeline_worker import make_article, send_articles, wait_for

from agents.index import ArticleIndexer
from streams.health import AgentHealth, AgentState
from streams.metrics import Metrics
from streams.settings import HealthSettings, MetricsSettings, Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def es_proxy(services: Any) -> Iterator[FaultProxy]:
    from streams.settings import load_settings

    target = urlsplit(load_settings().elasticsearch.url)
    with FaultProxy(target.hostname or "127.0.0.1", target.port or 9200) as proxy:
        yield proxy


def behind(settings: Settings, proxy: FaultProxy, **es: Any) -> Settings:
    return settings.model_copy(
        update={
            "elasticsearch": settings.elasticsearch.model_copy(
                update={"url": proxy.url, "request_timeout": 5.0, "retry_backoff_max": 2.0, **es}
            )
        }
    )


async def count(settings: Settings, direct_url: str) -> int:
    es = AsyncElasticsearch(direct_url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.alias)
        return int((await es.count(index=settings.elasticsearch.alias))["count"])
    finally:
        await es.close()


async def until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


async def test_the_indexer_waits_out_an_outage_and_resumes(
    pipeline_settings: Settings, es_proxy: FaultProxy
) -> None:
    settings = behind(pipeline_settings, es_proxy)
    health = AgentHealth()
    es = AsyncElasticsearch(settings.elasticsearch.url, request_timeout=5.0)
    try:
        indexer = ArticleIndexer(es, settings, health=health)
        es_proxy.cut()
        task = asyncio.create_task(indexer.index([enriched(f"out-{i}") for i in range(5)]))
        await until(
            lambda: (
                health.agents.get("index") is not None
                and health.agents["index"].state == AgentState.WAITING
            ),
            30,
            "the indexer to say it waits",
        )
        await asyncio.sleep(3)
        assert not task.done()  # holding its batch: nothing acknowledged, nothing dropped
        es_proxy.restore()
        outcome = await asyncio.wait_for(task, 60)
    finally:
        await es.close()
    assert outcome.indexed == 5 and not outcome.rejected and outcome.attempts >= 2
    assert health.agents["index"].state == AgentState.RUNNING
    assert await count(settings, pipeline_settings.elasticsearch.url) == 5


async def test_the_indexer_waits_out_429s(
    pipeline_settings: Settings, es_proxy: FaultProxy
) -> None:
    # no retries inside the bulk helper: each 429 that outlasts the client's own retries reaches
    # the indexer, which must keep trying rather than give up
    settings = behind(pipeline_settings, es_proxy, bulk_max_retries=0)
    es = AsyncElasticsearch(settings.elasticsearch.url, request_timeout=5.0)
    try:
        indexer = ArticleIndexer(es, settings)
        es_proxy.answer(429)
        task = asyncio.create_task(indexer.index([enriched(f"busy-{i}") for i in range(3)]))
        # more 429s than the client transport retries on its own (3 + 1 per request)
        await until(lambda: es_proxy.requests_answered >= 10, 90, "ten 429s")
        es_proxy.relay()
        outcome = await asyncio.wait_for(task, 60)
    finally:
        await es.close()
    assert outcome.indexed == 3 and outcome.attempts >= 2
    assert await count(settings, pipeline_settings.elasticsearch.url) == 3


async def test_a_request_refused_as_a_whole_is_an_error_not_an_outage(
    pipeline_settings: Settings, es_proxy: FaultProxy
) -> None:
    settings = behind(pipeline_settings, es_proxy)
    es = AsyncElasticsearch(settings.elasticsearch.url, request_timeout=5.0)
    try:
        indexer = ArticleIndexer(es, settings)
        with es_proxy.answering(401), pytest.raises(ApiError):
            await asyncio.wait_for(indexer.index([enriched("refused")]), 30)
    finally:
        await es.close()


# ------------------------------------------------------------------ the health endpoint


def get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_health_endpoint_fails_while_an_agent_waits_too_long_or_crashed() -> None:
    metrics = Metrics(HealthSettings(max_wait=30, max_record_age=300))
    clock = metrics.health.clock = Clock()
    port = free_port()
    metrics.serve(MetricsSettings(port=port))
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        metrics.health.running("index")
        metrics.health.running("enrich")
        assert get(url)[0] == 200
        metrics.health.waiting("index", "Elasticsearch: ConnectionError")
        clock.now += 10
        assert get(url)[0] == 200  # a short wait is no illness
        clock.now += 25
        status, body = get(url)
        assert status == 503
        assert body["agents"]["index"]["state"] == "waiting"
        assert "agent index waiting for 35s" in body["problems"][0]
        metrics.health.running("index")
        metrics.health.holding("enrich", clock.now - 400)  # a record held for 400 s
        status, body = get(url)
        assert status == 503 and body["oldest_unindexed_seconds"] == 400
        metrics.health.released("enrich")
        assert get(url)[0] == 200
        metrics.health.crashed("enrich", RuntimeError("boom"))
        status, body = get(url)
        assert status == 503 and "agent enrich crashed: RuntimeError: boom" in body["problems"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            text = resp.read().decode()
        assert 'newsstream_agent_up{agent="enrich"} 0.0' in text
        assert "newsstream_healthy 0.0" in text
    finally:
        metrics.close()


def test_a_lag_that_sits_while_nothing_is_committed_is_unhealthy() -> None:
    health = AgentHealth(HealthSettings(max_record_age=300))
    clock = health.clock = Clock()
    health.observe_lag("news.articles", committed=100, lag=0)
    clock.now += 400
    health.observe_lag("news.articles", committed=100, lag=0)  # idle, nothing waiting: fine
    assert health.report()["healthy"]
    health.observe_lag("news.articles", committed=100, lag=50)
    clock.now += 200
    health.observe_lag("news.articles", committed=140, lag=60)  # behind, but moving: fine
    assert health.report()["healthy"]
    clock.now += 301
    health.observe_lag("news.articles", committed=140, lag=90)  # stuck for 301 s
    report = health.report()
    assert not report["healthy"] and report["lag"] == {"news.articles": 90}
    assert "90 records wait on news.articles; nothing committed for 301s" in report["problems"]


def test_an_agent_idle_over_a_backlog_is_stalled_but_not_one_that_waits_or_works() -> None:
    health = AgentHealth(HealthSettings(max_idle=60))
    clock = health.clock = Clock()
    for agent in ("enrich-replay", "index", "enrich", "fetch"):
        health.running(agent)
    for topic, agent in (
        ("replay", "enrich-replay"),
        ("enriched", "index"),
        ("articles", "enrich"),
    ):
        health.observe_lag(topic, committed=8, lag=260, agent=agent)
    health.waiting("index", "Elasticsearch: ConnectionError")  # away: it says so, it holds on
    health.holding("enrich", clock.now, actor=1)  # busy with a batch that takes its time
    clock.now += 50
    health.holding("fetch", clock.now, actor=2)  # took and passed on records a moment ago,
    health.released("fetch", actor=2)  # its commit still to come
    clock.now += 11
    for topic, agent in (
        ("replay", "enrich-replay"),
        ("enriched", "index"),
        ("articles", "enrich"),
        ("entries", "fetch"),
    ):
        health.observe_lag(topic, committed=8, lag=260, agent=agent)
    assert health.stalled_agents() == {
        "enrich-replay": "260 records wait on replay and it takes none"
    }
    health.settling()  # a rebalance: nobody gets records meanwhile
    assert health.stalled_agents() == {}


# ------------------------------------------------------------------ a running worker


def worker_settings(settings: Settings, proxy: FaultProxy, tmp_path: Path) -> tuple[Settings, Path]:
    own = behind(settings, proxy).model_copy(
        update={
            "metrics": settings.metrics.model_copy(update={"enabled": True, "port": free_port()}),
            "health": HealthSettings(max_wait=5.0, max_record_age=300.0),
            "worker": settings.worker.model_copy(update={"stop_timeout": 15.0}),
        }
    )
    return own, write_config(own, tmp_path / "settings.yaml")


@pytest.mark.slow
async def test_a_worker_rides_out_elasticsearch_away_for_20s(
    pipeline_settings: Settings, es_proxy: FaultProxy, tmp_path: Path
) -> None:
    settings, config = worker_settings(pipeline_settings, es_proxy, tmp_path)
    direct = pipeline_settings.elasticsearch.url
    health_url = f"http://127.0.0.1:{settings.metrics.port}/healthz"
    articles = [make_article(i, ("it", "en", "de")[i % 3]) for i in range(40)]
    await send_articles(settings, articles[:20])
    worker = NewsstreamProcess(config, "worker", log=tmp_path / "worker.log")
    try:

        async def some() -> bool:
            return await count(settings, direct) >= 5

        await wait_for(some, 240, "the worker to index something")
        es_proxy.cut()
        cut_at = time.monotonic()
        await send_articles(settings, articles[20:])  # they arrive while Elasticsearch is away

        async def unhealthy() -> bool:
            return get_status(health_url) == 503

        await wait_for(unhealthy, 30, "the health endpoint to fail")
        seen_after = time.monotonic() - cut_at
        await asyncio.sleep(max(0.0, 20 - (time.monotonic() - cut_at)))
        es_proxy.restore()
        back_at = time.monotonic()

        async def everything() -> bool:
            return await count(settings, direct) >= 40

        await wait_for(everything, 180, "all 40 articles after Elasticsearch came back")
        recovered = time.monotonic() - back_at
        await asyncio.sleep(3)
        assert await count(settings, direct) == 40  # none twice (ids are article ids)

        async def healthy() -> bool:
            return get_status(health_url) == 200

        await wait_for(healthy, 30, "the health endpoint to recover")
        # a stop while Elasticsearch is away ends promptly; the batch in hand is not committed
        es_proxy.cut()
        await send_articles(settings, [make_article(100, "en")])
        await asyncio.sleep(8)
        stop_started = time.monotonic()
        code = worker.stop(timeout=60)
        stop_took = time.monotonic() - stop_started
    finally:
        worker.stop()
    assert code == 0, worker.output()[-3000:]
    assert stop_took < 60
    print(
        f"ES away 20s: unhealthy after {seen_after:.1f}s, all indexed {recovered:.1f}s after it"
        f" came back, SIGTERM while away took {stop_took:.1f}s"
    )


def get_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


@pytest.mark.slow
async def test_a_crashed_agent_stops_the_worker_with_status_70(
    pipeline_settings: Settings, es_proxy: FaultProxy, tmp_path: Path
) -> None:
    settings, config = worker_settings(pipeline_settings, es_proxy, tmp_path)
    es_proxy.answer(403)  # every request refused as a whole: the index agent raises
    await send_articles(settings, [make_article(i, "en") for i in range(3)])
    worker = NewsstreamProcess(config, "worker", log=tmp_path / "worker.log")
    try:
        worker.proc.wait(240)
    finally:
        worker.stop()
    log = worker.output()
    assert worker.proc.returncode == 70, log[-3000:]
    assert "agent index crashed: AuthorizationException" in log

"""``newsstream status``: what the pipeline has done and what it still has to do, in a terminal.

It reads the same sources as the Prometheus endpoint (the broker's offsets, the consumer group's
commits, Elasticsearch's count, and the running process's own counters when it is up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from elastic_transport import ConnectionError as EsConnectionError
from elasticsearch import ApiError

from streams.connections import elasticsearch_client, elasticsearch_error, kafka_error
from streams.provision import partition_counts
from streams.settings import Settings


@dataclass
class TopicStatus:
    name: str
    records: int  # end offsets summed over partitions (records ever written, less retention)
    lag: int | None  # not yet committed by the app's consumer group; None when it never read


@dataclass
class PipelineStatus:
    topics: list[TopicStatus] = field(default_factory=list)
    indexed: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    health: dict[str, Any] | None = None  # the running process's /healthz answer
    errors: list[str] = field(default_factory=list)


async def topic_statuses(settings: Settings, names: list[str]) -> list[TopicStatus]:
    """Records written to each topic, and how many the app's consumer group has not committed."""
    kafka = settings.kafka
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    try:
        # inside the try: a start that cannot reach Kafka still leaves clients to close
        await consumer.start()
        await admin.start()
        counts = await partition_counts(admin, names)
        try:
            committed = await admin.list_consumer_group_offsets(settings.worker.app_id)
        except KafkaError:  # the group has never committed: no lag to report yet
            committed = {}
        out = []
        for name in names:
            tps = [TopicPartition(name, p) for p in range(counts.get(name, 0))]
            ends = await consumer.end_offsets(tps) if tps else {}
            done = [committed[tp].offset for tp in tps if tp in committed]
            lag = sum(ends[tp] for tp in tps) - sum(done) if done else None
            out.append(TopicStatus(name, sum(ends.values()), lag))
        return out
    finally:
        await admin.close()
        await consumer.stop()


async def collect_status(settings: Settings) -> PipelineStatus:
    status = PipelineStatus()
    names = list(settings.kafka.topics.model_dump().values())
    # report, don't crash: status is for when things go wrong; each error in one line
    try:
        status.topics = await topic_statuses(settings, names)
    except KafkaError as exc:
        status.errors.append(f"kafka: {kafka_error(settings.kafka.bootstrap_servers, exc)}")
    except Exception as exc:
        status.errors.append(f"kafka: {type(exc).__name__}: {' '.join(str(exc).split())}")
    es = elasticsearch_client(settings.elasticsearch)
    try:
        status.indexed = int((await es.count(index=settings.elasticsearch.alias))["count"])
    except (EsConnectionError, ApiError) as exc:
        status.errors.append(f"elasticsearch: {elasticsearch_error(settings.elasticsearch, exc)}")
    except Exception as exc:
        status.errors.append(f"elasticsearch: {type(exc).__name__}: {' '.join(str(exc).split())}")
    finally:
        await es.close()
    if settings.metrics.enabled:
        url = f"http://{settings.metrics.host}:{settings.metrics.port}/metrics"
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                text = (await client.get(url)).text
                status.metrics = parse_metrics(text)
                health = await client.get(url.replace("/metrics", "/healthz"))
                if health.headers.get("content-type", "").startswith("application/json"):
                    status.health = health.json()
        except httpx.HTTPError:
            status.errors.append(f"metrics: no running newsstream process answers at {url}")
    return status


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {"name{labels}": value}, our own series only."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("newsstream_") and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            # a histogram's buckets are for Prometheus; its _count and _sum say enough here
            if any(part in name for part in ("_created{", "_bucket{")) or name.endswith(
                ("_created", "_bucket")
            ):
                continue
            out[name] = float(value)
    return out


def format_status(status: PipelineStatus) -> str:
    lines = ["topic                          records      lag"]
    for t in status.topics:
        lag = "-" if t.lag is None else str(t.lag)
        lines.append(f"{t.name:<28} {t.records:>9} {lag:>8}")
    if status.indexed is not None:
        lines.append(f"documents indexed: {status.indexed}")
    if status.health is not None:
        health = status.health
        verdict = "healthy" if health.get("healthy") else "UNHEALTHY"
        age = health.get("oldest_unindexed_seconds")
        oldest = "" if age is None else f"; oldest record not yet indexed: {age:g}s"
        lines.append(f"agents ({verdict}{oldest}):")
        for name, agent in sorted((health.get("agents") or {}).items()):
            detail = f" - {agent['detail']}" if agent.get("detail") else ""
            lines.append(f"  {name:<14} {agent['state']:<8} for {agent['for_seconds']:g}s{detail}")
        lines.extend(f"! {problem}" for problem in health.get("problems") or [])
    if status.metrics:
        lines.append("running process:")
        lines.extend(f"  {name} = {value:g}" for name, value in sorted(status.metrics.items()))
    lines.extend(f"! {err}" for err in status.errors)
    return "\n".join(lines)

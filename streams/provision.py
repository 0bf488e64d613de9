"""``newsstream init``: the topics and the Elasticsearch index template, created idempotently.

Running it again changes nothing that exists, except that a topic with fewer partitions than
configured is grown (Kafka cannot shrink one).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.errors import KafkaError
from elasticsearch import AsyncElasticsearch

from streams.connections import elasticsearch_client
from streams.settings import PROJECT_ROOT, AnswerKind, Settings

log = logging.getLogger(__name__)

INDEX_TEMPLATE_FILE = PROJECT_ROOT / "schemas" / "index-template.json"
STORIES_TEMPLATE_FILE = PROJECT_ROOT / "schemas" / "stories-template.json"
ANSWER_TEMPLATE_FILES = {
    kind: PROJECT_ROOT / "schemas" / f"{kind.value}-template.json" for kind in AnswerKind
}


def template_name(alias: str) -> str:
    return f"newsstream-{alias}"


@dataclass
class ProvisionReport:
    topics_created: list[str] = field(default_factory=list)
    topics_grown: list[str] = field(default_factory=list)
    topics_existing: list[str] = field(default_factory=list)
    template: str = ""
    index_created: str | None = None
    alias: str = ""
    answer_aliases: list[str] = field(default_factory=list)
    answer_indices_created: list[str] = field(default_factory=list)


def load_index_template(path: Path = INDEX_TEMPLATE_FILE) -> dict[str, Any]:
    body = json.loads(path.read_text())
    body.pop("_comment", None)
    return dict(body)


def topic_names(settings: Settings) -> list[str]:
    return list(settings.kafka.topics.model_dump().values())


UNKNOWN_TOPIC = 3  # Kafka's error code for a topic that does not exist
"""Any other error describing a topic (leader not available ...) means it exists, not ready."""


async def partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partitions per topic, for the topics of ``names`` that exist (-1: not ready yet).

    Only topics the cluster lists are described: a metadata request that names a missing topic
    makes a broker with ``auto.create.topics.enable`` create it, with one partition, which is
    how ``init`` used to leave its own topics at one partition."""
    listed = set(await admin.list_topics())
    present = [name for name in names if name in listed]
    if not present:
        return {}
    described = await admin.describe_topics(present)
    counts = {}
    for topic in described:
        code = topic.get("error_code", 0)
        if code == 0:
            counts[topic["topic"]] = len(topic["partitions"])
        elif code != UNKNOWN_TOPIC:
            counts[topic["topic"]] = -1
    return counts


async def _settled_partition_counts(
    admin: AIOKafkaAdminClient, names: list[str], timeout: float = 30.0
) -> dict[str, int]:
    """Partition counts once every topic is ready and the metadata agrees with itself.

    Right after a topic is created (by us or by a client's first request), describing it can
    fail with "leader not available" or list only some of its partitions; reading it then
    would make a new topic look missing, or like one to grow.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    previous: dict[str, int] | None = None
    while True:
        counts = await partition_counts(admin, names)
        ready = all(n >= 0 for n in counts.values())
        if (ready and counts == previous) or asyncio.get_running_loop().time() > deadline:
            return counts
        previous = counts
        await asyncio.sleep(0.5)


TOPIC_ALREADY_EXISTS = 36  # Kafka's error code


def _created_meanwhile(topic_errors: list[tuple[Any, ...]]) -> set[str]:
    """The topics a CreateTopics answer says exist already; any other error is raised."""
    raced, failed = set(), []
    for topic, code, *message in topic_errors:
        if code == TOPIC_ALREADY_EXISTS:
            raced.add(topic)
        elif code != 0:
            failed.append((topic, code, *message))
    if failed:
        raise RuntimeError(f"could not create topics: {failed}")
    return raced


async def wait_for_group_coordinator(
    admin: AIOKafkaAdminClient, group_id: str, timeout: float = 60.0
) -> None:
    """Ask for the worker's group coordinator until the broker names one.

    A broker that has never had a consumer group has no ``__consumer_offsets`` topic: the first
    request for a coordinator makes the broker create it, and answers "coordinator not available"
    meanwhile. Without this, a first ``newsstream run`` after ``init`` logged aiokafka's
    ``ERROR ... GroupCoordinatorNotAvailableError`` while the topic was being made.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await admin.find_coordinator(group_id)
            return
        except KafkaError as exc:
            if not getattr(exc, "retriable", False):
                raise
            if asyncio.get_running_loop().time() > deadline:
                log.warning("no group coordinator after %.0fs: %s", timeout, exc)
                return
            await asyncio.sleep(0.5)


async def create_topics(settings: Settings, report: ProvisionReport) -> None:
    """Create the missing topics, then grow every topic that has fewer partitions than
    configured, judged on a fresh look after the create: a client's first request may have
    auto-created a topic (with the broker's one partition) at any moment before."""
    kafka = settings.kafka
    names = topic_names(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        before = await _settled_partition_counts(admin, names)
        missing = [name for name in names if name not in before]
        created: list[str] = []
        if missing:
            config = {"max.message.bytes": str(kafka.max_message_bytes)}
            response = await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=kafka.partitions,
                        replication_factor=kafka.replication_factor,
                        topic_configs=config,
                    )
                    for name in missing
                ]
            )
            raced = _created_meanwhile(response.topic_errors)
            if raced:
                log.warning("topics created meanwhile by someone else: %s", sorted(raced))
            created = [n for n in missing if n not in raced]
        have = await _settled_partition_counts(admin, names)
        grow = {
            n: NewPartitions(kafka.partitions)
            for n, p in have.items()
            if p < kafka.partitions and n not in created
        }
        if grow:
            log.info(
                "growing topics to %d partitions: %s", kafka.partitions, {n: have[n] for n in grow}
            )
            response = await admin.create_partitions(grow)
            errors = [(t, code, msg) for t, code, msg in response.topic_errors if code != 0]
            if errors:
                raise RuntimeError(f"could not grow topics: {errors}")
            await _settled_partition_counts(admin, names)
        await wait_for_group_coordinator(admin, settings.worker.app_id)
        report.topics_created.extend(created)
        report.topics_grown.extend(grow)
        report.topics_existing.extend(n for n in names if n not in created and n not in grow)
    finally:
        await admin.close()


def refresh_interval(seconds: float) -> str:
    """Elasticsearch's spelling of a refresh interval: 0.25 -> "250ms"."""
    return f"{max(1, round(seconds * 1000))}ms"


async def _install_one(
    es: AsyncElasticsearch,
    template: dict[str, Any],
    *,
    pattern: str,
    alias: str,
    first: str,
    interval: str,
) -> bool:
    """Put the template for ``pattern``, then create the first index behind ``alias`` unless
    the alias exists, in which case the template's new fields (mappings only grow) and the
    refresh interval are applied to its indices. True when the first index was created."""
    template["index_patterns"] = [pattern]
    template["template"].setdefault("settings", {})["refresh_interval"] = interval
    await es.indices.put_index_template(name=template_name(alias), **template)
    if not await es.indices.exists_alias(name=alias):
        await es.indices.create(index=first, aliases={alias: {"is_write_index": True}})
        return True
    await es.indices.put_mapping(
        index=alias, properties=template["template"]["mappings"]["properties"]
    )
    await es.indices.put_settings(index=alias, settings={"index": {"refresh_interval": interval}})
    return False


async def install_index(settings: Settings, report: ProvisionReport) -> None:
    """The articles' template and alias, then one of each for claims and figures; on indices
    made before, the fields and the refresh interval the settings ask for now.

    The refresh interval is set explicitly, never left to Elasticsearch's default: an index with
    no explicit interval stops refreshing after 30 s without a search ("search idle"), and the
    next search then waits for a refresh, so the first breaking article after a quiet spell
    would be slowest to find.
    """
    es_settings = settings.elasticsearch
    es = elasticsearch_client(es_settings)
    interval = refresh_interval(es_settings.refresh_interval)
    try:
        created = await _install_one(
            es,
            load_index_template(),
            pattern=es_settings.index_pattern,
            alias=es_settings.alias,
            first=es_settings.first_index,
            interval=interval,
        )
        report.template = template_name(es_settings.alias)
        report.alias = es_settings.alias
        if created:
            report.index_created = es_settings.first_index
        for kind, path in ANSWER_TEMPLATE_FILES.items():
            alias = es_settings.answers_alias(kind)
            first = es_settings.answers_first_index(kind)
            if await _install_one(
                es,
                load_index_template(path),
                pattern=es_settings.answers_index_pattern(kind),
                alias=alias,
                first=first,
                interval=interval,
            ):
                report.answer_indices_created.append(first)
            report.answer_aliases.append(alias)
        if await _install_one(
            es,
            load_index_template(STORIES_TEMPLATE_FILE),
            pattern=es_settings.stories_index_pattern,
            alias=es_settings.stories_alias,
            first=es_settings.stories_first_index,
            interval=interval,
        ):
            report.answer_indices_created.append(es_settings.stories_first_index)
        report.answer_aliases.append(es_settings.stories_alias)
    finally:
        await es.close()


async def drop_index(settings: Settings) -> list[str]:
    """Delete the indices behind the alias and the index template (tests, benchmarks).

    Indices are deleted by name: the server refuses wildcard deletes. The claims' and figures'
    indices (``news-claims-*``) are within the articles' pattern (``news-*``) and go with them.
    """
    es_settings = settings.elasticsearch
    es = elasticsearch_client(es_settings)
    try:
        found = await es.indices.get(index=es_settings.index_pattern, allow_no_indices=True)
        names = sorted(found)
        if names:
            await es.indices.delete(index=",".join(names))
        for alias in [*map(es_settings.answers_alias, AnswerKind), es_settings.stories_alias]:
            await es.options(ignore_status=404).indices.delete_index_template(
                name=template_name(alias)
            )
        await es.options(ignore_status=404).indices.delete_index_template(
            name=template_name(es_settings.alias)
        )
        return names
    finally:
        await es.close()


async def drop_topics(settings: Settings, topics: Sequence[str] | None = None) -> list[str]:
    """Delete the pipeline's topics (or only ``topics`` of them) and the worker's own (Faust's
    changelog, repartition and leader topics, named after its app id), for tests and
    benchmarks: each run names its topics afresh, and a broker slows down at start with every
    partition it keeps."""
    kafka = settings.kafka
    owned = set(topic_names(settings) if topics is None else topics)
    internal_prefix = f"{settings.worker.app_id}-"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        names = sorted(
            name
            for name in await admin.list_topics()
            if name in owned or name.startswith(internal_prefix)
        )
        if names:
            await admin.delete_topics(names)
        return names
    finally:
        await admin.close()


async def provision(settings: Settings) -> ProvisionReport:
    report = ProvisionReport()
    await create_topics(settings, report)
    await install_index(settings, report)
    return report

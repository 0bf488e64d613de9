"""The real Kafka and Elasticsearch, as the project starts them, doing real work."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer
from elasticsearch import AsyncElasticsearch

from streams.app import create_app
from streams.records import FeedEntry
from streams.settings import Settings

pytestmark = pytest.mark.integration


async def test_record_sent_through_the_faust_app_is_consumed_back(provisioned: Settings) -> None:
    app, topics = create_app(provisioned)
    entry = FeedEntry(
        article_id=uuid.uuid4().hex,
        url="https://example.org/news/1",
        feed_url="https://example.org/rss",
        feed_name="Example",
        source="example.org",
        title="Nordkorea feuert Rakete ab",
        lang="de",
        tags=["world"],
    )
    try:
        await topics.entries.send(key=entry.article_id, value=entry)
        await app.producer.flush()
    finally:
        await app.producer.stop()

    consumer = AIOKafkaConsumer(
        topics.entries.get_topic_name(),
        bootstrap_servers=provisioned.kafka.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        found = None
        async with asyncio.timeout(30):
            while found is None:
                batch = await consumer.getmany(timeout_ms=1000)
                for messages in batch.values():
                    for msg in messages:
                        if msg.key == entry.article_id.encode():
                            found = FeedEntry.loads(msg.value)
    finally:
        await consumer.stop()
    assert found == entry


async def test_indexed_document_is_found_by_full_text_and_counted_by_terms(
    pipeline_settings: Settings,
) -> None:
    provisioned = pipeline_settings  # an index of its own: the counts below are exact
    es = AsyncElasticsearch(provisioned.elasticsearch.url)
    alias = provisioned.elasticsearch.alias
    docs = [
        {
            "article_id": "d1",
            "title": "Pyongyang fires missiles",
            "body": "North Korea fired two missiles.",
            "lang": "en",
            "entities": {"location": ["North Korea"], "keys": ["country:KP"]},
        },
        {
            "article_id": "d2",
            "title": "Missili da Pyongyang",
            "body": "La Corea del Nord ha lanciato missili.",
            "lang": "it",
            "entities": {"location": ["North Korea"], "keys": ["country:KP"]},
        },
        {
            "article_id": "d3",
            "title": "Wetter",
            "body": "Es regnet in Berlin.",
            "lang": "de",
            "entities": {"location": ["Berlin"], "keys": ["city:berlin"]},
        },
    ]
    try:
        for doc in docs:
            await es.index(index=alias, id=doc["article_id"], document=doc)
        await es.indices.refresh(index=alias)
        # The write alias points at the first index created by init.
        indices = await es.indices.get_alias(name=alias)
        assert list(indices) == [provisioned.elasticsearch.first_index]

        hits = await es.search(index=alias, query={"match": {"body": "missiles"}})
        assert [h["_id"] for h in hits["hits"]["hits"]] == ["d1"]

        aggs = await es.search(
            index=alias, size=0, aggs={"by_key": {"terms": {"field": "entities.keys"}}}
        )
        buckets = {b["key"]: b["doc_count"] for b in aggs["aggregations"]["by_key"]["buckets"]}
        assert buckets == {"country:KP": 2, "city:berlin": 1}

        # A replayed document overwrites instead of duplicating.
        await es.index(index=alias, id="d1", document=docs[0], refresh=True)
        count = await es.count(index=alias)
        assert count["count"] == 3
    finally:
        await es.close()


async def test_init_is_idempotent(provisioned: Settings) -> None:
    from streams.provision import provision

    report = await provision(provisioned)
    assert report.topics_created == []
    assert report.index_created is None
    assert len(report.topics_existing) == len(provisioned.kafka.topics.model_dump()), report


async def test_init_grows_topics_that_a_client_created_while_it_looked(
    unprovisioned_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A producer's first send auto-creates a topic with the broker's one partition; when that
    happens between init's look and its create, init grows the topic instead of leaving it."""
    from aiokafka import AIOKafkaProducer

    import streams.provision as provision_module

    settings = unprovisioned_settings
    names = list(settings.kafka.topics.model_dump().values())
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        for name in names:  # auto-created, one partition each
            await producer.send_and_wait(name, b"early")
    finally:
        await producer.stop()

    settled = provision_module._settled_partition_counts
    looks = 0

    async def first_look_sees_nothing(
        admin: object, topics: list[str], timeout: float = 30.0
    ) -> dict[str, int]:
        nonlocal looks
        looks += 1
        return {} if looks == 1 else await settled(admin, topics, timeout)

    monkeypatch.setattr(provision_module, "_settled_partition_counts", first_look_sees_nothing)
    report = await provision_module.provision(settings)
    assert report.topics_created == []
    assert sorted(report.topics_grown) == sorted(names)
    monkeypatch.setattr(provision_module, "_settled_partition_counts", settled)
    again = await provision_module.provision(settings)
    assert sorted(again.topics_existing) == sorted(names)


async def test_drop_topics_deletes_the_runs_topics_and_the_workers_own_only(
    unprovisioned_settings: Settings, provisioned: Settings
) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    from streams.provision import drop_topics, provision, topic_names

    settings = unprovisioned_settings
    await provision(settings)
    changelog = f"{settings.worker.app_id}-seen-changelog"  # as Faust names a table's topic
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(changelog, 1, 1)])
        dropped = await drop_topics(settings)
        assert sorted(dropped) == sorted([*topic_names(settings), changelog])
        gone = set(dropped)
        for _ in range(50):  # deletion is asynchronous on the broker
            listed = set(await admin.list_topics())
            if not gone & listed:
                break
            await asyncio.sleep(0.2)
        assert not gone & listed
        # another run's topics on the same broker are left alone
        assert set(topic_names(provisioned)) <= listed
    finally:
        await admin.close()

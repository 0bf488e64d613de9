"""The agents as a running worker: news.articles -> enrich -> news.enriched -> Elasticsearch.

Real Kafka, real Elasticsearch, real `newsstream worker` processes.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from elasticsearch import AsyncElasticsearch
from pipeline_helpers import NewsstreamProcess, read_topic, write_config

from streams.app import create_app
from streams.records import Article, DeadLetter
from streams.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TEXTS = {
    "it": "«Nessun Paese dovrebbe subire tutto questo», ha commentato il presidente ucraino "
    "Volodymyr Zelensky. Almeno altri 3.000 soldati sono arrivati a Mosca, secondo la Tass.",
    "en": "North Korea has sent more than 3,000 soldiers to Russia, the South Korean military "
    'said, according to Reuters. "We are watching closely," a spokesman told CNN.',
    "de": "Nordkorea hat rund 3.000 Soldaten nach Russland geschickt, sagte ein Sprecher in Seoul "
    "laut dpa. Die Regierung in Berlin zeigte sich besorgt.",
}


def make_article(i: int, lang: str, **overrides: object) -> Article:
    fields: dict[str, object] = {
        "article_id": f"art-{i:03d}",
        "url": f"https://example.org/{lang}/{i}",
        "feed_url": f"https://example.org/{lang}/rss",
        "feed_name": f"Example {lang.upper()}",
        "source": "example.org",
        "title": f"Article {i}",
        "text": TEXTS[lang],
        "lang": lang,
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


async def send_articles(settings: Settings, articles: list[Article]) -> None:
    app, topics = create_app(settings)
    try:
        for a in articles:
            await topics.articles.send(key=a.article_id, value=a)
        await app.producer.flush()
    finally:
        await app.producer.stop()


async def indexed_ids(settings: Settings) -> set[str]:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.alias)
        resp = await es.search(
            index=settings.elasticsearch.alias, size=1000, source=False, query={"match_all": {}}
        )
        return {h["_id"] for h in resp["hits"]["hits"]}
    finally:
        await es.close()


async def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await predicate():
            return
        await asyncio.sleep(1.0)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


async def test_worker_restarted_with_sigkill_indexes_every_article_once(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    settings = pipeline_settings.model_copy(
        update={"metrics": pipeline_settings.metrics.model_copy(update={"enabled": False})}
    )
    config = write_config(settings, tmp_path / "settings.yaml")
    langs = list(TEXTS)
    articles = [make_article(i, langs[i % 3]) for i in range(60)]
    # the same article delivered twice (a replayed entry) is still one document
    duplicates = [make_article(5, langs[5 % 3]), make_article(7, langs[7 % 3])]
    poison = [
        make_article(900, "en", text="   "),  # fails enrichment
        make_article(901, "en", url="https://example.org/" + "x" * 40_000),  # ES rejects it
    ]
    await send_articles(settings, articles[:30] + duplicates + poison)
    # bytes that are not an article at all (and not even UTF-8)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(
            settings.kafka.topics.articles, key=b"garbage", value=b"\xff\xfe{not json"
        )
        # and a record on news.enriched that is not an enriched article
        await producer.send_and_wait(
            settings.kafka.topics.enriched, key=b"garbage", value=b'{"lang": "it"}'
        )
    finally:
        await producer.stop()

    first = NewsstreamProcess(config, "worker", log=tmp_path / "worker1.log")
    try:

        async def some_indexed() -> bool:
            return len(await indexed_ids(settings)) >= 10

        await wait_for(some_indexed, 240, "the first worker to index something")
    finally:
        first.kill()  # mid-stream: whatever was not committed is processed again

    await send_articles(settings, articles[30:])
    second = NewsstreamProcess(config, "worker", log=tmp_path / "worker2.log")
    try:
        expected = {a.article_id for a in articles}

        async def all_indexed() -> bool:
            return expected <= await indexed_ids(settings)

        await wait_for(all_indexed, 300, "every article in the index")
        await asyncio.sleep(5)  # anything still in flight would show up now
        assert await indexed_ids(settings) == expected

        letters = await read_topic(settings, settings.kafka.topics.deadletter, DeadLetter)
        by_stage = {d.stage: d for d in letters if d.error_type != "RecordInvalid"}
        assert by_stage["enrich"].key == "art-900"
        assert "no text" in by_stage["enrich"].reason
        assert by_stage["index"].key == "art-901"
        assert by_stage["index"].original is not None
        # at least once: the killed worker may have parked it before its offset was committed
        undecodable = [d for d in letters if d.error_type == "RecordInvalid"]
        assert undecodable and all(d.key == "garbage" for d in undecodable)
        by_topic = {d.source_topic: d for d in undecodable}
        assert "not json" in (by_topic["news.articles"].raw or "")
        assert by_topic["news.enriched"].stage == "index"
        assert by_topic["news.enriched"].raw == '{"lang": "it"}'
    finally:
        code = second.stop()
    assert code == 0, second.output()[-3000:]
    log = second.output()
    assert "Traceback" not in log, log[-3000:]

    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        doc = (await es.get(index=settings.elasticsearch.alias, id="art-000"))["_source"]
    finally:
        await es.close()
    assert doc["lang"] == "it"
    assert any(f["value"] == 3000 for f in doc["figures"]), json.dumps(doc["figures"])
    assert doc["entities"]["keys"], doc["entities"]

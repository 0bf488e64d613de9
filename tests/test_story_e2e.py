"""The story stage end to end: news.articles -> `newsstream worker` (enrich, story, index) ->
Elasticsearch. One event told in five languages ends in one story document; a worker SIGKILLed
mid-stream and started again leaves every article's story unchanged."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch
from pipeline_helpers import NewsstreamProcess, cli, write_config
from test_story_cli import ARTICLES

from streams.records import Article
from streams.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def article(name: str) -> Article:
    day, text = ARTICLES[name]
    lang = name if len(name) == 2 else "it"
    return Article(
        article_id=f"story-{name}",
        url=f"https://{lang}.example.org/{name}",
        feed_url=f"https://{lang}.example.org/rss",
        feed_name=f"Example {lang}",
        source=f"{lang}.example.org",
        title=text.split(":")[0],
        text=text,
        lang=lang,
        published_at=datetime.fromisoformat(f"{day}T08:00:00+00:00"),
    )


async def send(settings: Settings, names: list[str]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka.bootstrap_servers)
    await producer.start()
    try:
        for name in names:
            a = article(name)
            await producer.send_and_wait(
                settings.kafka.topics.articles, a.dumps(), key=a.article_id.encode()
            )
    finally:
        await producer.stop()


async def story_of(settings: Settings) -> dict[str, Any]:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.alias)
        found = await es.search(
            index=settings.elasticsearch.alias, size=100, source_includes=["story_id"]
        )
        return {h["_id"]: h["_source"].get("story_id") for h in found["hits"]["hits"]}
    finally:
        await es.close()


async def wait_for(settings: Settings, count: int, proc: NewsstreamProcess) -> dict[str, Any]:
    deadline = time.monotonic() + 400
    while True:
        found = await story_of(settings)
        if len(found) >= count:
            return found
        assert proc.proc.poll() is None, proc.output()[-3000:]
        assert time.monotonic() < deadline, proc.output()[-3000:]
        await asyncio.sleep(2)


async def test_one_story_across_languages_and_a_restart_changes_nothing(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    settings = pipeline_settings.model_copy(
        update={
            "metrics": pipeline_settings.metrics.model_copy(update={"enabled": False}),
            "stories": pipeline_settings.stories.model_copy(update={"enabled": True}),
        }
    )
    config = write_config(settings, tmp_path / "settings.yaml")
    first_half, second_half = ["it", "council", "en"], ["fr", "de", "es"]
    first = NewsstreamProcess(config, "worker", log=tmp_path / "first.log")
    try:
        await send(settings, first_half)
        before = await wait_for(settings, len(first_half), first)
    finally:
        first.kill()  # no drain, no commit
    await send(settings, second_half)
    second = NewsstreamProcess(config, "worker", log=tmp_path / "second.log")
    try:
        await wait_for(settings, len(first_half) + len(second_half), second)
        # two years later: its date closes the flood's story, so it comes once that is indexed
        await send(settings, ["again"])
        after = await wait_for(settings, len(first_half) + len(second_half) + 1, second)
    finally:
        second.stop()
    assert "Traceback" not in second.output(), second.output()[-3000:]

    assert {k: after[k] for k in before} == before  # nothing reassigned by the restart
    flood = {after[f"story-{lang}"] for lang in ("it", "en", "fr", "de", "es")}
    assert len(flood) == 1 and None not in flood, after
    (flood_id,) = flood
    assert after["story-council"] != flood_id and after["story-again"] != flood_id

    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.stories_alias)
        story = (await es.get(index=settings.elasticsearch.stories_alias, id=flood_id))["_source"]
    finally:
        await es.close()
    assert story["languages"] == ["de", "en", "es", "fr", "it"]
    assert story["article_count"] == 5
    assert story["top_entities"], story

    # newsstream story: the articles by language, the figures grouped by what they count
    shown = cli("story", flood_id, "--json", env={"NEWSSTREAM_CONFIG": str(config)})
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert sorted(view["articles"]) == ["de", "en", "es", "fr", "it"]
    deaths = view["figures"]["death"]
    assert {e["lang"] for e in deaths} >= {"it", "en"} and {e["value"] for e in deaths} == {12.0}
    assert [e["first_seen"] for e in deaths] == sorted(e["first_seen"] for e in deaths)
    assert cli("story", "story-999999", env={"NEWSSTREAM_CONFIG": str(config)}).returncode == 1

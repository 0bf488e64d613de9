"""A first run on a broker that has never seen newsstream: `newsstream init`, then `newsstream run`.

Issue 12: a fresh install polled for minutes with ``TypeError: 'NoneType' object is not iterable``
from the feed state table's first write (its changelog topic was not in the producer's metadata
yet), and indexed nothing until aiokafka refreshed. The shared broker of the test session has
seen many runs, so this test starts a broker of its own, empty (streams.services.KafkaService
under a new home, on free ports; the jars are the shared installation's). Elasticsearch is the
shared one, with an index of this test alone.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import isolated_settings
from elasticsearch import AsyncElasticsearch
from feedserver import FeedServer, rss, rss_date
from pipeline_helpers import (
    NewsstreamProcess,
    cli,
    local_feeds_settings,
    wait_indexed,
    write_config,
)

from streams.provision import drop_index
from streams.services import KafkaService, LocalStack
from streams.settings import Settings, load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def empty_broker(services: LocalStack, tmp_path: Path) -> Iterator[KafkaService]:
    kafka = KafkaService.dedicated(load_settings().services, tmp_path / "kafka-home")
    if not kafka.lib_dir.is_symlink():
        pytest.skip("the shared Kafka installation is not complete")
    kafka.start()
    try:
        kafka.wait_healthy(kafka.settings.start_timeout)
        yield kafka
    finally:
        kafka.stop(timeout=60)


def items(server: FeedServer, feed: int) -> list[dict[str, object]]:
    """Three items of one feed, each linking to a page of the same server."""
    out: list[dict[str, object]] = []
    for i in range(3):
        text = f"The council of town {feed}-{i} voted the budget on Monday, the mayor said."
        link = server.set(
            f"/empty/{feed}/{i}.html",
            body=f"<html><body><article><h1>Budget {feed}-{i}</h1><p>{text}</p></article>"
            "</body></html>".encode(),
            content_type="text/html; charset=utf-8",
        )
        title = f"Town {feed}-{i} votes its budget for next year"
        out.append(
            {"title": title, "link": link, "description": text, "pubDate": rss_date(time.time())}
        )
    return out


async def indexed(settings: Settings) -> int:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.alias)
        return int((await es.count(index=settings.elasticsearch.alias))["count"])
    finally:
        await es.close()


async def test_init_then_run_on_an_empty_broker_indexes_every_entry_without_error(
    empty_broker: KafkaService, tmp_path: Path
) -> None:
    base = isolated_settings(uuid.uuid4().hex[:8])
    with FeedServer() as server:
        urls = [server.set(f"/empty/feed{i}.xml", body=rss(items(server, i))) for i in (0, 1)]
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            yaml.safe_dump({"feeds": [{"url": u, "name": f"e{i}"} for i, u in enumerate(urls)]})
        )
        on_empty = base.kafka.model_copy(update={"bootstrap_servers": empty_broker.address})
        settings = local_feeds_settings(base.model_copy(update={"kafka": on_empty}), feeds_file)
        config = write_config(settings, tmp_path / "settings.yaml")
        init = cli("init", env={"NEWSSTREAM_CONFIG": str(config)})
        assert init.returncode == 0, init.stderr
        proc = NewsstreamProcess(config, "run", log=tmp_path / "run.log")
        try:
            await wait_indexed(proc, lambda: indexed(settings), 6, 300)
        finally:
            code = proc.stop()
            await drop_index(settings)
    output = proc.output()
    assert code == 0, output[-3000:]
    assert "not iterable" not in output and "Traceback" not in output, output[-3000:]
    assert " ERROR " not in output, output[-3000:]

"""Sustained throughput and latency of news.articles -> enrich -> index, with 1 and 2 workers,
beside the extraction stage alone on the same articles, in one run.

    .venv/bin/python bench/pipeline.py [--articles 300] [--workers 1 2]

Needs the services (`newsstream services up`). Articles are the texts of ../shared/eval/dev
(read in place), repeated under new ids. Each run uses topics and an index of its own, and
deletes them afterwards. Latency is measured from the moment a record is produced to the
moment a search first finds it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml
from aiokafka.admin import AIOKafkaAdminClient
from elasticsearch import AsyncElasticsearch

from agents.enrich import Enricher
from streams.app import create_app
from streams.provision import provision, template_name
from streams.records import Article
from streams.settings import Settings, load_settings, namespaced

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"


def load_texts() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(DEV.glob("*.json")):
        data = json.loads(path.read_text())
        out.append((data["lang"], data.get("title") or "", data["text"]))
    if not out:
        sys.exit(f"no articles in {DEV}")
    return out


def make_articles(n: int, run: str) -> list[Article]:
    texts = load_texts()
    return [
        Article(
            article_id=f"{run}-{i:05d}",
            url=f"https://bench.invalid/{run}/{i}",
            feed_url="https://bench.invalid/rss",
            feed_name="bench",
            source="bench.invalid",
            title=texts[i % len(texts)][1],
            text=texts[i % len(texts)][2],
            lang=texts[i % len(texts)][0],
        )
        for i in range(n)
    ]


def isolated(base: Settings, run: str) -> Settings:
    settings = namespaced(base, f"bench-{run}", partitions=4)
    return settings.model_copy(
        update={"metrics": base.metrics.model_copy(update={"enabled": False})}
    )


def extraction_alone(articles: list[Article], settings: Settings) -> float:
    enricher = Enricher(settings.nlp)
    enricher.enrich_batch(articles[: len(load_texts())])  # load every pipeline first
    started = time.perf_counter()
    batch = settings.worker.enrich_batch
    for i in range(0, len(articles), batch):
        enricher.enrich_batch(articles[i : i + batch])
    return len(articles) / (time.perf_counter() - started)


async def cleanup(settings: Settings) -> None:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.delete(index=settings.elasticsearch.index_pattern, allow_no_indices=True)
        await es.indices.delete_index_template(name=template_name(settings.elasticsearch.alias))
    finally:
        await es.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        await admin.delete_topics(list(settings.kafka.topics.model_dump().values()))
    finally:
        await admin.close()


async def seen_ids(es: AsyncElasticsearch, alias: str) -> set[str]:
    resp = await es.search(index=alias, size=10_000, source=False, query={"match_all": {}})
    return {h["_id"] for h in resp["hits"]["hits"]}


async def run_pipeline(
    settings: Settings, articles: list[Article], workers: int
) -> dict[str, float]:
    await provision(settings)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "settings.yaml"
        config.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
        env = {**os.environ, "NEWSSTREAM_CONFIG": str(config), "NEWSSTREAM_LOG_LEVEL": "WARNING"}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "streams.cli", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(Path(tmp) / f"worker{i}.log", "wb"),  # noqa: SIM115
                start_new_session=True,
            )
            for i in range(workers)
        ]
        app, topics = create_app(settings)
        es = AsyncElasticsearch(settings.elasticsearch.url)
        alias = settings.elasticsearch.alias
        try:
            # warm up: the workers have joined and loaded their pipelines once this is searchable
            warm = make_articles(2 * workers, "warm")
            for a in warm:
                await topics.articles.send(key=a.article_id, value=a)
            await app.producer.flush()
            while len(await seen_ids(es, alias)) < len(warm):
                await asyncio.sleep(0.5)
            sent_at: dict[str, float] = {}
            first_seen: dict[str, float] = {}
            t0 = time.monotonic()
            for a in articles:
                sent_at[a.article_id] = time.monotonic()
                await topics.articles.send(key=a.article_id, value=a)
            await app.producer.flush()
            while len(first_seen) < len(articles):
                now = time.monotonic()
                for article_id in await seen_ids(es, alias):
                    if article_id in sent_at:
                        first_seen.setdefault(article_id, now)
                await asyncio.sleep(0.25)
            elapsed = max(first_seen.values()) - t0
        finally:
            await app.producer.stop()
            await es.close()
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                p.wait(120)
    latencies = sorted(first_seen[i] - sent_at[i] for i in sent_at)
    return {
        "articles_per_s": len(articles) / elapsed,
        "p50_latency_s": statistics.median(latencies),
        "p95_latency_s": latencies[int(0.95 * (len(latencies) - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    base = load_settings()
    articles = make_articles(args.articles, "bench")
    alone = extraction_alone(articles, base)
    print(f"extraction alone (1 process):      {alone:8.1f} articles/s")
    for workers in args.workers:
        run = uuid.uuid4().hex[:6]
        settings = isolated(base, run)
        try:
            result = asyncio.run(run_pipeline(settings, make_articles(args.articles, run), workers))
        finally:
            asyncio.run(cleanup(settings))
        print(
            f"end to end, {workers} worker(s):         {result['articles_per_s']:8.1f} articles/s"
            f"  ({result['articles_per_s'] / alone:.0%} of extraction alone)"
            f"  latency p50 {result['p50_latency_s']:.2f}s p95 {result['p95_latency_s']:.2f}s"
        )


if __name__ == "__main__":
    main()

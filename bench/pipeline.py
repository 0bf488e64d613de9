"""Sustained throughput and latency of news.entries -> fetch -> enrich -> index, with 1 and 2
workers, each beside the extraction stage alone on the same articles, measured right before it,
printed as one table.

    .venv/bin/python bench/pipeline.py [--articles 2000] [--workers 1 2] [--rate 10]

Needs the services (`newsstream services up`). Articles are the texts of ../shared/eval/dev
(read in place), repeated under new ids, produced as feed entries that carry their text (page
fetching is off), so every stage runs. Each run uses topics and an index of its own, and deletes
them afterwards. The sustained rate comes from a backlog of all the articles at once, timed by
the documents' own indexed_at stamps; latency is measured with articles arriving at half that
rate and at ``--rate`` per second (a busy newsroom), from the moment an entry is produced to the
moment a search first finds it, and per stage from the stamps each record carries:

    entry produced -> article produced (fetched_at) -> enriched (enriched_at)
      -> bulk request (indexed_at) -> bulk acknowledged (a realtime GET finds it)
      -> searchable (a search finds it: the index's refresh interval)

Worker RSS (the worker and its pool processes) is read after the warm-up and at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from elasticsearch import AsyncElasticsearch

from agents.enrich import Enricher, enrich_encoded
from streams.app import Topics, create_app
from streams.connections import elasticsearch_client
from streams.provision import drop_index, drop_topics, provision
from streams.records import Article, FeedEntry
from streams.settings import Settings, load_settings, namespaced

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"
POLL_SECONDS = 0.05
"""How often the watcher asks Elasticsearch about the articles not yet found: the resolution of
the acknowledged and searchable stamps."""

STAGES = ("fetch", "enrich", "to bulk", "bulk ack", "refresh", "total")
"""Entry -> article, article -> enriched, enriched -> bulk request, request -> acknowledged,
acknowledged -> searchable, and entry -> searchable."""


def load_texts() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(DEV.glob("*.json")):
        data = json.loads(path.read_text())
        out.append((data["lang"], data.get("title") or "", data["text"]))
    if not out:
        sys.exit(f"no articles in {DEV}")
    return out


def make_entries(n: int, run: str) -> list[FeedEntry]:
    """Feed entries that carry their article's text, as a feed with content:encoded gives."""
    texts = load_texts()
    return [
        FeedEntry(
            article_id=f"{run}-{i:05d}",
            url=f"https://bench.invalid/{run}/{i}",
            feed_url="https://bench.invalid/rss",
            feed_name="bench",
            source="bench.invalid",
            title=texts[i % len(texts)][1],
            content=texts[i % len(texts)][2],
            lang=texts[i % len(texts)][0],
        )
        for i in range(n)
    ]


def as_article(entry: FeedEntry) -> Article:
    return Article(
        article_id=entry.article_id,
        url=entry.url,
        feed_url=entry.feed_url,
        feed_name=entry.feed_name,
        source=entry.source,
        title=entry.title,
        text=entry.content,
        lang=entry.lang,
    )


def isolated(base: Settings, run: str) -> Settings:
    settings = namespaced(base, f"bench-{run}", partitions=4)
    return settings.model_copy(
        update={
            "metrics": base.metrics.model_copy(update={"enabled": False}),
            "fetch": base.fetch.model_copy(update={"enabled": False}),  # the entry has the text
        }
    )


def extraction_alone(entries: list[FeedEntry], settings: Settings) -> float:
    """Articles/s of the enrich stage's own work, as the worker's pool process runs it: records
    in as Kafka bytes, enriched records out as bytes, batch by batch, without Kafka or ES."""
    enricher = Enricher(settings.nlp)
    records = [(e.article_id, as_article(e).dumps()) for e in entries]
    enrich_encoded(enricher, records[: len(load_texts())])  # load every pipeline first
    started = time.perf_counter()
    batch = settings.worker.enrich_batch
    for i in range(0, len(records), batch):
        enrich_encoded(enricher, records[i : i + batch])
    return len(entries) / (time.perf_counter() - started)


async def cleanup(settings: Settings) -> None:
    await drop_index(settings)
    await drop_topics(settings)


async def indexed_times(es: AsyncElasticsearch, alias: str, prefix: str) -> list[float]:
    """When each of the run's documents was indexed (its indexed_at), sorted, in seconds."""
    await es.indices.refresh(index=alias)
    resp = await es.search(
        index=alias,
        size=10_000,
        query={"prefix": {"article_id": prefix}},
        source=["indexed_at"],
    )
    return sorted(
        datetime.fromisoformat(h["_source"]["indexed_at"]).timestamp() for h in resp["hits"]["hits"]
    )


async def seen_ids(es: AsyncElasticsearch, alias: str) -> set[str]:
    resp = await es.search(index=alias, size=10_000, source=False, query={"match_all": {}})
    return {h["_id"] for h in resp["hits"]["hits"]}


def _stamp(value: str | None) -> float:
    return datetime.fromisoformat(value).timestamp() if value else float("nan")


@dataclass
class Trace:
    """One article's way through the pipeline, in seconds since the epoch."""

    produced: float
    acknowledged: float | None = None
    searchable: float | None = None
    stamps: dict[str, float] = field(default_factory=dict)  # fetched/enriched/indexed at

    def stages(self) -> dict[str, float]:
        assert self.acknowledged is not None and self.searchable is not None
        points = [
            self.produced,
            self.stamps["fetched_at"],
            self.stamps["enriched_at"],
            self.stamps["indexed_at"],
            self.acknowledged,
            self.searchable,
        ]
        spans = [max(0.0, b - a) for a, b in itertools.pairwise(points)]
        return dict(zip(STAGES, [*spans, self.searchable - self.produced], strict=True))


async def produce_and_watch(
    topics: Topics,
    es: AsyncElasticsearch,
    alias: str,
    entries: list[FeedEntry],
    rate: float,
    check: Callable[[], None],
) -> list[Trace]:
    """Produce ``entries`` at ``rate`` per second and note when each is acknowledged (a realtime
    multi-get finds it) and searchable (a search finds it)."""
    traces: dict[str, Trace] = {}

    async def produce() -> None:
        started = time.time()
        for i, e in enumerate(entries):
            # on a schedule, so a slow send does not lower the rate
            await asyncio.sleep(max(0.0, started + i / rate - time.time()))
            traces[e.article_id] = Trace(produced=time.time())
            await topics.entries.send(key=e.article_id, value=e)

    producing = asyncio.create_task(produce())
    found = 0
    while found < len(entries):
        check()
        await asyncio.sleep(POLL_SECONDS)
        unacked = [i for i, t in traces.items() if t.acknowledged is None]
        if unacked:
            docs = await es.mget(index=alias, ids=unacked, source=False, realtime=True)
            now = time.time()
            for doc in docs["docs"]:
                if doc.get("found"):
                    traces[doc["_id"]].acknowledged = now
        hidden = [i for i, t in traces.items() if t.acknowledged and t.searchable is None]
        if hidden:
            resp = await es.search(
                index=alias,
                size=len(hidden),
                query={"ids": {"values": hidden}},
                source_includes=["fetched_at", "enriched_at", "indexed_at"],
            )
            now = time.time()
            for hit in resp["hits"]["hits"]:
                trace = traces[hit["_id"]]
                trace.searchable = now
                trace.stamps = {k: _stamp(v) for k, v in hit["_source"].items()}
                found += 1
    await producing
    return list(traces.values())


def percentiles(traces: list[Trace]) -> dict[str, tuple[float, float]]:
    """Per stage and in total: (p50, p95) in seconds."""
    out = {}
    for stage in STAGES:
        values = sorted(t.stages()[stage] for t in traces)
        out[stage] = (statistics.median(values), values[int(0.95 * (len(values) - 1))])
    return out


def check_alive(procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    """Stop the bench with the worker's last words when a worker has exited: the waits below
    would otherwise wait for documents that no one will index."""
    for i, proc in enumerate(procs):
        if proc.poll() is not None:
            tail = (logs / f"worker{i}.log").read_text(errors="replace").splitlines()[-5:]
            sys.exit(f"worker {i} exited with status {proc.returncode}:\n" + "\n".join(tail))


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the pool), in MiB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
        )
        pids.extend(int(c) for c in children)
    return total / 1024


@dataclass
class RunResult:
    articles_per_s: float
    latency: dict[str, dict[str, tuple[float, float]]]  # load name -> stage -> (p50, p95)
    rss_start: float
    rss_end: float


async def run_pipeline(
    settings: Settings, entries: list[FeedEntry], workers: int, paced: int, rate: float
) -> RunResult:
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
        es = elasticsearch_client(settings.elasticsearch)
        alias = settings.elasticsearch.alias
        latency = {}
        try:
            # warm up: the workers have joined and loaded their pipelines once this is searchable
            warm = make_entries(2 * workers, "warm")
            for e in warm:
                await topics.entries.send(key=e.article_id, value=e)
            await app.producer.flush()
            while len(await seen_ids(es, alias)) < len(warm):
                check_alive(procs, Path(tmp))
                await asyncio.sleep(0.5)
            rss_start = sum(rss_mib(p.pid) for p in procs)
            # 1. throughput: a backlog of every article at once, as after an outage or a
            # replay. The rate comes from the documents' own indexed_at stamps between the 10th
            # and 90th percentile, so start-up, the last batch's timers and this script's own
            # polling (a cheap count) don't count.
            for e in entries:
                await topics.entries.send(key=e.article_id, value=e)
            await app.producer.flush()
            while (await es.count(index=alias))["count"] < len(entries) + len(warm):
                check_alive(procs, Path(tmp))
                await asyncio.sleep(0.5)
            arrivals = await indexed_times(es, alias, prefix=entries[0].article_id.split("-")[0])
            lo, hi = int(0.1 * len(arrivals)), int(0.9 * len(arrivals))
            sustained = (hi - lo) / (arrivals[hi] - arrivals[lo])
            # 2. latency: entries arriving at half that rate, and at a newsroom's busy rate
            for name, pace in (("half load", sustained / 2), (f"{rate:g}/s", rate)):
                batch = make_entries(paced, f"paced-{uuid.uuid4().hex[:4]}")
                traces = await produce_and_watch(
                    topics, es, alias, batch, rate=pace, check=lambda: check_alive(procs, Path(tmp))
                )
                latency[f"{name} ({pace:.1f}/s)"] = percentiles(traces)
            rss_end = sum(rss_mib(p.pid) for p in procs)
        finally:
            await app.producer.stop()
            await es.close()
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                p.wait(120)
    return RunResult(sustained, latency, rss_start, rss_end)


def timed_run(base: Settings, count: int, workers: int, paced: int, rate: float) -> RunResult:
    """One end-to-end run on topics and an index of its own, deleted afterwards."""
    run = uuid.uuid4().hex[:6]
    settings = isolated(base, run)
    try:
        return asyncio.run(run_pipeline(settings, make_entries(count, run), workers, paced, rate))
    finally:
        asyncio.run(cleanup(settings))


def print_table(alone: dict[int, float], results: dict[int, RunResult]) -> None:
    """One table: throughput beside extraction alone, latency per stage, RSS; one column per
    worker count."""
    cols = list(results)
    width = 22

    def row(label: str, cells: list[str]) -> None:
        print(f"{label:<34}" + "".join(f"{c:>{width}}" for c in cells))

    row("", [f"{w} worker(s)" for w in cols])
    row("extraction alone, articles/s", [f"{alone[w]:.1f}" for w in cols])
    row("end to end, articles/s", [f"{results[w].articles_per_s:.1f}" for w in cols])
    row("share of extraction alone", [f"{results[w].articles_per_s / alone[w]:.0%}" for w in cols])
    for load in results[cols[0]].latency:
        print(f"latency at {load.split(' (')[0]}, p50 / p95 s")
        for stage in STAGES:
            cells = []
            for w in cols:
                by_load = {k.split(" (")[0]: v for k, v in results[w].latency.items()}
                p50, p95 = by_load[load.split(" (")[0]][stage]
                cells.append(f"{p50:.2f} / {p95:.2f}")
            row(f"  {stage}", cells)
        row(
            "  (rate)",
            [
                next(k for k in results[w].latency if k.startswith(load.split(" (")[0]))
                .split("(")[1]
                .rstrip(")")
                for w in cols
            ],
        )
    row(
        "worker RSS MiB, start -> end",
        [f"{results[w].rss_start:.0f} -> {results[w].rss_end:.0f}" for w in cols],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # A backlog of a few hundred articles is gone in 2-3 s on a quiet machine: the rate it gives
    # swings by a third from run to run. Two thousand take ten seconds or more.
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--paced", type=int, default=0, help="articles per latency run (default: a quarter)"
    )
    parser.add_argument("--rate", type=float, default=10.0, help="articles/s of a busy newsroom")
    # Kafka and Elasticsearch run on the JVM: for a while after they start they are slower, and
    # the first run measured then gave 72-78% of extraction alone where later ones gave 93-104%
    parser.add_argument(
        "--warmup", type=int, default=500, help="articles run through first, uncounted"
    )
    args = parser.parse_args()
    base = load_settings()
    entries = make_entries(args.articles, "bench")
    paced = args.paced or max(args.articles // 4, 20)
    if args.warmup:
        warm = timed_run(base, args.warmup, 1, paced=20, rate=args.rate)
        print(f"warm-up, not counted: {warm.articles_per_s:.1f} articles/s")
    alone, results = {}, {}
    for workers in args.workers:
        # measured right before each end-to-end run: on a shared machine the load drifts within
        # minutes
        alone[workers] = extraction_alone(entries, base)
        results[workers] = timed_run(base, args.articles, workers, paced, args.rate)
    print_table(alone, results)


if __name__ == "__main__":
    main()

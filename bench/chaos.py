"""Chaos run: the real ``newsstream run`` process under faults of the real services, with figures.

    PYTHONPATH=. .venv/bin/python bench/chaos.py [--scenario NAME ...] [--articles 300] [--quick]

Each scenario runs on a fresh namespace (topics, index alias, consumer group of its own, as the
tests do), against feeds served by tests/feedserver.py on 127.0.0.1..127.0.0.<feeds>. The
articles are the texts of ``../shared/eval/dev/*.json``, read at run time and combined into N
articles with distinct ids and titles, served as RSS items with their full text in
<description> and links to pages on the feed's own host that answer 404 (so the fetch stage
falls back to the feed's text). Feeds publish articles over time; a fault is injected once some
articles are indexed, the rest are published at that moment, and the fault ends later.

Per scenario it prints: articles served, unique articles indexed, documents indexed twice
(documents beyond one per article id, or two documents with one title: must be 0),
re-deliveries (documents whose ``_version`` is above what the scenario asks for: an article
indexed again after a redelivery, harmless since ids are article ids), dead letters, the fault,
the recovery time (from the end of the fault until every article is indexed) and pass/fail.

Scenarios:

- ``first-start``: a dedicated Kafka (streams.services.KafkaService of a LocalStack with a new
  home: no topics at all), ``newsstream init`` then ``newsstream run`` at once. Elasticsearch is
  the shared one (a namespaced index); only the broker needs to be empty.
- ``es-away``: Elasticsearch unreachable for 60 s (tests/faultproxy.py cut/restore); also when
  ``/healthz`` answered 503 and when ``newsstream status`` showed the index agent waiting.
- ``es-429``: Elasticsearch answering 429 for 30 s.
- ``kafka-restart``: a dedicated Kafka stopped and started again mid-stream.
- ``run-sigkill``: the main pid of ``newsstream run`` SIGKILLed (not its process group) and
  restarted at once: the restart must start (metrics port free) and finish the stream.
- ``replay-sigkill``: all indexed, then ``newsstream replay --since``; the run process
  SIGKILLed during the re-indexing and restarted: every document re-indexed (``_version`` 2).
- ``stuck-extraction``: ``worker.enrich_article_timeout`` 3 s and one article of 100k spaced
  numbers on a feed of its own (``nlp.max_chars`` raised so it is not cut): it must be
  dead-lettered with the reason and the other feeds' articles delayed by a few seconds at most.

``--quick`` runs 40 articles with shorter faults (es-away 20 s, es-429 10 s). The shared Kafka
and Elasticsearch are never stopped; dedicated brokers are stopped at the end of their scenario.
Exit status 1 when a scenario failed. Figures, never timed assertions in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)  # for the newsstream subprocesses

from faultproxy import FaultProxy  # noqa: E402
from feedserver import FeedServer, Route, rss, rss_date  # noqa: E402
from pipeline_helpers import NewsstreamProcess, write_config  # noqa: E402

from streams.errors import ServiceError  # noqa: E402
from streams.services import KafkaService  # noqa: E402
from streams.settings import (  # noqa: E402
    HealthSettings,
    Settings,
    load_settings,
    namespaced,
)

EVAL_DEV = ROOT.parent / "shared" / "eval" / "dev"
FEEDS = 4  # feeds, each on a host of its own (127.0.0.1 .. 127.0.0.4)
HOSTILE_NUMBERS = 100_000  # spaced numbers of the stuck article (~390 KB, ~6 s of extraction)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], bool], timeout: float, every: float = 0.5) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds passed; whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


# ------------------------------------------------------------------ articles and feeds


@dataclass
class Item:
    n: int
    feed: int
    title: str
    text: str
    lang: str
    released: float | None = None  # monotonic time it appeared in its feed
    pub: str = ""


def load_texts() -> list[tuple[str, str, str]]:
    texts = []
    for path in sorted(EVAL_DEV.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("text"):
            texts.append((doc.get("lang") or "en", doc.get("title") or path.stem, doc["text"]))
    if not texts:
        raise SystemExit(f"no article texts in {EVAL_DEV}")
    return texts


def make_items(n: int, run: str) -> list[Item]:
    """``n`` articles: text i (and, past the first round, a second text of the same language)."""
    texts = load_texts()
    by_lang: dict[str, list[int]] = {}
    for i, (lang, _, _) in enumerate(texts):
        by_lang.setdefault(lang, []).append(i)
    items = []
    for i in range(n):
        lang, title, text = texts[i % len(texts)]
        rounds = i // len(texts)
        if rounds:
            same = by_lang[lang]
            extra = texts[same[(same.index(i % len(texts)) + rounds) % len(same)]][2]
            text = f"{text}\n\n{extra}"
        items.append(Item(i, i % FEEDS, f"{title} [{run} #{i}]", text, lang))
    return items


class Stream:
    """The feeds of one scenario on the feed server; articles appear when released."""

    def __init__(self, server: FeedServer, items: list[Item], run: str) -> None:
        self.server = server
        self.items = items
        self.run = run
        self.lock = threading.Lock()
        self.extra_feeds: dict[int, list[Item]] = {}
        for f in range(FEEDS):
            server.set(self.path(f), Route(body=self._body(f)))

    def path(self, feed: int) -> str:
        return f"/{self.run}/feed{feed}.xml"

    def feed_url(self, feed: int) -> str:
        return self.server.url(self.path(feed), host=f"127.0.0.{feed + 1}")

    def link(self, item: Item) -> str:
        # a page on the feed's own host (exempt from the fetch fence); it answers 404
        return self.server.url(f"/{self.run}/a/{item.n}.html", host=f"127.0.0.{item.feed + 1}")

    def _body(self, feed: int) -> Callable[[], bytes]:
        def body() -> bytes:
            with self.lock:
                shown = [i for i in self.items if i.feed == feed and i.released is not None]
            shown.sort(key=lambda i: -i.n)
            return rss(
                [
                    {
                        "title": i.title,
                        "link": self.link(i),
                        "guid": f"{self.run}-{i.n}",
                        "description": i.text,
                        "pubDate": i.pub,
                    }
                    for i in shown
                ],
                title=f"chaos feed {feed}",
            )

        return body

    def release(self, count: int | None = None) -> int:
        """Publish the next ``count`` articles (all that are left: None); how many."""
        with self.lock:
            todo = [i for i in self.items if i.released is None][:count]
            now = time.monotonic()
            for i in todo:
                i.released, i.pub = now, rss_date(time.time())
        return len(todo)

    def trickle(self, count: int, rate: float, stop: threading.Event) -> threading.Thread:
        """Release ``count`` articles at ``rate`` per second in the background."""

        def go() -> None:
            for _ in range(count):
                if stop.is_set() or not self.release(1):
                    return
                time.sleep(1 / rate)

        thread = threading.Thread(target=go, daemon=True)
        thread.start()
        return thread

    @property
    def served(self) -> int:
        return sum(1 for i in self.items if i.released is not None)

    def feeds_yaml(self, path: Path, extra: list[tuple[str, str]]) -> Path:
        """The feed list (no language given: each article's is detected)."""
        feeds = [{"url": self.feed_url(f), "name": f"chaos {f}"} for f in range(FEEDS)]
        feeds += [{"url": url, "name": name} for url, name in extra]
        path.write_text(yaml.safe_dump({"feeds": feeds}, sort_keys=False))
        return path


# ------------------------------------------------------------------ Elasticsearch and Kafka


class Index:
    """What the scenario's index holds, read directly from the shared Elasticsearch."""

    def __init__(self, url: str, alias: str) -> None:
        self.url = url.rstrip("/")
        self.alias = alias
        self.client = httpx.Client(timeout=10.0)

    def docs(self) -> list[dict[str, Any]]:
        try:
            self.client.post(f"{self.url}/{self.alias}/_refresh")
            resp = self.client.post(
                f"{self.url}/{self.alias}/_search",
                json={
                    "size": 10_000,
                    "version": True,
                    "_source": ["title", "indexed_at"],
                    "query": {"match_all": {}},
                },
            )
            if resp.status_code != 200:
                return []
            return list(resp.json()["hits"]["hits"])
        except httpx.HTTPError:
            return []

    def count(self) -> int:
        try:
            resp = self.client.get(f"{self.url}/{self.alias}/_count")
            return int(resp.json()["count"]) if resp.status_code == 200 else 0
        except (httpx.HTTPError, KeyError, ValueError):
            return 0

    def close(self) -> None:
        self.client.close()


async def _read_deadletters(settings: Settings) -> list[dict[str, Any]]:
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    from streams.provision import partition_counts

    topic = settings.kafka.topics.deadletter
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka.bootstrap_servers)
    await admin.start()
    try:
        partitions = (await partition_counts(admin, [topic])).get(topic, 0)
    finally:
        await admin.close()
    out: list[dict[str, Any]] = []
    if not partitions:
        return out
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        enable_auto_commit=False,
        max_partition_fetch_bytes=settings.kafka.max_message_bytes,
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
            if not left:
                break
            batch = await consumer.getmany(*left, timeout_ms=1000)
            for messages in batch.values():
                for m in messages:
                    with contextlib.suppress(ValueError):
                        out.append(json.loads(m.value))
    finally:
        await consumer.stop()
    return out


def read_deadletters(settings: Settings) -> list[dict[str, Any]]:
    try:
        return asyncio.run(_read_deadletters(settings))
    except Exception as exc:  # a figure we could not read is reported, not fatal
        log(f"could not read the dead letters: {type(exc).__name__}: {exc}")
        return []


def provision(settings: Settings) -> None:
    from streams.provision import provision as run

    asyncio.run(run(settings))


def drop(settings: Settings) -> None:
    from streams.provision import drop_index, drop_topics

    async def go() -> None:
        with contextlib.suppress(Exception):
            await drop_index(settings)
        with contextlib.suppress(Exception):
            await drop_topics(settings)

    with contextlib.suppress(Exception):
        asyncio.run(asyncio.wait_for(go(), 60))


@contextlib.contextmanager
def dedicated_kafka(base: Settings, home: Path) -> Iterator[KafkaService]:
    """A broker of our own under ``home`` (no topics at all), on free ports; stopped at the end.

    The jars are the shared installation's (a symlink), so nothing is downloaded."""
    kafka = KafkaService.dedicated(base.services, home)
    started = time.monotonic()
    kafka.start()
    try:
        kafka.wait_healthy(kafka.settings.start_timeout)
        log(f"dedicated Kafka at {kafka.address} up in {time.monotonic() - started:.1f}s")
        yield kafka
    finally:
        kafka.stop(timeout=60)
        log("dedicated Kafka stopped")


# ------------------------------------------------------------------ one scenario


@dataclass
class Result:
    name: str
    articles: int = 0
    indexed: int = 0
    duplicates: int = 0
    redeliveries: int = 0
    dead_letters: int = 0
    fault: str = ""
    recovery: float | None = None
    ok: bool = False
    notes: list[str] = field(default_factory=list)
    logs: Path | None = None  # where its processes' logs are
    reasons: list[str] = field(default_factory=list)  # why it failed

    def fail(self, why: str) -> None:
        self.reasons.append(why)
        log(f"FAIL {self.name}: {why}")


@dataclass
class Size:
    articles: int
    quick: bool

    @property
    def es_away(self) -> float:
        return 20.0 if self.quick else 60.0

    @property
    def es_429(self) -> float:
        return 10.0 if self.quick else 30.0

    @property
    def rate(self) -> float:  # articles published per second before the fault
        return 4.0 if self.quick else 8.0

    @property
    def recover_timeout(self) -> float:
        return 180.0 if self.quick else 360.0


class Run:
    """One scenario's namespace, config, feeds and ``newsstream run`` processes."""

    def __init__(
        self,
        name: str,
        base: Settings,
        server: FeedServer,
        size: Size,
        *,
        kafka: KafkaService | None = None,
        es_url: str | None = None,
        worker: dict[str, Any] | None = None,
        nlp: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.size = size
        self.run_id = f"chaos-{name}-{uuid.uuid4().hex[:6]}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"{self.run_id}-"))
        self.items = make_items(size.articles, self.run_id)
        self.stream = Stream(server, self.items, self.run_id)
        self.extra_feeds: list[tuple[str, str]] = []
        settings = namespaced(base, self.run_id, partitions=4)
        self.direct_es = base.elasticsearch.url
        self.metrics_port = free_port()
        kafka_settings = settings.kafka
        if kafka is not None:
            kafka_settings = kafka_settings.model_copy(update={"bootstrap_servers": kafka.address})
        self.settings = settings.model_copy(
            update={
                "kafka": kafka_settings,
                "elasticsearch": settings.elasticsearch.model_copy(
                    update={
                        "url": es_url or settings.elasticsearch.url,
                        "request_timeout": 5.0,
                        "retry_backoff_max": 2.0,
                    }
                ),
                "poller": settings.poller.model_copy(
                    update={
                        "feeds_file": self.dir / "feeds.yaml",
                        "min_interval": 1.0,
                        "default_interval": 1.0,
                        "max_interval": 2.0,
                        "backoff_base": 1.0,
                        "politeness_delay": 0.0,
                        "feed_deadline": 30.0,
                    }
                ),
                "fetch": settings.fetch.model_copy(
                    update={"politeness_delay": 0.0, "per_host_concurrency": 4, "timeout": 5.0}
                ),
                "nlp": settings.nlp.model_copy(update=nlp or {}),
                "worker": settings.worker.model_copy(
                    update={
                        "data_dir": self.dir / "faust",
                        "web_port": free_port(),
                        "stop_timeout": 15.0,
                        **(worker or {}),
                    }
                ),
                "metrics": settings.metrics.model_copy(
                    update={"enabled": True, "port": self.metrics_port}
                ),
                # an agent idle over its backlog stops the process (exit 70, after
                # health.max_idle), which restarts as under a service manager (see
                # Run.restart_if_crashed)
                "health": HealthSettings(max_wait=10.0, max_record_age=600.0),
                "log_level": "INFO",
            }
        )
        self.config = self.dir / "settings.yaml"
        self.index = Index(self.direct_es, self.settings.elasticsearch.alias)
        self.procs: list[NewsstreamProcess] = []
        self.result = Result(name, articles=size.articles, logs=self.dir)

    # -- the pipeline ----------------------------------------------------------------------
    def write(self) -> None:
        self.stream.feeds_yaml(self.settings.poller.feeds_file, self.extra_feeds)
        write_config(self.settings, self.config)

    def newsstream(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "NEWSSTREAM_CONFIG": str(self.config), "NEWSSTREAM_LOG_FORMAT": "text"}
        return subprocess.run(
            [sys.executable, "-m", "streams.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self) -> NewsstreamProcess:
        proc = NewsstreamProcess(
            self.config, "run", log=self.dir / f"run-{len(self.procs) + 1}.log"
        )
        self.procs.append(proc)
        return proc

    @property
    def proc(self) -> NewsstreamProcess:
        return self.procs[-1]

    def healthz(self) -> int | None:
        try:
            return httpx.get(f"http://127.0.0.1:{self.metrics_port}/healthz", timeout=2).status_code
        except httpx.HTTPError:
            return None

    def alive(self) -> bool:
        return self.proc.proc.poll() is None

    def restart_if_crashed(self) -> None:
        """Do what a service manager does when `run` exits 70 (an agent crashed or stalled):
        start it again."""
        if self.procs and self.proc.proc.poll() == 70:
            self.result.notes.append(f"run-{len(self.procs)} exited 70: restarted")
            log(f"{self.result.name}: run exited 70, restarting it")
            self.start()

    # -- figures ---------------------------------------------------------------------------
    def ids(self) -> set[str]:
        return {h["_id"] for h in self.index.docs()}

    def wait_indexed(self, count: int, timeout: float) -> bool:
        """Until ``count`` documents are indexed (False: timed out or the process died)."""

        def done() -> bool:
            if self.procs and not self.alive():
                raise RuntimeError(
                    f"newsstream run exited with {self.proc.proc.returncode}: "
                    + self.proc.output()[-600:].replace("\n", " | ")
                )
            return self.index.count() >= count

        return wait_for(done, timeout)

    def warm_up(self, fraction: float = 0.25) -> None:
        """Publish at the stream's rate until ``fraction`` of the articles are indexed."""
        target = max(3, int(self.size.articles * fraction))
        stop = threading.Event()
        self.stream.trickle(int(self.size.articles * 0.6), self.size.rate, stop)
        ok = self.wait_indexed(target, 150)
        stop.set()
        if not ok:
            raise RuntimeError(f"not {target} documents indexed within 150s of the start")

    def finish(self, fault_end: float, *, version: int = 1) -> None:
        """Wait for every article, then take the figures."""
        self.stream.release()
        r = self.result
        n = self.size.articles
        try:
            complete = self.wait_indexed(n, self.size.recover_timeout)
        except RuntimeError as exc:
            complete = False
            r.fail(str(exc))
        if version > 1:

            def reindexed() -> bool:
                self.restart_if_crashed()
                return sum(1 for h in self.index.docs() if h["_version"] >= version) >= n

            complete = wait_for(reindexed, self.size.recover_timeout, every=1.0)
        if complete:
            r.recovery = time.monotonic() - fault_end
        else:
            r.fail(f"not every article indexed within {self.size.recover_timeout:.0f}s")
        time.sleep(3)  # anything still in flight would show as a second copy now
        self.figures(version)

    def figures(self, version: int = 1) -> None:
        r = self.result
        docs = self.index.docs()
        served = {i.title for i in self.items if i.released is not None}
        r.articles = len(served)
        titles = Counter(h["_source"].get("title") for h in docs)
        r.indexed = len(served & set(titles))
        r.duplicates = (len(docs) - len({h["_id"] for h in docs})) + sum(
            c - 1 for c in titles.values() if c > 1
        )
        r.redeliveries = sum(1 for h in docs if h["_version"] > version)
        if version > 1:
            short = [h["_id"] for h in docs if h["_version"] < version]
            if short:
                r.fail(f"{len(short)} documents not re-indexed (_version < {version})")
                r.notes.append(f"not re-indexed: {', '.join(sorted(short)[:5])}")
        with contextlib.suppress(Exception):
            from streams.status import collect_status

            status = asyncio.run(asyncio.wait_for(collect_status(self.settings), 30))
            sizes = {t.name.rsplit(".", 1)[-1]: t.records for t in status.topics}
            r.notes.append(
                "records on entries/articles/enriched/replay: "
                + "/".join(
                    str(sizes.get(k, "?")) for k in ("entries", "articles", "enriched", "replay")
                )
            )
        letters = read_deadletters(self.settings)
        r.dead_letters = len(letters)
        self.letters = letters
        for letter in letters[:5]:
            r.notes.append(
                f"dead letter: {letter.get('stage')} {letter.get('error_type')}: "
                f"{str(letter.get('reason'))[:90]}"
            )

    def close(self) -> None:
        for proc in self.procs:
            if proc.proc.poll() is None:
                code = proc.stop(timeout=30)
                if code not in (0, None):
                    self.result.notes.append(f"stop exit status {code}")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.proc.pid, signal.SIGKILL)  # what may remain of our own group
            with contextlib.suppress(Exception):
                proc.log.close()
        self.index.close()
        drop(self.settings)
        for path in self.stream.server.routes.copy():
            if path.startswith(f"/{self.run_id}/"):
                self.stream.server.routes.pop(path, None)


def group_members(pgid: int) -> list[int]:
    """Live processes of the process group ``pgid`` (a killed leader's children)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(proc.name))
    return pids


# ------------------------------------------------------------------ the scenarios


def first_start(base: Settings, server: FeedServer, size: Size, result: list[Result]) -> None:
    home = Path(tempfile.mkdtemp(prefix="chaos-kafka-"))
    try:
        with dedicated_kafka(base, home) as kafka:
            run = Run("first-start", base, server, size, kafka=kafka)
            result.append(run.result)
            try:
                run.write()
                run.stream.release()
                started = time.monotonic()
                init = run.newsstream("init")
                if init.returncode != 0:
                    run.result.fail(f"init exited {init.returncode}: {init.stderr[-300:]}")
                run.start()
                run.result.fault = "empty broker"
                run.result.notes.append(f"init took {time.monotonic() - started:.1f}s")
                run.finish(started)
                run.result.notes.append("recovery = from `init` to every article indexed")
            finally:
                run.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def es_fault(
    name: str, base: Settings, server: FeedServer, size: Size, result: list[Result]
) -> None:
    target = urlsplit(base.elasticsearch.url)
    with FaultProxy(target.hostname or "127.0.0.1", target.port or 9200) as proxy:
        run = Run(name, base, server, size, es_url=proxy.url)
        result.append(run.result)
        try:
            provision(run.settings)
            run.write()
            run.start()
            run.warm_up()
            if name == "es-away":
                seconds = size.es_away
                proxy.cut()
                run.result.fault = f"ES cut {seconds:.0f}s"
            else:
                seconds = size.es_429
                proxy.cut()  # drop the kept-alive connections: every new one answers 429
                proxy.answer(429)
                proxy.restore()
                run.result.fault = f"ES 429 {seconds:.0f}s"
            began = time.monotonic()
            log(f"{name}: fault on ({run.index.count()} indexed)")
            run.stream.release()
            seen: dict[str, float] = {}
            if name == "es-away":
                watch_health(run, began, began + seconds, seen)
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
            if name == "es-away":
                proxy.restore()
            else:
                proxy.relay()
                run.result.notes.append(f"{proxy.requests_answered} requests answered 429")
            ended = time.monotonic()
            log(f"{name}: fault off ({run.index.count()} indexed)")
            for what, at in seen.items():
                run.result.notes.append(f"{what} {at:.1f}s after the cut")
            if name == "es-away":
                for what in ("/healthz 503", "status: index waiting"):
                    if what not in seen:
                        run.result.fail(f"{what} never seen during the outage")
            run.finish(ended)
            if run.healthz() != 200 and not wait_for(lambda: run.healthz() == 200, 30):
                run.result.fail(f"/healthz still {run.healthz()} 30s after the end")
        finally:
            run.close()


def watch_health(run: Run, began: float, until: float, seen: dict[str, float]) -> None:
    """Note when /healthz first answered 503 and `newsstream status` showed index waiting."""

    def healthz() -> None:
        while time.monotonic() < until and "/healthz 503" not in seen:
            if run.healthz() == 503:
                seen["/healthz 503"] = time.monotonic() - began
            time.sleep(0.5)

    def status() -> None:
        waiting = re.compile(r"^\s*index\s+waiting", re.M)
        while time.monotonic() < until and "status: index waiting" not in seen:
            with contextlib.suppress(subprocess.TimeoutExpired):
                out = run.newsstream("status", timeout=30).stdout
                if waiting.search(out):
                    seen["status: index waiting"] = time.monotonic() - began
            time.sleep(1.0)

    for fun in (healthz, status):
        threading.Thread(target=fun, daemon=True).start()


def kafka_restart(base: Settings, server: FeedServer, size: Size, result: list[Result]) -> None:
    home = Path(tempfile.mkdtemp(prefix="chaos-kafka-"))
    try:
        with dedicated_kafka(base, home) as kafka:
            run = Run("kafka-restart", base, server, size, kafka=kafka)
            result.append(run.result)
            try:
                provision(run.settings)
                run.write()
                run.start()
                run.warm_up()
                log(f"kafka-restart: stopping Kafka ({run.index.count()} indexed)")
                began = time.monotonic()
                kafka.stop(timeout=60)
                stopped = time.monotonic() - began
                run.stream.release()
                time.sleep(5)
                kafka.start()
                kafka.wait_healthy(120)
                ended = time.monotonic()
                run.result.fault = f"Kafka down {ended - began:.0f}s"
                run.result.notes.append(f"stop took {stopped:.1f}s, down 5s, start + healthy")
                log(f"kafka-restart: Kafka back ({run.index.count()} indexed)")
                run.finish(ended)
            finally:
                run.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def kill_and_restart(run: Run) -> float:
    """SIGKILL the main pid of `newsstream run` only, restart at once; the kill's time."""
    old = run.proc
    killed_at = time.monotonic()
    os.kill(old.proc.pid, signal.SIGKILL)
    old.proc.wait(30)
    left = group_members(old.proc.pid)
    run.start()
    if left:
        run.result.notes.append(f"{len(left)} process(es) of the killed run left at restart")
    answered = wait_for(lambda: run.healthz() is not None or not run.alive(), 120, every=0.2)
    if answered and run.alive():
        run.result.notes.append(
            f"restart answered /healthz {time.monotonic() - killed_at:.1f}s after the kill"
        )
    if not run.alive():
        run.result.fail(
            f"the restart exited with {run.proc.proc.returncode}: "
            + run.proc.output()[-500:].replace("\n", " | ")
        )
    if wait_for(lambda: not group_members(old.proc.pid), 15):
        run.result.notes.append("the killed run's pool processes all exited")
    else:
        run.result.notes.append(f"orphans still alive 15s on: {group_members(old.proc.pid)}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(old.proc.pid, signal.SIGKILL)
    return killed_at


def run_sigkill(base: Settings, server: FeedServer, size: Size, result: list[Result]) -> None:
    run = Run("run-sigkill", base, server, size)
    result.append(run.result)
    try:
        provision(run.settings)
        run.write()
        run.start()
        run.warm_up()
        log(f"run-sigkill: SIGKILL ({run.index.count()} indexed)")
        run.stream.release()
        run.result.fault = "SIGKILL main pid"
        killed_at = kill_and_restart(run)
        if not run.result.reasons:
            run.finish(killed_at)
        else:
            run.figures()
    finally:
        run.close()


def replay_sigkill(base: Settings, server: FeedServer, size: Size, result: list[Result]) -> None:
    run = Run("replay-sigkill", base, server, size)
    result.append(run.result)
    try:
        since = datetime.now(UTC) - timedelta(minutes=1)
        provision(run.settings)
        run.write()
        run.start()
        run.stream.release()
        if not run.wait_indexed(size.articles, 300):
            raise RuntimeError("not every article indexed before the replay")
        time.sleep(2)
        log("replay-sigkill: all indexed; newsstream replay")
        replay = run.newsstream("replay", "--since", since.strftime("%Y-%m-%dT%H:%M:%S"))
        if replay.returncode != 0:
            run.result.fail(f"replay exited {replay.returncode}: {replay.stderr[-300:]}")
        run.result.notes.append(f"replay said: {replay.stdout.strip().splitlines()[-1:]}")
        target = max(1, size.articles // 5)
        wait_for(
            lambda: sum(1 for h in run.index.docs() if h["_version"] >= 2) >= target,
            120,
            every=0.3,
        )
        done = sum(1 for h in run.index.docs() if h["_version"] >= 2)
        run.result.fault = f"SIGKILL at {done}/{size.articles} re-indexed"
        log(f"replay-sigkill: SIGKILL ({done} re-indexed)")
        killed_at = kill_and_restart(run)
        if not run.result.reasons:
            run.finish(killed_at, version=2)
        else:
            run.figures(2)
    finally:
        run.close()


def stuck_extraction(base: Settings, server: FeedServer, size: Size, result: list[Result]) -> None:
    budget = 3.0
    run = Run(
        "stuck-extraction",
        base,
        server,
        size,
        worker={"enrich_article_timeout": budget},
        nlp={"max_chars": 1_000_000},
    )
    result.append(run.result)
    hostile_path = f"/{run.run_id}/hostile.xml"
    hostile_host = f"127.0.0.{FEEDS + 1}"
    numbers = " ".join(str(i * 7 % 1000) for i in range(HOSTILE_NUMBERS))
    hostile_released = threading.Event()

    def hostile_body() -> bytes:
        if not hostile_released.is_set():
            return rss([], title="hostile")
        link = server.url(f"/{run.run_id}/a/hostile.html", host=hostile_host)
        item = {"title": f"Numbers only [{run.run_id}]", "link": link, "guid": "hostile"}
        return rss([{**item, "description": numbers, "pubDate": rss_date(time.time())}])

    server.set(hostile_path, Route(body=hostile_body))
    run.extra_feeds.append((server.url(hostile_path, host=hostile_host), "hostile numbers"))
    run.result.fault = f"{len(numbers) // 1000} KB numbers, budget {budget:.0f}s"
    try:
        provision(run.settings)
        run.write()
        run.start()
        first = time.monotonic()
        seen: dict[str, float] = {}  # title -> first seen in the index (monotonic)

        def watch() -> None:
            while not stop.is_set():
                now = time.monotonic()
                for h in run.index.docs():
                    seen.setdefault(h["_source"].get("title"), now)
                time.sleep(0.3)

        stop = threading.Event()
        threading.Thread(target=watch, daemon=True).start()
        # the whole stream at an even rate; the hostile article appears a third of the way
        trickle_stop = threading.Event()
        trickle = run.stream.trickle(size.articles, size.rate, trickle_stop)
        if not run.wait_indexed(max(3, size.articles // 4), 240):
            raise RuntimeError("nothing indexed within 240s of the start")
        hostile_released.set()
        released, released_wall = time.monotonic(), time.time()
        log(f"stuck-extraction: hostile article out ({run.index.count()} indexed)")
        trickle.join(size.articles / size.rate + 30)

        def dead_lettered() -> bool:
            return any("exceeded" in str(d.get("reason")) for d in read_deadletters(run.settings))

        wait_for(dead_lettered, 120, every=2.0)
        run.finish(released)
        stop.set()

        def latency(item: Item) -> float | None:
            at = seen.get(item.title)
            return None if at is None or item.released is None else at - item.released

        before = sorted(
            x for i in run.items if i.released and i.released < released and (x := latency(i))
        )
        after = [
            (x, i)
            for i in run.items
            if i.released and released <= i.released <= released + 30 and (x := latency(i))
        ]
        r = run.result
        if before and after:
            base_lat = before[len(before) // 2]
            worst, item = max(after, key=lambda p: p[0])
            # the stream runs near the pipeline's throughput, so latency varies with the
            # backlog: the stuck article's cost is the worst latency after it over the worst
            # before it (over the median, it would count the backlog's noise as delay)
            delay = worst - before[-1]
            r.notes.append(
                f"other feeds' latency (published -> indexed): median {base_lat:.1f}s, worst "
                f"{before[-1]:.1f}s before; worst {worst:.1f}s in the 30s after (#{item.n}): "
                f"added delay {delay:.1f}s ({worst - base_lat:.1f}s over the median)"
            )
            if delay > 10:
                r.fail(f"the stuck article delayed other feeds' articles by {delay:.1f}s")
        r.notes.append(f"stream began {released - first:.0f}s before the hostile article")
        stuck = [
            d
            for d in run.letters
            if "exceeded" in str(d.get("reason"))
            and "Numbers only" in json.dumps(d.get("original") or {})
        ]
        if not stuck:
            r.fail("the hostile article was not dead-lettered with 'exceeded' in its reason")
        with contextlib.suppress(KeyError, TypeError, ValueError):
            failed_at = datetime.fromisoformat(stuck[0]["failed_at"]).timestamp()
            r.notes.append(f"dead-lettered {failed_at - released_wall:.1f}s after it was published")
        # served counts the normal articles; the hostile one is the dead letter
        r.articles += 1
        if any("Numbers only" in (t or "") for t in seen):
            r.fail("the hostile article was indexed")
    finally:
        server.routes.pop(hostile_path, None)
        run.close()


SCENARIOS: dict[str, Callable[[Settings, FeedServer, Size, list[Result]], None]] = {
    "first-start": first_start,
    "es-away": lambda *a: es_fault("es-away", *a),
    "es-429": lambda *a: es_fault("es-429", *a),
    "kafka-restart": kafka_restart,
    "run-sigkill": run_sigkill,
    "replay-sigkill": replay_sigkill,
    "stuck-extraction": stuck_extraction,
}
NEEDS_OWN_STACK = ("first-start", "kafka-restart")


def table(results: list[Result]) -> str:
    head = (
        f"{'scenario':<17} {'articles':>8} {'indexed':>7} {'dupl.':>5} {'redeliv.':>8} "
        f"{'dead':>4}  {'fault':<32} {'recovery s':>10}  result"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        rec = "-" if r.recovery is None else f"{r.recovery:.1f}"
        lines.append(
            f"{r.name:<17} {r.articles:>8} {r.indexed:>7} {r.duplicates:>5} {r.redeliveries:>8} "
            f"{r.dead_letters:>4}  {r.fault[:32]:<32} {rec:>10}  {'pass' if r.ok else 'FAIL'}"
        )
    return "\n".join(lines)


def judge(r: Result, expected_letters: int) -> None:
    if r.indexed < r.articles - expected_letters:
        r.fail(f"{r.articles - expected_letters - r.indexed} articles never indexed")
    if r.duplicates:
        r.fail(f"{r.duplicates} documents indexed twice")
    if r.dead_letters != expected_letters:
        r.fail(f"{r.dead_letters} dead letters (expected {expected_letters})")
    r.ok = not r.reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    parser.add_argument("--articles", type=int, default=None, help="per scenario (300)")
    parser.add_argument("--quick", action="store_true", help="40 articles, shorter faults")
    args = parser.parse_args()
    size = Size(args.articles or (40 if args.quick else 300), args.quick)
    names = args.scenario or list(SCENARIOS)
    base = load_settings()
    log(f"chaos: {', '.join(names)}; {size.articles} articles each; quick={size.quick}")
    results: list[Result] = []
    started = time.monotonic()
    with FeedServer(hosts=FEEDS + 1) as server:
        for name in names:
            log(f"=== {name}")
            t0 = time.monotonic()
            before = len(results)
            try:
                SCENARIOS[name](base, server, size, results)
            except Exception as exc:
                if len(results) == before:
                    results.append(Result(name, articles=size.articles))
                results[-1].fail(f"{type(exc).__name__}: {exc}")
                traceback.print_exc()
                if isinstance(exc, ServiceError) and exc.log_excerpt:
                    log(f"  {exc.service}'s log said:\n{exc.log_excerpt}")
            r = results[-1]
            if r.reasons and r.logs is not None:
                r.notes.append(f"logs in {r.logs}")
            judge(r, 1 if name == "stuck-extraction" else 0)
            for note in r.notes:
                log(f"  {note}")
            log(f"=== {name}: {'pass' if r.ok else 'FAIL'} in {time.monotonic() - t0:.0f}s")
    print()
    print(table(results))
    for r in results:
        for why in r.reasons:
            print(f"{r.name}: {why}")
    print(f"total {time.monotonic() - started:.0f}s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the poller against a naive baseline, on N feeds served by the local feed server.

    .venv/bin/python bench/poll.py [--feeds 2000] [--items 20] [--changed 0.1] [--hosts 50]
                                   [--latency 0.05]

The feed server (tests/feedserver.py) runs in its own process and listens on 127.0.0.1..
127.0.0.<hosts>, so the feeds are spread over ``hosts`` hosts as real feeds are. Both clients
first see every feed once (the poller learns validators; the baseline has nothing to learn), then
``--changed`` of the feeds publish three new items, and the steady-state round is measured:

- poller: streams.poller.FeedPoller with the memory store, i.e. conditional GETs, parsing only
  changed feeds, normalisation into FeedEntry, dedup against seen ids. Kafka is not involved:
  this measures the HTTP + parse + normalise path.
- naive: ``feedparser.parse(url)`` for each feed in turn, no validators, every body parsed.

``--latency`` makes the server wait before each answer, as a real site's round trip and
response time would (50 ms by default; fetching a real feed over TLS usually takes longer).
With ``--latency 0`` both clients are CPU-bound on loopback, and httpx's per-request cost
(~1.3 ms CPU here) bounds the poller.

Bytes are the server's count (bodies + headers, approximate for headers). CPU is this process's
CPU time (all threads), so it excludes the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import feedparser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streams.feed_state import MemoryFeedStore  # noqa: E402
from streams.feeds import Feed  # noqa: E402
from streams.http import PoliteClient  # noqa: E402
from streams.poller import FeedPoller, PollStatus  # noqa: E402
from streams.records import FeedEntry  # noqa: E402
from streams.settings import PollerSettings  # noqa: E402


@dataclass
class Measure:
    name: str
    polls: int
    seconds: float
    cpu: float
    items: int
    bytes_total: int
    bytes_unchanged: int
    not_modified: int

    def row(self) -> str:
        return (
            f"{self.name:<8} {self.polls / self.seconds:>9.1f} {self.items / self.seconds:>10.1f}"
            f" {self.bytes_total:>13,} {self.bytes_unchanged:>15,}"
            f" {self.not_modified / self.polls:>7.1%} {1000 * self.cpu / self.polls:>13.2f}"
            f" {self.seconds:>8.2f}"
        )


HEADER = (
    f"{'client':<8} {'feeds/s':>9} {'items/s':>10} {'bytes':>13} {'bytes unchgd':>15}"
    f" {'304s':>7} {'CPU s/1k pol':>13} {'wall s':>8}"
)


class Server:
    def __init__(self, items: int, hosts: int, latency: float) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "feedserver.py"),
                "--items",
                str(items),
                "--hosts",
                str(hosts),
                "--latency",
                str(latency),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"feed server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.hosts = hosts

    def feed_url(self, n: int) -> str:
        return f"http://127.0.0.{1 + n % self.hosts}:{self.port}/synth/{n}.xml"

    def control(self, path: str, *, post: bool = False) -> dict:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method="POST" if post else "GET"
        )
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())

    def stats(self) -> dict:
        return self.control("/_control/stats?reset=1")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def byte_counts(stats: dict, unchanged: set[int]) -> tuple[int, int]:
    by_path = stats["bytes_by_path"]
    total = sum(by_path.values())
    unchanged_bytes = sum(
        b
        for p, b in by_path.items()
        if p.startswith("/synth/") and int(p.split("/")[2].split(".")[0]) in unchanged
    )
    return total, unchanged_bytes


def naive_round(server: Server, n: int) -> tuple[int, float, float]:
    items = 0
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        items += len(feedparser.parse(server.feed_url(i)).entries)
    return items, time.perf_counter() - started, time.process_time() - cpu


async def poller_round(poller: FeedPoller, feeds: list[Feed]) -> tuple[int, int, float, float]:
    produced: list[FeedEntry] = []

    async def emit(entries: list[FeedEntry]) -> None:
        produced.extend(entries)

    started, cpu = time.perf_counter(), time.process_time()
    report = await poller.poll_due(feeds, emit, force=True)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    errors = report.errors
    if errors:
        print(f"  {len(errors)} poller errors, e.g. {errors[0].error}", file=sys.stderr)
    return len(produced), report.count(PollStatus.NOT_MODIFIED), seconds, cpu_s


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--changed", type=float, default=0.1, help="share changing per round")
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.05,
        help="seconds the server waits before each answer, standing in for the network round"
        " trip and server time of a real news site (0: loopback only, CPU-bound)",
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    args = parser.parse_args()
    n = args.feeds

    server = Server(args.items, args.hosts, args.latency)
    try:
        feeds = [Feed(url=server.feed_url(i), name=f"synthetic {i}") for i in range(n)]
        settings = PollerSettings(
            concurrency=args.concurrency,
            per_host_concurrency=args.per_host,
            politeness_delay=0.0,
            connect_timeout=10,
            read_timeout=20,
        )
        async with PoliteClient.for_feeds(settings) as client:
            poller = FeedPoller(settings, client, MemoryFeedStore())
            first_items, _, first_s, _ = await poller_round(poller, feeds)
            server.stats()
            print(
                f"poller cold round: {n} feeds, {first_items} items in {first_s:.2f}s"
                f" ({n / first_s:.0f} feeds/s)"
            )
            bumped = set(
                server.control(f"/_control/bump?feeds={n}&share={args.changed}", post=True)[
                    "bumped"
                ]
            )
            unchanged = set(range(n)) - bumped
            items, not_modified, seconds, cpu = await poller_round(poller, feeds)
            total, unchanged_bytes = byte_counts(server.stats(), unchanged)
            ours = Measure("poller", n, seconds, cpu, items, total, unchanged_bytes, not_modified)

        naive_items, naive_s, naive_cpu = naive_round(server, n)
        total, unchanged_bytes = byte_counts(server.stats(), unchanged)
        naive = Measure("naive", n, naive_s, naive_cpu, naive_items, total, unchanged_bytes, 0)
    finally:
        server.stop()

    print(
        f"\n{n} feeds x {args.items} items on {args.hosts} hosts, {args.latency * 1000:g} ms"
        f" simulated latency per answer; {len(bumped)} feeds"
        f" ({args.changed:.0%}) changed (+3 items each) before the measured round;"
        f" poller concurrency {args.concurrency}, {args.per_host} per host, no politeness"
        f" delay. items/s: new entries produced (poller) vs entries parsed (naive)."
    )
    print(HEADER)
    print(ours.row())
    print(naive.row())
    speedup = (ours.polls / ours.seconds) / (naive.polls / naive.seconds)
    byte_ratio = ours.bytes_unchanged / max(naive.bytes_unchanged, 1)
    print(
        f"\nfeeds/s: poller = {speedup:.1f}x naive (target >= 10x)"
        f" -> {'PASS' if speedup >= 10 else 'FAIL'}"
    )
    print(
        f"bytes on unchanged feeds: poller = {byte_ratio:.3f} of naive (target <= 0.2)"
        f" -> {'PASS' if byte_ratio <= 0.2 else 'FAIL'}"
    )
    print(
        f"CPU per 1,000 polls: poller {1000 * ours.cpu / ours.polls:.2f}s,"
        f" naive {1000 * naive.cpu / naive.polls:.2f}s"
    )


if __name__ == "__main__":
    asyncio.run(main())

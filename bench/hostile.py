"""Extraction time, peak memory and outcome on hostile article texts, one case at a time.

    PYTHONPATH=. .venv/bin/python bench/hostile.py [--budget 30] [--case NAME ...]

Each case runs in a fresh spawned process that loads its language's pipeline, then enriches the
one article as a pool process does (``Enricher.enrich_batch``). The parent kills the process when
the article is over ``--budget`` seconds (the pool's ``worker.enrich_article_timeout`` by default)
and reports it dead-lettered, which is what the enrichment pool does with such an article. Peak
RSS is the process's high-water mark (``ru_maxrss``) after the article, with the growth the
article caused beside it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.enrich import Enricher
from streams.records import Article, DeadLetter
from streams.settings import NlpSettings, load_settings

PROSE = (
    "North Korea has sent more than 3,000 soldiers to Russia, the South Korean military said on "
    'Wednesday, according to Reuters. "No country should suffer this," President Volodymyr '
    "Zelensky said. At least 1,200 people were evacuated and prices rose 4.5% in March. "
)


def _no_spaces() -> str:
    rng = random.Random(1)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789.,;:-'\"«»()%/"
    return "".join(rng.choice(alphabet) for _ in range(1_000_000))


def _invalid_utf8() -> str:
    rng = random.Random(2)
    raw = bytes(rng.randrange(256) for _ in range(200_000))
    return raw.decode("utf-8", errors="replace")


def _capitalised() -> str:
    rng = random.Random(3)
    words = ["Kim", "Jong", "Un", "Putin", "Reuters", "Seoul", "Moscow", "Said", "Ministry", "Of"]
    return " ".join(rng.choice(words) for _ in range(10_000))


CASES: dict[str, Callable[[], str]] = {
    "1 MB without spaces": _no_spaces,
    "200 KB nested «»": lambda: "«" * 100_000 + "»" * 100_000,
    '200k "%"': lambda: "%" * 200_000,
    "20k spaced numbers": lambda: " ".join(str(i * 7 % 1000) for i in range(20_000)),
    "10k capitalised words": _capitalised,
    "invalid UTF-8, replaced": _invalid_utf8,
    "10 MB article": lambda: PROSE * (10_000_000 // len(PROSE)),
}


def _article(text: str) -> Article:
    return Article(
        article_id="hostile",
        url="https://bench.invalid/hostile",
        feed_url="https://bench.invalid/rss",
        feed_name="bench",
        source="bench.invalid",
        text=text,
        lang="en",
    )


def _run_case(conn: Connection, name: str, settings: NlpSettings) -> None:
    """In the child: load the pipeline, then enrich the case's article and report."""
    enricher = Enricher(settings)
    enricher.registry.get("en")
    enricher.enrich_batch([_article(PROSE)])  # warm-up: lexicons, lookups
    article = _article(CASES[name]())
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send("started")
    started = time.perf_counter()
    result = enricher.enrich_batch([article])[0]
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if isinstance(result, DeadLetter):
        outcome = f"dead-lettered: {result.reason[:60]}"
    else:
        outcome = "cut" if getattr(result, "truncated", False) else "ok"
    conn.send((seconds, rss_after, rss_after - rss_before, outcome))


def measure(name: str, settings: NlpSettings, budget: float) -> str:
    """One table row: the case run in a process of its own, killed when over ``budget``."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_case, args=(child, name, settings), daemon=True)
    proc.start()
    child.close()
    try:
        parent.recv()  # "started": the pipeline is loaded, the clock runs from here
        started = time.perf_counter()
        if not parent.poll(budget):
            proc.kill()
            took = f">{time.perf_counter() - started:.0f} s"
            return f"{name:<26} {took:>10} {'-':>12} {'-':>10}  dead-lettered (over budget)"
        seconds, rss, growth, outcome = parent.recv()
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    return f"{name:<26} {seconds:>8.2f} s {rss / 1024:>9.0f} MB {growth / 1024:>7.0f} MB  {outcome}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    settings = load_settings()
    default_budget = getattr(settings.worker, "enrich_article_timeout", 30.0)
    parser.add_argument("--budget", type=float, default=default_budget)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    args = parser.parse_args()
    nlp = settings.nlp.model_copy(update={"languages": ["en"]})
    print(f"budget {args.budget:g} s per article, nlp.max_chars {nlp.max_chars:,}")
    print(f"{'case':<26} {'time':>10} {'peak RSS':>12} {'growth':>10}  outcome")
    for name in args.case or list(CASES):
        print(measure(name, nlp, args.budget), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the claim and figure documents cost and give: the index agent's bulk indexing with and
without them, and the server's `took` for the claims and figures queries.

    .venv/bin/python bench/answers.py [--articles 3000] [--claims 4] [--figures 3] [--runs 30]

Needs Elasticsearch (`newsstream services up`). The articles are search's synthetic ones
(bench/search.py) with ``--claims`` claims and ``--figures`` figures each; every run indexes into
indices of its own, deleted afterwards. Indexing is timed end to end (client and server), in
batches of the agent's size, twice: the first pass of each variant writes new documents, the
second overwrites them (a replay), which is where stale answers are looked up too.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import OUTLETS, PEOPLE, WORDS, synthetic

from agents.index import ArticleIndexer
from streams.answers import AnswerQuery
from streams.connections import elasticsearch_client
from streams.provision import ProvisionReport, drop_index, install_index
from streams.settings import AnswerKind, Settings, load_settings, namespaced

NOUNS = ["soldiers", "people", "missiles", "tanks"]


def with_answers(docs: list[dict[str, Any]], claims: int, figures: int) -> list[dict[str, Any]]:
    """The synthetic articles with ``claims`` claims and ``figures`` figures each, spread over
    the text so that each has a sentence of its own."""
    out = []
    for n, doc in enumerate(docs):
        text = doc["article"]["text"]
        step = max(1, len(text) // max(1, claims + figures))
        found_claims = [
            {
                "speaker": PEOPLE[(n + i) % len(PEOPLE)],
                "kind": "reported",
                "text": text[i * step : i * step + 60],
                "start": i * step,
                "end": i * step + 60,
                "via": OUTLETS[(n + i) % len(OUTLETS)],
            }
            for i in range(claims)
        ]
        found_figures = [
            {
                "text": f"{1000 + n}",
                "value": float(1000 + n + i),
                "start": (claims + i) * step,
                "end": (claims + i) * step + 4,
                "counts": NOUNS[(n + i) % len(NOUNS)],
                "qualifier": "at least",
                "kind": "count",
            }
            for i in range(figures)
        ]
        out.append({**doc, "claims": found_claims, "figures": found_figures})
    return out


async def index_all(
    settings: Settings, docs: list[dict[str, Any]], *, answers: bool, batch: int
) -> tuple[float, int]:
    """Seconds to bulk-index every document as the agent does, and answer documents written."""
    es = elasticsearch_client(settings.elasticsearch)
    indexer = ArticleIndexer(es, settings, with_answers=answers)
    written = 0
    try:
        started = time.perf_counter()
        for i in range(0, len(docs), batch):
            outcome = await indexer.index(docs[i : i + batch])
            assert not outcome.rejected, outcome.rejected[:1]
            written += outcome.answers
        return time.perf_counter() - started, written
    finally:
        await es.close()


async def query_times(settings: Settings, runs: int) -> None:
    es = elasticsearch_client(settings.elasticsearch)
    cases = {
        "claims --via AFP": AnswerQuery(AnswerKind.CLAIMS, filters={"via": "AFP"}),
        "claims --speaker 'patrick ryder'": AnswerQuery(
            AnswerKind.CLAIMS, filters={"speaker": "patrick ryder"}
        ),
        f"claims '{WORDS[0]} {WORDS[6]}'": AnswerQuery(
            AnswerKind.CLAIMS, text=f"{WORDS[0]} {WORDS[6]}"
        ),
        "figures --counts soldiers --min 1500": AnswerQuery(
            AnswerKind.FIGURES, filters={"counts": "soldiers"}, min_value=1500
        ),
    }
    print(f"{'query':<38} {'took ms median':>15} {'p90':>6} {'hits':>7}")
    try:
        for name, query in cases.items():
            index = settings.elasticsearch.answers_alias(query.kind)
            took = []
            for _ in range(runs):
                resp = await es.search(index=index, **query.to_body())
                took.append(int(resp["took"]))
            took.sort()
            p90 = took[min(len(took) - 1, int(len(took) * 0.9))]
            hits = resp["hits"]["total"]["value"]
            print(f"{name:<38} {statistics.median(took):>15.0f} {p90:>6} {hits:>7}")
    finally:
        await es.close()


async def main(articles: int, claims: int, figures: int, runs: int) -> None:
    base = load_settings()
    batch = base.worker.index_batch
    docs = with_answers(synthetic(articles, 3), claims, figures)
    print(f"{articles} articles, {claims} claims and {figures} figures each, batches of {batch}")
    print(f"{'indexing':<38} {'first s':>8} {'again s':>8} {'docs/s':>8} {'answers':>8}")
    for answers in (False, True):
        settings = namespaced(base, f"bench-answers-{uuid.uuid4().hex[:6]}")
        await install_index(settings, ProvisionReport())
        try:
            first, written = await index_all(settings, docs, answers=answers, batch=batch)
            again, _ = await index_all(settings, docs, answers=answers, batch=batch)
            name = "articles with answer documents" if answers else "articles alone"
            rate = articles / first
            print(f"{name:<38} {first:>8.2f} {again:>8.2f} {rate:>8.0f} {written:>8}")
            if answers:
                es = elasticsearch_client(settings.elasticsearch)
                try:
                    await es.indices.refresh(index=settings.elasticsearch.index_pattern)
                finally:
                    await es.close()
                await query_times(settings, runs)
        finally:
            await drop_index(settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--claims", type=int, default=4)
    parser.add_argument("--figures", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.claims, args.figures, args.runs))

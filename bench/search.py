"""What `newsstream search` costs Elasticsearch: the server's own `took` for the query it sends
(simple_query_string, copies collapsed with their inner hits, facets), beside the plain
multi_match over the same fields it replaced, on the same index.

    .venv/bin/python bench/search.py [--articles 3000] [--copies 3] [--runs 30]

Needs Elasticsearch (`newsstream services up`). The articles are synthetic (a vocabulary of
news words, one story in ``--copies`` syndicated as that many copies); the index is this run's
own and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from agents.index import ArticleIndexer, decode_enriched
from streams.connections import elasticsearch_client
from streams.provision import ProvisionReport, drop_index, install_index
from streams.records import Article, ClaimRecord, EnrichedArticle, FigureRecord
from streams.search import FACETS, TEXT_FIELDS, SearchQuery, SortOrder
from streams.settings import load_settings, namespaced

WORDS = (  # noqa: SIM905  (a sentence reads better than a list of 35 strings)
    "pentagon ukraine russia korea north south troops soldiers missile government minister "
    "council budget vote election border aid talks summit ceasefire army navy report said "
    "official spokesman agency capital city region president prime week monday tuesday"
).split()
PEOPLE = ["Patrick Ryder", "Maria Zakharova", "Volodymyr Zelensky", "Dmitry Peskov"]
OUTLETS = ["AFP", "Reuters", "TASS", None]


def synthetic(n: int, copies: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        story = i // copies
        srng = random.Random(story)
        pool = srng.sample(WORDS, 8)  # a story speaks of a few things
        title = " ".join(srng.choices(pool, k=7)).capitalize()
        text = ". ".join(" ".join(srng.choices(pool, k=18)) for _ in range(12))
        if story % 4 == 0:
            text += ". North Korea sent troops"
        record = EnrichedArticle(
            article=Article(
                article_id=f"a{i}",
                url=f"https://example.org/{i}",
                feed_url=f"https://feed{i % copies}.example.org/rss",
                feed_name=f"Feed {i % copies}",
                source="example.org",
                title=title,
                text=text,
                published_at=start + timedelta(minutes=rng.randrange(60 * 24 * 30)),
                cluster_id=f"c{story}",
                duplicate_of=None if i % copies == 0 else f"a{story * copies}",
            ),
            lang="en",
            lemmas=text,
            claims=[
                ClaimRecord(
                    speaker=srng.choice(PEOPLE),
                    kind="reported",
                    text=" ".join(srng.choices(WORDS, k=10)),
                    start=0,
                    end=10,
                    via=srng.choice(OUTLETS),
                )
            ],
            figures=[FigureRecord(text="3,000", value=3000.0, start=0, end=5, counts="soldiers")],
        )
        out.append(decode_enriched(record.dumps()))
    return out


def multi_match(text: str) -> dict[str, Any]:
    """The body `newsstream search` sent before: an OR of words, no collapse."""
    return {
        "query": {"multi_match": {"query": text, "fields": TEXT_FIELDS}},
        "highlight": {"fields": {"title": {}, "body": {"fragment_size": 160}}},
        "aggs": {name: {"terms": {"field": path, "size": 10}} for name, path in FACETS.items()},
        "size": 10,
    }


async def main(articles: int, copies: int, runs: int) -> None:
    settings = namespaced(load_settings(), f"bench-search-{uuid.uuid4().hex[:6]}")
    await install_index(settings, ProvisionReport())
    es = elasticsearch_client(settings.elasticsearch)
    alias = settings.elasticsearch.alias
    try:
        docs = synthetic(articles, copies)
        indexer = ArticleIndexer(es, settings)
        for i in range(0, len(docs), 500):
            await indexer.index(docs[i : i + 500])
        await es.indices.refresh(index=alias)
        await es.indices.forcemerge(index=alias, max_num_segments=1)
        cases: dict[str, dict[str, Any]] = {
            "multi_match (before)": multi_match("pentagon troops"),
            "search 'pentagon troops'": SearchQuery(text="pentagon troops").to_body(),
            "search '\"north korea\" -ukraine'": SearchQuery(
                text='"north korea" -ukraine'
            ).to_body(),
            "search '' --sort date --speaker": SearchQuery(
                filters={"speaker": "patrick ryder"}, sort=SortOrder.DATE
            ).to_body(),
            "search 'pentagon' --page 5": SearchQuery(text="pentagon", page=5).to_body(),
        }
        print(f"{articles} articles, {articles // copies} stories ({copies} copies each)")
        print(f"{'query':<36} {'took ms median':>15} {'p90':>6} {'hits':>7} {'shown':>6}")
        for name, body in cases.items():
            took = []
            for _ in range(runs):
                resp = await es.search(index=alias, **body)
                took.append(int(resp["took"]))
            took.sort()
            p90 = took[min(len(took) - 1, int(len(took) * 0.9))]
            hits = resp["hits"]["total"]["value"]
            shown = len(resp["hits"]["hits"])
            print(f"{name:<36} {statistics.median(took):>15.0f} {p90:>6} {hits:>7} {shown:>6}")
    finally:
        await es.close()
        await drop_index(settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.articles, args.copies, args.runs))

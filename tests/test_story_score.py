"""The story scorer on toy clusterings whose scores were computed by hand."""

from __future__ import annotations

import pytest

from agents.stories.score import bcubed, pairwise, score_stories

# gold: stories X = {a, b, c}, Y = {d, e}; prediction: {a, b}, {c, d, e}
GOLD = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y"}
PRED = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
LANGS = {"a": "en", "b": "it", "c": "en", "d": "de", "e": "de"}


def test_bcubed_by_hand() -> None:
    # precision per item: a 2/2, b 2/2, c 1/3, d 2/3, e 2/3 -> 11/15
    # recall per item:    a 2/3, b 2/3, c 1/3, d 2/2, e 2/2 -> 11/15
    scores = bcubed(GOLD, PRED)
    assert scores.precision == pytest.approx(11 / 15)
    assert scores.recall == pytest.approx(11 / 15)
    assert scores.f1 == pytest.approx(11 / 15)


def test_pairwise_by_hand() -> None:
    # gold pairs ab ac bc de; predicted pairs ab cd ce de; shared ab de
    scores = pairwise(GOLD, PRED)
    assert (scores.precision, scores.recall) == (0.5, 0.5)


def test_cross_lingual_and_hard_negatives() -> None:
    # cross-lingual gold pairs: ab (en-it, kept), bc (it-en, split); ac and de are monolingual
    scores = score_stories(GOLD, PRED, LANGS, hard_negatives=[("Y", "X")])
    assert scores.cross_lingual_recall == 0.5
    assert scores.cross_lingual_pairs == 2
    assert scores.hard_negative_merges == [("X", "Y")]


def test_singletons_and_one_lump() -> None:
    singletons = {item: item for item in GOLD}
    alone = bcubed(GOLD, singletons)
    assert alone.precision == 1.0
    assert alone.recall == pytest.approx((1 / 3 * 3 + 1 / 2 * 2) / 5)  # 2/5
    lump = bcubed(GOLD, dict.fromkeys(GOLD, "all"))
    assert lump.recall == 1.0
    assert lump.precision == pytest.approx((3 / 5 * 3 + 2 / 5 * 2) / 5)  # 13/25
    assert pairwise(GOLD, singletons).precision == 1.0  # no predicted pair: nothing wrong
    assert score_stories(GOLD, singletons, LANGS, [("X", "Y")]).hard_negative_merges == []


def test_perfect_clustering_and_mismatched_items() -> None:
    perfect = score_stories(GOLD, GOLD, LANGS)
    assert perfect.bcubed.f1 == perfect.pairwise.f1 == perfect.cross_lingual_recall == 1.0
    with pytest.raises(ValueError):
        bcubed(GOLD, {"a": "1"})

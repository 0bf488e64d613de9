"""Locale-aware numerals: digit strings and number words in it, en, fr, de, es.

Kept apart from the figures component because the rules are about writing systems, not about
news: which separator is decimal depends on the language ("3.000" is 3000 in Italian, "3,000" in
English), and number words compose the same way everywhere (units add, "hundred" multiplies the
pending group, "thousand"/"million" close it), so one small evaluator serves every language once
its lexicon says which word is which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")


def parse_digits(raw: str, *, decimal: str) -> float | None:
    """The value of a digit string such as "3.000", "1,5", "13,740", "3 000" or "1.234,5".

    ``decimal`` is the language's decimal separator ("," or "."); it settles the only truly
    ambiguous case, one separator followed by exactly three digits. A separator followed by any
    other number of digits can only be decimal, so "8.4" is 8.4 even in Spanish. Returns None for
    strings that are no well-formed number (dates like "3.10.2024").
    """
    text = _GROUPING_SPACES.sub("", raw)
    if not text or not text[0].isdigit():
        return None
    seps = [c for c in text if c in ".,"]
    if not seps:
        return float(text) if text.isdigit() else None
    kinds = set(seps)
    if len(kinds) == 2:
        dec = text[max(text.rfind("."), text.rfind(","))]
        grp = "," if dec == "." else "."
        head, _, frac = text.rpartition(dec)
        if not _valid_groups(head.split(grp)) or not frac.isdigit():
            return None
        return float(head.replace(grp, "") + "." + frac)
    sep = seps[0]
    parts = text.split(sep)
    if len(parts) > 2:
        return float("".join(parts)) if _valid_groups(parts) else None
    head, frac = parts
    if not head.isdigit() or not frac.isdigit():
        return None
    grouping = sep != decimal and len(frac) == 3 and len(head) <= 3 and head[0] != "0"
    return float(head + frac) if grouping else float(head + "." + frac)


def _valid_groups(parts: Sequence[str]) -> bool:
    return (
        all(p.isdigit() for p in parts)
        and 1 <= len(parts[0]) <= 3
        and all(len(p) == 3 for p in parts[1:])
    )


class AtomKind(StrEnum):
    """How a number word combines with what came before it."""

    UNIT = "unit"  # 1..99: adds to the pending group
    HUNDRED = "hundred"  # multiplies the pending group by 100
    POWER = "power"  # thousand, million ...: closes the pending group
    DOZEN = "dozen"  # "Dutzend": multiplies the pending group by 12
    CONNECTOR = "connector"  # "und", "et", "y", "and" inside a number


@dataclass(frozen=True, slots=True)
class Atom:
    value: float
    kind: AtomKind
    bound: bool = False  # only inside a compound ("vent" in "ventuno")


class NumberWords:
    """Number words of one language, parsed by segmenting words into atoms and evaluating them.

    Italian and German write numbers as one word ("sessantamila", "dreihundertzwanzig"), French
    and English hyphenate ("quatre-vingt-dix", "twenty-five"), Spanish spaces them ("tres mil"):
    segmenting every word into lexicon atoms and evaluating the atom sequence handles all five.
    """

    def __init__(
        self,
        units: Mapping[str, float],
        hundreds: Iterable[str],
        powers: Mapping[str, float],
        dozens: Mapping[str, float] | None = None,
        connectors: Iterable[str] = (),
        bound: Mapping[str, float] | None = None,
    ) -> None:
        atoms: dict[str, Atom] = {}
        for word, value in units.items():
            atoms[_fold(word)] = Atom(float(value), AtomKind.UNIT)
        for word, value in (bound or {}).items():
            atoms.setdefault(_fold(word), Atom(float(value), AtomKind.UNIT, bound=True))
        for word in hundreds:
            atoms[_fold(word)] = Atom(100.0, AtomKind.HUNDRED)
        for word, value in powers.items():
            atoms[_fold(word)] = Atom(float(value), AtomKind.POWER)
        for word, value in (dozens or {}).items():
            atoms[_fold(word)] = Atom(float(value), AtomKind.DOZEN)
        for word in connectors:
            atoms[_fold(word)] = Atom(0.0, AtomKind.CONNECTOR, bound=True)
        self._atoms = atoms
        self._longest = max((len(k) for k in atoms), default=0)
        self._segment = lru_cache(maxsize=4096)(self._segment_uncached)

    def atom(self, word: str) -> Atom | None:
        return self._atoms.get(_fold(word))

    def is_number_word(self, word: str) -> bool:
        """True when the whole word is a number on its own ("sessantamila", "twenty-five")."""
        return self.value([word]) is not None

    def segment(self, word: str) -> tuple[Atom, ...] | None:
        """The atoms that spell ``word`` exactly, fewest first; None when it is no number word."""
        return self._segment(_fold(word))

    def _segment_uncached(self, word: str) -> tuple[Atom, ...] | None:
        if not word:
            return ()
        for size in range(min(len(word), self._longest), 0, -1):
            atom = self._atoms.get(word[:size])
            if atom is None:
                continue
            rest = self._segment_uncached(word[size:])
            if rest is not None:
                return (atom, *rest)
        return None

    def value(self, words: Sequence[str]) -> float | None:
        """The value of a sequence of number words ("tres", "mil"), or None if it is not one."""
        atoms: list[Atom] = []
        for word in words:
            seg = self.segment(word)
            if not seg:
                return None
            if seg[-1].bound and seg[-1].kind is not AtomKind.CONNECTOR:
                return None
            if len(words) == 1 and len(seg) == 1 and seg[0].bound:
                return None
            atoms.extend(seg)
        return evaluate(atoms)


def evaluate(atoms: Sequence[Atom]) -> float | None:
    """Evaluate atoms left to right; None for sequences no language writes ("tre quattro")."""
    total = 0.0
    group = 0.0
    last_power = 0.0
    previous: Atom | None = None
    saw_connector = False
    if not atoms or atoms[0].kind is AtomKind.CONNECTOR or atoms[-1].kind is AtomKind.CONNECTOR:
        return None
    for atom in atoms:
        if atom.kind is AtomKind.CONNECTOR:
            if previous is None or previous.kind is AtomKind.CONNECTOR:
                return None
            saw_connector = True
            previous = atom
            continue
        if atom.kind is AtomKind.UNIT:
            if not _may_add(group, atom.value, saw_connector, previous):
                return None
            group += atom.value
        elif atom.kind is AtomKind.HUNDRED:
            if group >= 100:
                return None
            group = (group or 1.0) * 100.0
        elif atom.kind is AtomKind.DOZEN:
            group = (group or 1.0) * atom.value
        elif group == 0 and total > 0 and atom.value > last_power:
            total *= atom.value  # "mil millones"
            last_power = atom.value
        else:
            if last_power and atom.value >= last_power:
                return None
            total += (group or 1.0) * atom.value
            group = 0.0
            last_power = atom.value
        saw_connector = False
        previous = atom
    return total + group


def _may_add(group: float, value: float, saw_connector: bool, previous: Atom | None) -> bool:
    low = group % 100
    if previous is not None and previous.kind in (AtomKind.HUNDRED, AtomKind.POWER):
        return True
    if low == 0:
        return True
    if low % 10 == 0 and low >= 10 and value < 10:
        return True  # "twenty-five", "ventitré", "dix-sept"
    if low in (60, 80) and value < 20:
        return True  # "soixante-dix", "quatre-vingt-onze"
    # "einundzwanzig": units before tens, joined by "und"
    return low < 10 and value % 10 == 0 and 20 <= value < 100 and saw_connector


def _fold(word: str) -> str:
    return word.casefold().replace("-", "").replace("\u2011", "").replace(" ", "")

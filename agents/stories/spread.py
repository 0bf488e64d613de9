"""Claim spread: which claims of a story are one statement, who published it first, and how
many of its reports are independent.

Two claims (claim documents of news-claims, agents/answers.py) are one statement when one
speaker said them (the same speaker key) and, within a language, their words overlap (half the
content words of the shorter one), or, across languages, they share a figure ("3.000 soldati" and
"3,000 soldiers" both hold 3000) or an entity other than the speaker. Statements are the
connected groups of that relation, so a chain of translations and rewordings stays one.

A report's *relay root* is where the words reached the press: the agency it names ("via AFP"),
else the wire its outlet copied (the syndicated copies' cluster id), else the outlet itself. A
group's independent reports are its distinct roots: three outlets printing one Reuters wire are
one; AFP and Reuters each quoting the speaker are two.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WORD_OVERLAP = 0.5
"""Share of the shorter claim's content words the other must have (one language)."""

_WORD = re.compile(r"[^\W\d_]{4,}")
_NUMBER = re.compile(r"\d+(?:[.,\s\u00a0\u202f]\d{3})*(?:[.,]\d+)?")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def content_words(text: str) -> frozenset[str]:
    """Words of four letters or more, folded: "Il ministro ha detto" -> {ministro, detto}."""
    return frozenset(_WORD.findall(_fold(text)))


def numbers_in(text: str) -> frozenset[float]:
    """The numbers a claim states, whatever the separators: "3.000", "3,000", "3 000" -> 3000.

    A group of three digits after a separator is thousands; a decimal part is one or two
    digits ("2,5" and "2.5" are 2.5). Small bare numbers (below 10) say little and are left out.
    """
    found: set[float] = set()
    for match in _NUMBER.finditer(text):
        raw = match.group()
        whole = re.sub(r"[.,\s\u00a0\u202f](?=\d{3}(?!\d))", "", raw)
        try:
            value = float(whole.replace(",", "."))
        except ValueError:
            continue
        if value >= 10:
            found.add(value)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Report:
    """One claim document as the spread reads it."""

    claim_id: str
    article_id: str
    speaker_key: str
    speaker: str
    lang: str
    text: str
    outlet: str
    published_at: str
    root: str
    words: frozenset[str]
    numbers: frozenset[float]
    entity_keys: frozenset[str]

    @classmethod
    def of(cls, claim: Mapping[str, Any]) -> Report | None:
        """The report of a claim document; None when no speaker is known (no statement)."""
        speaker = claim.get("speaker_key") or (
            _fold(str(claim["speaker"])) if claim.get("speaker") else None
        )
        if not speaker:
            return None
        text = str(claim.get("text") or claim.get("sentence") or "")
        source = claim.get("source") or {}
        outlet = str(source.get("name") or source.get("domain") or "")
        keys = frozenset((claim.get("entities") or {}).get("keys") or ()) - {speaker}
        return cls(
            claim_id=str(claim.get("claim_id") or claim.get("article_id")),
            article_id=str(claim.get("article_id")),
            speaker_key=str(speaker),
            speaker=str(claim.get("speaker") or speaker),
            lang=str(claim.get("lang") or ""),
            text=text,
            outlet=outlet,
            published_at=str(claim.get("published_at") or ""),
            root=relay_root(claim),
            words=content_words(text),
            numbers=numbers_in(text),
            entity_keys=keys,
        )


def relay_root(claim: Mapping[str, Any]) -> str:
    """Where a report's words reached the press: the agency named, else the wire copied,
    else the outlet."""
    if claim.get("via_key") or claim.get("via"):
        return f"via:{claim.get('via_key') or _fold(str(claim['via']))}"
    if claim.get("cluster_id"):
        return f"wire:{claim['cluster_id']}"
    source = claim.get("source") or {}
    return f"outlet:{source.get('domain') or source.get('name') or claim.get('article_id')}"


def same_statement(a: Report, b: Report) -> bool:
    """One speaker; within a language words in common, across languages a figure or an
    entity in common."""
    if a.speaker_key != b.speaker_key:
        return False
    if a.lang == b.lang:
        shorter = min(len(a.words), len(b.words))
        return shorter > 0 and len(a.words & b.words) >= WORD_OVERLAP * shorter
    return bool(a.numbers & b.numbers) or bool(a.entity_keys & b.entity_keys)


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """One statement and how it spread."""

    speaker: str
    speaker_key: str
    text: str  # as first reported
    first_outlet: str
    first_seen: str
    reports: int  # articles that carry it
    independent: int  # distinct relay roots among them
    roots: tuple[str, ...]
    languages: tuple[str, ...]
    outlets: tuple[str, ...]
    claim_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "speaker_key": self.speaker_key,
            "text": self.text,
            "first_outlet": self.first_outlet,
            "first_seen": self.first_seen,
            "reports": self.reports,
            "independent": self.independent,
            "roots": list(self.roots),
            "languages": list(self.languages),
            "outlets": list(self.outlets),
            "claim_ids": list(self.claim_ids),
        }


def _group(reports: Sequence[Report]) -> ClaimGroup:
    first = reports[0]
    by_article: dict[str, Report] = {}
    for report in reports:
        by_article.setdefault(report.article_id, report)
    roots = sorted({r.root for r in by_article.values()})
    return ClaimGroup(
        speaker=first.speaker,
        speaker_key=first.speaker_key,
        text=first.text,
        first_outlet=first.outlet,
        first_seen=first.published_at,
        reports=len(by_article),
        independent=len(roots),
        roots=tuple(roots),
        languages=tuple(sorted({r.lang for r in reports})),
        outlets=tuple(dict.fromkeys(r.outlet for r in reports if r.outlet)),
        claim_ids=tuple(r.claim_id for r in reports),
    )


def claim_groups(claims: Iterable[Mapping[str, Any]]) -> list[ClaimGroup]:
    """The story's statements, each with its spread; the most independently reported first
    (then the most reported, then the earliest)."""
    reports = [r for r in map(Report.of, claims) if r is not None]
    reports.sort(key=lambda r: (r.published_at, r.claim_id))
    parent = list(range(len(reports)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(reports):
        for j in range(i):
            if same_statement(a, reports[j]):
                parent[find(i)] = find(j)
    members: dict[int, list[Report]] = {}
    for i, report in enumerate(reports):
        members.setdefault(find(i), []).append(report)
    groups = [_group(found) for found in members.values()]
    groups.sort(key=lambda g: (-g.independent, -g.reports, g.first_seen, g.claim_ids[0]))
    return groups

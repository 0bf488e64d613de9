"""The analyst's answers as documents of their own: one per claim, one per figure.

An article document nests its claims and figures, so Kibana and Elasticsearch count articles.
Analysts ask "who said what about X, via which outlet" and "which numbers are reported for X, by
whom": those count claims and figures. Each answer document carries what its article says about
where and when (id, url, source, language, dates, copies key) and the canonical keys of its
speaker, its via and the entities of its sentence, so it is filtered without the article.

Ids are the article id and the answer's position (``<article_id>:claim:0``): a re-indexed article
overwrites its answers in place, and the ones past its new count are deleted by the index agent
(:mod:`agents.index`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agents.extraction.names import fold_name
from agents.extraction.names import person_key as _person_key
from agents.stories.concepts import ConceptLexicon
from agents.stories.spread import relay_root
from streams.settings import AnswerKind

_SENTENCE_END = re.compile(r"(?<=[.!?…»\"”])\s+(?=[\"«“„A-ZÀ-ÖØ-Þ0-9])|\n+")
"""Where a sentence ends in article text: end punctuation (possibly closing a quote) and a space
before a capital, a digit or an opening quote, or a line break. "Il a dit. Puis" splits; "3.000"
and "M. Dupont" do not (no space after the stop, or no capital after the space is required for
the former; the latter is a rare miss that only widens the sentence)."""

MAX_SENTENCE_CHARS = 600
"""A longer sentence (a run-on list, a paragraph without stops) is cut around the answer."""


person_key = lru_cache(maxsize=8192)(_person_key)
"""agents.extraction.names.person_key, remembered: a batch names the same speakers again and
again."""


@lru_cache(maxsize=1)
def concept_lexicon() -> ConceptLexicon:
    """The concept lexicon (agents/lexicons/concepts.yaml), read once."""
    return ConceptLexicon.from_file()


def answer_id(article_id: str, kind: AnswerKind, position: int) -> str:
    """``<article_id>:claim:<n>`` or ``<article_id>:figure:<n>``."""
    return f"{article_id}:{kind.value[:-1]}:{position}"


@dataclass(frozen=True)
class Sentences:
    """Where the sentences of a text break, found once per article for all its answers."""

    length: int
    ends: list[int]  # where each break ends: the next sentence starts there
    starts: list[int]  # where each break starts: the sentence before ends there

    @classmethod
    def of(cls, text: str) -> Sentences:
        found = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text)]
        return cls(len(text), [e for _, e in found], [s for s, _ in found])

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """The character bounds of the sentence(s) that hold ``[start, end)``."""
        k = bisect.bisect_right(self.ends, start) - 1
        begin = self.ends[k] if k >= 0 else 0
        k = bisect.bisect_left(self.starts, end)
        finish = self.starts[k] if k < len(self.starts) else self.length
        if finish - begin > MAX_SENTENCE_CHARS:
            half = MAX_SENTENCE_CHARS // 2
            begin, finish = max(begin, start - half), min(finish, end + half)
        return begin, finish


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The character bounds of the sentence(s) that hold ``text[start:end]``.

    >>> text = "Rome is calm. The minister said 12 people died. Then rain."
    >>> s, e = sentence_bounds(text, 32, 34)
    >>> text[s:e]
    'The minister said 12 people died.'
    """
    return Sentences.of(text).bounds(start, end)


@lru_cache(maxsize=8192)
def org_key(name: str) -> str:
    """The key of an outlet or organisation found only as a name: ``org:`` and its folded form,
    as the gazetteer keys organisations ("AFP" -> "org:afp")."""
    return f"org:{fold_name(name)}"


def _entity_key_of(name: str | None, entities: Sequence[Mapping[str, Any]]) -> str | None:
    """The key of the entity ``name`` is written as in the article (text or canonical name)."""
    if not name:
        return None
    wanted = name.casefold()
    for e in entities:
        if wanted in (str(e.get("text", "")).casefold(), str(e.get("canonical", "")).casefold()):
            key = e.get("key")
            return str(key) if key else None
    return None


def speaker_key(claim: Mapping[str, Any], entities: Sequence[Mapping[str, Any]]) -> str | None:
    """The speaker's key as the claims stage gave it, else the key of the entity the speaker is
    written as, else the speaker's name folded as a person's (``person:patrick ryder``)."""
    if claim.get("speaker_key"):
        return str(claim["speaker_key"])
    speaker = claim.get("speaker")
    if not speaker:
        return None
    return _entity_key_of(speaker, entities) or person_key(speaker)


def via_key(via: str | None, entities: Sequence[Mapping[str, Any]]) -> str | None:
    """The outlet's key: the entity it is written as, else ``org:`` and its folded name."""
    if not via:
        return None
    return _entity_key_of(via, entities) or org_key(via)


def _entities_within(
    entities: Sequence[Mapping[str, Any]], begin: int, finish: int
) -> dict[str, list[str]]:
    inside = [e for e in entities if begin <= int(e.get("start", -1)) < finish]
    return {
        "names": list(dict.fromkeys(str(e["canonical"]) for e in inside if e.get("canonical"))),
        "keys": list(dict.fromkeys(str(e["key"]) for e in inside if e.get("key"))),
    }


def _article_part(document: Mapping[str, Any]) -> dict[str, Any]:
    """What an answer document repeats of its article's document (agents.index.to_document)."""
    fields = (
        "article_id",
        "url",
        "title",
        "lang",
        "source",
        "published_at",
        "published_at_is_fetched_at",
        "fetched_at",
        "indexed_at",
        "duplicate_of",
        "cluster_id",
        "copies_key",
        "story_id",
    )
    return {name: document.get(name) for name in fields}


def _claim_holding(
    claims: Sequence[Mapping[str, Any]], start: int, end: int
) -> Mapping[str, Any] | None:
    for claim in claims:
        if int(claim.get("start", -1)) <= start and end <= int(claim.get("end", -1)):
            return claim
    return None


def claim_documents(
    enriched: Mapping[str, Any],
    document: Mapping[str, Any],
    sentences: Sentences | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(id, document) of every claim of an enriched article (wire form), beside ``document``,
    the article's own."""
    text = str(enriched["article"].get("text") or "")
    sentences = sentences or Sentences.of(text)
    entities = enriched.get("entities") or []
    figures = enriched.get("figures") or []
    common = _article_part(document)
    out = []
    for n, claim in enumerate(enriched.get("claims") or []):
        start, end = int(claim.get("start", 0)), int(claim.get("end", 0))
        begin, finish = sentences.bounds(start, end)
        inside = [f for f in figures if start <= int(f.get("start", -1)) < end]
        doc_id = answer_id(common["article_id"], AnswerKind.CLAIMS, n)
        claim_document = {
            "claim_id": doc_id,
            **common,
            "speaker": claim.get("speaker"),
            "speaker_key": speaker_key(claim, entities),
            "via": claim.get("via"),
            "via_key": via_key(claim.get("via"), entities),
            "kind": claim.get("kind"),
            "text": claim.get("text"),
            "sentence": text[begin:finish].strip() or claim.get("text"),
            "entities": _entities_within(entities, begin, finish),
            "figure_count": len(inside),
        }
        # where the words reached the press: distinct roots are the independent reports
        claim_document["relay_root"] = relay_root(claim_document)
        out.append((doc_id, claim_document))
    return out


def figure_documents(
    enriched: Mapping[str, Any],
    document: Mapping[str, Any],
    sentences: Sentences | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(id, document) of every figure of an enriched article (wire form). Who gives a figure:
    its own source when the figures stage found one ("according to the ministry, 12 ..."),
    else the speaker of the claim it is part of."""
    text = str(enriched["article"].get("text") or "")
    sentences = sentences or Sentences.of(text)
    entities = enriched.get("entities") or []
    claims = enriched.get("claims") or []
    common = _article_part(document)
    out = []
    for n, figure in enumerate(enriched.get("figures") or []):
        start, end = int(figure.get("start", 0)), int(figure.get("end", 0))
        begin, finish = sentences.bounds(start, end)
        claim = _claim_holding(claims, start, end)
        speaker = figure.get("source") or (claim or {}).get("speaker")
        via = (claim or {}).get("via")
        key: str | None = None
        if figure.get("source"):
            key = _entity_key_of(speaker, entities) or person_key(str(speaker))
        elif claim:
            key = speaker_key(claim, entities)
        doc_id = answer_id(common["article_id"], AnswerKind.FIGURES, n)
        out.append(
            (
                doc_id,
                {
                    "figure_id": doc_id,
                    **common,
                    "speaker": speaker,
                    "speaker_key": key,
                    "via": via,
                    "via_key": via_key(via, entities),
                    "text": figure.get("text"),
                    "value": figure.get("value"),
                    "unit": figure.get("unit"),
                    "counts": figure.get("counts"),
                    # the same quantity in every language: "soldati", "Soldaten" -> soldier
                    "concept": concept_lexicon().concept_of(figure.get("counts"))
                    or figure.get("unit"),
                    "qualifier": figure.get("qualifier"),
                    "kind": figure.get("kind"),
                    "sentence": text[begin:finish].strip(),
                    "entities": _entities_within(entities, begin, finish),
                },
            )
        )
    return out

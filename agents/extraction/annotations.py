"""What the extraction components attach to a spaCy ``Doc``.

The components (entities, claims, figures) communicate through these annotations only, so each
can be tested on a ``Doc`` alone and the enrichment agent turns them into Kafka records in one
place. Extensions are registered once, at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spacy.tokens import Doc, Span

from agents.extraction.entity_type import (
    EntityType as EntityType,  # where it always was, for importers
)

ENTITIES_KEY = "newsstream_entities"
"""``doc.spans`` key of the normalised entity mentions."""


def _as_dict(item: Any) -> dict[str, Any]:
    """The fields of an annotation as a dict: a shallow copy, since every field but ``extra`` is
    immutable (``dataclasses.asdict`` deep-copies each value and costs more than a rule pass)."""
    return {name: getattr(item, name) for name in item.__dataclass_fields__}


class ClaimKind(StrEnum):
    DIRECT = "direct"
    REPORTED = "reported"


@dataclass(frozen=True, slots=True)
class Entity:
    """One mention, with the canonical form it shares with every other mention of the same thing.

    ``key`` is what facets group on: ``country:KP`` for every language's name of North Korea,
    ``person:maria zakharova`` for "Zakharova" when the article also says "Maria Zakharova".
    """

    text: str
    type: EntityType
    start: int
    end: int
    canonical: str
    key: str
    country: str | None = None  # ISO 3166 alpha-2, for countries and the places linked to one

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class Claim:
    """A statement attributed to a speaker, possibly relayed by an outlet (``via``)."""

    speaker: str | None
    kind: ClaimKind
    text: str
    start: int
    end: int
    via: str | None = None
    speaker_key: str | None = None  # the entity key when the speaker is a known entity
    cue: str | None = None
    via_key: str | None = None  # the relaying outlet's entity key

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class Figure:
    """A number about the world: ``value`` is normalised ("3.000" in Italian is 3000.0)."""

    text: str
    value: float
    start: int
    end: int
    unit: str | None = None  # ISO 4217 for money, "%", a unit symbol, "h"/"month"/"year"
    counts: str | None = None  # the counted or measured noun, as written
    qualifier: str | None = None  # "almeno", "about", "more than" ... as written
    source: str | None = None  # the speaker of the claim the figure sits in
    kind: str | None = None  # money, percent, measure, duration, count
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**_as_dict(self), "extra": dict(self.extra)}


def _register() -> None:
    if not Doc.has_extension("claims"):
        Doc.set_extension("claims", default=None)
    if not Doc.has_extension("figures"):
        Doc.set_extension("figures", default=None)
    if not Doc.has_extension("entities"):
        Doc.set_extension("entities", default=None)
    if not Span.has_extension("entity"):
        Span.set_extension("entity", default=None)


_register()

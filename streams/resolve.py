"""What an analyst types in a filter, resolved to what the documents hold.

``--speaker peskow``, ``--location "Corea del Nord"``, ``--about country:KP``, ``--via afp``: a name
in any case, a known variant (the gazetteer's names of a person, a place, an organisation, in
the five languages) or a canonical key. :func:`resolve` turns each into the canonical keys and
names it may stand for; :func:`filter_clause` matches a document whose key field holds one of
the keys or whose name field holds one of the names, in any case. ``search``, ``claims`` and
``figures`` all filter through here. When a filter matches nothing, :func:`closest_values`
suggests the indexed values that are spelt most like it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from elasticsearch import AsyncElasticsearch

from agents.extraction.gazetteer import build_gazetteer
from agents.extraction.names import fold_name, person_key
from agents.extraction.place_gazetteer import PLACE_KEY_PREFIXES, every_place_name

KEY_PREFIXES = ("person:", "org:", "country:", "city:", "place:", *PLACE_KEY_PREFIXES)
"""How canonical keys begin; a filter value that begins so is taken as a key."""

GAZETTEER_LANGS = ("en", "it", "fr", "de", "es")


class KeyKind:
    """Which kinds of keys a filter's value may fold to when the gazetteer does not know it."""

    PERSON = "person"
    ORG = "org"
    ANY = "any"


@dataclass(frozen=True)
class FilterField:
    """Where a filter looks in a document: a field of canonical names and, when the documents
    have one, a field of canonical keys."""

    names: str
    keys: str | None = None
    folds_as: str = KeyKind.ANY


@dataclass(frozen=True)
class Resolved:
    """A filter value and what it may denote."""

    value: str
    names: tuple[str, ...]
    keys: tuple[str, ...]


@lru_cache(maxsize=1)
def _gazetteer() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every known name of a person, place or organisation, lower-cased -> (key, canonical)s;
    the generated towns and subdivisions too."""
    found: dict[str, dict[str, str]] = {}
    for lang in GAZETTEER_LANGS:
        for surface, entry in build_gazetteer(lang).items():
            found.setdefault(surface.casefold(), {})[entry.key] = entry.canonical
    for surface, key, canonical in every_place_name():
        known = found.setdefault(surface.casefold(), {})
        if not known:  # a hand-written or CLDR name keeps its own key ("Roma" is city:rome)
            known[key] = canonical
    return {name: tuple(entries.items()) for name, entries in found.items()}


def resolve(value: str, folds_as: str = KeyKind.ANY) -> Resolved:
    """The keys and names a filter value may stand for.

    >>> resolve("country:KP").keys
    ('country:KP',)
    >>> "person:dmitri peskov" in resolve("Peskow", KeyKind.PERSON).keys
    True
    """
    value = value.strip()
    if value.lower().startswith(KEY_PREFIXES):
        return Resolved(value, (), (value,))
    keys: dict[str, None] = {}
    names: dict[str, None] = {value: None}
    for key, canonical in _gazetteer().get(value.casefold(), ()):
        keys[key] = None
        names[canonical] = None
    if folds_as in (KeyKind.PERSON, KeyKind.ANY):
        keys[person_key(value)] = None
    if folds_as in (KeyKind.ORG, KeyKind.ANY):
        keys[f"org:{fold_name(value)}"] = None
    return Resolved(value, tuple(names), tuple(keys))


def _term(field: str, value: str) -> dict[str, Any]:
    return {"term": {field: {"value": value, "case_insensitive": True}}}


def filter_clause(where: FilterField, value: str) -> dict[str, Any]:
    """A document whose names field holds one of the value's names, or whose keys field holds
    one of its keys, in any case."""
    resolved = resolve(value, where.folds_as)
    should = [_term(where.names, name) for name in resolved.names]
    if where.keys:
        should += [_term(where.keys, key) for key in resolved.keys]
    else:  # no keys stored: a key typed as such still finds its canonical name
        should += [_term(where.names, key.split(":", 1)[1]) for key in resolved.keys[:1]]
    return {"bool": {"should": should, "minimum_should_match": 1}}


async def closest_values(
    es: AsyncElasticsearch, index: str, where: FilterField, value: str, *, limit: int = 3
) -> list[str]:
    """The indexed names most like ``value`` (difflib's ratio, any case), for a filter that
    matches nothing: "--speaker 'patrik rider'" -> "Patrick Ryder"."""
    resp = await es.search(
        index=index,
        size=0,
        aggs={"values": {"terms": {"field": where.names, "size": 2000}}},
    )
    indexed = [str(b["key"]) for b in resp["aggregations"]["values"]["buckets"]]
    folded = {v.casefold(): v for v in indexed}
    close = difflib.get_close_matches(value.casefold(), list(folded), n=limit, cutoff=0.6)
    return [folded[c] for c in close]

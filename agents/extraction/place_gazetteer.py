"""The place gazetteer: towns (GeoNames) and subdivisions (ISO 3166-2) for one language.

Read from ``lexicons/gazetteer_places.tsv.gz``, which ``lexicons/build_places.py`` generates (see
its docstring for the sources and the rules). Each name comes with a stable key shared by every
language ("Mosca", "Moskau", "Moscow" -> ``geo:524901``; "Baviera", "Bayern" -> ``iso:DE-BY``) and
whether it is *ambiguous* in this language: also a common word or a first name ("Noto" is "known"
in Italian), so that it names a place only where a place is expected.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PLACES_FILE = Path(__file__).resolve().parent / "lexicons" / "gazetteer_places.tsv.gz"
PLACE_KEY_PREFIXES = ("geo:", "iso:")
"""How the keys of towns (GeoNames ids) and subdivisions (ISO 3166-2 codes) begin."""


@dataclass(frozen=True, slots=True)
class PlaceName:
    """One name of a town or subdivision, as written."""

    name: str
    key: str
    canonical: str
    country: str
    population: int
    ambiguous: bool


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, ...], ...]:
    """The file's rows, read once per process and shared by every language."""
    with gzip.open(PLACES_FILE, "rt", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return tuple(tuple(line.rstrip("\n").split("\t")) for line in lines[1:])


def place_names(lang: str) -> list[PlaceName]:
    """The names kept for ``lang``: towns everywhere above the world threshold, smaller towns of
    the countries where ``lang`` is spoken, and every subdivision."""
    names = []
    for key, canonical, country, population, langs, common, name in _rows():
        if langs and lang not in langs.split(","):
            continue
        ambiguous = common == "*" or lang in common.split(",")
        names.append(PlaceName(name, key, canonical, country, int(population), ambiguous))
    return names


def every_place_name() -> list[tuple[str, str, str]]:
    """(name, key, canonical) of every name in the file, whatever its language: what an analyst
    types in a filter ("Baviera") resolves to its key whichever language the article was in."""
    return [(row[6], row[0], row[1]) for row in _rows()]

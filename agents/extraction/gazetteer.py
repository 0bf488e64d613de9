"""The gazetteer: every known name of a country, place, organisation and public figure, by
language, with its canonical name and key. Read from ``lexicons/`` without spaCy, so the command
line resolves what an analyst types ("Peskow", "Corea del Nord") without loading a pipeline.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from agents.extraction.entity_type import EntityType
from agents.extraction.names import person_key

LEXICONS = Path(__file__).resolve().parent / "lexicons"


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    type: EntityType
    key: str
    canonical: str
    country: str | None = None


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when built with it


@lru_cache(maxsize=32)
def read_yaml(name: str) -> Any:
    """A lexicon file, parsed once per process (every language reads orgs.yaml and places.yaml);
    callers only read it."""
    with (LEXICONS / name).open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_SafeLoader)


def country_names(lang: str) -> dict[str, GazetteerEntry]:
    """CLDR names of countries and world regions in ``lang`` and in English."""
    names: dict[str, GazetteerEntry] = {}
    with (LEXICONS / "gazetteer_countries.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        for row in rows:
            if row["lang"] not in (lang, "en"):
                continue  # other languages' names ("Island" is Iceland in German) mislead
            entry = GazetteerEntry(
                EntityType.LOCATION, row["key"], row["canonical"], row["country"] or None
            )
            names.setdefault(row["name"], entry)
    return names


@lru_cache(maxsize=16)
def build_gazetteer(lang: str) -> dict[str, GazetteerEntry]:
    """Surface form as written -> entry, for one language (cached for the process)."""
    gazetteer: dict[str, GazetteerEntry] = {}
    countries = country_names(lang)
    english_country = {e.country: e.canonical for e in countries.values() if e.country}
    places = read_yaml("places.yaml")
    for code, aliases in (places.get("country_aliases") or {}).items():
        canonical = english_country.get(code, code)
        for alias in aliases:
            gazetteer.setdefault(
                alias, GazetteerEntry(EntityType.LOCATION, f"country:{code}", canonical, code)
            )
    for name, entry in countries.items():
        gazetteer.setdefault(name, entry)
    orgs = read_yaml("orgs.yaml")
    for entries in orgs.values():
        for item in entries or []:
            entry = GazetteerEntry(
                EntityType.ORG, f"org:{item['canonical'].lower()}", item["canonical"]
            )
            for alias in item.get("aliases") or []:
                gazetteer.setdefault(str(alias), entry)
    for item in read_yaml("people.yaml").get("people") or []:
        entry = GazetteerEntry(EntityType.PERSON, person_key(item["canonical"]), item["canonical"])
        for name in item.get("names") or []:
            gazetteer.setdefault(str(name), entry)
    for section, prefix in (("cities", "city"), ("regions", "place")):
        for item in places.get(section) or []:
            country = item.get("country") or None
            entry = GazetteerEntry(
                EntityType.LOCATION, f"{prefix}:{item['en'].lower()}", item["en"], country
            )
            for name in [item["en"], *(item.get("names") or [])]:
                gazetteer.setdefault(str(name), entry)
    for name, entry in list(gazetteer.items()):  # datelines and headlines: "ROMA", "REUTERS"
        if len(name) >= 4 and name.upper() != name:
            gazetteer.setdefault(name.upper(), entry)
    return gazetteer


@lru_cache(maxsize=8)
def given_names(lang: str) -> frozenset[str]:
    """Given names of many countries (``given_names.tsv.gz``, see build_given_names.py), except
    those that are also common words of ``lang`` ("Im" in German)."""
    with gzip.open(LEXICONS / "given_names.tsv.gz", "rt", encoding="utf-8") as handle:
        rows = (line.rstrip("\n").split("\t") for line in handle if not line.startswith("#"))
        next(rows)  # the header
        return frozenset(name for name, common in rows if lang not in common.split(","))

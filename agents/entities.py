"""The entity component ``newsstream_entities``: people, organisations and places, normalised.

It works without a trained model: a gazetteer (countries from CLDR, cities, regions, organisations;
data files under ``lexicons/``) matched with a ``PhraseMatcher``, then capitalised name sequences
typed by cues (role words before them, known first names, organisation and place head words,
acronyms), then bare surnames of people already found. A trained NER's ``doc.ents``, when the
pipeline has one, add what the rules miss. Every mention gets a canonical form and a key that facets
group on: ``country:KP`` for every language's "North Korea", the fullest mention for a person.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from agents.annotations import ENTITIES_KEY, Entity, EntityType

log = logging.getLogger(__name__)

LEXICONS = Path(__file__).resolve().parent / "lexicons"

NER_LABELS: dict[str, EntityType] = {
    "PER": EntityType.PERSON,
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORG,
    "LOC": EntityType.LOCATION,
    "GPE": EntityType.LOCATION,
    "FAC": EntityType.LOCATION,
    "NORP": EntityType.MISC,
}
"""Trained NER labels (OntoNotes, WikiNER, KIND) -> our types; others are dropped."""

QUOTE_OPENERS = frozenset("«“„\"'‹‘(:[—–-")
LOCATION_PREPOSITIONS: dict[str, frozenset[str]] = {
    "it": frozenset({"in", "a", "ad", "verso", "presso"}),
    "en": frozenset({"in", "near", "outside"}),
    "fr": frozenset({"à", "près"}),
    "de": frozenset(),  # German capitalises every noun: "in Gefahr" is no place
    "es": frozenset({"en", "cerca"}),
}
GERMAN_PARTICLES = frozenset({"von", "vom", "zu", "van", "de", "di", "da"})
NAME_INNER_PARTICLES = frozenset(
    {"de", "du", "des", "van", "von", "der", "den", "ter", "dos", "das"}
)
"""Particles inside a surname ("François Villeroy de Galhau"), after a first name only."""
TITLE_ARTICLES = frozenset(
    {"Il", "Lo", "La", "Le", "Les", "El", "Los", "Las", "The", "Der", "Die", "Das"}
)
COORDINATORS = frozenset({"e", "ed", "and", "et", "und", "y", "o", "or", "ou", "oder"})
PREPOSITION_FILLERS = frozenset(
    {
        "di",
        "del",
        "della",
        "dello",
        "dei",
        "degli",
        "delle",
        "dell'",
        "d'",
        "of",
        "the",
        "for",
        "de",
        "du",
        "des",
        "l'",
        "la",
        "le",
        "von",
        "der",
        "für",
        "los",
        "las",
        "el",
        "per",
        "pour",
        "para",
    }
)
"""After a role, these mean a portfolio follows ("ministro degli Esteri"), not a name."""
CAP_SEQUENCE_PERSON_LANGS = frozenset({"it", "en", "fr", "es"})
"""Languages where an unknown run of 2-3 capitalised words mid-sentence is most likely a name."""


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    type: EntityType
    key: str
    canonical: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Lexicons:
    """Everything read from ``lexicons/`` for one language."""

    gazetteer: dict[str, GazetteerEntry]  # surface form as written -> entry
    roles: frozenset[str]
    role_fillers: frozenset[str]
    particles: frozenset[str]
    first_names: frozenset[str]
    org_heads: frozenset[str]
    loc_heads: frozenset[str]
    connectors: frozenset[str]
    not_names: frozenset[str]
    not_acronyms: frozenset[str]
    place_nouns: frozenset[str]
    not_entity_after: frozenset[str]
    org_adjectives: frozenset[str]


def _read_yaml(name: str) -> Any:
    with (LEXICONS / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _lower_set(items: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(x).lower() for x in items)


def _country_names(lang: str) -> dict[str, GazetteerEntry]:
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
def load_lexicons(lang: str) -> Lexicons:
    """Read the data files once per language (cached for the process)."""
    gazetteer: dict[str, GazetteerEntry] = {}
    countries = _country_names(lang)
    english_country = {e.country: e.canonical for e in countries.values() if e.country}
    places = _read_yaml("places.yaml")
    for code, aliases in (places.get("country_aliases") or {}).items():
        canonical = english_country.get(code, code)
        for alias in aliases:
            gazetteer.setdefault(
                alias, GazetteerEntry(EntityType.LOCATION, f"country:{code}", canonical, code)
            )
    for name, entry in countries.items():
        gazetteer.setdefault(name, entry)
    orgs = _read_yaml("orgs.yaml")
    for entries in orgs.values():
        for item in entries or []:
            entry = GazetteerEntry(
                EntityType.ORG, f"org:{item['canonical'].lower()}", item["canonical"]
            )
            for alias in item.get("aliases") or []:
                gazetteer.setdefault(str(alias), entry)
    for item in _read_yaml("people.yaml").get("people") or []:
        entry = GazetteerEntry(
            EntityType.PERSON, f"person:{item['canonical'].lower()}", item["canonical"]
        )
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
    roles = _read_yaml("roles.yaml")
    cues = _read_yaml("cues.yaml")
    first_names = frozenset(
        line.strip()
        for line in (LEXICONS / "first_names.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return Lexicons(
        gazetteer=gazetteer,
        roles=_lower_set(roles["roles"].get(lang, [])),
        role_fillers=_lower_set(roles["role_fillers"].get(lang, [])),
        particles=_lower_set(roles["name_particles"]),
        first_names=first_names,
        org_heads=_lower_set(cues["org_heads"]),
        loc_heads=_lower_set(cues["loc_heads"]),
        connectors=_lower_set(cues["connectors"]),
        not_names=_lower_set(cues["not_names"]),
        not_acronyms=_lower_set(cues["not_acronyms"]),
        place_nouns=_lower_set(cues["place_nouns"]),
        not_entity_after=_lower_set(cues["not_entity_after"]),
        org_adjectives=_lower_set(cues["org_adjectives"]),
    )


def _words(doc: Doc) -> list[str]:
    """The token texts, built once per doc (walking a Doc's tokens is the costly part)."""
    words = doc.user_data.get("newsstream_words")
    if words is None or len(words) != len(doc):
        words = doc.user_data["newsstream_words"] = [t.text for t in doc]
    return words


def _lowers(doc: Doc) -> list[str]:
    """The tokens' ``lower_``, built once per doc (a lexeme's LOWER is ``text.lower()``)."""
    lowers = doc.user_data.get("newsstream_lowers")
    if lowers is None or len(lowers) != len(doc):
        lowers = doc.user_data["newsstream_lowers"] = [w.lower() for w in _words(doc)]
    return lowers


def _is_cap(token: Token) -> bool:
    return _is_cap_text(token.text)


@lru_cache(maxsize=65536)
def _is_cap_text(text: str) -> bool:
    return bool(text) and text[0].isupper() and any(ch.isalpha() for ch in text)


def _is_acronym(token: Token) -> bool:
    letters = [ch for ch in token.text if ch.isalpha()]
    return (
        2 <= len(letters) <= 6 and all(ch.isupper() for ch in letters) and token.text[0].isalpha()
    )


def _is_role(word: str, lex: Lexicons) -> bool:
    # compounds: "Außenministerin", "Regierungssprecher", "Entwicklungsministerin"
    return word in lex.roles or word.endswith(
        ("minister", "ministerin", "sprecher", "sprecherin", "präsident", "präsidentin")
    )


def _glued(a: Token, b: Token) -> bool:
    """``b`` follows ``a`` with no space between ("al-Assad", "Jean-Marc")."""
    return not a.whitespace_ and b.i == a.i + 1


class EntityRecognizer:
    """Gazetteer + cue rules (+ a trained NER when present) -> normalised PERSON/ORG/LOCATION."""

    def __init__(self, nlp: Language, name: str = "newsstream_entities", *, use_ner: bool = True):
        self.name = name
        self.lang = nlp.lang
        self.use_ner = use_ner
        self.lex = load_lexicons(self.lang)
        # German capitalises nouns: "Vorsitzende der Gewerkschaft" is no name, so no articles
        # German capitalises nouns: "Vorsitzende der Gewerkschaft" is no name, so no articles
        self.connectors = (
            frozenset({"für", "&"}) if self.lang == "de" else self.lex.connectors | COORDINATORS
        )
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        surfaces = list(self.lex.gazetteer)
        self.matcher.add("GAZETTEER", [nlp.make_doc(surface) for surface in surfaces])

    # -- candidate spans -------------------------------------------------------------------------

    def _gazetteer_spans(self, doc: Doc) -> list[Span]:
        spans = []
        for _, start, end in self.matcher(doc):
            span = doc[start:end]
            entry = self.lex.gazetteer.get(span.text)
            if entry is None:
                continue
            if start > 0 and _glued(doc[start - 1], doc[start]) and doc[start - 1].is_alpha:
                continue  # part of a longer word the tokenizer split
            if (
                end < len(doc)
                and doc[end].text == "-"
                and _glued(doc[end - 1], doc[end])
                and span.text.replace(".", "").isupper()
            ):
                continue  # "US-Mexico", "U.S.-Mexico": an abbreviation in a compound modifier
            spans.append(Span(doc, start, end, label=entry.type.value))
        return filter_spans(spans)

    def _ner_spans(self, doc: Doc) -> list[Span]:
        if not self.use_ner or not doc.has_annotation("ENT_IOB"):
            return []
        spans = []
        for ent in doc.ents:
            etype = NER_LABELS.get(ent.label_)
            if etype is None or etype is EntityType.MISC:
                continue
            trimmed = self._trim(ent)
            if trimmed is not None and len(trimmed):
                spans.append(Span(doc, trimmed.start, trimmed.end, label=etype.value))
        return spans

    def _trim(self, span: Span) -> Span | None:
        """Drop leading articles/titles a model includes ("il Cremlino" -> "Cremlino")."""
        start, end = span.start, span.end
        while start < end and (
            span.doc[start].lower_ in self.lex.not_names or not _is_cap(span.doc[start])
        ):
            start += 1
        while end > start and not span.doc[end - 1].text[:1].isalnum():
            end -= 1
        return span.doc[start:end] if end > start else None

    def _sentence_initial(self, token: Token) -> bool:
        if token.i == 0 or token.is_sent_start:
            return True
        prev = token.doc[token.i - 1]
        return prev.text in QUOTE_OPENERS or (prev.is_punct and prev.text in {".", "!", "?", "…"})

    def _chunks(self, doc: Doc, covered: set[int]) -> list[tuple[int, int]]:
        """Runs of capitalised tokens (with connectors, particles, hyphens) not already typed."""
        chunks = []
        # a capitalised token is rare: jump between them instead of walking every token
        words = _words(doc)
        capitalised = [i for i, word in enumerate(words) if word[:1].isupper() and i not in covered]
        i = 0
        for i_cap in capitalised:
            if i_cap < i or not _is_cap_text(words[i_cap]):
                continue
            i = i_cap
            j = i + 1
            while j < len(doc) and j not in covered:
                nxt = self._extend(doc, j, covered)
                if nxt is None:
                    break
                j = nxt
            chunks.append((i, j))
            i = j
        return chunks

    def _extend(self, doc: Doc, j: int, covered: set[int]) -> int | None:
        """Where a run of name tokens that reached token ``j`` continues to, or None to stop."""
        lex = self.lex
        words, lowers = _words(doc), _lowers(doc)

        def name_at(k: int) -> bool:
            return k < len(words) and k not in covered and _is_cap_text(words[k])

        if _is_cap_text(words[j]):
            return j + 1
        low = lowers[j]
        nxt = j + 1
        if words[j] == "-" and nxt < len(words):
            tok = doc[j]
            if (
                _glued(doc[j - 1], tok)
                and _glued(tok, doc[nxt])
                and doc[nxt].is_alpha
                and nxt not in covered
            ):
                return nxt + 1  # "Co-ordinating", "Jean-Marc"
        particle = low in lex.particles and (
            self.lang != "de" or (low in GERMAN_PARTICLES and words[j - 1] in lex.first_names)
        )
        if not (low in self.connectors or particle) or nxt >= len(words):
            return None
        if name_at(nxt):
            return nxt + 1
        second = lowers[nxt]
        if (second in self.connectors or (particle and second in lex.particles)) and name_at(
            nxt + 1
        ):
            return nxt + 2  # "per il", "of the", "de la", "von der"
        if low in lex.particles and words[nxt] == "-" and name_at(nxt + 1):
            return nxt + 2  # "al-Assad"
        return None

    def _role_before(self, doc: Doc, start: int) -> bool:
        """A role word ("ministro", "spokesman", "Sprecherin") a few words before ``start``."""
        k = start - 1
        skipped = 0
        words, lowers = _words(doc), _lowers(doc)
        while k >= 0 and skipped <= 4:
            low = lowers[k]
            if low in self.lex.roles:
                return True
            if low in PREPOSITION_FILLERS and not _is_cap_text(words[k]):
                return False
            if low in self.lex.role_fillers or (doc[k].is_punct and doc[k].text in {",", "-"}):
                k -= 1
                skipped += 1
                continue
            return _is_role(low, self.lex) or low.endswith("ministro")
        return False

    def _split_pieces(self, doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
        """Split a run at connectors that join two names ("Tajani e Meloni"), keeping particles
        that belong to a name ("von der Leyen", "Di Giacomo", "al-Assad")."""
        lex = self.lex
        pieces = []
        piece_start = start
        k = start
        while k < end:
            tok = doc[k]
            low = tok.lower_
            if (
                not _is_cap(tok)
                and tok.text != "-"
                and low not in {"al", "el", "bin", "ibn", "abu"}
            ):
                person_piece = doc[piece_start].text in lex.first_names
                next_is_name = (
                    k + 1 < end
                    and _is_cap(doc[k + 1])
                    and doc[k + 1].lower_ not in lex.org_heads
                    and doc[k + 1].lower_ not in lex.not_names
                )
                keep = (
                    low in {"von", "van", "der", "den", "ter", "zu", "dos", "das"}
                    or (low in lex.particles and k - piece_start == 1 and person_piece)
                    or (low in NAME_INNER_PARTICLES and person_piece and next_is_name)
                )
                if not keep:
                    if k > piece_start:
                        pieces.append((piece_start, k))
                    piece_start = k + 1
            k += 1
        if piece_start < end:
            pieces.append((piece_start, end))
        return pieces

    def _classify(self, doc: Doc, start: int, end: int) -> Span | None:
        lex = self.lex
        words = [t for t in doc[start:end] if _is_cap(t)]
        lowers = set(_lowers(doc)[start:end])
        if lowers & lex.org_heads and (
            len(words) >= 2
            or (
                self.lang != "de"  # "la Regione", "la Procura": one specific body
                and words[0].lower_ not in lex.not_names
                and not self._sentence_initial(words[0])
            )
        ):
            return Span(doc, start, end, label=EntityType.ORG.value)
        if lowers & lex.loc_heads and len(words) >= 2:
            return Span(doc, start, end, label=EntityType.LOCATION.value)
        first = doc[start]
        prepositions = LOCATION_PREPOSITIONS.get(str(self.lang), frozenset())
        if (
            start > 0
            and doc[start - 1].lower_ in prepositions
            and len(words) <= 4
            and first.text not in lex.first_names
            and not first.is_upper
            and not self._role_before(doc, start)
            and not any(t.lower_ in lex.not_names for t in words)
        ):  # "a Torre del Greco", "in Belgorod"
            return Span(doc, start, end, label=EntityType.LOCATION.value)
        pieces = self._split_pieces(doc, start, end)
        if len(pieces) != 1 or pieces[0] != (start, end):
            return None  # caller classifies the pieces
        if first.text in lex.first_names and len(words) >= 2:
            return Span(doc, start, end, label=EntityType.PERSON.value)
        if self._role_before(doc, start) and len(words) <= 4 and not first.is_upper:
            return Span(doc, start, end, label=EntityType.PERSON.value)
        if (
            len(words) == 1
            and _is_acronym(first)
            and first.lower_ not in lex.not_acronyms
            and not self._shouting(doc, start)
            and not (end < len(doc) and doc[end].text == "-" and _glued(first, doc[end]))
        ):
            return Span(doc, start, end, label=EntityType.ORG.value)
        if self._sentence_initial(first):
            return None
        if any(t.lower_ in lex.not_names for t in words):
            return None
        if self._place_context(doc, start, end) and not any(t.is_upper for t in words):
            return Span(doc, start, end, label=EntityType.LOCATION.value)
        if 2 <= len(words) <= 4 and any(t.lower_ in lex.org_adjectives for t in words):
            return Span(doc, start, end, label=EntityType.ORG.value)  # "Audiencia Nacional"
        if (
            self.lang in CAP_SEQUENCE_PERSON_LANGS
            and 2 <= len(words) <= 3
            and all(not t.is_upper for t in words)
            and any(t.whitespace_ for t in doc[start : end - 1])  # "Proche-Orient" is one word
        ):
            return Span(doc, start, end, label=EntityType.PERSON.value)
        return None

    def _shouting(self, doc: Doc, i: int) -> bool:
        """Inside an all-caps stretch (a headline or dateline), capitals say nothing."""
        window = [t for t in doc[max(0, i - 3) : i + 4] if t.is_alpha and t.i != i]
        return bool(window) and sum(t.is_upper for t in window) >= max(2, len(window) - 1)

    def _trim_chunk(self, doc: Doc, start: int, end: int) -> tuple[int, int]:
        """Drop a sentence-initial common word ("Dopo", "Secondo") and trailing non-names."""
        lex = self.lex
        words, lowers = _words(doc), _lowers(doc)
        while start < end and (
            lowers[start] in lex.not_names
            or (
                end - start > 1
                and words[start] not in lex.first_names
                and lowers[start] not in lex.roles
                and not _is_cap_text(words[start + 1])
                and self._sentence_initial(doc[start])
            )
        ):
            start += 1
        while start < end and not _is_cap_text(words[start]):
            start += 1
        while end > start and not _is_cap_text(words[end - 1]):
            end -= 1
        return start, end

    def _coordinated_parts(self, doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
        """Split "Tajani e Meloni" in two, but keep one organisation whose head comes last:
        "Disaster and Emergency Management Agency", "Federation of Red Cross and ... Societies"."""
        cuts = [
            k for k in range(start, end) if doc[k].lower_ in COORDINATORS and not _is_cap(doc[k])
        ]
        if not cuts:
            return [(start, end)]
        bounds = [start, *cuts, end]
        parts = [(bounds[0], bounds[1])] + [
            (bounds[i] + 1, bounds[i + 1]) for i in range(1, len(bounds) - 1)
        ]
        heads = [any(doc[k].lower_ in self.lex.org_heads for k in range(a, b)) for a, b in parts]
        if heads[-1] and not any(heads[:-1]):
            return [(start, end)]
        return [(a, b) for a, b in parts if a < b]

    def _split_person_of_org(self, doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
        """ "Dan Ives of Wedbush Securities", "Mario Rossi della Banca Alpina": a person, then
        the organisation they speak for."""
        if doc[start].text not in self.lex.first_names:
            return [(start, end)]
        for k in range(start + 2, end - 1):
            if _is_cap(doc[k]) or doc[k].lower_ not in self.lex.connectors:
                continue
            rest = range(k + 1, end)
            if any(doc[i].lower_ in self.lex.org_heads for i in rest):
                return [(start, k), (k + 1, end)]
            return [(start, end)]
        return [(start, end)]

    def _is_titled_name(self, doc: Doc, start: int, end: int) -> bool:
        """A capitalised article inside a sentence starts a newspaper's or a company's name:
        "ha scritto Il Manifesto", "informó El Financiero", "told The Guardian"."""
        if _words(doc)[start] not in TITLE_ARTICLES:
            return False  # the common case: no article, no need to look further
        words = [t for t in doc[start:end] if _is_cap(t)]
        return (
            not self._sentence_initial(doc[start])
            and doc[start - 1].lower_ not in LOCATION_PREPOSITIONS.get(str(self.lang), ())
            and 2 <= len(words) <= 3
            and all(not t.is_upper for t in words[1:])
            and not any(t.lower_ in self.lex.not_names for t in words[1:])
        )

    def _is_title(self, doc: Doc, start: int, end: int) -> bool:
        """A role and its portfolio ("Presidente del Consiglio", "Secretary of State",
        "ministre de l'Intérieur") is a title, not a name."""
        return (
            end - start > 1
            and _is_role(doc[start].lower_, self.lex)
            and not _is_cap(doc[start + 1])
        )

    def _strip_roles(self, doc: Doc, start: int, end: int) -> int:
        """Leading role words in a capitalised run ("Entwicklungsministerin Reem Alabali-Radovan",
        "Senate Majority Leader John Thune"), unless the run is an organisation's name."""
        if any(doc[k].lower_ in self.lex.org_heads for k in range(start, end)):
            return start
        while end - start > 1 and _is_cap(doc[start + 1]) and _is_role(doc[start].lower_, self.lex):
            start += 1
        return start

    def _split_at_first_names(self, doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
        """A known first name inside a run starts a new name: "degli Esteri Antonio Tajani",
        "Air Force Brigadier General Patrick Ryder"; role words before it are dropped."""
        lex = self.lex
        for k in range(start + 1, end):
            prev = doc[k - 1]
            if (
                doc[k].text in lex.first_names
                and _is_cap(prev)
                and prev.text not in lex.first_names
                and prev.lower_ not in lex.particles  # "Di Giacomo" is a surname
            ):
                left_end = k
                while left_end > start and doc[left_end - 1].lower_ in lex.roles:
                    left_end -= 1
                left = [(start, left_end)] if left_end > start else []
                return [*left, (k, end)]
        return [(start, end)]

    def _place_context(self, doc: Doc, start: int, end: int) -> bool:
        """ "the Pazarcik district", "provincia di Foggia", "city of Kharkiv"."""
        nouns = self.lex.place_nouns
        words, lowers = _words(doc), _lowers(doc)
        if end < len(words) and lowers[end] in nouns and not _is_cap_text(words[end]):
            return True
        return (
            start >= 2 and lowers[start - 1] in self.lex.connectors and lowers[start - 2] in nouns
        )

    def _rule_spans(self, doc: Doc, covered: set[int], known: list[Span]) -> list[Span]:
        spans: list[Span] = []
        label_ending_at = {s.end: s.label_ for s in known}

        def add(span: Span) -> None:
            spans.append(span)
            label_ending_at[span.end] = span.label_

        for chunk in self._chunks(doc, covered):
            if self._is_titled_name(doc, *chunk):  # "Il Manifesto", "El Financiero"
                add(Span(doc, chunk[0], chunk[1], label=EntityType.ORG.value))
                continue
            chunk_start, chunk_end = self._trim_chunk(doc, *chunk)
            if chunk_start >= chunk_end:
                continue
            for part_start, part_end in self._coordinated_parts(doc, chunk_start, chunk_end):
                part_start, part_end = self._trim_chunk(doc, part_start, part_end)
                if part_start >= part_end:
                    continue
                part_start = self._strip_roles(doc, part_start, part_end)
                if (
                    part_end - part_start > 1
                    and doc[part_start].lower_ in self.lex.place_nouns
                    and _is_cap(doc[part_start])
                ):  # German "Provinz Kunar", "Stadt Köln"
                    add(Span(doc, part_start + 1, part_end, label=EntityType.LOCATION.value))
                    continue
                if (
                    part_start >= 2
                    and doc[part_start - 1].lower_ in COORDINATORS
                    and label_ending_at.get(part_start - 1) == EntityType.LOCATION.value
                    and self._classify(doc, part_start, part_end) is None
                    and not self._sentence_initial(doc[part_start])
                ):  # "a Lampedusa e Augusta"
                    add(Span(doc, part_start, part_end, label=EntityType.LOCATION.value))
                    continue
                named = [
                    piece
                    for bounds in self._split_at_first_names(doc, part_start, part_end)
                    for piece in self._split_person_of_org(doc, *bounds)
                ]
                for start, end in named:
                    start, end = self._trim_chunk(doc, start, end)
                    if start >= end or self._is_title(doc, start, end):
                        continue
                    typed = self._classify(doc, start, end)
                    if typed is not None:
                        add(typed)
                        continue
                    for p_start, p_end in self._split_pieces(doc, start, end):
                        if (p_start, p_end) == (start, end):
                            continue
                        p_start, p_end = self._trim_chunk(doc, p_start, p_end)
                        if p_start < p_end and (piece := self._classify(doc, p_start, p_end)):
                            add(piece)
        return spans

    def _org_over_places(self, doc: Doc, spans: list[Span]) -> list[Span]:
        """Organisation names that contain a place ("Syria Civil Defense", "Bank of England",
        "Coordinamento per il Mediterraneo") win over the place: nested names aren't entities."""
        places = {
            i for s in spans if s.label_ == EntityType.LOCATION.value for i in range(s.start, s.end)
        }
        others = {
            i for s in spans if s.label_ != EntityType.LOCATION.value for i in range(s.start, s.end)
        }
        if not places:
            return spans
        orgs = []
        for chunk_start, chunk_end in self._chunks(doc, others):
            if chunk_end - chunk_start < 2 or not any(
                i in places for i in range(chunk_start, chunk_end)
            ):
                continue  # the common case: no place inside, nothing to decide
            chunk_start, chunk_end = self._trim_chunk(doc, chunk_start, chunk_end)
            if chunk_start >= chunk_end:
                continue
            start, end = self._coordinated_parts(doc, chunk_start, chunk_end)[0]
            start, end = self._split_at_first_names(doc, start, end)[0]
            start, end = self._trim_chunk(doc, start, end)
            if self._is_title(doc, start, end):
                continue
            tokens = range(start, end)
            if not places & set(tokens) or places >= set(tokens):
                continue
            heads = [i for i in tokens if doc[i].lower_ in self.lex.org_heads and i not in places]
            caps = [i for i in tokens if _is_cap(doc[i])]
            if heads and len(caps) >= 2:
                orgs.append(Span(doc, start, end, label=EntityType.ORG.value))
        if not orgs:
            return spans
        taken = {i for s in orgs for i in range(s.start, s.end)}
        kept = [s for s in spans if not taken & set(range(s.start, s.end))]
        return kept + orgs

    def _surname_spans(self, doc: Doc, persons: list[Span], covered: set[int]) -> list[Span]:
        """Bare surnames ("Zelensky", "Di Giacomo") of people named in full elsewhere."""
        surnames: set[tuple[str, ...]] = set()
        for span in persons:
            tokens = [t.text for t in span if t.text != "-"]
            if len(tokens) >= 2:
                surnames.add((tokens[-1],))
                if len(tokens) >= 3:
                    surnames.add(tuple(tokens[1:]))
                    surnames.add(tuple(tokens[-2:]))
        if not surnames:
            return []
        starts = {name[0] for name in surnames}
        words = _words(doc)
        spans = []
        i = 0
        while i < len(words):
            if words[i] in starts and _is_cap(doc[i]):
                for size in (3, 2, 1):
                    window = tuple(words[i : i + size])
                    if (
                        len(window) == size
                        and window in surnames
                        and not any(k in covered for k in range(i, i + size))
                    ):
                        spans.append(Span(doc, i, i + size, label=EntityType.PERSON.value))
                        i += size - 1
                        break
            i += 1
        return spans

    def _names_a_thing(self, span: Span) -> bool:
        """ "la nave Canarias", "operazione Sophia", "hurricane Milton": ships, operations and
        storms named after places and people are not entities."""
        return span.start > 0 and span.doc[span.start - 1].lower_ in self.lex.not_entity_after

    # -- normalisation ---------------------------------------------------------------------------

    def _normalise(self, spans: list[Span]) -> list[Entity]:
        persons = [s for s in spans if s.label_ == EntityType.PERSON.value]
        entities = []
        for span in spans:
            etype = EntityType(span.label_)
            entry = self.lex.gazetteer.get(span.text)
            if entry is not None and entry.type is etype:
                canonical, key, country = entry.canonical, entry.key, entry.country
            elif etype is EntityType.PERSON:
                canonical = self._fullest(span, persons)
                key, country = f"person:{canonical.lower()}", None
            else:
                canonical = (
                    span.text.title() if span.text.isupper() and len(span.text) > 6 else span.text
                )
                prefix = "org" if etype is EntityType.ORG else "place"
                key, country = f"{prefix}:{canonical.lower()}", None
            entity = Entity(
                text=span.text,
                type=etype,
                start=span.start_char,
                end=span.end_char,
                canonical=canonical,
                key=key,
                country=country,
            )
            span._.entity = entity
            entities.append(entity)
        return entities

    @staticmethod
    def _fullest(span: Span, persons: list[Span]) -> str:
        words = [t.text for t in span if t.text != "-"]
        best = span.text
        best_len = len(words)
        for other in persons:
            other_words = [t.text for t in other if t.text != "-"]
            if len(other_words) > best_len and other_words[-len(words) :] == words:
                best, best_len = other.text, len(other_words)
        return best

    # -- the component ---------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        spans = self._org_over_places(doc, self._gazetteer_spans(doc))
        covered = {i for s in spans for i in range(s.start, s.end)}
        for span in self._ner_spans(doc):
            if not covered & set(range(span.start, span.end)):
                spans.append(span)
                covered.update(range(span.start, span.end))
        rules = self._rule_spans(doc, covered, spans)
        spans.extend(rules)
        covered.update(i for s in rules for i in range(s.start, s.end))
        persons = [s for s in spans if s.label_ == EntityType.PERSON.value]
        spans.extend(self._surname_spans(doc, persons, covered))
        spans = sorted(
            (s for s in filter_spans(spans) if not self._names_a_thing(s)), key=lambda s: s.start
        )
        doc.user_data.pop("newsstream_words", None)
        doc.user_data.pop("newsstream_lowers", None)
        doc.spans[ENTITIES_KEY] = spans
        doc._.entities = self._normalise(spans)
        try:
            doc.ents = spans
        except ValueError:  # a component before us set conflicting ents; keep theirs
            log.debug("could not set doc.ents")
        return doc


@Language.factory(
    "newsstream_entities",
    assigns=["doc.spans", "doc._.entities", "span._.entity", "doc.ents"],
    default_config={"use_ner": True},
)
def make_entity_recognizer(nlp: Language, name: str, use_ner: bool) -> EntityRecognizer:
    return EntityRecognizer(nlp, name, use_ner=use_ner)

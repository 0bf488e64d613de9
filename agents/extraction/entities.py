"""The entity component ``newsstream_entities``: people, organisations and places, normalised.

It works without a trained model: a gazetteer (countries from CLDR, cities, regions, organisations;
data files under ``lexicons/``) matched with a ``PhraseMatcher``, then capitalised name sequences
typed by cues (role words before them, known first names, organisation and place head words,
acronyms), then bare surnames of people already found. A trained NER's ``doc.ents``, when the
pipeline has one, add what the rules miss. Every mention gets a canonical form and a key that facets
group on: ``country:KP`` for every language's "North Korea", the fullest mention for a person.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, pairwise
from operator import itemgetter
from typing import Any

from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import StringStore
from spacy.tokens import Doc, Span

from agents.extraction.annotations import ENTITIES_KEY, Entity, EntityType
from agents.extraction.gazetteer import (
    LEXICONS,
    GazetteerEntry,
    build_gazetteer,
    given_names,
    read_yaml,
)
from agents.extraction.names import person_key
from agents.extraction.place_gazetteer import PLACE_KEY_PREFIXES, place_names

log = logging.getLogger(__name__)

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
TOWN_PREPOSITIONS: dict[str, frozenset[str]] = {
    "it": frozenset({"da", "fino"}),
    "en": frozenset({"from", "to"}),
    "fr": frozenset({"de", "depuis", "vers"}),
    "de": frozenset({"in", "nach", "aus", "bei", "von"}),
    "es": frozenset({"de", "desde", "hacia"}),
}
"""Prepositions of place and motion that, before a known town's name, make it the town ("da
Parma a Reggio", "from Hope to", "in Hof", "nach Essen"): enough in German too, where they do not
type an unknown capitalised noun ("in Gefahr")."""
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
PORTFOLIO_LINKS = frozenset({"allo", "alla", "al", "ai", "agli", "alle", "all'", "à", "a"})
"""Prepositions with an article between a role and its portfolio ("assessore allo Sviluppo")."""
CAP_SEQUENCE_PERSON_LANGS = frozenset({"it", "en", "fr", "es"})
"""Languages where an unknown run of 2-3 capitalised words mid-sentence is most likely a name."""


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
    outlet_nouns: frozenset[str]
    not_entity_after: frozenset[str]
    org_adjectives: frozenset[str]
    portfolio_bodies: frozenset[str]
    feature_nouns: frozenset[str]
    federal_prefixes: tuple[str, ...]
    tail_adjectives: tuple[str, ...]
    """Endings of adjectives that go on a body's name after its head (none: the language
    capitalises every word of a name)."""
    tail_nationalities: tuple[str, ...]
    tail_participles: tuple[str, ...]
    tail_verb_lemmas: tuple[str, ...]
    ambiguous_places: frozenset[str]
    """Town names that are also common words or first names ("Noto"): places only in context."""
    place_lengths: dict[str, int]
    """The generated place names by first word: the most tokens a name starting with it has."""


DATELINE_POPULATION = 50_000
"""Towns this big also match in capitals ("ESSEN", "CÁDIZ"): datelines name the bigger ones."""


def _lower_set(items: Iterable[Any]) -> frozenset[str]:
    return frozenset(str(x).lower() for x in items)


@lru_cache(maxsize=1)
def org_kinds() -> dict[str, str]:
    """The section orgs.yaml lists each organisation under, by key: "org:siemens" ->
    "company", "org:nato" -> "intl"."""
    return {
        f"org:{item['canonical'].lower()}": kind
        for kind, entries in read_yaml("orgs.yaml").items()
        for item in entries or []
    }


@lru_cache(maxsize=16)
def load_lexicons(lang: str) -> Lexicons:
    """Read the data files once per language (cached for the process)."""
    # a copy: build_gazetteer's dict is cached and shared with the command line's resolver
    gazetteer = dict(build_gazetteer(lang))
    ambiguous: set[str] = set()
    place_lengths: dict[str, int] = {}
    place_entries: dict[str, GazetteerEntry] = {}  # one per place, shared by its names
    for place in place_names(lang):
        if place.name in gazetteer:
            continue  # hand-written and CLDR names come first
        entry = place_entries.get(place.key) or place_entries.setdefault(
            place.key,
            GazetteerEntry(EntityType.LOCATION, place.key, place.canonical, place.country),
        )
        forms = [place.name]
        if place.ambiguous:
            ambiguous.add(place.name)
        elif place.population >= DATELINE_POPULATION and len(place.name) >= 4:
            forms.append(place.name.upper())
        for form in forms:
            if gazetteer.setdefault(form, entry) is entry:
                first, pieces = _first_word(form), len(TOKEN_PIECES.findall(form))
                place_lengths[first] = max(place_lengths.get(first, 0), pieces)
    roles = read_yaml("roles.yaml")
    cues = read_yaml("cues.yaml")
    tail = cues["name_tail_adjectives"].get(lang) or {}
    listed = frozenset(
        line.strip()
        for line in (LEXICONS / "first_names.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    # the dictionary's names, but not those that start a place's name ("San", "Santa", "Paris"):
    # there the place is likelier, and the listed names already hold the common exceptions
    place_words = place_lengths.keys() | {_first_word(name) for name in gazetteer}
    first_names = listed | (given_names(lang) - place_words)
    return Lexicons(
        gazetteer=gazetteer,
        roles=_lower_set(roles["roles"].get(lang, [])),
        role_fillers=_lower_set(roles["role_fillers"].get(lang, [])),
        particles=_lower_set(roles["name_particles"]),
        first_names=first_names,
        org_heads=frozenset(
            head + ending
            for head in _lower_set(cues["org_heads"])
            for ending in ("", *cues["head_genitive_endings"].get(lang, []))
        ),
        loc_heads=_lower_set(cues["loc_heads"]),
        connectors=_lower_set(cues["connectors"]),
        not_names=_lower_set(cues["not_names"]),
        not_acronyms=_lower_set(cues["not_acronyms"]),
        place_nouns=_lower_set(cues["place_nouns"]),
        outlet_nouns=_lower_set(cues["outlet_nouns"]),
        not_entity_after=_lower_set(cues["not_entity_after"]),
        org_adjectives=_lower_set(cues["org_adjectives"]),
        portfolio_bodies=_lower_set(cues["portfolio_bodies"]),
        feature_nouns=_lower_set(cues["feature_nouns"]),
        federal_prefixes=tuple(sorted(_lower_set(cues["federal_prefixes"]))),
        tail_adjectives=tuple(tail.get("endings", [])),
        tail_nationalities=tuple(tail.get("nationality_endings", [])),
        tail_participles=tuple(tail.get("participle_endings", [])),
        tail_verb_lemmas=tuple(tail.get("verb_lemma_endings", [])),
        ambiguous_places=frozenset(ambiguous),
        place_lengths=place_lengths,
    )


Bounds = tuple[int, int]
"""A run of tokens ``[start, end)``."""
Mention = tuple[int, int, EntityType]
"""A typed run of tokens; ``Span`` objects, costly to make, are made for the final mentions only."""

SENTENCE_END_MARKS = frozenset({".", "!", "?", "…"})
ROLE_GAP_MARKS = frozenset({",", "-"})
"""Punctuation between a role and a name: "ministro, Antonio Tajani", "spokesman - John Kirby"."""


WordInfo = tuple[str, str, bool]
"""A token text as written, lower-cased (what spaCy's ``LOWER`` is), and whether capitalised."""


class _WordsByOrth:
    """``WordInfo`` by ORTH id, kept across documents so that a document's ORTH array maps to it
    at C speed. An ORTH id is the hash of the text, the same in every ``Vocab``: unseen ones are
    learnt from the document's own ``StringStore``. Emptied when it outgrows ``LIMIT`` entries (a
    stream's vocabulary keeps growing)."""

    LIMIT = 1 << 20

    def __init__(self) -> None:
        self.info: dict[int, WordInfo] = {}

    def infos(self, orths: list[int], strings: StringStore) -> list[WordInfo]:
        try:
            return list(map(self.info.__getitem__, orths))
        except KeyError:  # words not seen before
            self._learn(orths, strings)
            return list(map(self.info.__getitem__, orths))

    def _learn(self, orths: list[int], strings: StringStore) -> None:
        if len(self.info) >= self.LIMIT:
            self.info.clear()
        for orth in orths:
            if orth not in self.info:
                text = strings[orth]
                self.info[orth] = (text, text.lower(), _is_cap_text(text))


class _Tokens:
    """A document's token texts (as written and lower-cased) and spacing, read once per call from
    spaCy's C arrays (walking ``Token`` objects costs more than all the rules together), and where
    its capitalised tokens are. A lexeme's ``is_alpha`` and ``is_upper`` are ``str.isalpha`` and
    ``str.isupper`` of its text, so the rules read those off ``words`` too."""

    __slots__ = ("cap_positions", "capitalised", "doc", "lowers", "spaces", "words")

    def __init__(self, doc: Doc, words_by_orth: _WordsByOrth) -> None:
        self.doc = doc
        self.words: tuple[str, ...] = ()
        self.lowers: tuple[str, ...] = ()
        self.spaces: list[int] = []  # 1 where whitespace follows the token
        self.cap_positions: list[int] = []
        if len(doc):
            orths, self.spaces = doc.to_array([ORTH, SPACY]).T.tolist()
            # one dict lookup per token, then transposed in C
            self.words, self.lowers, is_cap = zip(
                *words_by_orth.infos(orths, doc.vocab.strings), strict=True
            )
            self.cap_positions = list(compress(range(len(is_cap)), is_cap))
        self.capitalised = frozenset(self.cap_positions)

    def text(self, start: int, end: int) -> str:
        """``doc[start:end].text``, without making the ``Span``."""
        words, spaces = self.words, self.spaces
        last = end - 1
        if start == last:  # most names are one word
            return words[last]
        spaced = [words[k] + " " if spaces[k] else words[k] for k in range(start, last)]
        return "".join(spaced) + words[last]

    def name_words(self, start: int, end: int) -> list[str]:
        """The words of a name, without its hyphens ("Jean-Marc" -> "Jean", "Marc")."""
        return [word for word in self.words[start:end] if word != "-"]

    def sentence_initial(self, i: int) -> bool:
        if i == 0 or self.doc[i].is_sent_start:
            return True
        prev = self.words[i - 1]  # the end marks are punctuation: no need to ask the lexeme
        if prev.isspace():  # a paragraph break ("verurteilt.\n\nDie Richter") starts one too
            return "\n" in prev or self.sentence_initial(i - 1)
        return prev in QUOTE_OPENERS or prev in SENTENCE_END_MARKS

    def shouting(self, i: int) -> bool:
        """Inside an all-caps stretch (a headline or dateline), capitals say nothing."""
        first = max(0, i - 3)
        window = [
            word
            for k, word in enumerate(self.words[first : i + 4], start=first)
            if word.isalpha() and k != i
        ]
        return bool(window) and sum(word.isupper() for word in window) >= max(2, len(window) - 1)


def _is_cap_text(text: str) -> bool:
    return bool(text) and text[0].isupper() and any(ch.isalpha() for ch in text)


FIRST_WORD = re.compile(r"[^\W\d_]+")
TOKEN_PIECES = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
"""A name's words, digits and marks: at least as many pieces as the tokenizer makes of it."""


def _first_word(text: str) -> str:
    """The letters a name or token starts with ("L'Aquila" and the token "L'" -> "L")."""
    match = FIRST_WORD.match(text)
    return match.group() if match else text


@lru_cache(maxsize=65536)
def _is_acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return 2 <= len(letters) <= 6 and all(ch.isupper() for ch in letters) and word[0].isalpha()


def _is_role(word: str, lex: Lexicons) -> bool:
    # compounds: "Außenministerin", "Regierungssprecher", "Entwicklungsministerin"
    return word in lex.roles or word.endswith(
        ("minister", "ministerin", "sprecher", "sprecherin", "präsident", "präsidentin")
    )


def _tokens_of(mentions: Iterable[Mention]) -> set[int]:
    return {i for start, end, _ in mentions for i in range(start, end)}


def _longest_first(mentions: Iterable[Mention]) -> list[Mention]:
    """spaCy's ``filter_spans`` on mentions: of overlapping ones the (first) longest wins; in
    text order."""
    in_order = sorted(mentions, key=itemgetter(0))
    if all(left[1] <= right[0] for left, right in pairwise(in_order)):
        return in_order  # the common case: none overlap, all are kept
    by_length = sorted(in_order, key=lambda m: (m[1] - m[0], -m[0]), reverse=True)
    kept = []
    seen: set[int] = set()
    for start, end, etype in by_length:
        if start not in seen and end - 1 not in seen:
            kept.append((start, end, etype))
            seen.update(range(start, end))
    return sorted(kept, key=itemgetter(0))


class EntityRecognizer:
    """Gazetteer + cue rules (+ a trained NER when present) -> normalised PERSON/ORG/LOCATION."""

    def __init__(self, nlp: Language, name: str = "newsstream_entities", *, use_ner: bool = True):
        self.name = name
        self.lang = nlp.lang
        self.use_ner = use_ner
        self.lex = load_lexicons(self.lang)
        # German capitalises nouns: "Vorsitzende der Gewerkschaft" is no name, so no articles
        self.connectors = (
            frozenset({"für", "&"}) if self.lang == "de" else self.lex.connectors | COORDINATORS
        )
        self.prepositions = LOCATION_PREPOSITIONS.get(str(self.lang), frozenset())
        self.town_prepositions = self.prepositions | TOWN_PREPOSITIONS.get(
            str(self.lang), frozenset()
        )
        self.joiners = self.connectors | self.lex.particles | {"-"}
        """What can continue a run of names: a connector, a particle or a hyphen."""
        self.words_by_orth = _WordsByOrth()
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        # the generated town and subdivision names are looked up by ``_place_spans``: a
        # ``PhraseMatcher`` over 80,000 names costs a second's tokenising and 300 MB per language
        surfaces = [
            name
            for name, entry in self.lex.gazetteer.items()
            if not entry.key.startswith(PLACE_KEY_PREFIXES)
        ]
        self.matcher.add("GAZETTEER", [nlp.make_doc(surface) for surface in surfaces])

    # -- candidate mentions ----------------------------------------------------------------------

    def _gazetteer_mentions(self, tokens: _Tokens) -> list[Mention]:
        words, spaces = tokens.words, tokens.spaces
        mentions: list[Mention] = []
        found = [(start, end) for _, start, end in self.matcher(tokens.doc)]
        found.extend(self._place_spans(tokens))
        found.sort(key=lambda bounds: (bounds[0], -bounds[1]))
        for start, end in found:
            text = tokens.text(start, end)
            entry = self.lex.gazetteer.get(text)
            if entry is None:
                continue
            if start > 0 and not spaces[start - 1] and words[start - 1].isalpha():
                continue  # part of a longer word the tokenizer split
            if (
                end < len(words)
                and words[end] == "-"
                and not spaces[end - 1]
                and text.replace(".", "").isupper()
            ):
                continue  # "US-Mexico", "U.S.-Mexico": an abbreviation in a compound modifier
            if entry.key.startswith(PLACE_KEY_PREFIXES) and self._inside_longer_name(
                tokens, start, end
            ):
                continue
            if text in self.lex.ambiguous_places and not self._expects_place(
                tokens, start, end, mentions
            ):
                continue
            mentions.append((start, end, entry.type))
        return _longest_first(mentions)

    def _place_spans(self, tokens: _Tokens) -> list[Bounds]:
        """Where a generated town or subdivision name starts at a capitalised token: its first
        word says how many tokens the longest such name can have, then the longest text that is
        a name wins ("Castelnuovo di Garfagnana" over "Castelnuovo")."""
        lengths, words = self.lex.place_lengths, tokens.words
        size = len(words)
        spans = []
        for i in tokens.cap_positions:
            longest = lengths.get(_first_word(words[i]))
            if longest is None:
                continue
            for end in range(min(size, i + longest), i, -1):
                if tokens.text(i, end) in self.lex.gazetteer:
                    spans.append((i, end))
                    break
        return spans

    def _inside_longer_name(self, tokens: _Tokens, start: int, end: int) -> bool:
        """A town's name with another name glued to it is part of that longer name: a person's
        ("Tim Nixon", "Michele De Palma", "Lorena Hernández") or a company's ("Thomson
        Reuters", "Exxon Mobil"). Only a common word before it ("Dopo Parma") or a place's
        article ("La Palma", in the name already) leaves it alone."""
        words, lowers, capitalised = tokens.words, tokens.lowers, tokens.capitalised
        if (
            start > 0
            and start - 1 in capitalised
            and not tokens.sentence_initial(start - 1)
            and lowers[start - 1] not in self.lex.not_names
            and words[start - 1] not in QUOTE_OPENERS
        ):
            return True
        return (
            end < len(words)
            and end in capitalised
            and words[end].isalpha()
            and not words[end].isupper()
            and lowers[end] not in self.lex.not_names
            and lowers[end] not in self.lex.place_nouns
        )

    def _expects_place(self, tokens: _Tokens, start: int, end: int, before: list[Mention]) -> bool:
        """Whether a town named like a common word or a first name stands where a place is
        expected: after a locative preposition ("a Noto", "in Essen"), after a place noun ("il
        comune di Noto", "die Stadt Hof"), in a list after a place ("a Ragusa, Noto e Modica") or
        before its province in brackets ("Noto (Siracusa)")."""
        words, lowers = tokens.words, tokens.lowers
        if tokens.sentence_initial(start):
            return False
        prev = lowers[start - 1]
        if prev in self.town_prepositions or prev in self.lex.place_nouns:
            return True
        if start >= 2 and prev in self.lex.connectors and lowers[start - 2] in self.lex.place_nouns:
            return True
        if (prev == "," or prev in COORDINATORS) and any(
            m[1] == start - 1 and m[2] is EntityType.LOCATION for m in before
        ):
            return True
        if end + 2 < len(words) and words[end] == "(" and words[end + 2] == ")":
            entry = self.lex.gazetteer.get(words[end + 1])
            return entry is not None and entry.type is EntityType.LOCATION
        return False

    def _ner_mentions(self, tokens: _Tokens) -> list[Mention]:
        if not self.use_ner:
            return []
        mentions: list[Mention] = []
        for ent in tokens.doc.ents:  # none without entity annotation
            etype = NER_LABELS.get(ent.label_)
            if etype is None or etype is EntityType.MISC:
                continue
            trimmed = self._trim(tokens, ent.start, ent.end)
            if trimmed is not None:
                mentions.append((*trimmed, etype))
        return mentions

    def _trim(self, tokens: _Tokens, start: int, end: int) -> Bounds | None:
        """Drop leading articles/titles a model includes ("il Cremlino" -> "Cremlino")."""
        words, lowers = tokens.words, tokens.lowers
        while start < end and (
            lowers[start] in self.lex.not_names or start not in tokens.capitalised
        ):
            start += 1
        while end > start and not words[end - 1][:1].isalnum():
            end -= 1
        return (start, end) if end > start else None

    def _chunks(
        self, tokens: _Tokens, covered: set[int], starts: list[int] | None = None
    ) -> list[Bounds]:
        """Runs of capitalised tokens (with connectors, particles, hyphens) not already typed;
        those from ``starts`` only when given (see ``_run_starts_around``)."""
        chunks = []
        size = len(tokens.words)
        end = 0
        # a capitalised token is rare: jump between them instead of walking every token
        for start in tokens.cap_positions if starts is None else starts:
            if start < end or start in covered:
                continue
            end = start + 1
            while end < size and end not in covered:
                if end in tokens.capitalised:
                    end += 1
                    continue
                nxt = self._extend(tokens, end, covered)
                if nxt is None:
                    break
                end = nxt
            chunks.append((start, end))
        return chunks

    def _may_be_in_run(self, tokens: _Tokens, k: int) -> bool:
        """Whether token ``k`` can be in a run of ``_chunks``: a run holds capitalised tokens,
        joiners and the word after a hyphen (``_extend`` takes nothing else)."""
        return (
            k in tokens.capitalised
            or tokens.lowers[k] in self.joiners
            or (k > 0 and tokens.words[k - 1] == "-")
        )

    def _run_starts_around(self, tokens: _Tokens, mentions: list[Mention]) -> list[int]:
        """The starts from which ``_chunks`` finds the same runs reaching past the ends of
        ``mentions`` as from all capitalised tokens: no run holds the token before the stretch
        of possible run tokens around a mention, so the scan from inside it goes as from the
        document's start. Mentions with no such token beside them need no scan at all."""
        size = len(tokens.words)
        # Each stretch is walked once, however many mentions it holds (10,000 capitalised words
        # with a place every few words were walked once per place: quadratic).
        lefts: dict[int, int] = {}
        rights: dict[int, int] = {}

        def bound(k: int, step: int, known: dict[int, int]) -> int:
            path = []
            while k not in known:
                nxt = k + step
                probe = nxt if step < 0 else k  # the token the plain walk would test
                if not (0 <= nxt <= size and 0 <= probe < size):
                    break
                if not self._may_be_in_run(tokens, probe):
                    break
                path.append(k)
                k = nxt
            found = known.get(k, k)
            for p in (*path, k):
                known[p] = found
            return found

        spans = set()
        for start, end, _ in mentions:
            first, last = bound(start, -1, lefts), bound(end, 1, rights)
            if (first, last) != (start, end):
                spans.add((first, last))
        caps = tokens.cap_positions
        around: list[int] = []
        reached = 0  # spans overlap: each capitalised token is taken once, in order
        for first, last in sorted(spans):
            lo = bisect.bisect_left(caps, max(first, reached))
            hi = bisect.bisect_left(caps, last)
            around.extend(caps[lo:hi])
            reached = max(reached, last)
        return around

    def _extend(self, tokens: _Tokens, j: int, covered: set[int]) -> int | None:
        """Where a run of name tokens that reached the lower-case token ``j`` continues to, or
        None to stop."""
        lex = self.lex
        words, lowers, spaces = tokens.words, tokens.lowers, tokens.spaces
        capitalised = tokens.capitalised

        def name_at(k: int) -> bool:
            return k in capitalised and k not in covered

        low = lowers[j]
        nxt = j + 1
        if nxt >= len(words) or low not in self.joiners:
            return None  # the common case: a lower-case word ends the run
        if (
            words[j] == "-"
            and not spaces[j - 1]
            and not spaces[j]
            and words[nxt].isalpha()
            and nxt not in covered
        ):
            return nxt + 1  # "Co-ordinating", "Jean-Marc"
        particle = low in lex.particles and (
            self.lang != "de" or (low in GERMAN_PARTICLES and words[j - 1] in lex.first_names)
        )
        if not (low in self.connectors or particle):
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

    def _role_before(self, tokens: _Tokens, start: int) -> bool:
        """A role word ("ministro", "spokesman", "Sprecherin") a few words before ``start``."""
        k = start - 1
        skipped = 0
        words, lowers = tokens.words, tokens.lowers
        while k >= 0 and skipped <= 4:
            low = lowers[k]
            if low in self.lex.roles:
                return True
            if low in PREPOSITION_FILLERS and k not in tokens.capitalised:
                return False
            if low in self.lex.role_fillers or words[k] in ROLE_GAP_MARKS:
                k -= 1
                skipped += 1
                continue
            return _is_role(low, self.lex) or low.endswith("ministro")
        return False

    def _split_pieces(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """Split a run at connectors that join two names ("Tajani e Meloni"), keeping particles
        that belong to a name ("von der Leyen", "Di Giacomo", "al-Assad")."""
        lex = self.lex
        words, lowers, capitalised = tokens.words, tokens.lowers, tokens.capitalised
        pieces = []
        piece_start = start
        for k in range(start, end):
            low = lowers[k]
            if (
                k not in capitalised
                and words[k] != "-"
                and low not in {"al", "el", "bin", "ibn", "abu"}
            ):
                person_piece = words[piece_start] in lex.first_names
                next_is_name = (
                    k + 1 < end
                    and k + 1 in capitalised
                    and lowers[k + 1] not in lex.org_heads
                    and lowers[k + 1] not in lex.not_names
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
        if piece_start < end:
            pieces.append((piece_start, end))
        return pieces

    def _classify(self, tokens: _Tokens, start: int, end: int) -> Mention | None:
        lex = self.lex
        words, lowers, capitalised = tokens.words, tokens.lowers, tokens.capitalised
        names = [k for k in range(start, end) if k in capitalised]
        in_run = set(lowers[start:end])
        if self._federal_body(lowers[start]):
            return (start, end, EntityType.ORG)
        if not lex.org_heads.isdisjoint(in_run) and (
            len(names) >= 2
            or (
                self.lang != "de"  # "la Regione", "la Procura": one specific body
                and lowers[names[0]] not in lex.not_names
                and not tokens.sentence_initial(start)  # the first name is the first token
            )
        ):
            return (start, end, EntityType.ORG)
        if not lex.loc_heads.isdisjoint(in_run) and len(names) >= 2:
            return (start, end, EntityType.LOCATION)
        first = words[start]
        if (
            start > 0
            and lowers[start - 1] in self.prepositions
            and len(names) <= 4
            and first not in lex.first_names
            and not first.isupper()
            and not self._role_before(tokens, start)
            and not any(lowers[k] in lex.not_names for k in names)
        ):  # "a Torre del Greco", "in Belgorod"
            return (start, end, EntityType.LOCATION)
        # one word has no pieces (runs come trimmed: it is capitalised)
        if end - start > 1 and self._split_pieces(tokens, start, end) != [(start, end)]:
            return None  # caller classifies the pieces
        if first in lex.first_names and len(names) >= 2:
            return (start, end, EntityType.PERSON)
        if self._role_before(tokens, start) and len(names) <= 4 and not first.isupper():
            return (start, end, EntityType.PERSON)
        if (
            len(names) == 1
            and _is_acronym(first)
            and lowers[start] not in lex.not_acronyms
            and not tokens.shouting(start)
            and not (
                end == start + 1
                and end < len(words)
                and words[end] == "-"
                and not tokens.spaces[start]
            )
        ):
            return (start, end, EntityType.ORG)
        if tokens.sentence_initial(start):
            return None
        if any(lowers[k] in lex.not_names for k in names):
            return None
        if self._place_context(tokens, start, end) and not any(words[k].isupper() for k in names):
            return (start, end, EntityType.LOCATION)
        if start > 0 and lowers[start - 1] in lex.outlet_nouns and len(names) <= 4:
            return (start, end, EntityType.ORG)  # "l'agenzia Nova", "the newspaper Kommersant"
        if 2 <= len(names) <= 4 and any(lowers[k] in lex.org_adjectives for k in names):
            return (start, end, EntityType.ORG)  # "Audiencia Nacional"
        if self._portfolio_after_role(tokens, start):
            return None
        if (
            self.lang in CAP_SEQUENCE_PERSON_LANGS
            and 2 <= len(names) <= 3
            and all(not words[k].isupper() for k in names)
            and any(tokens.spaces[start : end - 1])  # "Proche-Orient" is one word
        ):
            return (start, end, EntityType.PERSON)
        return None

    def _with_adjective_tail(self, tokens: _Tokens, mention: Mention, covered: set[int]) -> Mention:
        """An organisation's name ending in its capitalised head goes on over the lower-case
        adjectives after it, where the language writes names so ("les Forces démocratiques
        alliées", "il Centro nazionale trapianti" stops at "trapianti", a noun)."""
        start, end, etype = mention
        lex, lowers = self.lex, tokens.lowers
        if (
            etype is not EntityType.ORG
            or not lex.tail_adjectives
            or lowers[end - 1] not in lex.org_heads
        ):
            return mention
        size, k = len(lowers), end
        while k < size and k not in covered and k not in tokens.capitalised:
            word = lowers[k]
            if not word.isalpha() or len(word) < 4:
                break
            first = k == end
            lemma = tokens.doc[k].lemma_
            verb = lemma != word and lemma.endswith(lex.tail_verb_lemmas)
            if verb and (first or not word.endswith(lex.tail_participles)):
                break  # a verb: "arriva" (arrivare), "comunica" (comunicare)
            if first and word.endswith(lex.tail_nationalities):
                break  # "le Gouvernement français": a description, not the name
            if not (
                word.endswith(lex.tail_adjectives)
                or word in lex.org_adjectives
                or (not first and word.endswith(lex.tail_nationalities + lex.tail_participles))
            ):
                break
            k += 1
        return (start, k, etype)

    def _federal_body(self, lower: str) -> bool:
        """ "Bundesinnenministerium", "Bundesamts", "Bundespolizei": the federal prefix and an
        organisation head (in the genitive too) make one compound word the name of one body."""
        if not lower.startswith(self.lex.federal_prefixes):
            return False
        stem = lower.removesuffix("es") if lower.endswith("es") else lower.removesuffix("s")
        return any(
            word.endswith(head) and len(word) > len(head) + 5
            for word in (lower, stem)
            for head in self.lex.org_heads
            if len(head) >= 4
        )

    def _portfolio_after_role(self, tokens: _Tokens, start: int) -> bool:
        """A role, a preposition, then capitalised words: the role's portfolio, not a person
        ("concejala de Seguridad Ciudadana", "assessore allo Sviluppo Economico", "ministre de
        la Transition écologique")."""
        k = start - 1
        lowers = tokens.lowers
        while k >= 0 and (lowers[k] in PREPOSITION_FILLERS or lowers[k] in PORTFOLIO_LINKS):
            k -= 1
        return k < start - 1 and k >= 0 and _is_role(lowers[k], self.lex)

    def _trim_chunk(self, tokens: _Tokens, start: int, end: int) -> Bounds:
        """Drop a sentence-initial common word ("Dopo", "Secondo") and trailing non-names."""
        lex = self.lex
        words, lowers, capitalised = tokens.words, tokens.lowers, tokens.capitalised
        while start < end and (
            lowers[start] in lex.not_names
            or (
                end - start > 1
                and words[start] not in lex.first_names
                and lowers[start] not in lex.roles
                and start + 1 not in capitalised
                and tokens.sentence_initial(start)
            )
        ):
            start += 1
        while start < end and start not in capitalised:
            start += 1
        while end > start and end - 1 not in capitalised:
            end -= 1
        return start, end

    def _coordinated_parts(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """Split "Tajani e Meloni" in two, but keep one organisation whose head comes last:
        "Disaster and Emergency Management Agency", "Federation of Red Cross and ... Societies"."""
        lowers = tokens.lowers
        cuts = [
            k
            for k in range(start, end)
            if lowers[k] in COORDINATORS and k not in tokens.capitalised
        ]
        if not cuts:
            return [(start, end)]
        bounds = [start, *cuts, end]
        parts = [(bounds[0], bounds[1])] + [
            (bounds[i] + 1, bounds[i + 1]) for i in range(1, len(bounds) - 1)
        ]
        heads = [any(lowers[k] in self.lex.org_heads for k in range(a, b)) for a, b in parts]
        if heads[-1] and not any(heads[:-1]):
            return [(start, end)]
        return [(a, b) for a, b in parts if a < b]

    def _split_person_of_org(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """ "Dan Ives of Wedbush Securities", "Mario Rossi della Banca Alpina": a person, then
        the organisation they speak for."""
        words, lowers = tokens.words, tokens.lowers
        if words[start] not in self.lex.first_names:
            return [(start, end)]
        for k in range(start + 2, end - 1):
            if k in tokens.capitalised or lowers[k] not in self.lex.connectors:
                continue
            if any(lowers[i] in self.lex.org_heads for i in range(k + 1, end)):
                return [(start, k), (k + 1, end)]
            return [(start, end)]
        return [(start, end)]

    def _is_titled_name(self, tokens: _Tokens, start: int, end: int) -> bool:
        """A capitalised article inside a sentence starts a newspaper's or a company's name:
        "ha scritto Il Manifesto", "informó El Financiero", "told The Guardian"."""
        words = tokens.words
        if words[start] not in TITLE_ARTICLES:
            return False  # the common case: no article, no need to look further
        names = [k for k in range(start, end) if k in tokens.capitalised]
        return (
            not tokens.sentence_initial(start)
            and tokens.lowers[start - 1] not in self.prepositions
            and 2 <= len(names) <= 3
            and all(not words[k].isupper() for k in names[1:])
            and not any(tokens.lowers[k] in self.lex.not_names for k in names[1:])
        )

    def _is_title(self, tokens: _Tokens, start: int, end: int) -> bool:
        """A role and its portfolio ("Presidente del Consiglio", "Secretary of State",
        "ministre de l'Intérieur") is a title, not a name."""
        return (
            end - start > 1
            and _is_role(tokens.lowers[start], self.lex)
            and start + 1 not in tokens.capitalised
        )

    def _strip_roles(self, tokens: _Tokens, start: int, end: int) -> int:
        """Leading role words in a capitalised run ("Entwicklungsministerin Reem Alabali-Radovan",
        "Senate Majority Leader John Thune"), unless the run is an organisation's name."""
        lowers = tokens.lowers
        if end - start < 2:
            return start
        if any(lowers[k] in self.lex.org_heads for k in range(start, end)):
            return start
        while (
            end - start > 1
            and start + 1 in tokens.capitalised
            and _is_role(lowers[start], self.lex)
        ):
            start += 1
        if end - start == 1 and _is_role(lowers[start], self.lex):
            return end  # "Secretary General" with the name known already: all title, no name
        return start

    def _split_at_first_names(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """A known first name inside a run starts a new name: "degli Esteri Antonio Tajani",
        "Air Force Brigadier General Patrick Ryder"; role words before it are dropped."""
        lex = self.lex
        words, lowers = tokens.words, tokens.lowers
        for k in range(start + 1, end):
            prev = words[k - 1]
            if (
                words[k] in lex.first_names
                and k - 1 in tokens.capitalised
                and prev not in lex.first_names
                and lowers[k - 1] not in lex.particles  # "Di Giacomo" is a surname
            ):
                left_end = k
                while left_end > start and lowers[left_end - 1] in lex.roles:
                    left_end -= 1
                left = [(start, left_end)] if left_end > start else []
                return [*left, (k, end)]
        return [(start, end)]

    def _place_context(self, tokens: _Tokens, start: int, end: int) -> bool:
        """ "the Pazarcik district", "provincia di Foggia", "city of Kharkiv", "il fiume Po"."""
        nouns = self.lex.place_nouns
        words, lowers = tokens.words, tokens.lowers
        if end < len(words) and lowers[end] in nouns and end not in tokens.capitalised:
            return True
        if start >= 1 and lowers[start - 1] in self.lex.feature_nouns:
            return start - 1 not in tokens.capitalised  # "il fiume Roya", "el volcán Cumbre Vieja"
        return (
            start >= 2 and lowers[start - 1] in self.lex.connectors and lowers[start - 2] in nouns
        )

    def _rule_mentions(
        self, tokens: _Tokens, covered: set[int], known: list[Mention]
    ) -> list[Mention]:
        lowers = tokens.lowers
        mentions: list[Mention] = []
        type_ending_at = {end: etype for _, end, etype in known}

        def add(mention: Mention) -> None:
            mentions.append(mention)
            type_ending_at[mention[1]] = mention[2]

        capitalised = tokens.capitalised
        for chunk in self._chunks(tokens, covered):
            if self._is_titled_name(tokens, *chunk):  # "Il Manifesto", "El Financiero"
                add((*chunk, EntityType.ORG))
                continue
            if (body := self._body_of_portfolio(tokens, *chunk)) is not None:
                add(body)
                chunk = (body[1], chunk[1])  # "... della Salute Francesco Vaia": a name follows
                if chunk[0] >= chunk[1]:
                    continue
            for part_start, part_end in self._run_parts(tokens, *chunk):
                part_start = self._strip_roles(tokens, part_start, part_end)
                if (
                    part_end - part_start > 1
                    and lowers[part_start] in self.lex.place_nouns
                    and part_start in capitalised
                ):  # German "Provinz Kunar", "Stadt Köln"
                    add((part_start + 1, part_end, EntityType.LOCATION))
                    continue
                if (
                    part_start >= 2
                    and lowers[part_start - 1] in COORDINATORS
                    and type_ending_at.get(part_start - 1) is EntityType.LOCATION
                    and self._classify(tokens, part_start, part_end) is None
                    and not tokens.sentence_initial(part_start)
                ):  # "a Lampedusa e Augusta"
                    add((part_start, part_end, EntityType.LOCATION))
                    continue
                for start, end in self._names_in_part(tokens, part_start, part_end):
                    typed = self._classify(tokens, start, end)
                    if typed is not None:
                        add(self._with_adjective_tail(tokens, typed, covered))
                        continue
                    if end - start == 1:
                        continue  # one (capitalised) word has no pieces
                    for p_start, p_end in self._split_pieces(tokens, start, end):
                        if (p_start, p_end) == (start, end):
                            continue
                        p_start, p_end = self._trim_chunk(tokens, p_start, p_end)
                        if p_start < p_end and (piece := self._classify(tokens, p_start, p_end)):
                            add(piece)
        return mentions

    def _body_of_portfolio(self, tokens: _Tokens, start: int, end: int) -> Mention | None:
        """A ministry written in lower case, then its portfolio: "secondo il ministero della
        Salute", "selon le ministère de la Santé", "según el ministerio de Sanidad". The body's
        name is the whole phrase, not the portfolio alone."""
        lowers = tokens.lowers
        k = start - 1
        while k >= 0 and start - k <= 2 and lowers[k] in PREPOSITION_FILLERS:
            k -= 1
        if k == start - 1 or k < 0 or lowers[k] not in self.lex.portfolio_bodies:
            return None
        if k in tokens.capitalised:
            return None  # "Ministero della Salute" is a capitalised run of its own
        part_start, part_end = self._trim_chunk(tokens, start, end)
        if part_start != start or part_end <= part_start:
            return None
        part_end = self._split_at_first_names(tokens, part_start, part_end)[0][1]
        return (k, part_end, EntityType.ORG)

    def _one_word(self, tokens: _Tokens, i: int) -> list[Bounds]:
        """What trimming and splitting leave of one capitalised word: itself, unless a common
        word ("Dopo")."""
        return [] if tokens.lowers[i] in self.lex.not_names else [(i, i + 1)]

    def _run_parts(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """A run of names, trimmed and split at coordinators ("Tajani e Meloni")."""
        if end - start == 1:
            return self._one_word(tokens, start)
        start, end = self._trim_chunk(tokens, start, end)
        if start >= end:
            return []
        parts = (
            self._trim_chunk(tokens, *part) for part in self._coordinated_parts(tokens, start, end)
        )
        return [(a, b) for a, b in parts if a < b]

    def _names_in_part(self, tokens: _Tokens, start: int, end: int) -> list[Bounds]:
        """A part of a run split at known first names and between a person and their
        organisation, trimmed; titles ("Secretary of State") dropped."""
        if end - start == 1:
            return self._one_word(tokens, start)
        pieces = [
            self._trim_chunk(tokens, *piece)
            for bounds in self._split_at_first_names(tokens, start, end)
            for piece in self._split_person_of_org(tokens, *bounds)
        ]
        return [(a, b) for a, b in pieces if a < b and not self._is_title(tokens, a, b)]

    def _org_over_places(self, tokens: _Tokens, mentions: list[Mention]) -> list[Mention]:
        """Organisation names that contain a place ("Syria Civil Defense", "Bank of England",
        "Coordinamento per il Mediterraneo") win over the place: nested names aren't entities."""
        lowers = tokens.lowers
        place_mentions = [m for m in mentions if m[2] is EntityType.LOCATION]
        # a run that isn't around a place has no place inside, or is one place alone
        starts = self._run_starts_around(tokens, place_mentions)
        if not starts:
            return mentions
        places = _tokens_of(place_mentions)
        others = _tokens_of(m for m in mentions if m[2] is not EntityType.LOCATION)
        orgs: list[Mention] = []
        for chunk_start, chunk_end in self._chunks(tokens, others, starts):
            chunk = range(chunk_start, chunk_end)
            if places.isdisjoint(chunk) or places.issuperset(chunk):
                continue  # the common case: no place inside, or a place alone: nothing to decide
            chunk_start, chunk_end = self._trim_chunk(tokens, chunk_start, chunk_end)
            if chunk_start >= chunk_end:
                continue
            start, end = self._coordinated_parts(tokens, chunk_start, chunk_end)[0]
            start, end = self._split_at_first_names(tokens, start, end)[0]
            start, end = self._trim_chunk(tokens, start, end)
            if self._is_title(tokens, start, end):
                continue
            inside = range(start, end)
            if not places & set(inside) or places >= set(inside):
                continue
            heads = [i for i in inside if lowers[i] in self.lex.org_heads and i not in places]
            caps = [i for i in inside if i in tokens.capitalised]
            if heads and len(caps) >= 2:
                orgs.append((start, end, EntityType.ORG))
        if not orgs:
            return mentions
        taken = _tokens_of(orgs)
        kept = [m for m in mentions if not taken & set(range(m[0], m[1]))]
        return kept + orgs

    def _surname_mentions(
        self, tokens: _Tokens, persons: list[Mention], covered: set[int]
    ) -> list[Mention]:
        """Bare surnames ("Zelensky", "Di Giacomo") of people named in full elsewhere."""
        words = tokens.words
        surnames: set[tuple[str, ...]] = set()
        for start, end, _ in persons:
            names = [word for word in words[start:end] if word != "-"]
            if len(names) >= 2:
                surnames.add((names[-1],))
                if len(names) >= 3:
                    surnames.add(tuple(names[1:]))
                    surnames.add(tuple(names[-2:]))
        if not surnames:
            return []
        starts = {name[0] for name in surnames}
        mentions: list[Mention] = []
        free_from = 0  # a surname found is not the start of another
        for i in tokens.cap_positions:
            if i < free_from or words[i] not in starts:
                continue
            for size in (3, 2, 1):
                window = tuple(words[i : i + size])
                if (
                    len(window) == size
                    and window in surnames
                    and not any(k in covered for k in range(i, i + size))
                ):
                    mentions.append((i, i + size, EntityType.PERSON))
                    free_from = i + size
                    break
        return mentions

    def _drop_towns_named_like(
        self, tokens: _Tokens, persons: list[Mention], mentions: list[Mention], covered: set[int]
    ) -> list[Mention]:
        """A generated town's name that is the surname of a person named in full elsewhere is
        that person again: "Tim Nixon ... Nixon said" (there is a Nixon in Texas). The token is
        freed (removed from ``covered``) for the surname pass."""
        surnames = {tokens.words[end - 1] for start, end, _ in persons if end - start >= 2}
        if not surnames:
            return mentions
        kept = []
        for start, end, etype in mentions:
            text = tokens.text(start, end)
            entry = self.lex.gazetteer.get(text)
            if (
                etype is EntityType.LOCATION
                and text in surnames
                and entry is not None
                and entry.key.startswith(PLACE_KEY_PREFIXES)
            ):
                covered.difference_update(range(start, end))
                continue
            kept.append((start, end, etype))
        return kept

    def _names_a_thing(self, tokens: _Tokens, start: int) -> bool:
        """ "la nave Canarias", "operazione Sophia", "hurricane Milton": ships, operations and
        storms named after places and people are not entities."""
        return start > 0 and tokens.lowers[start - 1] in self.lex.not_entity_after

    # -- normalisation ---------------------------------------------------------------------------

    def _normalise(
        self, tokens: _Tokens, mentions: list[Mention]
    ) -> tuple[list[Span], list[Entity]]:
        """A ``Span`` and an ``Entity`` per mention (also in ``span._.entity``)."""
        texts = [tokens.text(start, end) for start, end, _ in mentions]
        persons = [
            (text, tokens.name_words(start, end))
            for text, (start, end, etype) in zip(texts, mentions, strict=True)
            if etype is EntityType.PERSON
        ]
        spans, entities = [], []
        for text, (start, end, etype) in zip(texts, mentions, strict=True):
            entry = self.lex.gazetteer.get(text)
            if entry is not None and entry.type is etype:
                canonical, key, country = entry.canonical, entry.key, entry.country
            elif etype is EntityType.PERSON:
                canonical = self._fullest(text, tokens.name_words(start, end), persons)
                key, country = person_key(canonical), None
            else:
                canonical = text.title() if text.isupper() and len(text) > 6 else text
                prefix = "org" if etype is EntityType.ORG else "place"
                key, country = f"{prefix}:{canonical.lower()}", None
            # str(etype) is the label, a plain str: cheaper than the enum's .value property
            span = Span(tokens.doc, start, end, label=str(etype))
            entity = Entity(
                text=text,
                type=etype,
                start=span.start_char,
                end=span.end_char,
                canonical=canonical,
                key=key,
                country=country,
            )
            span._.entity = entity
            spans.append(span)
            entities.append(entity)
        return spans, entities

    @staticmethod
    def _fullest(text: str, words: list[str], persons: list[tuple[str, list[str]]]) -> str:
        """The longest person mention ending in the same ``words`` ("Maria Zakharova" for
        "Zakharova")."""
        best = text
        best_len = len(words)
        for other_text, other_words in persons:
            if len(other_words) > best_len and other_words[-len(words) :] == words:
                best, best_len = other_text, len(other_words)
        return best

    # -- the component ---------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        tokens = _Tokens(doc, self.words_by_orth)
        mentions = self._org_over_places(tokens, self._gazetteer_mentions(tokens))
        covered = _tokens_of(mentions)
        for start, end, etype in self._ner_mentions(tokens):
            if not covered & set(range(start, end)):
                mentions.append((start, end, etype))
                covered.update(range(start, end))
        rules = self._rule_mentions(tokens, covered, mentions)
        mentions.extend(rules)
        covered |= _tokens_of(rules)
        persons = [m for m in mentions if m[2] is EntityType.PERSON]
        mentions = self._drop_towns_named_like(tokens, persons, mentions, covered)
        mentions.extend(self._surname_mentions(tokens, persons, covered))
        final = [m for m in _longest_first(mentions) if not self._names_a_thing(tokens, m[0])]
        spans, doc._.entities = self._normalise(tokens, final)
        doc.spans[ENTITIES_KEY] = spans
        try:
            doc.set_ents(spans)  # what ``doc.ents = spans`` does, without copying the spans
        except ValueError:  # overlapping spans; _normalise filters them, but doc.ents is
            # only a convenience view of doc.spans, not worth failing the article for
            log.debug("could not set doc.ents")
        return doc


@Language.factory(
    "newsstream_entities",
    assigns=["doc.spans", "doc._.entities", "span._.entity", "doc.ents"],
    default_config={"use_ner": True},
)
def make_entity_recognizer(nlp: Language, name: str, use_ner: bool) -> EntityRecognizer:
    return EntityRecognizer(nlp, name, use_ner=use_ner)

"""Attributed claims: direct quotes and reported speech, with speaker, relaying outlet and offsets.

``ClaimExtractor`` is a spaCy component (factory ``newsstream_claims``) that sets
``doc._.claims`` to a list of :class:`agents.annotations.Claim`. It needs no trained model: it
works on ``spacy.blank(lang)`` + sentencizer with rules over the text and per-language cue
lexicons (``agents/lexicons/claims_<lang>.yaml`` plus ``claims_common.yaml`` for outlets), and it
uses the entity spans of ``newsstream_entities`` only to resolve a speaker to its canonical name.

How it reads a document, in order:

1. quotation marks are paired in every style (“” «» „“ "" ‹› ‘’ '' »«), a quote that runs on to the
   next paragraph (the English convention of re-opening without closing) ends at its paragraph;
2. text is cut into *units*: the sentencizer's sentences, re-joined where a quote spans a boundary
   (sentencizers split "«Ciao!», ha detto" after the "!"), and split at paragraph breaks;
3. each quote is attributed by a cue next to it ("», ha detto X", "X said: “", "– ha aggiunto –"),
   or carries the previous speaker when it stands alone;
4. each speech cue outside quotes gives a reported claim: the speaker is the subject before the cue
   or the phrase after it (inverted order), the content is the other side of the cue;
5. a relaying outlet becomes ``via`` ("told Reuters", "citato dalla Cnn", "X reported, citing Y"),
   unless it is the only source named ("Sky News reported ..."), then it is the speaker;
6. German sentences in Konjunktiv I right after a claim go on reporting its speaker;
7. speakers are carried (subject-less cues, pronouns, role phrases such as "il ministro" that refer
   back) and resolved (surnames to full names, entities to their canonical form).

Datelines ("ROMA -", "PARIS (Reuters) -") are cut off the first sentence. Everything is rules and
word lists, so it generalises as far as the lexicons do; the dev set of ../shared/eval measures it.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from agents.annotations import ENTITIES_KEY, Claim, ClaimKind
from agents.doctext import doc_text
from agents.entities import load_lexicons, org_kinds
from agents.speakers import Mention, SpeakerResolver, SpeakerWords

LEXICON_DIR = Path(__file__).parent / "lexicons"
SUPPORTED_LANGUAGES = ("it", "en", "fr", "de", "es")  # with their own lexicon; others use "en"

# Quotation marks: opener -> the closers that may end it.
QUOTE_PAIRS: dict[str, str] = {
    "“": "”“",
    "„": "“”",
    "«": "»",
    "»": "«",
    "‹": "›",
    "›": "‹",
    '"': '"',
    "‘": "’",
    "‚": "‘’",
    "'": "'",
}
SINGLE_QUOTES = "'‘‚’›‹"
GUILLEMETS = "«»‹›"
MASK = "¤"  # replaces quoted text, so cue patterns never match inside a quote
DASHES = "-–—"
MIN_STANDALONE_WORDS = 3  # an unattributed quote shorter than this is a scare quote or a title
MAX_SUBJECT_TOKENS = 12
MAX_ADVERBIAL_WORDS = 6  # longer content is never adverbials and a pronoun alone
MAX_INVERTED_SPEAKER_WORDS = 6  # "come ha detto il ministro degli Esteri": longer is a clause
MIN_POSTPOSED_CONTENT_WORDS = 4  # "<content>, Name, a spokesman, told X": fewer is a subject
# "The decision to cut pensions, the minister said, would ...": an aside interrupts a sentence's
# first phrase; after a longer stretch it closes a clause
MAX_INTERRUPTED_WORDS = 8
INDEFINITE_ARTICLES = frozenset({"a", "an", "un", "une", "una", "uno", "ein", "eine", "one"})
PARTICLES = frozenset({"Di", "De", "Da", "Del", "Van", "Von", "La", "Le", "Al", "El", "Dos", "Du"})


class _Named(NamedTuple):
    """A speaker named so far in the document, for role phrases that refer back to one."""

    speaker: str
    roles: frozenset[str]  # the role words of the phrase that named them
    key: str | None
    may_be_person: bool  # no entity says it is a place or an organisation


@dataclass(frozen=True, slots=True)
class Quote:
    open: int  # index of the opening mark
    close: int  # index after the closing mark (or the paragraph end)
    start: int  # content start
    end: int  # content end


@dataclass(slots=True)
class Draft:
    """A claim being built: the speaker may still be carried or resolved."""

    start: int
    end: int
    kind: ClaimKind
    speaker: str | None = None
    speaker_span: tuple[int, int] | None = None
    via: str | None = None
    cue: str | None = None
    carry: bool = False  # take the previous speaker
    explicit: bool = True  # attributed by a cue (not only by position)
    role: str | None = None  # the speaker is a bare role phrase that may refer back
    intro_roles: frozenset[str] = frozenset()  # role words of the phrase that named the speaker


@dataclass(slots=True)
class Lexicon:
    """The cue words of one language, compiled once."""

    lang: str
    data: dict[str, Any]
    common: dict[str, Any]
    verb_re: re.Pattern[str] = field(init=False)
    prep_re: re.Pattern[str] | None = field(init=False)
    postp_re: re.Pattern[str] | None = field(init=False)
    gerund_re: re.Pattern[str] | None = field(init=False)
    outlet_re: re.Pattern[str] = field(init=False)
    outlet_noun_re: re.Pattern[str] = field(init=False)
    inner_cue_re: re.Pattern[str] = field(init=False)
    citing_re: re.Pattern[str] | None = field(init=False)
    relay_re: re.Pattern[str] | None = field(init=False)
    outlet_names: frozenset[str] = field(init=False)  # as listed
    outlet_bare: dict[str, frozenset[str]] = field(init=False)  # "Monde": after "du", "au"
    outlet_folded: frozenset[str] = field(init=False)
    outlet_first_words: frozenset[str] = field(init=False)
    outlet_max_words: int = field(init=False)
    outlet_lower_starts: frozenset[str] = field(init=False)  # first-word prefixes, lower-case names
    outlet_start_re: re.Pattern[str] = field(init=False)  # where a listed name may begin
    intro_phrases: tuple[str, ...] = field(init=False)
    anaphora: frozenset[str] = field(init=False)  # with plain apostrophes
    role_endings: tuple[str, ...] = field(init=False)  # roles that end a German compound
    _words: dict[tuple[str, ...], frozenset[str]] = field(init=False, default_factory=dict)
    _speaker_words: SpeakerWords | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        d = self.data
        parts: list[tuple[Iterable[str], str]] = []
        aux, participles = d.get("auxiliaries", []), d.get("participles", [])
        if aux and participles:
            gap = r"(?:\w+\s+){0,12}?" if self.lang == "de" else r"(?:\w+\s+)?"
            parts.append((aux, rf"\s+{gap}(?:{_alt_nocase(participles)})"))
        for sep in d.get("separable", []):
            first, _, last = sep.partition(" * ")
            parts.append(([first], rf"\s+(?:[^\s,.;:]+\s+){{0,12}}?{re.escape(last)}"))
        parts.append((d.get("verbs", []), ""))
        # after an elided clitic a cue still starts a word: "comme l'a indiqué", "l'ha detto",
        # "ce qu'a dit"; after any other apostrophe it does not ("d'annoncer")
        verb_re = _word_start_re(parts, before=r"(?:[\w-]|(?<![lLuU])['’])", after=r"(?![\w'’-])")
        assert verb_re is not None, f"claims_{self.lang}.yaml lists no speech verbs"
        self.verb_re = verb_re
        self.prep_re = _word_start_re(
            [(d.get("prepositions", []), "")], before=r"[\w'’]", after=r"(?![\w'’])"
        )
        self.postp_re = _word_start_re(
            [(d.get("postpositions", []), "")], before=r"[\w'’]", after=r"(?!\w)"
        )
        self.gerund_re = _word_start_re(
            [(d.get("gerunds", []), "")], before=r"[\w'’]", after=r"(?!\w)"
        )
        names = _alt(self.common["outlets"])
        self.outlet_re = re.compile(rf"(?<!\w)(?:(?=[A-ZÀ-Ý])(?i:{names})|{names})(?!\w)")
        nouns = [n.lstrip("-") for n in self.common["outlet_nouns"]]
        outlet_noun_re = _word_start_re(
            [(nouns, "")], before=r"[\w]", after=r"(?!\w)", or_hyphen=True
        )
        assert outlet_noun_re is not None, "claims_common.yaml lists no outlet nouns"
        self.outlet_noun_re = outlet_noun_re
        self.outlet_names = frozenset(self.common["outlets"])
        # "au Parisien", "du Monde": a name's article fused with a preposition before it
        fused: dict[str, list[str]] = d.get("fused_articles") or {}
        self.outlet_bare = {}
        for name in self.outlet_names:
            article, _, bare = name.partition(" ")
            if bare and article in fused:
                self.outlet_bare[bare] = frozenset(f.casefold() for f in fused[article])
        scanned = self.outlet_names | self.outlet_bare.keys()
        self.outlet_folded = frozenset(n.casefold() for n in self.outlet_names)
        self.outlet_first_words = frozenset(n.split()[0].casefold() for n in scanned)
        self.outlet_max_words = max(len(n.split()) for n in self.common["outlets"])
        self.outlet_lower_starts = frozenset(
            n.split()[0][:k]
            for n in self.outlet_names
            if not n[0].isupper()
            for k in range(1, len(n.split()[0]) + 1)
        )
        groups = _letter_groups(scanned)
        # the scan is a superset only if matching case-insensitively is comparing casefolds
        if groups is not None and all(n.casefold() == n.lower() for n in scanned):
            # a name opens capitalised, or with its first letter as listed ("dpa")
            capitals = [c for c in _folds(groups) if c.isupper()]
            as_listed = {n[0] for n in scanned}
            self.outlet_start_re = _scan_pattern(
                [(groups, "")],
                before=r"[^\W_]",
                after="",
                first_chars="".join(sorted({*capitals, *as_listed})),
            )
        else:
            self.outlet_start_re = re.compile(r"(?<![^\W_])[^\W_]")  # every word start
        # "«Martedì notte - ha spiegato - era stato ...»": a cue between dashes inside a quote
        self.inner_cue_re = re.compile(
            rf"\s[{DASHES}]\s*({self.verb_re.pattern})([^{DASHES}\n]{{0,80}}?)\s*[{DASHES}]", re.I
        )
        citing = _alt_nocase(d.get("citing", []))
        self.citing_re = (
            re.compile(rf"(?<!\w)(?:{citing})(?:\s+(?:a|al|à|la|le|the))?\s+", re.I)
            if citing
            else None
        )
        relay_verbs = _alt_nocase(d.get("relay_verbs", []))
        self.relay_re = (
            re.compile(
                rf"\s*(?:{_alt_nocase(d.get('relay', []))})?\s*"
                rf"(?:(?:{_alt_nocase(d.get('auxiliaries', []))})\s+)?(?:{relay_verbs})\b",
                re.I,
            )
            if relay_verbs
            else None
        )
        intro = [
            *d.get("via_preps", []),
            *d.get("cited_by", []),
            *d.get("interview", []),
            *d.get("agent_preps", []),
            "told",
        ]
        self.intro_phrases = tuple(" ".join(w.casefold().split()) for w in intro)
        self.anaphora = frozenset(a.replace("’", "'") for a in self.words("anaphora"))
        self.role_endings = tuple(r for r in self.words("roles") if len(r) >= 4)

    def words(self, *keys: str) -> frozenset[str]:
        """The casefolded words listed under any of ``keys``, here or in the common lexicon;
        cached, as the rules ask for the same sets (and unions of them) over and over."""
        found = self._words.get(keys)
        if found is None:
            items = [i for k in keys for i in (*self.data.get(k, ()), *self.common.get(k, ()))]
            found = self._words[keys] = frozenset(str(i).casefold() for i in items)
        return found

    def speaker_words(self) -> SpeakerWords:
        """The words speaker resolution reads, gathered once."""
        if self._speaker_words is None:
            w = self.words
            self._speaker_words = SpeakerWords(
                roles=w("roles") | load_lexicons(self.lang).roles,
                paraphrases={
                    " ".join(str(k).casefold().replace("’", "'").split()): str(v).casefold()
                    for k, v in (self.data.get("role_paraphrases") or {}).items()
                },
                honorifics=w("honorifics"),
                determiners=w("determiners"),
                indefinites=INDEFINITE_ARTICLES | w("indefinites"),
                body_nouns=w("bodies"),
                company_nouns=w("company_nouns"),
                not_speakers=w("not_speakers"),
                connectors=w("connectors"),
                possessives=w("possessives"),
                source_nouns=w("source_nouns"),
            )
        return self._speaker_words

    def find_outlets(self, text: str) -> list[tuple[int, int]]:
        """Listed outlet names in ``text``, as whole words of the claims tokenizer.

        A name matches as listed or, capitalised, in any case ("ANSA", "Ansa"); a name listed
        in lower case ("la Repubblica", "dpa") opens with its first word as listed. A scan finds
        the few places where a name may begin (it is a superset: case-insensitive, any spacing),
        and only there is the text cut into words and the names tried, longest first.
        """
        out: list[tuple[int, int]] = []
        after_last = 0  # a name already found is not looked into again
        for pos in self._outlet_starts(text):
            if pos < after_last:
                continue
            words = self._words_from(text, pos)
            if not words or words[0][0] != pos:
                continue  # not where a word starts
            first = text[pos : words[0][1]]
            if not (first[0].isupper() or first in self.outlet_lower_starts):
                continue
            if first.casefold() not in self.outlet_first_words:
                continue
            for n in range(min(self.outlet_max_words, len(words)), 0, -1):
                end = words[n - 1][1]
                raw = text[pos:end]
                if (
                    raw in self.outlet_names
                    or (raw[0].isupper() and raw.casefold() in self.outlet_folded)
                    or (raw in self.outlet_bare and self._fused_before(text, pos, raw))
                ):
                    out.append((pos, end))
                    after_last = end
                    break
        return out

    def _fused_before(self, text: str, pos: int, bare: str) -> bool:
        """Whether the word before ``pos`` holds the article of the name ``bare`` ("au")."""
        before = text[max(0, pos - 8) : pos].split()
        return bool(before) and before[-1].casefold() in self.outlet_bare[bare]

    def _outlet_starts(self, text: str) -> Iterator[int]:
        """Every place a listed name may begin, overlapping ones included."""
        pos = 0
        while (m := self.outlet_start_re.search(text, pos)) is not None:
            yield m.start()
            pos = m.start() + 1

    def _words_from(self, text: str, pos: int) -> list[tuple[int, int]]:
        """The word spans from ``pos`` on, as many as the longest name has (or to the end).

        They are cut from the whitespace before ``pos``: no word holds whitespace, so the words
        are those of the whole text; Italian and French split elided articles ("all'ANSA")."""
        start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos)) + 1
        end = pos
        while True:
            end = min(len(text), end + 80)
            while end < len(text) and not text[end].isspace():
                end += 1
            if self.lang in ("it", "fr"):
                spans = [
                    m.span()
                    for m in _TOKEN_ELIDING.finditer(text, start, end)
                    if m.group()[0].isalnum()
                ]
            else:
                spans = _with_elided_parts(
                    text, [m.span() for m in _WORD.finditer(text, start, end)], start, end
                )
            words = [w for w in spans if w[0] >= pos]
            if len(words) >= self.outlet_max_words or end == len(text):
                return words


_WORD = re.compile(r"[^\W_][\w./&'’-]*[\w]|[^\W_]")
_APOSTROPHE = re.compile("['’]")


def _with_elided_parts(
    text: str, words: list[tuple[int, int]], start: int, end: int
) -> list[tuple[int, int]]:
    """``words`` (of ``text[start:end]``) with, right after a word, its part after each
    apostrophe inside it ("all'ANSA" is followed by "ANSA", "dell’Ansa" by "Ansa"); found from
    the apostrophes, which are few."""
    starts = [s for s, _ in words]
    parts: dict[int, list[tuple[int, int]]] = {}
    for m in _APOSTROPHE.finditer(text, start, end):
        k = m.start()
        i = bisect_right(starts, k) - 1
        if i >= 0 and starts[i] < k < words[i][1] - 1:
            parts.setdefault(i, []).append((k + 1, words[i][1]))
    for i in sorted(parts, reverse=True):  # from the end, so earlier indices stay valid
        words[i + 1 : i + 1] = parts[i]
    return words


def _alt(items: Iterable[str]) -> str:
    """A regex alternation of phrases, longest first, spaces matching any whitespace."""
    out = []
    for item in sorted(set(items), key=len, reverse=True):
        out.append(r"\s+".join(re.escape(w) for w in item.split()))
    return "|".join(out)


def _alt_nocase(items: Iterable[str]) -> str:
    """:func:`_alt` for a case-insensitive pattern, grouped by first letter.

    Python's regex engine tries every alternative at every word start; grouping the phrases under
    their first letter ("d(?:ichiarato|etto)") rejects most groups after one character. Phrases
    with different first letters never match at the same place, and inside a group the order
    stays longest first, so the match is the one the flat alternation finds.
    """
    phrases = list(items)
    groups = _letter_groups(phrases)
    if groups is None:  # a letter whose case folding is not one to one: stay flat
        return _alt(phrases)
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


def _letter_groups(phrases: Iterable[str]) -> dict[str, list[str]] | None:
    """The phrases as {first letter: [the rest as a regex]}, longest first (as :func:`_alt`);
    None when a first letter's case folding is not one to one."""
    groups: dict[str, list[str]] = {}
    for item in sorted(set(phrases), key=len, reverse=True):
        words = item.split()
        first = words[0][0].lower()
        if len(first) != 1 or first.upper().lower() != first:
            return None
        rest = r"\s+".join([re.escape(words[0][1:]), *(re.escape(w) for w in words[1:])])
        groups.setdefault(first, []).append(rest)
    return groups


def _case_variants(letters: Iterable[str]) -> str:
    """Every character that ``letters`` match case-insensitively, for a character class: the
    regex engine's own folding, so "s" brings "ſ" and "k" the Kelvin sign."""
    return re.escape("".join(_folds(letters)))


def _folds(letters: Iterable[str]) -> list[str]:
    """The characters that match one of ``letters`` case-insensitively, sorted."""
    pattern = re.compile(f"[{re.escape(''.join(letters))}]", re.I)
    return sorted(set(pattern.findall(_ALL_BMP)))


_ALL_BMP = "".join(map(chr, range(0x10000)))


def _scan_pattern(
    parts: Sequence[tuple[dict[str, list[str]], str]],
    *,
    before: str,
    after: str,
    or_hyphen: bool = False,
    first_chars: str | None = None,
) -> re.Pattern[str]:
    """A case-insensitive alternation of lexicon phrases at a word start, written so that
    Python's regex engine scans it fast.

    ``parts`` are (letter groups, a regex that must follow each phrase of the part), tried in
    order as ``(?<!before)(?:part1|part2...)after`` would try them (``or_hyphen``: or right after
    a "-", as in "„Bild“-Zeitung"; ``first_chars``: only where one of these opens the phrase).
    A pattern that opens with a lookbehind is tried at every position of the text; one that opens
    with a character class is only tried where a phrase's first letter stands (the engine skips
    to them). So the first letter is matched first, the
    word-start test looks back past it, and a lookbehind picks the phrases that begin with that
    letter. The matches are those of the plain alternation.
    """
    letters = list(dict.fromkeys(k for groups, _ in parts for k in groups))
    by_letter = {
        letter: "|".join(
            f"(?:{'|'.join(groups[letter])}){follow}"
            for groups, follow in parts
            if letter in groups
        )
        for letter in letters
    }
    picked = "|".join(f"(?<={re.escape(k)})(?:{alts})" for k, alts in by_letter.items())
    word = f"(?<!{before}.)(?i:{picked})"
    starts = re.escape(first_chars) if first_chars is not None else _case_variants(letters)
    if or_hyphen:
        whole = "|".join(f"{re.escape(k)}(?:{alts})" for k, alts in by_letter.items())
        word, starts = f"(?:(?<=-)(?i:{whole})|{word})", starts + r"\-"
    return re.compile(f"[{starts}]{word}{after}")


def _word_start_re(
    parts: Sequence[tuple[Iterable[str], str]], *, before: str, after: str, or_hyphen: bool = False
) -> re.Pattern[str] | None:
    """``(?<!before)(?:phrases follow | ...)after``, case-insensitive, as a fast scan when every
    first letter folds one to one (:func:`_scan_pattern`), else as written; None without
    phrases."""
    parts = [(list(phrases), follow) for phrases, follow in parts]
    parts = [(phrases, follow) for phrases, follow in parts if phrases]
    if not parts:
        return None
    groups = [_letter_groups(phrases) for phrases, _ in parts]
    if all(g is not None for g in groups):
        fast = [(g, follow) for g, (_, follow) in zip(groups, parts, strict=True) if g is not None]
        return _scan_pattern(fast, before=before, after=after, or_hyphen=or_hyphen)
    alts = "|".join(f"(?:{_alt_nocase(phrases)}){follow}" for phrases, follow in parts)
    start = f"(?:(?<!{before})|-)" if or_hyphen else f"(?<!{before})"
    return re.compile(f"{start}(?:{alts}){after}", re.I)


@cache
def load_lexicon(lang: str, directory: str = str(LEXICON_DIR)) -> Lexicon:
    """The lexicon of ``lang`` (English rules for a language without its own file)."""
    base = Path(directory)
    code = lang if (base / f"claims_{lang}.yaml").exists() else "en"
    data = yaml.safe_load((base / f"claims_{code}.yaml").read_text(encoding="utf-8"))
    common = yaml.safe_load((base / "claims_common.yaml").read_text(encoding="utf-8"))
    return Lexicon(lang=code, data=data, common=common)


# ---------------------------------------------------------------- quotes and units


def _opening_context(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if nxt.isspace() and text[i] not in GUILLEMETS:
        return False
    return prev.isspace() or prev in "([{:;,/" + DASHES + "“„«»‹›\"'‘" or i == 0


def _closing_context(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if prev.isspace() and text[i] not in GUILLEMETS:
        return False
    if text[i] in SINGLE_QUOTES and nxt.isalpha():
        return False  # an apostrophe: "it’s", "dell’Istat"
    return not nxt.isalnum()


_QUOTE_MARK = re.compile(f"[{re.escape(''.join(QUOTE_PAIRS))}]")
_CLOSERS = {mark: re.compile(f"[{re.escape(closers)}]") for mark, closers in QUOTE_PAIRS.items()}
_MASKABLE = re.compile(rf"[^\s{re.escape(''.join(QUOTE_PAIRS))}]")


_RUN = re.compile(r"\S+")


class _QuoteIndex:
    """Where each style's closing marks are, and where each paragraph's words end, read once per
    text: an unclosed opening mark then costs a lookup, not a scan of the rest of its paragraph
    (100,000 unclosed «« each scanned on to the end: quadratic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._closes: dict[str, list[int]] = {}
        self._word_ends: dict[int, list[int]] = {}  # by paragraph end
        self._next: dict[int, str] = {}

    def next_char(self, pos: int) -> str:
        """The first character from ``pos`` on that is not whitespace ("" at the end)."""
        if pos not in self._next:
            m = _RUN.search(self.text, pos)
            self._next[pos] = m.group()[0] if m else ""
        return self._next[pos]

    def first_close(self, c: str, start: int, end: int) -> int:
        """The first mark in [start, end) that closes a quote opened by ``c``, or -1."""
        closes = self._closes.get(c)
        if closes is None:
            text = self.text
            closes = self._closes[c] = [
                m.start() for m in _CLOSERS[c].finditer(text) if _closing_context(text, m.start())
            ]
        k = bisect_left(closes, start)
        return closes[k] if k < len(closes) and closes[k] < end else -1

    def words_between(self, start: int, para_end: int) -> int:
        """``len(text[start:para_end].split())``, for ``start`` in the paragraph ending there."""
        ends = self._word_ends.get(para_end)
        if ends is None:
            para_start = self.text.rfind("\n", 0, start) + 1
            ends = self._word_ends[para_end] = [
                m.end() for m in _RUN.finditer(self.text, para_start, para_end)
            ]
        return len(ends) - bisect_right(ends, start)


def find_quotes(text: str) -> list[Quote]:
    """Pair quotation marks into quotes; inner quotes of another style are left inside."""
    quotes: list[Quote] = []
    index = _QuoteIndex(text)
    i, n = 0, len(text)
    while i < n:
        mark = _QUOTE_MARK.search(text, i)  # jump to the next quotation mark
        if mark is None:
            break
        i = mark.start()
        c = text[i]
        if not _opening_context(text, i):
            i += 1
            continue
        if c in SINGLE_QUOTES and i > 0 and text[i - 1].isalnum():
            i += 1
            continue
        para_end = text.find("\n", i)
        para_end = n if para_end < 0 else para_end
        found = index.first_close(c, i + 1, para_end)
        if found < 0:
            # The English convention: a quote running on to the next paragraph is not closed.
            after = index.next_char(para_end)
            runs_on = c not in SINGLE_QUOTES and (not after or after == c)
            if runs_on and index.words_between(i + 1, para_end) >= MIN_STANDALONE_WORDS:
                quotes.append(_quote(text, i, para_end, para_end))
                i = para_end
                continue
            i += 1
            continue
        if c in SINGLE_QUOTES and found - i > 300:
            i += 1
            continue
        quotes.append(_quote(text, i, found, found + 1))
        i = found + 1
    return quotes


def _quote(text: str, open_: int, content_end: int, close: int) -> Quote:
    s, e = open_ + 1, content_end
    while s < e and text[s].isspace():
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:"):
        e -= 1
    if e > s and text[e - 1] == "." and text[e - 3 : e] != "...":
        e -= 1
    return Quote(open=open_, close=close, start=s, end=e)


def mask_quotes(text: str, quotes: Sequence[Quote]) -> str:
    """``text`` with every character inside a quote but spaces and quotation marks masked."""
    pieces: list[str] = []
    last = 0
    for q in quotes:
        a, b = q.open + 1, min(q.close, len(text))
        if b <= a:
            continue
        if a < last:  # overlapping quotes (find_quotes never makes them): mask char by char
            return _mask_quotes_by_char(text, quotes)
        pieces += (text[last:a], _MASKABLE.sub(MASK, text[a:b]))
        last = b
    pieces.append(text[last:])
    return "".join(pieces)


def _mask_quotes_by_char(text: str, quotes: Sequence[Quote]) -> str:
    chars = list(text)
    for q in quotes:
        for k in range(q.open + 1, min(q.close, len(chars))):
            if not chars[k].isspace() and chars[k] not in QUOTE_PAIRS:
                chars[k] = MASK
    return "".join(chars)


# "ROMA -", "PARIS, 3 octobre (Reuters) -", "(Reuters) -", "Feb. 7 (UPI) —": a dateline is not
# part of the first sentence (its words would be read as the subject).
_CITY = r"[A-ZÀ-Ý][A-ZÀ-Ý'’. ]{1,30}[A-ZÀ-Ý.]"  # "ROMA", "NEW YORK", "KYIV"
_AGENCY = r"\([^()\n]{1,40}\)\s*"  # "(Reuters)", "(EUROPA PRESS)"
DATELINE = re.compile(
    rf"(?:{_CITY}(?:\s*,\s*[^\n()–—-]{{1,30}}?)?\s*(?:{_AGENCY})?|{_AGENCY}"
    rf"|[A-Z][a-z]{{2,4}}\.? \d{{1,2}},? (?:\d{{4}} )?{_AGENCY})[-–—]{{1,2}}\s+"
)


def strip_dateline(text: str, unit: tuple[int, int]) -> tuple[int, int]:
    m = DATELINE.match(text, unit[0], unit[1])
    return (m.end(), unit[1]) if m and m.end() < unit[1] else unit


def build_units(
    doc: Doc, quotes: Sequence[Quote], text: str | None = None
) -> list[tuple[int, int]]:
    """Sentence-like spans: sentence starts not inside a quote, plus paragraph breaks."""
    text = doc_text(doc) if text is None else text

    # inside a quote: after the opening mark of a quote, before its close; the quotes are walked
    # in order of their opening marks with the farthest close so far, so any overlap is kept
    spans = sorted((q.open, q.close) for q in quotes)
    opens = [a for a, _ in spans]
    farthest = list(itertools.accumulate((b for _, b in spans), max))

    def inside(pos: int) -> bool:
        i = bisect_left(opens, pos)
        return i > 0 and farthest[i - 1] > pos

    starts = {0}
    sent_starts: list[int] = []
    if len(doc) and doc.has_annotation("SENT_START"):
        # one sentence is an answer too: "Mr. Lee" holds no sentence end
        flags = doc.to_array([SENT_START, IDX])
        sent_starts = flags[flags[:, 0] == 1, 1].tolist()
    else:  # no sentence boundaries set: a punctuation rule instead
        sent_starts = [m.end() for m in re.finditer(r"[.!?]\s+(?=[A-ZÀ-Ý«“„\"])", text)]
    for b in sent_starts:
        if b <= 0 or b >= len(text):
            continue
        while b > 0 and text[b - 1].isspace():
            b -= 1
        prev = text[:b]
        if prev and prev[-1] in QUOTE_PAIRS and _opening_context(text, b - 1):
            b -= 1  # "... detto. «" + "Ciao»": the opening mark belongs to the next sentence
            prev = text[:b].rstrip()
        if inside(b):
            continue
        if prev.rstrip().rstrip("»”“\"’')]").endswith((".", "!", "?", "…")):
            starts.add(b)
    for m in re.finditer(r"\n+", text):
        if not inside(m.start()):
            starts.add(m.end())
    ordered = [*sorted(starts), len(text)]
    units = []
    for a, b in itertools.pairwise(ordered):
        while a < b and text[a].isspace():
            a += 1
        e = b
        while e > a and text[e - 1].isspace():
            e -= 1
        if e > a:
            units.append((a, e))
    return units


# ---------------------------------------------------------------- tokens and noun phrases

_ABBREV = r"(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|Mme|St|Gen|Lt|Col|Sen|Rep|Gov|Sig)\."
# The abbreviation alternatives all open with a capital: the lookahead skips them elsewhere.
_ABBREV_AT_CAPITAL = rf"(?=[A-Z])(?:{_ABBREV})"
# A run of masks is matched at once and split into one token per mask, as "[^\w\s]" would.
_MASKS = f"{MASK}+"
# "\w++" never backtracks: a shorter run would be followed by a letter, not an apostrophe.
_TOKEN_ELIDING = re.compile(
    rf"{_MASKS}|{_ABBREV_AT_CAPITAL}|\w++['’](?=\w)|\w(?:[\w\-/&.]*\w)?|[^\w\s]"
)
# A word before "'s" needs no alternative of its own: the plain word alternative ends there too.
_TOKEN_PLAIN = re.compile(rf"{_MASKS}|{_ABBREV_AT_CAPITAL}|['’]s\b|\w(?:[\w\-/&.]*\w)?|[^\w\s]")
_COMPOUND_TAIL = re.compile(r"-\w+")
_NAMING_LINKS = frozenset({"as", "als", "come", "comme", "como", "de", "d", "di", "a"})
_POSSESSIVE_DOCUMENT = re.compile(r"(.+?)['’]s\s+(\w+)")
_LEADING_BRACKET = re.compile(r"\([^()]{1,40}\)[\s,;:]*")
_PARTICLE_NAME = re.compile(r"(?:al|el|bin|ibn|ben|van|von|de|di|da|le)-[A-Z]")


class Tok:
    """A word or punctuation token with absolute offsets; ``low`` and ``is_word`` are read so
    often that they are computed once, at construction."""

    __slots__ = ("end", "is_word", "low", "start", "text")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.low = text.casefold()
        self.is_word = text[0].isalnum()

    def __repr__(self) -> str:
        return f"Tok({self.text!r}, {self.start}, {self.end})"

    @property
    def is_cap(self) -> bool:
        t = self.text
        if t[0].isupper():
            return True
        # "al-Assad", "bin-Salman", "d'Alema"-like particles glued to a capitalised name
        return _PARTICLE_NAME.match(t) is not None


class MaskTok(Tok):
    """A masked character inside a quote: only its offsets are its own."""

    __slots__ = ()
    text = MASK
    low = MASK
    is_word = False

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start + 1


def tokenize(text: str, start: int, end: int, lang: str) -> list[Tok]:
    """Word and punctuation tokens of ``text[start:end]`` with absolute offsets; Italian and French
    split elided articles ("all'", "dell’") from the word they precede."""
    pattern = _TOKEN_ELIDING if lang in ("it", "fr") else _TOKEN_PLAIN
    if text.find(MASK, start, end) < 0:
        return [Tok(m.group(), m.start(), m.end()) for m in pattern.finditer(text, start, end)]
    out: list[Tok] = []
    for m in pattern.finditer(text, start, end):
        s, e = m.span()
        if text[s] == MASK:
            out += map(MaskTok, range(s, e))
        else:
            out.append(Tok(m.group(), s, e))
    return out


_ASIDE = re.compile(r"\s*,\s*([^,.;:]{3,100}?)\s*,")  # ", qui cite des sources,"


def _trimmed_end(text: str, start: int, end: int) -> int:
    """``end`` moved back past spaces and the punctuation that closes a region."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:." + DASHES):
        end -= 1
    return end


_SPACE = re.compile(r"\s")


def _aside_mark(text: str, tok: Tok) -> str | None:
    """The mark a token opens or closes an aside with: a comma, or a dash set off by a space
    ("Jean-Marie" holds no aside). Every kind of dash is one mark."""
    if tok.text == ",":
        return ","
    if tok.text in DASHES and (tok.start == 0 or text[tok.start - 1].isspace()):
        return DASHES
    return None


_ELIDED_TAIL = re.compile(r"(?<!\w)\w{1,2}['’]$")  # "l'", "qu'" closing a region
_CHUNK_MARKS = re.compile(r"[()\[\],]")
_ABBREVIATION = re.compile(r"\b(\w+)\.")


class LazyTokens:
    """The tokens of a whole text, tokenized block by block when a range is first asked for.

    No token contains whitespace, so blocks cut at a whitespace character tokenize exactly as the
    whole text does; most of a document is never looked at token by token.
    """

    BLOCK_CHARS = 40

    def __init__(self, text: str, lang: str) -> None:
        self.text = text
        self.lang = lang
        cuts = [0]
        pos = self.BLOCK_CHARS
        while pos < len(text):
            m = _SPACE.search(text, pos)
            if m is None:
                break
            cuts.append(m.start())
            pos = m.start() + self.BLOCK_CHARS
        cuts.append(len(text))
        self.cuts = cuts
        self.blocks: list[tuple[list[Tok], list[int], list[int]] | None] = [None] * (len(cuts) - 1)

    def _block(self, k: int) -> tuple[list[Tok], list[int], list[int]]:
        block = self.blocks[k]
        if block is None:
            toks = tokenize(self.text, self.cuts[k], self.cuts[k + 1], self.lang)
            block = self.blocks[k] = (toks, [t.start for t in toks], [t.end for t in toks])
        return block

    def within(self, start: int, end: int) -> list[Tok]:
        """The tokens inside ``[start, end)``."""
        return list(itertools.chain.from_iterable(self._runs(start, end)))

    def iter_within(self, start: int, end: int) -> Iterator[Tok]:
        """The tokens inside ``[start, end)``, tokenizing a block only when it is reached."""
        return itertools.chain.from_iterable(self._runs(start, end))

    def _runs(self, start: int, end: int) -> Iterator[list[Tok]]:
        """The tokens inside ``[start, end)``, block by block."""
        first = max(0, bisect_right(self.cuts, start) - 1)
        last = min(len(self.blocks), bisect_left(self.cuts, end))
        for k in range(first, last):
            toks, starts, ends = self._block(k)
            i = bisect_left(starts, start)
            yield toks[i : bisect_right(ends, end, i)]

    def head(self, start: int, end: int, count: int) -> list[Tok]:
        """The first ``count`` tokens inside ``[start, end)``."""
        return list(itertools.islice(self.iter_within(start, end), count))

    def first_word(self, start: int, end: int) -> Tok | None:
        """The first word token inside ``[start, end)``."""
        return next((t for t in self.iter_within(start, end) if t.is_word), None)


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker phrase read from the text, before carrying and resolution."""

    text: str | None  # None: carry the previous speaker
    start: int = -1
    end: int = -1
    role: str | None = None  # a role word when the phrase is a bare role ("il ministro")


Attribution = tuple[Speaker, Phrase | None, str | None, frozenset[str]]
"""How a quote is attributed: speaker, relaying outlet, cue (None: none of its own), roles."""


_AGENCY_ACCENT = re.compile(
    r"(?<![\w'’])([Ee]|\w*(?:t[au]|r[a]|ch[e]|pi[u]|gi[a]|pu[o]|per[o]|cos[i]))'"
    r"(?=[\s,.;:!?)»”\"]|$)",
    re.IGNORECASE,
)
"""Italian words stressed on an accented last vowel, as agency copy writes them: "e'" (è), nouns
in -tà/-tù ("autorita'", "virtu'"), futures in -rà ("sara'"), "perche'", "piu'", "gia'", "puo'",
"pero'", "cosi'"."""
_ACCENTED = {"a": "à", "e": "è", "i": "ì", "o": "ò", "u": "ù"}


def read_accents(text: str) -> str:
    """Italian agency copy writes accents as apostrophes ("le autorita' regionali", "e' morta");
    the reader reads them as "autorità", "è". The apostrophe becomes a space, so every offset
    stays where it was in the text as written.

    >>> read_accents("secondo le autorita' regionali, e' morta")
    'secondo le autorità  regionali, è  morta'
    """
    return _AGENCY_ACCENT.sub(_accented, text)


def _accented(m: re.Match[str]) -> str:
    word = m.group(1)
    last = "é" if word.casefold().endswith("che") else _ACCENTED[word[-1].casefold()]
    if word[-1].isupper():
        last = last.upper()
    return f"{word[:-1]}{last} "


class DocumentReader:
    """Reads the claims of one document; holds the per-document state (quotes, units, drafts)."""

    def __init__(self, doc: Doc, lex: Lexicon) -> None:
        self.doc = doc
        self.lex = lex
        self.lang = lex.lang
        self.original = doc_text(doc)
        self.text = read_accents(self.original) if lex.data.get("agency_accents") else self.original
        self.quotes = find_quotes(self.text)
        self.masked = mask_quotes(self.text, self.quotes)
        # Both tokenized on demand: the rules only look at tokens near cues and quotes.
        self._masked_tokens = LazyTokens(self.masked, self.lang)
        self._text_tokens = LazyTokens(self.text, self.lang)
        self.units = [
            strip_dateline(self.text, u) for u in build_units(doc, self.quotes, self.text)
        ]
        self.drafts: list[Draft] = []
        self.used: list[tuple[int, int]] = []  # cue spans already attributed
        self.w = lex.words
        self._entities: list[tuple[int, int, Span]] | None = None
        self._mentions = self._outlet_mentions()
        self._relayed = [p for p in self._mentions if self._introduced(p)]

    # ---------------------------------------------------------- helpers

    def toks(self, start: int, end: int, masked: bool = True) -> list[Tok]:
        """The tokens inside ``[start, end)``, from one tokenisation of the whole text."""
        return (self._masked_tokens if masked else self._text_tokens).within(start, end)

    def is_used(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.used)

    def _outlet_mentions(self) -> list[Phrase]:
        """Outlet names: listed ones, and capitalised names beside an outlet noun."""
        out = [Phrase(self.text[s:e], s, e) for s, e in self.lex.find_outlets(self.text)]
        for m in self.lex.outlet_noun_re.finditer(self.text):
            name = self._name_beside(m.start(), m.end())
            if name and not any(p.start <= name.start < p.end for p in out):
                out.append(name)
        return sorted(out, key=lambda p: p.start)

    def _name_beside(self, start: int, end: int) -> Phrase | None:
        """The capitalised name or quoted title next to an outlet noun at [start, end)."""
        text = self.text
        m = re.match(r"[\s]*([\"“„«'‘]?)((?:[A-Z][\w.&/-]*\s?){1,4})", text[end : end + 60])
        if m and m.group(2).strip():
            name = m.group(2).strip()
            s = end + m.start(2)
            return Phrase(name, s, s + len(name))
        before = text[max(0, start - 60) : start]
        m2 = re.search(
            r"((?:[A-Z][\w.&/-]*\s){1,4})(?:news\s)?$|[\"“„«]([^\"”“»]{1,40})[\"”“»]-?$", before
        )
        if m2:
            name = (m2.group(1) or m2.group(2) or "").strip()
            if name:
                s = start - len(before) + before.rfind(name)
                if text[start].isupper() and text[s + len(name) : start] == " ":
                    return Phrase(text[s:end], s, end)  # "Süddeutsche Zeitung": one name
                return Phrase(name, s, s + len(name))
        return None

    def via_in(self, start: int, end: int) -> Phrase | None:
        """An outlet introduced as the relay ("told Reuters", "all'ANSA", "citato dalla Cnn")."""
        for p in self._relayed:
            if start <= p.start and p.end <= end:
                return p
        return None

    def _introduced(self, p: Phrase) -> bool:
        """Whether a relay word ("told", "all'", "citato dalla", "in an interview with") comes
        right before the outlet ``p``, with at most a few words (articles, "news agency")."""
        before = [
            t for t in self.toks(max(0, p.start - 60), p.end, masked=False) if t.end <= p.start
        ]
        k = len(before)
        while (
            k > 0
            and (before[k - 1].is_word or before[k - 1].text in "\"“„«'‘")
            and (len(before) - k < 5)
        ):
            k -= 1
        tail = " " + " ".join(t.low for t in before[k:] if t.is_word) + " "
        return any(f" {i} " in tail for i in self.lex.intro_phrases)

    def _outlet_within(self, start: int, end: int) -> Phrase | None:
        return next((p for p in self._mentions if start <= p.start and p.end <= end), None)

    def outlet_mention(self, phrase: Phrase) -> Phrase:
        """The outlet's name in or right after an outlet phrase ("die Nachrichtenagentur dpa",
        where the phrase read stops before the lowercase name), else the phrase."""
        return next(
            (p for p in self._mentions if phrase.start <= p.start <= phrase.end + 1), phrase
        )

    def is_outlet(self, phrase: str) -> bool:
        return bool(self.lex.outlet_re.search(phrase) or self.lex.outlet_noun_re.search(phrase))

    def outlet_name(self, phrase: Phrase) -> Phrase:
        """ "the state RIA news agency" -> "RIA"; a listed outlet stays as written."""
        m = self.lex.outlet_re.search(phrase.text)
        if m:
            return Phrase(m.group(), phrase.start + m.start(), phrase.start + m.end())
        caps = [
            t
            for t in tokenize(phrase.text, 0, len(phrase.text), self.lang)
            if t.is_word
            and t.is_cap
            and t.low not in self.w("determiners")
            and not self.lex.outlet_noun_re.fullmatch(t.text)
        ]
        if caps:
            return Phrase(
                phrase.text[caps[0].start : caps[-1].end],
                phrase.start + caps[0].start,
                phrase.start + caps[-1].end,
            )
        return phrase

    # ---------------------------------------------------------- speaker phrases

    def skip_adverbials(self, toks: list[Tok], i: int) -> int:
        skip = self.w("skip_after_cue")
        while i < len(toks):
            for n in (3, 2, 1):
                if " ".join(t.low for t in toks[i : i + n]) in skip:
                    i += n
                    break
            else:
                return i
        return i

    def np_after(
        self, pos: int, limit: int, masked: bool = True, skip_via: bool = True
    ) -> Phrase | None:
        """The speaker phrase right after a cue ("ha detto il presidente ucraino V. Zelensky")."""
        via = self.via_in(pos, limit) if skip_via else None
        toks = self.toks(pos, limit, masked)
        i = self.skip_adverbials(toks, 0)
        if via is not None and self._via_at(toks, i, via):
            # "Lo afferma all'ANSA Flavio Di Giacomo": step over the relay
            k = i
            while k < len(toks) and toks[k].end <= via.end:
                k += 1
            if k - i <= 6:
                i = self.skip_adverbials(toks, k)
        det, conn = self.w("determiners"), self.w("connectors")
        stops, roles = self.w("stop_words"), self.w("roles", "sources")
        complements, agents = self.w("source_complements"), self.w("agent_preps")
        picked: list[Tok] = []
        seen_cap = False
        while i < len(toks) and len(picked) < 14:
            t = toks[i]
            if via is not None and via.start <= t.start < via.end and picked:
                break
            if not t.is_word or MASK in t.text:
                if t.text in "-" and picked and i + 1 < len(toks) and toks[i + 1].start == t.end:
                    picked.append(t)
                    i += 1
                    continue
                title = self._title_at(t.start) if picked and picked[-1].low in conn else None
                if title is None:
                    break
                picked.append(title)  # "laut einem Bericht des „Spiegel“"
                while i < len(toks) and toks[i].start < title.end:
                    i += 1
                continue
            low = t.low
            if not picked and low in agents:  # "si apprende da fonti giudiziarie": the source
                i += 1
                continue
            if picked and f"{picked[-1].low} {low}" in complements:
                # "people familiar with the matter", "fonti vicine al governo": the source
                # goes on through what it is close to
                conn = conn | {low}
                picked.append(t)
            elif (low in det and (not picked or picked[-1].low in conn)) or (
                low in conn and picked
            ):
                picked.append(t)
            elif low in det and picked:
                break
            elif t.is_cap:
                picked.append(t)
                seen_cap = True
            elif (
                low in self.w("conjunctions")
                and picked
                and i + 1 < len(toks)
                and (toks[i + 1].is_cap or toks[i + 1].low in conn)
            ):
                picked.append(t)
            elif (
                low in stops
                or (seen_cap and low not in roles)
                or (self.is_gerund(low) and low not in roles)
                or self.lex.verb_re.fullmatch(t.text)
            ):
                break
            else:
                picked.append(t)
            i += 1
        while picked and (
            picked[-1].low in conn or picked[-1].low in det or picked[-1].text == "-"
        ):
            picked.pop()
        if not picked:
            return None
        speakerish = self.w("roles", "sources", "bodies")
        if not any(t.is_cap or t.low in speakerish or self.is_role(t.low) for t in picked):
            return None  # "said the deal was close": no name, role or body, not a speaker
        has_name = any(a.is_cap and b.is_cap for a, b in itertools.pairwise(picked))
        if not has_name and i + 1 < len(toks) and toks[i].text == ",":
            # "la presidenta del banco, Ana Gómez": the name in apposition
            name = []
            for t in toks[i + 1 :]:
                if not (t.is_word and t.is_cap) or MASK in t.text:
                    break
                name.append(t)
            rest = toks[i + 1 + len(name) :]
            if 1 < len(name) <= 4 and (not rest or not rest[0].is_word):
                picked = name
        return Phrase(self.text[picked[0].start : picked[-1].end], picked[0].start, picked[-1].end)

    def _title_at(self, pos: int) -> Tok | None:
        """The quoted name opening at ``pos``: newspapers and programmes are
        often quoted ("des „Spiegel“", "del «Corriere»"); a short capitalised quote after "of" is
        such a title, not words said."""
        quote = next((q for q in self.quotes if q.open == pos), None)
        if quote is None:
            return None
        content = self.text[quote.start : quote.end]
        if not content[:1].isupper() or len(content.split()) > 4:
            return None
        return Tok(content, quote.open, quote.close)  # a name, spanning its marks

    def is_org_word(self, low: str, orgs: frozenset[str]) -> bool:
        """ "Ministry", "Amt": a word that names an organisation; German ones also in the
        genitive ("des Auswärtigen Amts", "des Ministeriums")."""
        if low in orgs:
            return True
        return self.lang == "de" and (low[:-1] in orgs or (low.endswith("es") and low[:-2] in orgs))

    def is_gerund(self, low: str) -> bool:
        """ "speaking", "parlando", "hablando": English by suffix, others from the lexicon."""
        if low in self.w("gerunds") or low in self.w("participle_openers"):
            return True
        return self.lang == "en" and len(low) > 5 and low.endswith("ing")

    def is_role(self, low: str) -> bool:
        """A role noun, German compounds included ("Regierungssprecher", "Innenministerin")."""
        roles = self.w("roles")
        if low in roles or low in self.w("title_words"):
            return True
        return self.lang == "de" and low.endswith(self.lex.role_endings)

    def _via_at(self, toks: list[Tok], i: int, via: Phrase) -> bool:
        """The relay starts within the next few tokens ("all'ANSA", "a la agencia EFE")."""
        ahead = [t for t in toks[i : i + 5] if t.start < via.start]
        speakers = self.w("roles", "sources", "bodies")
        return (
            i < len(toks)
            and toks[i].start <= via.start
            and len(ahead) <= 3
            and not any(t.is_cap and not self.lex.outlet_noun_re.fullmatch(t.text) for t in ahead)
            # "ha detto il ministro all'Ansa": the speaker comes first, then the relay
            and not any(t.low in speakers for t in ahead)
        )

    def np_after_adjunct(self, pos: int, limit: int) -> Phrase | None:
        """The speaker after a short adjunct: "ha scritto su X il presidente ucraino"."""
        toks = self.toks(pos, min(limit, pos + 60))
        for t in toks[1:5]:
            if not t.is_word or t.low not in self.w("determiners"):
                continue
            np_ = self.np_after(t.start, limit)
            if np_ is None or not self.terminal_after(np_.end, limit):
                continue
            if self.document_owner(np_) is None:
                continue  # "ha detto in una nota.": a document, no one named
            words = {w.low for w in tokenize(self.text, np_.start, np_.end, self.lang)}
            if words & self.w("roles", "bodies", "sources"):
                return np_
        return None

    def clean_subject(self, start: int, end: int) -> Phrase | None:
        """A subject chunk without leading conjunctions or a relay word ("wie ein Sprecher"),
        nor trailing adverbs ("Ryder also", "ein Sprecher am Abend")."""
        toks = [t for t in self.toks(start, end) if t.text not in ("¤",)]
        lead = self.w("conjunctions", "relay")
        skip = self.w("skip_after_cue")
        # "Intanto il ministro", "Also the minister": a sentence adverb is no part of a name
        while toks and (not toks[0].is_word or toks[0].low in lead or toks[0].low in skip):
            toks.pop(0)
        while toks:
            if not toks[-1].is_word or MASK in toks[-1].text:
                toks.pop()
                continue
            n = next((n for n in (3, 2, 1) if " ".join(t.low for t in toks[-n:]) in skip), 0)
            if not n:
                break
            del toks[-n:]
        subordinators = self.w("subordinators")
        for i in range(len(toks) - 2, -1, -1):  # "The decision came as [the Labor Department]"
            if toks[i].low in subordinators:
                toks = toks[i + 1 :]
                break
        if not toks:
            return None
        return Phrase(self.text[toks[0].start : toks[-1].end], toks[0].start, toks[-1].end)

    def trailing_np(self, start: int, end: int) -> Phrase | None:
        """The noun phrase ending a long chunk ("... buildings Turkish officials")."""
        toks = self.toks(start, end)
        det, conn = self.w("determiners"), self.w("connectors")
        roles = self.w("roles", "sources")
        k = len(toks)
        while k > 0:
            t = toks[k - 1]
            if t.is_word and (t.is_cap or t.low in roles or t.low in conn or t.low in det):
                k -= 1
                continue
            if t.text in ("'s", "’s"):
                k -= 1
                continue
            break
        picked = toks[k:]
        while picked and (picked[0].low in conn or picked[0].text in ("'s", "’s")):
            picked.pop(0)
        if not picked or not any(t.is_cap or t.low in roles for t in picked):
            return None
        return Phrase(self.text[picked[0].start : picked[-1].end], picked[0].start, picked[-1].end)

    def speaker_from(self, phrase: Phrase | None) -> Speaker:
        """The speaker named by a phrase: the person's name in a role phrase, else as written."""
        if phrase is not None:
            phrase = self.document_owner(phrase)
        if phrase is None:
            return Speaker(None)
        words = [t for t in tokenize(self.text, phrase.start, phrase.end, self.lang) if t.is_word]
        hon = self.w("honorifics")
        toks = [t for t in words if t.low not in hon and t.low.rstrip(".") not in hon]
        titled = len(toks) < len(words)  # "il dottor Miedico": a person, named without article
        if not toks:
            return Speaker(None)
        if len(toks) == 1 and toks[0].low in self.w("pronouns"):
            return Speaker(None)
        det, conn = self.w("determiners"), self.w("connectors")
        titles = self.w("title_words")
        orgs = self.w("org_words")
        roles = self.w("roles")
        # the capitalised run ending the phrase
        k = len(toks)
        while k > 0 and toks[k - 1].is_cap and toks[k - 1].low not in det:
            k -= 1
        run = toks[k:]
        whole = Phrase(self.text[toks[0].start : toks[-1].end], toks[0].start, toks[-1].end)
        if not run:
            role = next((t.low for t in toks if t.low in roles), None)
            definite = toks[0].low in det and toks[0].low not in INDEFINITE_ARTICLES
            return Speaker(whole.text, whole.start, whole.end, role if definite else None)
        if self.is_org_word(run[-1].low, orgs):
            return Speaker(whole.text, whole.start, whole.end)
        if (located := self._located_body(toks, k)) is not None:
            return self.speaker_from(located)
        complements = self.w("source_complements")
        if any(f"{a.low} {b.low}" in complements for a, b in itertools.pairwise(toks[: k + 1])):
            return Speaker(whole.text, whole.start, whole.end)  # "sources close to Macron"
        names = list(run)
        while names and (names[0].low in titles or self.is_role(names[0].low)):
            names.pop(0)
        if not names:  # "der Sprecher", "le Président": a bare role
            role = run[-1].low
            return Speaker(whole.text, whole.start, whole.end, role)
        if k > 0 and toks[k - 1].low in conn and len(names) == 1:
            return Speaker(whole.text, whole.start, whole.end)  # "a spokesman of the Ministry"
        stripped = run[: len(run) - len(names)]
        if k > 0 and toks[k - 1].low in conn and any(t.low in roles for t in stripped):
            return Speaker(whole.text, whole.start, whole.end)  # "the government of President X"
        if (
            not titled
            and all(t.low in det for t in toks[:k])
            and len(names) == len(run)
            and len(names) <= 4
        ):
            return Speaker(whole.text, whole.start, whole.end)
        take = (
            3
            if len(names) >= 3
            and names[-2].low
            in {"di", "de", "da", "del", "van", "von", "la", "le", "al", "bin", "dos", "du"}
            else 2
        )
        names = names[-take:]
        return Speaker(self.text[names[0].start : names[-1].end], names[0].start, names[-1].end)

    # ---------------------------------------------------------- cues

    def verb_cues(self, start: int, end: int) -> list[re.Match[str]]:
        return [
            m
            for m in self.lex.verb_re.finditer(self.masked, start, end)
            if not self.is_used(m.start(), m.end())
            and not self.blocked(m.start(), m.group())
            and not self.is_noun_use(m)
            and not self.refuses(m, end)
            and (m.start() == start or not m.group()[0].isupper() or self.lang == "de")
        ]

    def refuses(self, m: re.Match[str], limit: int) -> bool:
        """ "negò il nulla osta": a denial verb with a bare object refuses something; it reports
        with a clause ("negò che …") or after what was said ("«…», negò il ministro")."""
        if m.group().split()[-1].casefold() not in self.w("clause_only_verbs"):
            return False
        if self.complementizer_after(m.end(), limit) is not None:
            return False
        prev = self.toks(max(0, m.start() - 20), m.start())[-1:]
        if prev and prev[0].low in self.w("relay") and prev[0].low not in self.w("complementizers"):
            return False  # "a quanto ha appreso il Corriere, …": a relay clause ("come" asks how)
        return (
            not self.masked[: m.start()]
            .rstrip()
            .endswith((",", ":", *DASHES, *QUOTE_PAIRS.values()))
        )

    def is_noun_use(self, m: re.Match[str]) -> bool:
        """ "la replica del Pd", "la denuncia", "the claims": a cue word used as a noun."""
        if " " in m.group().strip():
            return False
        # the token right before: in 'Dem „Spiegel“ sagte' a title stands between
        prev = self.toks(max(0, m.start() - 20), m.start())[-1:]
        return bool(prev) and prev[0].low in self.w("determiners") - self.w("anaphora")

    def blocked(self, pos: int, cue: str = "") -> bool:
        """Negated ("did not say"), passive ("had been reported"), infinitive ("to say") or
        modal ("would say")."""
        before = self.toks(max(0, pos - 30), pos)
        # only the cue's own clause: in "no cederá, dijo" the "no" negates another verb
        clause = list(itertools.takewhile(lambda t: t.is_word, reversed(before)))
        prev = [t.low for t in reversed(clause[:2])]
        neg, pas, mod = self.w("negations"), self.w("passive_aux"), self.w("modals")
        if any(w.casefold() in pas for w in cue.split()[1:-1]):
            return True
        # "would say", "would also say": not said yet
        return bool(prev) and (
            prev[-1] in neg or prev[-1] in pas or prev[0] in neg or any(w in mod for w in prev)
        )

    def past_adverbials_and_relay(self, toks: list[Tok], pos: int, limit: int) -> int:
        """Index in ``toks`` (from ``pos``) past the adverbials and a relay ("told Reuters")."""
        i = self.skip_adverbials(toks, 0)
        via = self.via_in(pos, limit)
        if via is not None and self._via_at(toks, i, via):
            while i < len(toks) and toks[i].end <= via.end:
                i += 1
            i = self.skip_adverbials(toks, i)
        return i

    def complementizer_after(self, pos: int, limit: int) -> int | None:
        """The end of "that"/"che"/"que"/"dass" right after a cue (adverbs and a relay skipped)."""
        toks = self.toks(pos, limit)
        i = self.past_adverbials_and_relay(toks, pos, limit)
        while i < len(toks) and toks[i].text in (",", ":"):
            i += 1
        comps = self.w("complementizers")
        if i < len(toks) and toks[i].low in comps:
            return toks[i].end
        # "said on Telegram that ...", "ha señalado en rueda de prensa que ...", or an adjunct
        # set off by commas right after the cue ("a annoncé, dans un entretien au Parisien,
        # que ..."); after a comma further on, "che"/"que" opens a relative clause
        aside = i > 0 and toks[i - 1].text == ","
        for t in toks[i + 1 : i + (9 if aside else 7)]:
            if t.text == "," and aside:
                aside = False  # the aside's closing comma
                continue
            if not t.is_word or MASK in t.text:
                return None
            if t.low in comps:
                return t.end
        return None

    def terminal_after(self, pos: int, limit: int) -> bool:
        """Nothing but adverbials, a relay or punctuation follows: the content is elsewhere."""
        toks = self.toks(pos, limit)
        i = self.past_adverbials_and_relay(toks, pos, limit)
        if i >= len(toks):
            return True
        t = toks[i]
        if t.low in self.w("complementizers") or t.text in QUOTE_PAIRS:
            return False
        return (
            (not t.is_word and MASK not in t.text)
            or t.low in self.w("stop_words")
            or t.low in self.w("citing")
            or (  # "unter Berufung auf"
                self.lex.citing_re is not None
                and self.lex.citing_re.match(self.masked, t.start) is not None
            )
            or self.is_gerund(t.low)
        )

    def subject_like(self, start: int, end: int) -> bool:
        """A short subject with appositions: "X, the minister, said" / "X, speaking in Y, said"."""
        chunks = self.chunks(start, end)
        if not chunks or len(self.toks(start, end)) > 20:
            return False
        first = self.toks(chunks[0][0], chunks[0][1])
        if len(first) > 9 or not any(t.is_cap or t.low in self.w("roles") for t in first):
            return False
        return all(self.appositive(a, b) for a, b in chunks[1:])

    def short_subject(self, start: int, end: int) -> bool:
        """The first comma piece could be a subject: short, opened by a name, role or article."""
        chunks = self.chunks(start, end)
        if not chunks:
            return False
        first = [t for t in self.toks(*chunks[0]) if t.is_word]
        if not first or len(first) > 9:
            return False
        t0 = first[0]
        return t0.is_cap or t0.low in self.w("determiners") or t0.low in self.w("roles")

    def appositive(self, start: int, end: int) -> bool:
        toks = [t for t in self.toks(start, end) if t.is_word]
        if not toks:
            return True
        first = toks[0].low
        if self.is_gerund(first) or self.via_in(start, end) is not None:
            return True
        if first in self.w("relatives") and first not in self.w("determiners"):
            return True  # "The minister, who spoke on condition of anonymity, said ..."
        caps = sum(t.is_cap for t in toks)
        roles = self.w("roles")
        return (
            caps * 2 >= len(toks)
            or first in roles
            or (first in self.w("determiners") and len(toks) > 1 and toks[1].low in roles)
        )

    def chunks(self, start: int, end: int) -> list[tuple[int, int]]:
        """Comma-separated pieces of ``[start, end)`` (outside brackets)."""
        out, a, depth = [], start, 0
        for mark in _CHUNK_MARKS.finditer(self.masked, start, end):  # no other character counts
            k = mark.start()
            c = self.masked[k]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth = max(0, depth - 1)
            elif (
                c == ","
                and depth == 0
                and not (self.masked[k - 1 : k].isdigit() and self.masked[k + 1 : k + 2].isdigit())
            ):
                if self.masked[a:k].strip():
                    out.append((a, k))
                a = k + 1
        if self.masked[a:end].strip(" ,;:" + DASHES):
            out.append((a, end))
        return out

    def subject_of(self, start: int, end: int) -> Speaker:
        """The speaker named by the subject chunks before a cue (appositions allowed)."""
        chunks = self.chunks(start, end)
        best: Phrase | None = None
        for a, b in chunks:
            ph = self.clean_subject(a, b)
            if ph is None:
                continue
            toks = [t for t in tokenize(self.text, ph.start, ph.end, self.lang) if t.is_word]
            if self.is_gerund(toks[0].low):
                continue
            orgs = self.w("org_words")
            if (
                best is not None
                and all(t.is_cap for t in toks)
                and len(toks) <= 4
                and not any(t.low in orgs for t in toks)
            ):
                sp = self.speaker_from(ph)
                return Speaker(sp.text, sp.start, sp.end, sp.role)
            if best is None:
                best = ph
        return self.speaker_from(best)

    def content_span(self, start: int, end: int) -> tuple[int, int] | None:
        """Trim a content region: spaces, punctuation, a leading complementizer, bare quotes."""
        text = self.text
        if any(q.end == start and q.close > q.end for q in self.quotes):
            # the closing mark of a quoted name before it ("„Bild“, er sei", "„Bild“-Zeitung, er")
            start += 1
            compound = _COMPOUND_TAIL.match(text, start, end)
            start = compound.end() if compound else start
        while start < end and (text[start].isspace() or text[start] in ",;:." + DASHES):
            start += 1
        end = _trimmed_end(text, start, end)
        elided = _ELIDED_TAIL.search(text, start, end)
        if elided is not None:  # "…: l'ha detto il ministro": the clitic belongs to the cue
            end = _trimmed_end(text, start, elided.start())
        # "Según el Instituto Nacional de Estadística (INE), el precio ...": the bracket names
        # the source, it does not open what the source says
        bracket = _LEADING_BRACKET.match(text, start, end)
        if bracket is not None:
            start = bracket.end()
        toks = self._masked_tokens.head(start, end, 2)
        if toks and toks[0].low in self.w("complementizers"):
            start = toks[1].start if len(toks) > 1 else end
        for q in self.quotes:  # the region is one quote: its content without the marks
            if q.open == start and q.close >= end - 1:
                return (q.start, q.end) if q.end > q.start else None
        if end - start < 3:
            return None
        return start, end

    def kind_of(self, start: int, end: int) -> ClaimKind:
        quoted = sum(max(0, min(end, q.end) - max(start, q.start)) for q in self.quotes)
        return ClaimKind.DIRECT if quoted * 2 >= max(1, end - start) else ClaimKind.REPORTED

    def add(
        self,
        span: tuple[int, int] | None,
        speaker: Speaker,
        *,
        cue: str | None,
        via: Phrase | None = None,
        kind: ClaimKind | None = None,
        explicit: bool = True,
        roles: frozenset[str] = frozenset(),
    ) -> Draft | None:
        if span is None:
            return None
        s, e = span
        if len(self.text[s:e].split()) < 2 and not explicit:
            return None
        kind = kind or self.kind_of(s, e)
        if kind == ClaimKind.REPORTED and self.says_nothing(s, e):
            return None
        d = Draft(
            start=s,
            end=e,
            kind=kind,
            speaker=speaker.text,
            speaker_span=(speaker.start, speaker.end) if speaker.text else None,
            via=self.outlet_name(via).text if via else None,
            cue=cue,
            carry=speaker.text is None,
            explicit=explicit,
            role=speaker.role,
            intro_roles=roles,
        )
        self.drafts.append(d)
        return d

    def says_nothing(self, start: int, end: int) -> bool:
        """Reported content of adverbials and at most an object pronoun ("denied it on Monday",
        "confirmed this yesterday"): the cue is there, but what was said is not."""
        if len(self.text[start:end].split()) > MAX_ADVERBIAL_WORDS:
            return False  # the common case, decided without tokenizing
        words = [t for t in self.toks(start, end, masked=False) if t.is_word]
        i = self.skip_adverbials(words, 0)
        if i < len(words) and words[i].low in self.w("object_pronouns"):
            i = self.skip_adverbials(words, i + 1)
        return i >= len(words)

    def roles_in(self, phrase: Phrase | None) -> frozenset[str]:
        if phrase is None:
            return frozenset()
        roles = self.w("roles", "title_words")
        return frozenset(
            t.low
            for t in tokenize(self.text, phrase.start, phrase.end, self.lang)
            if t.low in roles
        )

    # ---------------------------------------------------------- quotes

    def attribute_quote(self, q: Quote, unit: tuple[int, int]) -> Attribution | None:
        """The attribution of a quote by a cue next to it, or None."""
        us, ue = unit
        # "«Martedì notte - ha spiegato - era stato ...»": a cue between dashes inside the quote
        inner = self.lex.inner_cue_re.search(self.text[q.start : q.end])
        if inner:
            cs, ce = q.start + inner.start(1), q.start + inner.end(1)
            np_ = self.np_after(ce, q.start + inner.end(2), masked=False)
            self.used.append((cs, ce))
            return (
                self.speaker_from(np_),
                self.via_in(ce, q.start + inner.end(2)),
                self.text[cs:ce],
                self.roles_in(np_),
            )
        # right: "», ha detto X" / "," X said / "» - ha aggiunto X - «"
        lead = re.match(rf"[\s,]*(?:[{DASHES}]\s*)?", self.masked[q.close : ue])
        p = q.close + (lead.end() if lead else 0)
        if p < ue and self.masked[p - 1 : p] != ".":
            cm = self.lex.verb_re.match(self.masked, p)
            if cm and not self.is_used(*cm.span()):
                limit = self._attr_limit(cm.end(), ue)
                np_ = self.np_after(cm.end(), limit) or self.np_after_adjunct(cm.end(), limit)
                self.used.append(cm.span())
                via = self.via_in(cm.end(), ue)
                sp = self.speaker_from(np_)
                return sp, via, cm.group(), self.roles_in(np_)
            cm = self.lex.verb_re.search(self.masked, p, min(ue, p + 90))
            if cm and not self.is_used(*cm.span()):
                between = self.masked[p : cm.start()]
                if (
                    between.strip()
                    and not re.search(r"[.;:!?«»“”\"¤]", self._without_abbreviations(between))
                    and len(between.split()) <= 8
                    and (
                        "," not in between
                        or (self.subject_like(p, cm.start()) and self.terminal_after(cm.end(), ue))
                    )
                ):  # "», X said" / ", the spokeswoman, Anna Lee, told CNN"
                    subj = self.clean_subject(p, cm.start())
                    self.used.append(cm.span())
                    via = self.via_in(cm.end(), self._attr_limit(cm.end(), ue))
                    appositions = "," in between
                    sp = self.subject_of(p, cm.start()) if appositions else self.speaker_from(subj)
                    return sp, via, cm.group(), self.roles_in(subj)
        # left: "X said: “...”" / "Commenta l’Istat: “" / "señaló que “...”" / "che, ha detto, “"
        left = self.masked[us : q.open].rstrip()
        if not left:
            return None
        naming = self._naming(us, q.open, ue)
        if naming is not None:
            return naming
        cms = [m for m in self.lex.verb_re.finditer(self.masked, us, q.open)]
        tail = left[-1]
        if tail == ":" or left.endswith(tuple(self.w("complementizers"))) or tail in "," + DASHES:
            if cms:
                cm = cms[-1]
                gap = self.masked[cm.end() : us + len(left)]
                gap_toks = [t for t in self.toks(cm.end(), us + len(left)) if t.is_word]
                if tail != ":" and len(gap_toks) > 1:
                    return None
                if tail == ":" and len(gap_toks) > 8:
                    return None
                before = self.chunks(us, cm.start())
                self.used.append(cm.span())
                via = self.via_in(us, q.open)
                cut = before[-1] if before else None
                if cut and not self.masked[cut[1] : cm.start()].strip(" ,"):
                    subj = self.clean_subject(*cut)
                    if subj is not None and len(before) > 1 and self._is_relative(subj):
                        # "Lo conferma Marco Rossi, che denuncia: “…”": the antecedent speaks
                        subj = self.trailing_np(*before[-2])
                    elif self._adjunct_lead(*cut) and (
                        inverted := self.np_after(cm.end(), cm.end() + len(gap))
                    ):
                        # "In dem Gespräch sagte Berger weiter: »…«": after a fronted adjunct
                        # the subject follows the verb
                        subj = inverted
                    if subj is not None and self.lex.verb_re.search(subj.text):
                        return Speaker(None), via, cm.group(), frozenset()
                    if subj is not None:
                        return self.speaker_from(subj), via, cm.group(), self.roles_in(subj)
                np_ = self.np_after(cm.end(), cm.end() + len(gap))
                sp = self.speaker_from(np_)
                return sp, via, cm.group(), self.roles_in(np_)
            if tail == ":":
                read = self._document_read(us, us + len(left) - 1)
                if read is not None:
                    return read
                ph = (
                    self.clean_subject(
                        self.chunks(us, us + len(left) - 1)[-1][0], us + len(left) - 1
                    )
                    if self.chunks(us, us + len(left) - 1)
                    else None
                )
                toks = [t for t in tokenize(self.text, ph.start, ph.end, self.lang)] if ph else []
                if ph and toks and len(toks) <= 5 and all(t.is_cap for t in toks if t.is_word):
                    return self.speaker_from(ph), None, ":", self.roles_in(ph)
                return Speaker(None), None, ":", frozenset()
        return None

    def _without_abbreviations(self, text: str) -> str:
        """``text`` without the periods of initials and titles ("U.N. chief", "Dr. Lee"), which
        end no sentence."""
        hon = self.w("honorifics")
        return _ABBREVIATION.sub(
            lambda m: (
                m.group(1) if len(m.group(1)) == 1 or m.group().casefold() in hon else m.group()
            ),
            text,
        )

    def _unit_start(self, pos: int) -> int:
        """Where the unit that ``pos`` lies in begins."""
        return max((a for a, _ in self.units if a <= pos), default=0)

    def _via_in_lead(self, pos: int) -> Phrase | None:
        """The relay in a phrase that opens the sentence before ``pos`` ("In a Reuters
        interview, the minister said ...")."""
        unit_start = self._unit_start(pos)
        lead = self.masked[unit_start:pos].rstrip()
        if not lead.endswith(",") or len(self.chunks(unit_start, pos)) != 1:
            return None
        return self.via_in(unit_start, pos)

    def _naming(self, us: int, open_: int, ue: int) -> Attribution | None:
        """'X called the move a “body blow”', "ha definito l'attacco «vile»", "bezeichnete ihn
        als „…“": X's words are the quoted name they give something, with what it names."""
        toks = self.toks(us, open_)
        verbs = self.w("naming_verbs")
        for k in range(len(toks) - 1, max(-1, len(toks) - 10), -1):
            t = toks[k]
            if not (t.is_word or t.text in "'’"):
                return None  # a comma or a quote between: the name is not this verb's
            if t.low not in verbs:
                continue
            named = [w for w in toks[k + 1 :] if w.is_word and w.low not in _NAMING_LINKS]
            if not named:
                return None  # 'a film called “X”', 'was described as “X”': passive, no one speaks
            start = k
            while start > 0 and toks[start - 1].low in self.w("auxiliaries"):
                start -= 1
            chunks = self.chunks(us, toks[start].start)
            subj = self.clean_subject(*chunks[-1]) if chunks else None
            first = self._masked_tokens.first_word(subj.start, subj.end) if subj else None
            if first is not None and not (
                first.is_cap or first.low in self.w("determiners", "roles", "sources", "pronouns")
            ):
                return None  # "contestando ... quando definì «eversiva»": no subject
            self.used.append((t.start, t.end))
            sp, roles = self.speaker_from(subj), self.roles_in(subj)
            via = self._via_in_lead(chunks[-1][0]) if chunks else None
            self.add(self.content_span(t.end, ue), sp, cue=t.text, via=via, roles=roles)
            return sp, None, None, roles  # no cue of its own: the quote merges into the claim
        return None

    def _attr_limit(self, pos: int, ue: int) -> int:
        """Where an attribution after a quote ends: the next quote, if any."""
        for q in self.quotes:
            if pos <= q.open < ue:
                return q.open
        return ue

    def is_quoted_title(self, q: Quote) -> bool:
        """A capitalised word quoted after an article or preposition names a paper or a show
        ("Wie die „Bild“ berichtet", "sul «Corriere»"); nobody is quoted."""
        if not self.text[q.start : q.start + 1].isupper():
            return False
        prev = [t for t in self.toks(max(0, q.open - 20), q.open) if t.is_word][-1:]
        return bool(prev) and prev[0].low in self.w("determiners", "stop_words", "connectors")

    def read_quotes(self, unit: tuple[int, int]) -> None:
        us, ue = unit
        inside = [q for q in self.quotes if us <= q.open < ue]
        prev_attr: Attribution | None = None
        prev_q: Quote | None = None
        pending: Draft | None = None  # an unattributed quote that may open the same statement
        for q in inside:
            words = len(self.text[q.start : q.end].split())
            if words == 0 or (words == 1 and self.is_quoted_title(q)):
                continue
            attr = self.attribute_quote(q, unit)
            cue_after = attr is not None and bool(self.used) and self.used[-1][0] >= q.close
            if attr is None and prev_attr is not None and prev_q is not None:
                between = self.masked[prev_q.close : q.open]
                if self.lex.verb_re.search(between) and between.strip()[-1:] in "," + DASHES:
                    attr = prev_attr  # "«...» - ha aggiunto X - «...»"
            if attr is not None:
                sp, via, cue, roles = attr
                if words <= 2 and sp.text is None and cue == ":":
                    continue
                start = q.start
                if pending is not None and cue_after:
                    between = self.masked[pending.end : q.open]
                    if not self.lex.verb_re.search(between) and not re.search(r"[.!?]", between):
                        # "«Um ... zu bekommen», würden «die Existenzen ...», kritisierte X"
                        self.drafts.remove(pending)
                        start = pending.start
                pending = None
                self.add((start, q.end), sp, cue=cue, via=via, kind=ClaimKind.DIRECT, roles=roles)
                prev_attr, prev_q = attr, q
                continue
            before = self.masked[us : q.open].strip()
            standalone = (
                not before
                or before.endswith(":")
                or all(c in QUOTE_PAIRS or c == MASK or c.isspace() or c in ".,;" for c in before)
            )
            if standalone and words >= MIN_STANDALONE_WORDS:
                pending = self.add(
                    (q.start, q.end), Speaker(None), cue=None, kind=ClaimKind.DIRECT, explicit=False
                )
            prev_q = q

    # ---------------------------------------------------------- reported speech

    def subject_before_clitic(self, us: int, left: str, words: list[Tok]) -> Phrase | None:
        """ "Le ministère l'a confirmé", "Il ministro lo ha detto": a subject and an object clitic
        right before the cue, which point back at what was said; the subject, else None."""
        if len(words) < 2 or words[-1].low not in self.w("clitics"):
            return None
        if words[-1].end != us + len(left) or any(c in left for c in ",;:" + DASHES):
            return None
        return self.clean_subject(us, words[-1].start)

    def is_anaphora(self, start: int, end: int) -> bool:
        lead = re.sub(r"\s+", " ", self.text[start:end].strip().casefold().replace("’", "'"))
        return bool(lead) and lead in self.lex.anaphora

    def read_reported(self, index: int) -> None:
        us, ue = self.units[index]
        for cm in self.verb_cues(us, ue):
            if self.is_used(*cm.span()):
                continue
            self.used.append(cm.span())
            self.read_verb_cue(cm, index)
        if self.lex.gerund_re is not None:
            for gm in self.lex.gerund_re.finditer(self.masked, us, ue):
                if self.is_used(*gm.span()) or self._covered(gm.start()):
                    continue
                self.used.append(gm.span())
                cited = re.search(
                    r"(?<!\w)(?:cited|quoted)\s+([^,;:]{1,80}?)\s+as\s+$",
                    self.masked[us : gm.start()],
                    re.I,
                )
                if cited is not None:  # "RIA cited the defence ministry as saying that ..."
                    src = self.clean_subject(us + cited.start(1), us + cited.end(1))
                    relay = self.clean_subject(us, us + cited.start())
                    via = self.outlet_name(relay) if relay and self.is_outlet(relay.text) else None
                    self.add(
                        self.content_span(gm.end(), ue),
                        self.speaker_from(src),
                        cue=self.text[us + cited.start() : gm.end()],
                        via=via,
                    )
                    continue
                self.add(self.content_span(gm.end(), ue), Speaker(None), cue=gm.group())
        self.read_prepositions(us, ue)

    def _covered(self, pos: int) -> bool:
        return any(d.start <= pos < d.end for d in self.drafts)

    def read_verb_cue(self, cm: re.Match[str], index: int) -> None:
        us, ue = self.units[index]
        cs, ce = cm.span()
        cue = cm.group()
        left = self.masked[us:cs].rstrip()
        left_words = [t for t in self.toks(us, cs) if t.is_word]
        subject = self.subject_before_clitic(us, left, left_words)
        anaphora = subject is not None or self.is_anaphora(us, cs)
        if anaphora and index == 0:
            return
        if anaphora:
            # "Lo ha detto X" / "Das sagte X" / "Le ministère l'a confirmé": the content is the
            # previous sentence
            np_ = subject or self.np_after(ce, ue)
            sp = self.speaker_from(np_)
            via = self.via_in(ce, ue)
            citing = self._citing(np_.end if np_ else ce, ue)
            if citing is not None and citing[0] is not None and np_ is not None:
                # "Lo riferisce l'agenzia Interfax citando il governatore, Igor Petrov": the
                # one cited speaks, the agency relays
                sp, via = self.speaker_from(citing[0]), np_
            ps, pe = self.units[index - 1]
            earlier = [
                d
                for d in self.drafts
                if ps <= d.start < pe and (not d.explicit or self._by_preposition(d))
            ]
            if earlier:
                for d in earlier:
                    d.speaker, d.carry, d.explicit, d.cue = sp.text, sp.text is None, True, cue
                    d.speaker_span = (sp.start, sp.end) if sp.text else None
                    d.role, d.intro_roles = sp.role, self.roles_in(np_)
                    d.via = self.outlet_name(via).text if via else d.via
                return
            if not any(ps <= d.start < pe for d in self.drafts):
                self.add(self.content_span(ps, pe), sp, cue=cue, via=via, roles=self.roles_in(np_))
            return
        colon = max(left.rfind(c) for c in ":;")
        if colon > 0 and self.is_anaphora(us + colon + 1, cs):
            # "Tre persone sono ferite: lo ha detto il prefetto, Mario Neri": the anaphora
            # points back at the clause before the colon, the speaker follows the cue
            self._inverted(us, us + colon, self.np_after(ce, ue), ce, ue, cue)
            return
        relay_words = self.w("relay", "auxiliaries")
        if self.lex.prep_re is not None:
            for pm in self.lex.prep_re.finditer(self.masked, us, cs):
                gap = [t for t in self.toks(pm.end(), cs) if t.is_word]
                if all(t.low in relay_words for t in gap):
                    self.used.remove(cm.span())  # "según ha informado X": read as a preposition
                    return
        aside = self._attribution_aside(us, cs, ce, ue)
        if aside is not None:
            # "The plan, the minister said, would cost ...": the sentence around the aside is
            # what was said
            np_, start, close = aside
            via = self.via_in(ce, close)
            if np_ is not None and self.is_outlet(np_.text):
                np_ = self.outlet_mention(np_)
                via = via if via is not None and via.start >= np_.end else None
            self.add(
                self.content_span(start, ue),
                self.speaker_from(np_),
                cue=cue,
                via=via,
                roles=self.roles_in(np_),
            )
            return
        # "Wie die Polizei mitteilte, ...", "As the ministry said, ...", "Come ha detto X, ..."
        relay_led = (
            bool(left_words) and left_words[0].low in self.w("relay") and left_words[0].start == us
        )
        if (
            relay_led
            and self.lang == "de"
            and left.endswith(",")
            and (inverted := self._subject_after_verb(ce, ue)) is not None
        ):
            # "Wie die „Bild“ berichtet, sagte der Minister, ...": the outlet relays
            np_, start = inverted
            self.add(
                self.content_span(start, ue),
                self.speaker_from(np_),
                cue=cue,
                via=self._outlet_within(us, us + len(left)),
                roles=self.roles_in(np_),
            )
            return
        if relay_led:
            subj = self.np_after(left_words[0].end, cs, skip_via=False)
            if subj is not None and self.is_outlet(subj.text):
                subj = self.outlet_mention(subj)
            elif len(left_words) == 2 or all(
                t.low in self.w("determiners") for t in left_words[1:]
            ):
                subj = self._outlet_within(left_words[0].end, cs) or subj  # 'Wie die „Bild“'
            np_ = subj if subj is not None else self.np_after(ce, ue)
            after = np_.end if np_ is not None and np_.start > ce else ce
            if self.masked[after:ue].lstrip().startswith(","):
                comma = self.masked.index(",", after)
                if self.lang == "de" and self.lex.verb_re.match(self.masked, comma + 2):
                    # "Wie die „Bild“ berichtet, sagte der Minister, ...": the clause only
                    # names the outlet; the cue after it names the speaker
                    return
                self.add(
                    self.content_span(comma + 1, ue),
                    self.speaker_from(np_),
                    cue=cue,
                    roles=self.roles_in(np_),
                )
                return
        if self.lang == "de" and len(left_words) <= 2:
            # the token right after the cue: in "erklärte, sie werde ..." the pronoun is content
            nxt = next(iter(self.toks(ce, min(ue, ce + 30))), None)
            if nxt is not None and nxt.low in self.w("pronouns"):
                # "Zugleich warnte er vor ...": the subject is the pronoun after the verb
                self.add(self.content_span(nxt.end, ue), Speaker(None), cue=cue)
                return
        lead = " ".join(left.casefold().split())
        if lead and lead in self.w("relay") | {"a quanto", "secondo quanto", "stando a quanto"}:
            # "A quanto riferisce l'agenzia Reuters, i colloqui ...": speaker after the cue
            np_ = self.np_after(ce, ue, skip_via=False)
            if np_ is not None:
                name = self.outlet_name(np_) if self.is_outlet(np_.text) else np_
                self.add(self.content_span(np_.end, ue), self.speaker_from(name), cue=cue)
            return
        if not left.strip(" ,;:" + DASHES) or all(
            t.low in self.w("conjunctions") for t in self.toks(us, cs) if t.is_word
        ):
            np_ = self.np_after(ce, ue)
            comp = self.complementizer_after(np_.end if np_ else ce, ue)
            sp = self.speaker_from(np_) if np_ and comp else Speaker(None)
            start = comp if comp is not None else (np_.end if np_ and comp else ce)
            self.add(
                self.content_span(start, ue),
                sp,
                cue=cue,
                via=self.via_in(ce, ue),
                roles=self.roles_in(np_),
            )
            return
        # "I colloqui sono falliti, come ha detto il ministro.", "…, comme l'a indiqué le
        # ministre": the speaker follows the cue
        k = len(left_words) - 1
        if k > 1 and left_words[k].low in self.w("object_pronouns"):
            k -= 1
        if (
            k > 0
            and left_words[k].low in self.w("relay")
            and left_words[-1].end == us + len(left)
            and self.masked[left_words[k - 1].end : left_words[k].start].strip() == ","
        ):
            np_ = self.np_after(ce, ue)
            if (
                np_ is not None
                and len(np_.text.split()) <= MAX_INVERTED_SPEAKER_WORDS
                and not any(w.casefold() in self.w("passive_aux") for w in np_.text.split())
                and self.terminal_after(np_.end, ue)
            ):
                via = self.via_in(ce, ue)
                self.add(
                    # "…, come ha riferito X, non li ha sorpresi": the longer side is the content
                    self._pp_content(us, ue, left_words[k - 1].end, via.end if via else np_.end),
                    self.speaker_from(np_),
                    cue=cue,
                    via=via,
                    roles=self.roles_in(np_),
                )
                return
        left_end = us + len(left)
        if left[-1] in ",;:" + DASHES or (
            left[-1] in "”»\"“'’"
            # 'wie ein Sprecher dem „Spiegel“ sagte': a quoted title is no content
            and not any(q.close == left_end and self.is_quoted_title(q) for q in self.quotes)
        ):
            sep = left_end - 1 if left[-1] in ",;:" + DASHES else left_end
            comp = self.complementizer_after(ce, ue)
            postposed = self._postposed_subject(us, cs) if comp is None else None
            if postposed is not None:
                name, apposition, sep = postposed
                via = self.via_in(ce, ue)
                if self.terminal_after(via.end if via else ce, ue):
                    self.add(
                        self.content_span(us, sep),
                        self.speaker_from(name),
                        cue=cue,
                        via=via,
                        roles=self.roles_in(apposition),
                    )
                    return
            # "La ministra, María Jesús Montero, anunció ...": a role and a name in apposition
            # are a subject, not content said by someone named after the cue
            apposed = len(self.chunks(us, cs)) >= 2
            if (comp is not None or apposed) and self.subject_like(us, cs):
                self._subject_first(us, cs, comp or ce, ue, cue)
                return
            if self.lang == "de" and len(cue.split()) > 2:
                # "..., teilte das Ministerium am Montag mit": the speaker is inside the frame
                first, last = cue.split()[0], cue.split()[-1]
                framed = self.np_after(cs + len(first), ce - len(last))
                if framed is not None and self.terminal_after(ce, ue):
                    self._inverted(us, sep, framed, ce, ue, cue)
                    return
            words_after = [t for t in self.toks(ce, min(ue, ce + 40)) if t.is_word]
            if words_after and words_after[0].low in self.w("pronouns"):  # "..., hieß es"
                # "..., hieß es aus Regierungskreisen": an impersonal cue names its source after
                source = (
                    self.np_after(words_after[1].end, ue)
                    if words_after[0].low == "es"
                    and len(words_after) > 1
                    and words_after[1].low in ("aus", "in", "im")
                    else None
                )
                self._inverted(us, sep, source, ce, ue, cue)
                return
            np_ = self.np_after(ce, ue) or self.np_after_adjunct(ce, ue)
            if np_ is not None and self.terminal_after(np_.end, ue):
                self._inverted(us, sep, np_, ce, ue, cue)
                return
            if self.terminal_after(ce, ue):  # "<content>, ha aggiunto."
                self._inverted(us, sep, None, ce, ue, cue)
                return
            if self.subject_like(us, cs) or self.short_subject(us, cs):
                self._subject_first(us, cs, comp or ce, ue, cue)
                return
            self._inverted(us, sep, np_, ce, ue, cue)
            return
        chunks = self.chunks(us, cs)
        last_a, _ = chunks[-1]
        subj = self.clean_subject(last_a, cs)
        n_subj = len([t for t in self.toks(last_a, cs) if t.is_word])
        before_words = len([t for t in self.toks(us, last_a) if t.is_word])
        first_tok = next((t for t in self.toks(last_a, cs) if t.is_word), None)
        conj_led = first_tok is not None and first_tok.low in self.w("conjunctions")
        if (
            len(chunks) > 1
            and not conj_led
            and before_words >= 2
            and self.terminal_after(ce, ue)
            and n_subj <= MAX_SUBJECT_TOKENS
        ):
            via = self.via_in(ce, ue)
            if via is None and subj is not None and self.lang == "de":
                subj, via = self._dative_outlet(subj, cs)
            sp = self.speaker_from(subj)
            citing = self._citing(ce, ue)
            if citing is not None and citing[0] is not None:  # "X reported, citing Y"
                sp, via = self.speaker_from(citing[0]), subj
            self.add(self.content_span(us, last_a), sp, cue=cue, via=via, roles=self.roles_in(subj))
            return
        if n_subj <= MAX_SUBJECT_TOKENS:
            comp = self.complementizer_after(ce, ue)
            self._subject_first(last_a, cs, comp or ce, ue, cue)
            return
        tnp = self.trailing_np(last_a, cs)
        if tnp is None:
            return
        sp = self.speaker_from(tnp)
        span = (us, tnp.start) if self.terminal_after(ce, ue) else (us, ue)
        self.add(
            self.content_span(*span), sp, cue=cue, via=self.via_in(ce, ue), roles=self.roles_in(tnp)
        )

    def _is_relative(self, phrase: Phrase) -> bool:
        """The phrase is one relative pronoun ("che", "qui", "who", "der"): it stands for the
        noun phrase before it."""
        return " ".join(phrase.text.casefold().split()) in self.w("relatives")

    def _located_body(self, toks: list[Tok], k: int) -> Phrase | None:
        """ "Die Polizei in Wittlich meldete ...": a body, role or source placed by a preposition
        ("in", "à", "en") speaks; the place after it only says where. The phrase before the
        preposition, or None when the words before the capitalised run are no such noun."""
        if k < 2 or toks[k - 1].low not in self.w("place_preps"):
            return None
        speakers = self.w("bodies", "roles", "sources")
        if not any(t.low in speakers for t in toks[: k - 1]):
            return None
        return Phrase(self.text[toks[0].start : toks[k - 2].end], toks[0].start, toks[k - 2].end)

    def _postposed_subject(self, us: int, cs: int) -> tuple[Phrase, Phrase, int] | None:
        """ "<content>, Kwame Mensah, a spokesman for the fire service, told Reuters.": a name and
        its apposition between commas, after the content and before the cue, are the subject.

        The name, the apposition and the comma where the content ends; None unless the last
        comma piece is an apposition opened by a role (with or without an article) and the
        piece before it a short capitalised name, with content before both."""
        chunks = self.chunks(us, cs)
        if len(chunks) < 3:
            return None
        apposition = self.clean_subject(*chunks[-1])
        roles = self.w("roles")
        words = [t for t in self.toks(*chunks[-1]) if t.is_word]
        if apposition is None or not words:
            return None
        head = words[1] if words[0].low in self.w("determiners") and len(words) > 1 else words[0]
        if head.low not in roles:
            return None
        name_words = [t for t in self.toks(*chunks[-2]) if t.is_word]
        if not 2 <= len(name_words) <= 4 or not all(t.is_cap for t in name_words):
            return None
        name = self.clean_subject(*chunks[-2])
        if name is None or self.is_outlet(name.text):
            return None
        content_words = [t for t in self.toks(us, chunks[-2][0]) if t.is_word]
        if len(content_words) < MIN_POSTPOSED_CONTENT_WORDS:
            return None  # "The minister, Ruth Okafor, a lawyer, told ...": a subject, no content
        return name, apposition, chunks[-2][0] - 1

    def _by_preposition(self, d: Draft) -> bool:
        """Whether ``d`` was attributed by a source preposition ("Nach Angaben aus Berlin"),
        which a following "Das sagte X" names more closely."""
        return (
            d.cue is not None
            and self.lex.prep_re is not None
            and self.lex.prep_re.fullmatch(d.cue) is not None
        )

    def _inverted(self, us: int, sep: int, np_: Phrase | None, ce: int, ue: int, cue: str) -> None:
        """ "<content>, ha detto X" / "<content>, said X": speaker after the cue."""
        sp = self.speaker_from(np_) if np_ else Speaker(None)
        via = self.via_in(ce, ue)
        citing = self._citing(ce, ue)
        if citing is not None:  # "X reported, citing Y": Y speaks, X relays
            src, relay = citing
            sp = self.speaker_from(src)
            via = np_ if np_ is not None else via
            if relay is not None:
                via = relay
        elif np_ is not None and self.is_outlet(np_.text) and self._has_prior_claim(us, sep):
            return  # "..., Anadolu news agency reported": a relay, set by _subject_first
        self.add(self.content_span(us, sep), sp, cue=cue, via=via, roles=self.roles_in(np_))

    def _attribution_aside(
        self, us: int, cs: int, ce: int, ue: int
    ) -> tuple[Phrase | None, int, int] | None:
        """A cue and its speaker set off inside a sentence that goes on after them ("Il
        governo – riporta Il Manifesto – vuole ...", "Die Regierung, wie der Spiegel berichtet,
        will ..."): the speaker's phrase, where the sentence starts and where the aside closes."""
        left = self.toks(us, cs)
        k = len(left) - 1
        while k >= 0 and left[k].is_word and MASK not in left[k].text:
            k -= 1
        mark = _aside_mark(self.text, left[k]) if k > 0 else None
        start = self._interrupted_start(us, left[:k])
        if mark is None or start is None:
            return None
        inside = left[k + 1 :]
        relay = self.w("relay")
        while inside and inside[0].low in relay:  # "come ha detto X", "as X said"
            inside = inside[1:]
        if inside:  # "X said": the speaker before the cue
            opener = self.w("relatives", "conjunctions", "complementizers", "subordinators")
            if len(inside) > MAX_INVERTED_SPEAKER_WORDS or (
                inside[0].low in opener and inside[0].low not in self.w("determiners")
            ):
                return None
            np_ = self.clean_subject(inside[0].start, cs)
            close = self._aside_close(ce, ue, mark, after_name=False)
        else:  # "said X"
            # "– so berichtet der Spiegel –": when no one else is named, the outlet speaks
            np_ = self.np_after(ce, ue) or self.np_after(ce, ue, skip_via=False)
            if np_ is not None and len(np_.text.split()) > MAX_INVERTED_SPEAKER_WORDS:
                return None
            pos = np_.end if np_ is not None else ce
            close = self._aside_close(pos, ue, mark, after_name=np_ is not None)
        return None if close is None else (np_, start, close)

    def _interrupted_start(self, us: int, before: list[Tok]) -> int | None:
        """Where the phrase an aside interrupts starts (after a colon or a semicolon), if it is
        short enough to be a sentence's first phrase; ``before`` are the tokens up to the aside."""
        words = 0
        for t in reversed(before):
            if t.text == ";" or (t.text == ":" and not self.text[t.end : t.end + 1].isdigit()):
                us = t.end  # a clause ends there ("22:00" is a time)
                break
            words += t.is_word
        return us if 0 < words <= MAX_INTERRUPTED_WORDS else None

    def _aside_close(self, pos: int, limit: int, mark: str, *, after_name: bool) -> int | None:
        """Where an aside opened by ``mark`` closes at ``pos`` (adverbials and a relay skipped)
        and the sentence resumes after it. A conjunction, gerund or preposition after the
        closing mark goes on about the speaker instead ("…, officials said, adding that ...");
        so does a relative after a name and a comma ("…, sagte der Minister, der ..."), which
        elsewhere is an article ("will, wie der Spiegel berichtet, die Renten kürzen", "– so
        berichtet der Spiegel – die Renten")."""
        toks = self.toks(pos, limit)
        i = self.past_adverbials_and_relay(toks, pos, limit)
        if i + 1 >= len(toks) or _aside_mark(self.text, toks[i]) != mark:
            return None
        nxt = toks[i + 1]
        ends = self.w("conjunctions", "complementizers", "subordinators", "stop_words", "citing")
        relatives = self.w("relatives")
        if not after_name or mark != ",":
            relatives = relatives - self.w("determiners")
        two = " ".join(t.low for t in toks[i + 1 : i + 3])
        if (
            not nxt.is_word
            or MASK in nxt.text
            or nxt.low in ends
            or nxt.low in relatives
            or two in relatives  # "il quale"
            or self.is_gerund(nxt.low)
        ):
            return None
        return toks[i].end

    def _has_prior_claim(self, start: int, end: int) -> bool:
        return any(start <= d.start < end for d in self.drafts)

    def _citing(self, pos: int, limit: int) -> tuple[Phrase | None, Phrase | None] | None:
        if self.lex.citing_re is None:
            return None
        m = self.lex.citing_re.search(self.masked, pos, limit)
        if not m:
            return None
        src = self.np_after(m.end(), limit, skip_via=False)
        if src is None:
            return None
        return (self.outlet_name(src) if self.is_outlet(src.text) else src), None

    def _subject_first(self, ss: int, cs: int, start: int, ue: int, cue: str) -> None:
        """ "X said (that) <content>": speaker before the cue, content after it."""
        subj_toks = [t for t in self.toks(ss, cs) if t.is_word]
        lows = {t.low for t in subj_toks}
        relatives = self.w("relatives")
        after_comma = self.masked[:ss].rstrip().endswith(",")
        if subj_toks and subj_toks[0].low in relatives and len(subj_toks) <= 3 and after_comma:
            # "Ukrainian troops, who have reported ...": the noun before the relative speaks
            unit_start = self._unit_start(ss)
            tnp = self.trailing_np(unit_start, max(unit_start, ss - 1))
            if tnp is None:
                return
            ss, cs = tnp.start, tnp.end
            subj_toks = [t for t in self.toks(ss, cs) if t.is_word]
            lows = set()
        last_chunk = self.chunks(ss, cs)[-1:] or [(ss, cs)]
        inner = {t.low for t in [t for t in self.toks(*last_chunk[0]) if t.is_word][1:]}
        if lows and inner & (self.w("complementizers") | relatives) - self.w("determiners"):
            return  # "the package that the Pentagon announced": not a statement
        if subj_toks and not (
            subj_toks[0].is_cap
            or subj_toks[0].low in self.w("determiners")
            or subj_toks[0].low in self.w("roles", "sources", "pronouns")
            or subj_toks[0].low in self.w("conjunctions")
        ):
            return  # "Commenting on the cuts announced today": no subject
        last = subj_toks[-1] if subj_toks else None
        if (
            last is not None
            and not last.is_cap
            and (
                last.low in self.w("determiners") or (self.lang == "en" and last.low.endswith("ly"))
            )
        ):
            return  # "The newly announced measures": a participle, no subject
        if subj_toks and self.is_gerund(subj_toks[0].low):
            return
        sp = self.subject_of(ss, cs)
        end = ue
        via = self.via_in(ss, start) or self._via_in_lead(ss)
        # "X said <content>, Y news agency reported": Y relays
        for cm in self.lex.verb_re.finditer(self.masked, start, ue):
            before = self.masked[start : cm.start()].rstrip()
            if before.endswith(","):  # "..., riferisce l'agenzia Reuters": the relay after
                relay = self.np_after(cm.end(), ue, skip_via=False)
                if relay and self.is_outlet(relay.text) and self.terminal_after(relay.end, ue):
                    self.used.append(cm.span())
                    via, end = self.outlet_name(relay), start + len(before) - 1
                    break
            ch = self.chunks(start, cm.start())
            if len(ch) < 2:
                continue
            relay = self.clean_subject(*ch[-1])
            if relay and self.is_outlet(relay.text) and self.terminal_after(cm.end(), ue):
                self.used.append(cm.span())
                via, end = relay, ch[-2][1]
                break
        # "X cited Y as saying ...": Y speaks, X relays
        m = re.match(r"\s*(?P<src>[^,.;:]{2,80}?)\s+as\s+saying\b", self.masked[start:ue])
        if cue.casefold() in ("cited", "quoted") and m:
            src = self.clean_subject(start + m.start("src"), start + m.end("src"))
            relay = self.clean_subject(ss, cs)
            if src is not None:
                via = self.outlet_name(relay) if relay and self.is_outlet(relay.text) else via
                sp = self.speaker_from(src)
                start = start + m.end()
                self.used.append((start - 6, start))
        if self.lang == "de" and " " not in cue and self._adjunct_lead(ss, cs):
            # "Am Montag sagte Scholz, ...", "Dem Spiegel sagte der Minister, ...": after an
            # adjunct, German puts the subject after the verb
            inverted = self._subject_after_verb(cs + len(cue), ue) or self._short_subject_after(
                cs + len(cue), ue
            )
            if inverted is not None:
                subject, start = inverted
                sp = self.speaker_from(subject)
                via = via or self.via_in(subject.end, start)
                ss, cs = subject.start, subject.end
        elif self.lang == "de" and self.is_time_lead(ss, cs):
            np_ = self.np_after(cs, ue)
            if np_ is not None and " " in cue:  # "Mitte November hatte Siemens ... angekündigt"
                first = cue.split()[0]
                aux_end = cs + len(first)
                np_ = self.np_after(aux_end, ue)
                if np_ is not None:
                    sp = self.speaker_from(np_)
                    start, end = np_.end, cs + len(cue) - len(cue.split()[-1])
        elif (
            self.lang == "de"
            and len(cue.split()) > 2
            and not self.masked[cs + len(cue) : ue].strip(" ,;:." + DASHES)
        ):  # "Siemens hat den Abbau angekündigt.": the content is inside the verb's frame
            end = min(end, cs + len(cue) - len(cue.split()[-1]))
            start = cs + len(cue.split()[0])
        after = self.toks(start, ue)
        i = self.skip_adverbials(after, 0)
        if 0 < i < len(after) and after[i].text in (",", ":"):
            start = after[i].end  # "erklärte am Montag, sie werde ...": no adverbial is content
        expletive = re.match(r"\s*es\s*,", self.masked[start:ue]) if self.lang == "de" else None
        if expletive is not None:  # "In der Mitteilung hieß es, ...": "es" stands for the content
            start += expletive.end()
        lead = self.via_in(cs, min(ue, start + 80))
        if lead is not None and self._via_at(self.toks(start, ue), 0, lead):
            via, start = lead, lead.end  # "sagte der Nachrichtenagentur dpa, man prüfe ..."
        self.add(
            self.content_span(start, end),
            sp,
            cue=cue,
            via=via,
            roles=self.roles_in(Phrase(self.text[ss:cs], ss, cs)),
        )

    def _adjunct_lead(self, start: int, end: int) -> bool:
        """The words before a verb are an adjunct, not its subject: a time ("Am Montag"), a
        preposition ("Im Interview"), an adverb ("Gestern") or a dative ("Dem Spiegel")."""
        words = [t for t in self.toks(start, end) if t.is_word]
        if not words:
            return False
        first = words[0].low
        clause_openers = self.w("subordinators", "conjunctions", "complementizers")
        return (
            self.is_time_lead(start, end)
            or first in self.w("oblique_determiners")
            or (first in self.w("stop_words") and first not in clause_openers)
            or " ".join(t.low for t in words) in self.w("skip_after_cue")
        )

    def _subject_after_verb(self, pos: int, limit: int) -> tuple[Phrase, int] | None:
        """The subject right after a verb, when what was said follows it after a comma or
        "dass" ("sagte Scholz, die Lage sei ernst"), and where that content starts."""
        np_ = self.np_after(pos, limit)
        if np_ is None:
            return None
        comp = self.complementizer_after(np_.end, limit)
        if comp is not None:
            return np_, comp
        toks = self.toks(np_.end, limit)
        i = self.past_adverbials_and_relay(toks, np_.end, limit)
        if i < len(toks) and toks[i].text in (",", ":"):
            return np_, toks[i].end
        return None

    def _short_subject_after(self, pos: int, limit: int) -> tuple[Phrase, int] | None:
        """ "Zudem warnte Kroll vor voreiligen Schlüssen.": after an adverb the subject follows
        the verb even with no comma or "dass" after it; taken only when it is a name or a role
        with its article (at most MAX_INVERTED_SPEAKER_WORDS words), and two words or more follow
        ("vor voreiligen Schlüssen" is what was said, though it opens with a preposition)."""
        np_ = self.np_after(pos, limit)
        if np_ is None or self.masked[pos : np_.start].strip():
            return None
        words = [t for t in self.toks(np_.start, np_.end) if t.is_word]
        if not words or len(words) > MAX_INVERTED_SPEAKER_WORDS:
            return None
        named = all(t.is_cap for t in words)
        roled = words[0].low in self.w("determiners") and any(
            self.is_role(t.low) or t.low in self.w("bodies") for t in words[1:]
        )
        if not (named or roled) or len([t for t in self.toks(np_.end, limit) if t.is_word]) < 2:
            return None
        return np_, np_.end

    def is_time_lead(self, start: int, end: int) -> bool:
        first = self._masked_tokens.first_word(start, end)
        return first is not None and first.low in self.w("time_words")

    def read_prepositions(self, us: int, ue: int) -> None:
        """ "according to X" / "secondo X" / "selon X" / "laut X" / "según X" / "X zufolge"."""
        matches: list[tuple[re.Match[str], bool]] = []
        if self.lex.prep_re is not None:
            matches += [(m, False) for m in self.lex.prep_re.finditer(self.masked, us, ue)]
        if self.lex.postp_re is not None:
            matches += [(m, True) for m in self.lex.postp_re.finditer(self.masked, us, ue)]
        strict = self.w("preposition_strict")
        for m, post in matches:
            if self.is_used(*m.span()):
                continue
            if not post and self._read_relative_source(m, us, ue):
                continue
            if post:
                ch = self.chunks(us, m.start())
                a = ch[-1][0] if ch else us
                np_ = self.clean_subject(a, m.start())
                pp = (a, m.end())
            else:
                relay = (
                    self.lex.relay_re.match(self.masked, m.end(), ue)
                    if self.lex.relay_re is not None
                    else None
                )
                if relay:
                    via = self.via_in(m.end(), min(ue, relay.end() + 40))
                    np_ = via
                    pp_end = via.end if via else relay.end()
                    if via is not None:
                        target = [d for d in self.drafts if us <= d.start < ue]
                        self.used.append(m.span())
                        if target:
                            for d in target:
                                d.via = d.via or self.outlet_name(via).text
                            continue
                        content = self._pp_content(us, ue, m.start(), pp_end)
                        if self.drafts:  # goes on reporting the previous source
                            self.add(content, Speaker(None), cue=m.group(), via=via)
                        else:  # the outlet is the only source named
                            name = self.outlet_name(via)
                            self.add(
                                content, Speaker(name.text, name.start, name.end), cue=m.group()
                            )
                        continue
                at = relay.end() if relay else m.end()
                np_ = self.np_after(at, ue, skip_via=False)
                past = self._past_document(at, ue)
                if past is not None and (np_ is None or np_.end <= past):
                    # "a report by the FT", "einem Bericht im Spiegel": the document's source
                    np_ = self.np_after(past, ue, skip_via=False) or np_
                pp = (m.start(), np_.end if np_ else m.end())
            if np_ is None:
                continue
            if m.group().casefold() in strict and not (
                self.is_outlet(np_.text) or self._fronted_source(us, m.start(), np_)
            ):
                continue
            self.used.append(m.span())
            target = [d for d in self.drafts if us <= d.start < ue]
            if target:
                if self.is_outlet(np_.text):
                    outlet = self.outlet_mention(np_)
                    for d in target:
                        speaks = d.speaker_span is not None and (
                            d.speaker_span[0] < outlet.end and outlet.start < d.speaker_span[1]
                        )  # "Wie die Agentur dpa berichtet, ...": the outlet is the speaker
                        if not speaks:
                            d.via = d.via or self.outlet_name(np_).text
                continue
            np_ = self._strip_source_noun(np_)
            cited = self._cited_source(np_, ue)
            via = None
            if cited is not None:  # "según fuentes citadas por Europa Press, ..."
                np_, via = cited
                pp = (pp[0], max(pp[1], via.end))
            elif (citing := self._citing_aside(np_, ue)) is not None:
                # "Selon Le Figaro, qui cite des sources gouvernementales, ..."
                source, aside_end = citing
                if source is not None and self.is_outlet(np_.text):
                    np_, via = source, self.outlet_name(np_)
                pp = (pp[0], aside_end)
            content = self._pp_content(us, ue, pp[0], pp[1])
            self.add(
                content, self.speaker_from(np_), cue=m.group(), roles=self.roles_in(np_), via=via
            )

    def _dative_outlet(self, subj: Phrase, verb: int) -> tuple[Phrase, Phrase | None]:
        """German puts the outlet told before a final verb ("wie eine Sprecherin der Behörde
        der Nachrichtenagentur AFP sagte"): the subject without it, and the outlet. The outlet
        may be a quoted title the subject phrase stops before ('dem „Spiegel“ sagte')."""
        outlet = next((p for p in self._mentions if subj.start < p.start < verb), None)
        if outlet is None:
            return subj, None
        toks = [t for t in self.toks(subj.start, outlet.start) if t.is_word]
        k = len(toks)
        det = self.w("determiners")
        while k > 0 and (
            toks[k - 1].low in det or self.lex.outlet_noun_re.fullmatch(toks[k - 1].text)
        ):
            k -= 1
        if k == 0 or k == len(toks) or toks[k].low not in ("der", "dem"):
            return subj, None  # "die Agentur dpa" is the subject; an outlet named without a dative
        # "wie X im Gespräch mit der dpa sagte": the interview phrase is no part of the subject
        interview = self.w("interview")
        n = next((n for n in (4, 3, 2) if " ".join(t.low for t in toks[k - n : k]) in interview), 0)
        if 0 < n < k:
            k -= n
        end = toks[k - 1].end
        return Phrase(self.text[subj.start : end], subj.start, end), outlet

    def _citing_aside(self, np_: Phrase, limit: int) -> tuple[Phrase | None, int] | None:
        """An aside between commas right after a source ("Le Figaro, qui cite des sources
        gouvernementales,"): whom it cites (None if it cites nobody), and where the aside ends."""
        m = _ASIDE.match(self.masked, np_.end, limit)
        if m is None:
            return None
        words = [t for t in self.toks(m.start(1), m.end(1)) if t.is_word]
        cites = self.w("cites_after")
        for n in (4, 3, 2, 1):
            if len(words) > n and " ".join(t.low for t in words[:n]) in cites:
                start = words[n].start
                return Phrase(self.text[start : m.end(1)], start, m.end(1)), m.end()
        if words and words[0].low in self.w("relatives"):
            return None, m.end()  # "Selon X, qui ..., le texte ...": the aside is no content
        return None

    def _cited_source(self, np_: Phrase, limit: int) -> tuple[Phrase, Phrase] | None:
        """A source and the outlet that relays it, in or right after the phrase ``np_`` ("une
        source diplomatique citée par Le Monde", "fonti citate dall'Ansa")."""
        via = self.via_in(np_.start, min(limit, np_.end + 60))
        if via is None:
            return None
        words = [t for t in self.toks(np_.start, via.start, masked=False) if t.is_word]
        cited = self.w("cited_by")
        for k in range(1, len(words)):
            lows = [t.low for t in words[k : k + 3]]
            if any(" ".join(lows[:n]) in cited for n in (1, 2, 3)):
                end = words[k - 1].end
                return Phrase(self.text[np_.start : end], np_.start, end), via
        return None

    def _read_relative_source(self, m: re.Match[str], us: int, ue: int) -> bool:
        """ "Il sindaco Gualtieri, secondo cui la città è pronta, ...": the noun before a source
        preposition with a relative pronoun speaks; whether the claim was read."""
        if m.group().casefold() in self.w("preposition_strict"):
            return False  # "per la quale": "for which", no source
        toks = self.toks(m.end(), min(ue, m.end() + 30))
        relatives = self.w("prep_relatives")
        n = next((n for n in (2, 1) if " ".join(t.low for t in toks[:n]) in relatives), 0)
        before = self.masked[us : m.start()].rstrip()
        if not n or not before.endswith(","):
            return False
        chunks = self.chunks(us, us + len(before) - 1)
        # "Silvia Noé, dell'Udc, secondo cui": a chunk opening with "of" only describes the noun
        while len(chunks) > 1 and self._masked_tokens.head(*chunks[-1], 1)[0].low in self.w(
            "connectors"
        ):
            chunks.pop()
        np_ = self.trailing_np(*chunks[-1]) if chunks else None
        if np_ is None:
            return False
        prev = [t for t in self.toks(chunks[-1][0], np_.start) if t.is_word][-1:]
        if prev and prev[0].low in self.w("stop_words"):
            return False  # "polemiche sorte su Twitter, secondo le quali": a name in a phrase
        start, end = toks[n - 1].end, ue
        if not self.masked[us : np_.start].strip():  # the clause sits inside its sentence
            comma = self.masked.find(",", start, ue)
            end = comma if comma > 0 else ue
        self.used.append(m.span())
        cue = self.text[m.start() : start]
        sp, roles = self.speaker_from(np_), self.roles_in(np_)
        self.add(self.content_span(start, end), sp, cue=cue, roles=roles)
        return True

    def _fronted_source(self, us: int, ps: int, np_: Phrase) -> bool:
        """ "Per Confindustria, la manovra è insufficiente": an ambiguous preposition ("per")
        names a source when it opens the sentence and its phrase, a person, an organisation or a
        role, is set off by a comma ("Per Natale, ..." is no source)."""
        if self.masked[us:ps].strip() or self.masked[np_.end : np_.end + 1] != ",":
            return False
        words = {t.low for t in tokenize(self.text, np_.start, np_.end, self.lang)}
        if words & self.w("roles", "bodies", "sources"):
            return True
        entity = self._entity_at(np_.start, np_.end)
        return entity is not None and str(entity.type) in ("PERSON", "ORG")

    def _pp_content(self, us: int, ue: int, ps: int, pe: int) -> tuple[int, int] | None:
        before = self.masked[us:ps].strip(" ,;:" + DASHES)
        after = self.masked[pe:ue].strip(" ,;:." + DASHES)
        left = self.toks(us, ps)
        mark = _aside_mark(self.text, left[-1]) if before and left else None
        start = self._interrupted_start(us, left[:-1]) if mark is not None else None
        if (
            mark is not None
            and start is not None
            and self._aside_close(pe, ue, mark, after_name=True) is not None
        ):
            return self.content_span(start, ue)  # "Il governo, secondo X, vuole ...": both sides
        if len(before.split()) >= len(after.split()):
            return self.content_span(us, ps)
        return self.content_span(pe, ue)

    def document_owner(self, phrase: Phrase) -> Phrase | None:
        """Who speaks through a document: "(in) una nota del ministero" -> "ministero", "(in)
        einer Mitteilung des Ministeriums" -> "Ministeriums"; None for a document nobody is
        named for ("in una nota"); any other phrase as it is."""
        possessive = _POSSESSIVE_DOCUMENT.fullmatch(phrase.text)
        if possessive and possessive.group(2).casefold() in self.w("source_nouns"):
            owner = possessive.group(1)  # "the company's statement"
            return Phrase(owner, phrase.start, phrase.start + len(owner))
        toks = [t for t in tokenize(self.text, phrase.start, phrase.end, self.lang) if t.is_word]
        k = 1 if len(toks) > 1 and toks[0].low in self.w("stop_words") else 0
        if k < len(toks) and toks[k].low in self.w("determiners"):
            k += 1
        if k >= len(toks) or toks[k].low not in self.w("source_nouns"):
            return phrase
        if k + 1 == len(toks):
            return None
        owner = self._strip_source_noun(
            Phrase(self.text[toks[k].start : phrase.end], toks[k].start, phrase.end)
        )
        return owner if owner.start > toks[k].start else phrase

    def _document_read(self, start: int, end: int) -> Attribution | None:
        """ "The statement read: “…”", "il comunicato recita: «…»": the document's author speaks
        (the one named as its owner, else the previous speaker)."""
        toks = [t for t in self.toks(start, end) if t.is_word]
        if len(toks) < 2 or toks[-1].low not in self.w("document_verbs"):
            return None
        chunks = self.chunks(start, toks[-1].start)
        phrase = self.clean_subject(*chunks[-1]) if chunks else None
        if phrase is None:
            return None
        nouns = {t.low for t in tokenize(self.text, phrase.start, phrase.end, self.lang)}
        if nouns.isdisjoint(self.w("source_nouns")):
            return None  # "Il cantante recita:" is a performance, not a document
        return self.speaker_from(phrase), None, toks[-1].text, self.roles_in(phrase)

    def _past_document(self, pos: int, limit: int) -> int | None:
        """The end of "a report by" / "reporting in" at ``pos``: who wrote it or where it ran
        follows."""
        words = [t for t in self.toks(pos, min(limit, pos + 60)) if t.is_word][:4]
        k = 0
        while k < len(words) and words[k].low in self.w("determiners"):
            k += 1
        if (
            k + 1 < len(words)
            and words[k].low in self.w("source_nouns")
            and words[k + 1].low in self.w("agent_preps", "connectors", "publication_preps")
        ):
            return words[k + 1].end
        return None

    def _strip_source_noun(self, np_: Phrase) -> Phrase:
        """ "i dati dell'Istat" -> "Istat": the body, not its figures."""
        toks = tokenize(self.text, np_.start, np_.end, self.lang)
        nouns, conn = self.w("source_nouns"), self.w("connectors")
        for k, t in enumerate(toks[:3]):
            if t.low in nouns and k + 1 < len(toks) and toks[k + 1].low in conn:
                rest = toks[k + 2 :]
                if (
                    rest
                    and rest[0].low in self.w("determiners")
                    # "El País", "Le Monde": the article is part of the name
                    and not self.lex.outlet_re.match(self.text, rest[0].start)
                ):
                    rest = rest[1:]
                if rest:
                    return Phrase(self.text[rest[0].start : np_.end], rest[0].start, np_.end)
        return np_

    def read_verbless(self, index: int) -> None:
        """The previous sentence's source, named without a verb: "Così la premier G. Meloni."."""
        leads = self.w("verbless_anaphora")
        if not leads or index == 0:
            return
        us, ue = self.units[index]
        # casefolding goes character by character: a unit without a lead word, so folded, has none
        folded = self.masked[us:ue].casefold()
        if not any(word in folded for word in leads):
            return
        lead = self._masked_tokens.first_word(us, ue)
        if lead is None or lead.low not in leads:
            return
        if self.lex.verb_re.search(self.masked, us, ue):
            return
        np_ = self.np_after(lead.end, ue)
        if np_ is None:
            return
        sp = self.speaker_from(np_)
        via = self.via_in(lead.end, ue)  # "Così all'Adnkronos il ministro X."
        ps, pe = self.units[index - 1]
        earlier = [d for d in self.drafts if ps <= d.start < pe and not d.explicit]
        for d in earlier:
            d.speaker, d.carry, d.explicit, d.cue = sp.text, sp.text is None, True, lead.text
            d.via = self.outlet_name(via).text if via else d.via
            d.speaker_span = (sp.start, sp.end) if sp.text else None
            d.role, d.intro_roles = sp.role, self.roles_in(np_)
        if not earlier and not any(ps <= d.start < pe for d in self.drafts):
            self.add(
                self.content_span(ps, pe), sp, cue=lead.text, via=via, roles=self.roles_in(np_)
            )

    def read_konjunktiv(self, index: int) -> None:
        """German: a sentence in Konjunktiv I right after a claim reports the same speaker."""
        forms = self.w("konjunktiv")
        if not forms or index == 0:
            return
        us, ue = self.units[index]
        if any(us <= d.start < ue or d.start <= us < d.end for d in self.drafts):
            return
        if not any(t.low in forms for t in self.toks(us, ue) if t.is_word):
            return
        recent = [u for u in self.units[max(0, index - 2) : index]]
        if not any(a <= d.start < b for a, b in recent for d in self.drafts):
            return
        self.add(self.content_span(us, ue), Speaker(None), cue=None)

    # ---------------------------------------------------------- whole document

    def read(self) -> list[Claim]:
        for i, unit in enumerate(self.units):
            self.read_quotes(unit)
            self.read_verbless(i)
            self.read_reported(i)
            self.read_konjunktiv(i)
        self._merge_nested()
        return self._resolve()

    def _merge_nested(self) -> None:
        """A quote inside a reported claim's content is part of that claim, not another one."""
        keep = []
        for d in self.drafts:
            outer = next(
                (
                    o
                    for o in self.drafts
                    if o is not d
                    and o.start <= d.start
                    and d.end <= o.end
                    and (o.end - o.start) > (d.end - d.start)
                ),
                None,
            )
            if outer is not None and (not d.explicit or d.cue is None):
                if outer.speaker is None and d.speaker is not None:
                    outer.speaker, outer.speaker_span, outer.carry = (
                        d.speaker,
                        d.speaker_span,
                        False,
                    )
                outer.via = outer.via or d.via
                continue
            keep.append(d)
        seen: set[tuple[int, int]] = set()
        self.drafts = []
        for d in sorted(keep, key=lambda d: d.start):
            if (d.start, d.end) not in seen:
                seen.add((d.start, d.end))
                self.drafts.append(d)

    def _entity_at(self, start: int, end: int) -> Any:
        """The entity of the entity span overlapping ``[start, end)`` that ends last."""
        best: tuple[int, Any] | None = None
        for s, e, span in self._entity_spans():
            if s < end and start < e and (best is None or e > best[0]):
                entity = span._.entity  # read only here: an extension lookup is costly
                if entity is not None:
                    best = (e, entity)
        return best[1] if best is not None else None

    def _previous_unit_start(self, pos: int) -> int:
        """Where the sentence before the one ``pos`` lies in begins: how far back a reference
        looks."""
        unit = next((k for k, (_, ue) in enumerate(self.units) if pos < ue), len(self.units) - 1)
        return self.units[max(0, unit - 1)][0]

    def _person_before(self, pos: int) -> tuple[str | None, str | None]:
        """The person a subject-less first cue refers to ("Sánchez habló en Madrid. [...], dijo
        este lunes."): the last one named in this sentence or the one before, else nobody."""
        since = self._previous_unit_start(pos)
        for s, e, span in reversed(self._entity_spans()):
            if e > pos or s < since:
                continue
            entity = span._.entity
            if entity is not None and str(entity.type) == "PERSON":
                return entity.canonical, entity.key
        return None, None

    def _organisation_meant(self, span: tuple[int, int] | None) -> Any:
        """The organisation a definite body phrase refers back to, named in this sentence or the
        one before: "the company" means the last company named (listed as one, or not listed),
        "the ministry" the last organisation whose name holds "ministry"."""
        if span is None:
            return None
        words = [t for t in tokenize(self.text, span[0], span[1], self.lang) if t.is_word]
        if len(words) != 2 or words[0].low not in self.w("determiners"):
            return None
        article, noun = words[0].low, words[1].low
        if article in INDEFINITE_ARTICLES or noun not in self.w("bodies", "company_nouns"):
            return None
        since = self._previous_unit_start(span[0])
        for s, e, ent_span in reversed(self._entity_spans()):
            if e > span[0] or s < since:
                continue
            entity = ent_span._.entity
            if (
                entity is not None
                and str(entity.type) == "ORG"
                and (
                    noun in entity.canonical.casefold()
                    or (
                        noun in self.w("company_nouns")
                        and org_kinds().get(entity.key, "company") == "company"
                    )
                )
            ):
                return entity
        return None

    def _entity_spans(self) -> list[tuple[int, int, Span]]:
        """(start, end, span) of the entity spans, read once: a Span per lookup is costly."""
        if self._entities is None:
            spans = self.doc.spans.get(ENTITIES_KEY) if ENTITIES_KEY in self.doc.spans else None
            self._entities = [(sp.start_char, sp.end_char, sp) for sp in spans or ()]
        return self._entities

    def full_name(self, surname: str) -> str:
        """ "Hofmann" -> "Jörg Hofmann" when the text names him in full somewhere."""
        if not surname[:1].isupper() or surname.casefold() in self.w("org_words"):
            return surname
        skip = self.w("title_words", "determiners", "honorifics", "org_words")
        for m in re.finditer(
            rf"(?<![\w.])([A-ZÀ-Ý][\w'’-]+) {re.escape(surname)}(?!\w)", self.text
        ):
            first = m.group(1)
            before = self.text[: m.start()].rstrip()
            if (
                first.isupper()
                or first.casefold() in skip
                or not before
                or before[-1] in '.!?:\n«“"'
            ):
                continue
            if self.lex.verb_re.fullmatch(first) or first.casefold() in self.w("roles"):
                continue
            return f"{first} {surname}"
        return surname

    def _fill_leading_quotes(self) -> None:
        """Quotes before any attribution take the speaker of the quote that follows them
        ("“First paragraph ... ¶ “Second paragraph,” she said.")."""
        for k, d in enumerate(self.drafts):
            if d.speaker is not None or d.explicit is True:
                return
            nxt = next((n for n in self.drafts[k + 1 :] if n.speaker is not None), None)
            if nxt is None or nxt.kind != ClaimKind.DIRECT or nxt.start - d.end > 400:
                return
            d.speaker, d.speaker_span, d.carry, d.explicit = (
                nxt.speaker,
                nxt.speaker_span,
                False,
                True,
            )
            d.role, d.intro_roles = nxt.role, nxt.intro_roles

    def _resolve(self) -> list[Claim]:
        self._fill_leading_quotes()
        out: list[Claim] = []
        spans: list[tuple[int, int] | None] = []
        last: tuple[str, str | None] | None = None
        named: list[_Named] = []
        for d in self.drafts:
            speaker, key = d.speaker, None
            if speaker is None or d.carry:
                if last is None and not d.explicit:
                    continue
                speaker, key = last if last is not None else self._person_before(d.start)
            elif d.role is not None:
                match = next((n for n in reversed(named) if d.role in n.roles), None)
                if match is None and named and named[-1].may_be_person and d.role[-1:] != "s":
                    match = named[-1]  # "the minister" is the person just named, not "Russia"
                if match is not None:
                    speaker, key = match.speaker, match.key
            else:
                ent = self._entity_at(*d.speaker_span) if d.speaker_span else None
                org = self._organisation_meant(d.speaker_span) if ent is None else None
                if org is not None:  # "The company" is the company just named
                    ent, speaker, key = org, org.canonical, org.key
                person = ent is None or str(ent.type) == "PERSON"
                if ent is not None and person and speaker in ent.canonical:
                    speaker, key = ent.canonical, ent.key
                elif (
                    ent is not None
                    and d.speaker_span is not None
                    and (self.text[d.speaker_span[0] : d.speaker_span[1]].endswith(ent.text))
                ):
                    key = ent.key
                if " " not in speaker:
                    full = next(
                        (
                            n
                            for n in reversed(named)
                            if n.speaker.split()[-1] == speaker and " " in n.speaker
                        ),
                        None,
                    )
                    if full is not None:
                        speaker, key = full.speaker, full.key or key
                parts = speaker.split()
                if key is None and (len(parts) == 1 or (len(parts) == 2 and parts[0] in PARTICLES)):
                    speaker = self.full_name(speaker)
                named.append(_Named(speaker, d.intro_roles, key, person))
            if speaker is not None:
                last = (speaker, key)
            own = d.speaker_span if not d.carry and d.speaker is not None else None
            if own is not None and speaker == self.text[own[0] : own[1]]:
                speaker = self.original[own[0] : own[1]]  # as written, agency accents and all
            spans.append(own)
            out.append(
                Claim(
                    speaker=speaker,
                    kind=d.kind,
                    text=self.original[d.start : d.end],
                    start=d.start,
                    end=d.end,
                    via=d.via,
                    speaker_key=key,
                    cue=d.cue,
                )
            )
        return self.resolver().resolve(out, spans)

    def resolver(self) -> SpeakerResolver:
        """The speaker-resolution step over this document's entity mentions."""
        mentions = []
        for s, e, span in self._entity_spans():
            entity = span._.entity
            if entity is not None:
                mentions.append(
                    Mention(entity.text, s, e, str(entity.type), entity.canonical, entity.key)
                )
        return SpeakerResolver(self.original, mentions, self.lex.speaker_words())


# ---------------------------------------------------------------- the spaCy component


class ClaimExtractor:
    """Sets ``doc._.claims``: the attributed claims of a document.

    Example::

        nlp = spacy.blank("it")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("newsstream_claims")
        doc = nlp("«Nessun Paese dovrebbe subire tutto questo», ha commentato Volodymyr Zelensky.")
        doc._.claims[0].speaker  # "Volodymyr Zelensky"
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "newsstream_claims",
        *,
        lexicon_dir: str | None = None,
        overwrite: bool = True,
    ) -> None:
        self.name = name
        self.lang = nlp.lang
        self.lexicon_dir = lexicon_dir or str(LEXICON_DIR)
        self.overwrite = overwrite
        self.lexicon = load_lexicon(self.lang, self.lexicon_dir)

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None) -> None:
        """Lexicons are package data, loaded at construction; nothing to learn."""
        self.lexicon = load_lexicon(self.lang, self.lexicon_dir)

    def __call__(self, doc: Doc) -> Doc:
        if doc._.claims is not None and not self.overwrite:
            return doc
        doc._.claims = self.predict(doc)
        return doc

    def predict(self, doc: Doc) -> list[Claim]:
        lex = (
            self.lexicon
            if doc.lang_ == self.lexicon.lang
            else load_lexicon(doc.lang_, self.lexicon_dir)
        )
        return DocumentReader(doc, lex).read()

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "newsstream_claims",
    assigns=["doc._.claims"],
    default_config={"lexicon_dir": None, "overwrite": True},
)
def make_claim_extractor(
    nlp: Language, name: str, lexicon_dir: str | None, overwrite: bool
) -> ClaimExtractor:
    return ClaimExtractor(nlp, name, lexicon_dir=lexicon_dir, overwrite=overwrite)

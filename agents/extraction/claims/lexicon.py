"""The cue words of one language, compiled once: ``agents/extraction/lexicons/claims_<lang>.yaml``
plus ``claims_common.yaml`` (outlets) become the patterns the readers search (speech verbs, source
prepositions, gerund cues, outlet names ...).

Everything language-specific the readers know comes from here, as words or switches.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from agents.extraction.claims.text import DASHES, TOKEN_ELIDING
from agents.extraction.entities import load_lexicons
from agents.extraction.speakers import SpeakerWords

LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicons"  # agents/extraction/lexicons
SUPPORTED_LANGUAGES = ("it", "en", "fr", "de", "es")  # with their own lexicon; others use "en"
INDEFINITE_ARTICLES = frozenset({"a", "an", "un", "une", "una", "uno", "ein", "eine", "one"})


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

    def switch(self, name: str) -> bool:
        """A yes/no property of the language's grammar the rules read (``verb_second``,
        ``verb_frame``, ``dative_outlets``): false unless the lexicon sets it."""
        return bool(self.data.get(name, False))

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
                same_source=w("same_source"),
                same_words=w("same_words"),
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
                    for m in TOKEN_ELIDING.finditer(text, start, end)
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

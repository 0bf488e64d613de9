"""Figures: the numbers an article states about the world, with unit, counted noun and qualifier.

A figure is a count, an amount of money, a percentage, a measure or a duration ("almeno altri
3.000 soldati", "£1.11 billion", "24 horas"). Dates, years, clock times, ordinals, phone numbers
and vague quantities ("centinaia", "thousands") are not figures.

The component works on the text itself, not on spaCy tokens: numerals such as "36mila", "£21m",
"l'11,8%" or French "3 000" are split differently by each language's tokenizer, while a small
lexer of digits, letters and symbols sees them the same way everywhere. spaCy is used for what it
knows better: sentence bounds (for where to look for the counted noun) and, when a parser ran, the
noun a number modifies. Everything language-specific (number words, multipliers, currencies,
units, qualifiers, month names ...) is data under
``agents/extraction/lexicons/figures_<lang>.yaml``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import raise_error

from agents.extraction.annotations import Claim, Figure
from agents.extraction.doctext import doc_text
from agents.extraction.numbers import AtomKind, NumberWords, parse_digits

SPANS_KEY = "newsstream_figures"
LEXICON_DIR = Path(__file__).parent / "lexicons"
FALLBACK_LANG = "en"

if not Span.has_extension("figure"):
    Span.set_extension("figure", default=None)


class FigureKind(StrEnum):
    MONEY = "money"
    PERCENT = "percent"
    MEASURE = "measure"
    DURATION = "duration"
    COUNT = "count"


TIME_UNITS = frozenset({"h", "min", "s", "day", "week", "month", "year"})

_LETTER = r"[^\W\d_]"
_WORD_RE = re.compile(rf"(?:[A-Z]\.){{2,}}|{_LETTER}+(?:[-‑]{_LETTER}+)*|\d[\d.,]*|[^\w\s]")
# Patterns used at every candidate, compiled once rather than looked up in re's cache each time.
_LETTER_RE = re.compile(_LETTER)
_SPACES_RE = re.compile(r"\s+")
_STEM_WORD_RE = re.compile(r"\w+")
_INITIALS_RE = re.compile(r"(?:[A-Z]\.){2,}")
_SPACED_DIGIT_RE = re.compile(r"[ \u00a0]\d")
_DASHED_DIGIT_RE = re.compile(r"[-‑]\d")
_ISO_DATE_RE = re.compile(r"[-‑]\d+[-‑]\d")
_FRENCH_CLOCK_RE = re.compile(r"h\d\d")
_CLOCK_DIGITS_RE = re.compile(r"\d{1,2}[.,]\d{2}")
_SCORE_AFTER_RE = re.compile(r"[-–:](\d{1,2})(?![\d.,%])")
_SCORE_BEFORE_RE = re.compile(r"(?<![\d.,])(\d{1,2})[-–:]$")
_NAME_BEFORE_RE = re.compile(rf"(?<![\w.])({_LETTER}+)[ \u00a0]$")
_ORDINAL_DOT_RE = re.compile(r"\.[ \u00a0]+(\S)")
_WORD_AFTER_SPACE_RE = re.compile(rf"[ \u00a0]({_LETTER}+)")
_WORD_AFTER_SPACES_RE = re.compile(rf"[ \u00a0]+({_LETTER}+)")
_ONE_GROUP_RE = re.compile(r"([1-9])[ \u00a0\u202f\u2009.,](\d{3})")
_THOUSAND_TAIL_RE = re.compile(r"[ \u00a0](\d{1,3})")


class Phrases:
    """A set of surface forms matched at a position: lowercase forms ignore case, others don't.

    "Mio." and "M" must keep their case (a capital M is a million in French, a lowercase m a
    metre), while "milioni" or "per cento" may start a sentence.
    """

    def __init__(
        self, forms: Mapping[str, Any] | Iterable[str], *, case_sensitive: bool = False
    ) -> None:
        items = dict(forms) if isinstance(forms, Mapping) else {f: f for f in forms}
        self._exact = {str(k): v for k, v in items.items()}
        self._folded = {str(k).casefold(): v for k, v in items.items()}
        self._alternatives: list[tuple[str, str]] = []  # (form, its pattern), longest first
        for form in sorted(self._exact, key=len, reverse=True):
            escaped = re.escape(form).replace(r"\ ", r"\s+")
            fold = _case_free(form) and not case_sensitive
            self._alternatives.append((form, f"(?i:{escaped})" if fold else escaped))
        alternatives = [alternative for _, alternative in self._alternatives]
        self.pattern = "|".join(alternatives) if alternatives else r"(?!x)x"

    @property
    def grouped_pattern(self) -> str:
        """``pattern`` with the forms grouped by first letter, each group behind a lookahead.

        A position then tries the few forms that can start there rather than all of them, in
        their usual order; forms starting with different letters never match at the same
        position, so the match found is the same. ``pattern`` itself when two first letters
        could match the same character (like "s" and "ſ") or some form starts with a space.
        """
        groups: dict[str, list[tuple[str, str]]] = {}
        for form, alternative in self._alternatives:
            if not form or form[0].isspace():
                return self.pattern
            groups.setdefault(form[0].lower(), []).append((form, alternative))
        for a in groups:
            if len(a) != 1:  # "İ" lowercases to two characters
                return self.pattern
            for b in groups:
                if a != b and re.fullmatch(f"(?i:{re.escape(a)})", b):
                    return self.pattern
        return (
            "|".join(
                "(?=(?i:["
                + "".join(sorted({re.escape(form[0]) for form, _ in members}))
                + "]))(?:"
                + "|".join(alternative for _, alternative in members)
                + ")"
                for members in groups.values()
            )
            or self.pattern
        )

    def payload(self, surface: str) -> Any:
        key = _SPACES_RE.sub(" ", surface)
        return self._exact.get(key, self._folded.get(key.casefold()))

    def __contains__(self, word: str) -> bool:
        return word in self._exact or (word.casefold() in self._folded and _case_free(word))

    def compile_after(self, lead: str = r"[ \u00a0\u202f]?") -> re.Pattern[str]:
        """A pattern for one of the forms right after a number (``pattern.match(text, pos)``)."""
        return re.compile(rf"{lead}(?P<w>{self.pattern})(?!{_LETTER})")

    def compile_before(self, trail: str = r"[\s\u00a0]*") -> re.Pattern[str]:
        """A pattern matching one of the forms at the end of a window of text before a number."""
        forms = self.grouped_pattern
        return re.compile(rf"{self.first_char}(?<!{_LETTER})(?P<w>{forms}){trail}$")

    @property
    def first_char(self) -> str:
        """A lookahead for the first character of a form, in any case, to put before the forms.

        A search for a window's last words tries every position; this one quick test passes
        over the positions where no form starts before the lookbehind and all the forms are
        tried. Empty when some form could start anywhere.
        """
        firsts = {form[:1] for form in self._exact}
        if not firsts or any(not c or c.isspace() for c in firsts):
            return ""
        return "(?=(?i:[" + "".join(re.escape(c) for c in sorted(firsts)) + "]))"


def _after_first_letter(starts: Iterable[str]) -> list[str]:
    """Alternatives matching ``starts`` (lowercase ASCII) once their first letter is consumed.

    Keyed on the second letter, so the engine compares one character to rule most of them out;
    a start shorter than three letters must be a whole word (the lexer's token is that short).
    """
    whole_word = rf"(?!{_LETTER}|[-‑]{_LETTER})"
    by_second: dict[str, list[str]] = {}
    single: list[str] = []
    for start in sorted(starts):
        if len(start) == 1:
            single.append(start)
        else:
            by_second.setdefault(start[1], []).append(start)
    alternatives = []
    for second, words in by_second.items():
        ends = [
            rf"(?<={re.escape(w[:2])}){re.escape(w[2:]) if len(w) > 2 else whole_word}"
            for w in words
        ]
        alternatives.append(rf"{re.escape(second)}(?:{'|'.join(ends)})")
    if single:
        alternatives.append(rf"(?<=[{re.escape(''.join(single))}]){whole_word}")
    return alternatives


def _share_stem(a: str | None, b: str | None) -> bool:
    def stems(s: str | None) -> set[str]:
        return {w.casefold()[:5] for w in _STEM_WORD_RE.findall(s or "") if len(w) >= 3}

    return bool(stems(a) & stems(b))


def _case_free(form: str) -> bool:
    return form == form.lower() and len(form) > 2


def _set(words: Iterable[str] | None) -> frozenset[str]:
    return frozenset(w.casefold() for w in words or ())


@dataclass(frozen=True)
class FigureLexicon:
    """The compiled figure rules of one language, built once from its YAML lexicon."""

    lang: str
    data: dict[str, Any]
    common: dict[str, Any]

    @classmethod
    def load(cls, lang: str, directory: Path = LEXICON_DIR) -> FigureLexicon:
        path = directory / f"figures_{lang}.yaml"
        if not path.exists():
            path = directory / f"figures_{FALLBACK_LANG}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        common = yaml.safe_load((directory / "figures_common.yaml").read_text(encoding="utf-8"))
        return cls(lang, data, common)

    # -- numerals -------------------------------------------------------------------------------
    @property
    def decimal(self) -> str:
        return str(self.data["decimal"])

    @cached_property
    def token_re(self) -> re.Pattern[str]:
        spaces = r"[ \u00a0\u202f\u2009]" if self.data.get("space_grouping") else r"[\u00a0\u202f]"
        return re.compile(
            rf"(?P<num>\d{{1,3}}(?:{spaces}\d{{3}})+(?:[.,]\d+)?(?![\d.,]\d)|\d+(?:[.,:/]\d+)*)"
            rf"|(?P<word>{_LETTER}+(?:[-‑]{_LETTER}+)*)|(?P<sym>\S)"
        )

    @cached_property
    def words(self) -> NumberWords:
        n = self.data["numbers"]
        return NumberWords(
            units=n.get("units") or {},
            hundreds=n.get("hundreds") or [],
            powers=n.get("powers") or {},
            dozens=n.get("dozens") or {},
            connectors=n.get("connectors") or [],
            bound=n.get("bound") or {},
        )

    @cached_property
    def multipliers(self) -> re.Pattern[str]:
        return Phrases(self.data.get("multipliers") or {}).compile_after()

    @cached_property
    def subject_verbs(self) -> frozenset[str]:
        """Verbs whose complement is an amount of their subject ("rose to", "sale a", "est de")."""
        keys = ("change_verbs", "linking_verbs", "auxiliaries", "subject_verbs")
        return frozenset(w.casefold() for key in keys for w in (self.data.get(key) or []))

    @cached_property
    def lone_indefinite(self) -> frozenset[str]:
        """The indefinite words that count one person alone ("una persona è morta"); by
        default every indefinite word, where the article and the numeral are one word."""
        forms = self.data.get("lone_indefinite", self.data.get("indefinite")) or []
        return frozenset(w.casefold() for w in forms)

    @cached_property
    def singular_multipliers(self) -> frozenset[str]:
        return frozenset(self.data.get("singular_multipliers") or [])

    @cached_property
    def multiplier_values(self) -> Phrases:
        return Phrases(self.data.get("multipliers") or {})

    @cached_property
    def money_multiplier_after(self) -> re.Pattern[str]:
        return re.compile(rf"(?P<w>{self.money_multipliers.pattern})(?!{_LETTER})")

    @cached_property
    def attached_multiplier_after(self) -> re.Pattern[str]:
        forms = self.data.get("attached_count_multipliers") or []
        return re.compile(rf"(?P<w>{Phrases(forms).pattern})(?!{_LETTER})")

    @cached_property
    def half_after(self) -> re.Pattern[str]:
        return Phrases(self.data.get("and_a_half") or []).compile_after(r"[ \u00a0]+")

    @cached_property
    def money_multipliers(self) -> Phrases:
        return Phrases(self.data.get("money_multipliers") or {"bn": 1e9})

    @cached_property
    def round_nouns(self) -> dict[str, float]:
        nouns = {k.casefold(): float(v) for k, v in (self.data.get("round_nouns") or {}).items()}
        for form, value in (self.data.get("multipliers") or {}).items():
            if float(value) >= 1e6 and not form.casefold().endswith(("s", "i", "en", "es")):
                nouns.setdefault(form.casefold(), float(value))
        return nouns

    # -- units ----------------------------------------------------------------------------------
    @cached_property
    def currency_signs(self) -> Phrases:
        signs = dict(self.common["currency_signs"])
        signs.update({c: c for c in self.common["currency_codes"]})
        return Phrases(signs)

    @cached_property
    def currency_before(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w$])(?P<w>{self.currency_signs.pattern})[ \u00a0]?$")

    @cached_property
    def currency_words(self) -> Phrases:
        return Phrases(self.data.get("currencies") or {})

    @cached_property
    def currency_after(self) -> re.Pattern[str]:
        of = Phrases(self.data.get("currency_of") or []).pattern
        words = self.currency_words.pattern
        return re.compile(
            rf"(?:[ \u00a0]?(?P<sign>{self.currency_signs.pattern})(?!{_LETTER})"
            rf"|[ \u00a0](?:(?P<of>{of})[ \u00a0]?)?(?P<w>{words})(?!{_LETTER}))"
        )

    @cached_property
    def percent_after(self) -> re.Pattern[str]:
        forms = [*self.common["percent_signs"], *(self.data.get("percent") or [])]
        return re.compile(rf"[ \u00a0\u202f]?(?P<w>{Phrases(forms).pattern})")

    @cached_property
    def unit_phrases(self) -> Phrases:
        # Case-sensitive: "24 Ore" in "Il Sole 24 Ore" is a name, not a duration.
        return Phrases(self.data.get("units") or {}, case_sensitive=True)

    @cached_property
    def unit_after(self) -> re.Pattern[str]:
        return self.unit_phrases.compile_after(r"(?:[ \u00a0\u202f]?|[-‑])")

    @cached_property
    def age_after(self) -> re.Pattern[str]:
        forms = self.data.get("age") or []
        pattern = Phrases(forms).pattern.replace(r"\s+", r"[ \u00a0]")
        return re.compile(rf"(?P<w>{pattern})(?!{_LETTER})")

    @cached_property
    def magnitude_after(self) -> re.Pattern[str]:
        return Phrases(self.data.get("magnitude") or []).compile_after(r"(?:[ \u00a0]|[-‑])")

    @cached_property
    def magnitude_before(self) -> re.Pattern[str]:
        forms = [f for f in self.data.get("magnitude") or [] if " " not in f]
        return Phrases(forms).compile_before(r"(?:[ \u00a0]+(?:de|di|of|von)?)?[ \u00a0]*")

    @cached_property
    def magnitude_cues(self) -> re.Pattern[str]:
        return re.compile(Phrases(self.data.get("magnitude_cues") or []).pattern, re.I)

    # -- context --------------------------------------------------------------------------------
    @cached_property
    def qualifier_before(self) -> re.Pattern[str]:
        quals = Phrases(self.data.get("qualifiers") or [])
        skip = Phrases(self.data.get("skip_after_qualifier") or []).pattern
        sep = r"(?:[\s\u00a0]+|(?<=['’]))"
        return re.compile(
            rf"{quals.first_char}(?<!{_LETTER})(?P<w>{quals.grouped_pattern})"
            rf"{sep}(?:(?:{skip}){sep})*$",
            re.IGNORECASE,
        )

    @cached_property
    def between_before(self) -> re.Pattern[str]:
        return Phrases(self.data.get("between") or []).compile_before()

    @cached_property
    def range_connector(self) -> re.Pattern[str]:
        forms = [*self.common["range_dashes"], *(self.data.get("range_to") or [])]
        articles = Phrases(self.data.get("articles") or []).pattern
        return re.compile(
            rf"\s*(?:{Phrases(forms).pattern})\s*(?:(?:{articles})(?:\s+|(?<=['’])))?$",
            re.IGNORECASE,
        )

    @cached_property
    def month_after(self) -> re.Pattern[str]:
        months = Phrases(self.data.get("months") or []).pattern
        return re.compile(
            rf"\.?[ \u00a0]*(?:(?:de|di|del|of)[ \u00a0]+)?(?:{months})(?!{_LETTER})"
            rf"|[ \u00a0]*(?:-|–|e|and|y|et|und|al|a|au|bis|to)[ \u00a0]*"
            rf"(?:{_LETTER}{{1,3}}(?:['’]|[ \u00a0]+))?\d{{1,2}}\.?[ \u00a0]*"
            rf"(?:(?:de|di)[ \u00a0]+)?(?:{months})(?!{_LETTER})"
        )

    @cached_property
    def month_before(self) -> re.Pattern[str]:
        days = [*(self.data.get("months") or []), *(self.data.get("weekdays") or [])]
        months = Phrases(days)
        return re.compile(
            rf"{months.first_char}(?<!{_LETTER})(?:{months.grouped_pattern})\.?,?[ \u00a0]*$"
        )

    @cached_property
    def year_cue_before(self) -> re.Pattern[str]:
        return Phrases(self.data.get("year_cues") or []).compile_before()

    @cached_property
    def clock_before(self) -> re.Pattern[str]:
        return Phrases(self.data.get("clock_before") or []).compile_before()

    @cached_property
    def clock_before_strict(self) -> re.Pattern[str]:
        return Phrases(self.data.get("clock_before_strict") or []).compile_before()

    @cached_property
    def clock_after(self) -> re.Pattern[str]:
        return Phrases(self.data.get("clock_after") or []).compile_after(r"[ \u00a0]*")

    @cached_property
    def label_before(self) -> re.Pattern[str]:
        labels = Phrases(self.data.get("labels") or [])
        return re.compile(
            rf"{labels.first_char}(?<!{_LETTER})(?:{labels.grouped_pattern})"
            rf"\.?[ \u00a0]*(?:n[°º.][ \u00a0]*)?$",
            re.IGNORECASE,
        )

    @cached_property
    def ordinal_after(self) -> re.Pattern[str]:
        return re.compile(rf"(?:{Phrases(self.common['ordinal_suffixes']).pattern})(?!{_LETTER})")

    @cached_property
    def months(self) -> frozenset[str]:
        return _set([*(self.data.get("months") or []), *(self.data.get("weekdays") or [])])

    def word_set(self, key: str) -> frozenset[str]:
        """The casefolded word list ``key`` of the lexicon, built on first use."""
        cached = self._word_sets.get(key)
        if cached is None:
            cached = self._word_sets[key] = _set(self.data.get(key))
        return cached

    @cached_property
    def _word_sets(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def word_starts(self) -> frozenset[str]:
        """First three letters of every word that can begin a number, to skip the rest fast."""
        n = self.data["numbers"]
        words = [
            *(n.get("units") or {}),
            *(n.get("hundreds") or []),
            *(n.get("powers") or {}),
            *(n.get("dozens") or {}),
            *(self.data.get("indefinite") or []),
        ]
        starts = {w.casefold().replace("-", "")[:3] for w in words}
        bound = n.get("bound") or {}
        starts |= {w.casefold()[:3] for w in bound}
        return frozenset(starts)

    @cached_property
    def candidate_scan(self) -> re.Pattern[str]:
        """Where a numeral or a word of ``word_starts`` may begin, searched in lowercased text.

        A superset, checked exactly on the token found there (see ``_DocFinder._candidates``),
        but one that never misses: every digit is a hit; so is every word start (no letter
        before it, nor a letter and hyphen, since the lexer glues "quattro-cento") that spells
        the ASCII start of a number word, or has a non-ASCII letter among its first three,
        whose case folding the exact check settles. It begins with one character set, so the
        regex engine skips to the few places worth a look instead of trying every position,
        and a letter before the hit rejects most of those at once.
        """
        ascii_starts = [w for w in self.word_starts if w.isascii() and w.isalpha()]
        # "zéro" starts with an ASCII letter too, so every first letter is worth a look
        firsts = re.escape("".join(sorted({w[0] for w in self.word_starts if w[0].isascii()})))
        spelled = "|".join(_after_first_letter(ascii_starts))
        return re.compile(
            rf"[0-9{firsts}\x80-\U0010ffff]"
            rf"(?:(?<=[0-9])|(?<=[^\x00-\x7f])(?<=\d)"
            rf"|(?<![a-z].)(?<={_LETTER})(?<!{_LETTER}.)(?<!{_LETTER}[-‑].)"
            rf"(?:(?<=[^\x00-\x7f])|{_LETTER}?[^\x00-\x7f]|{spelled}))"
        )

    @cached_property
    def candidate_scan_any_case(self) -> re.Pattern[str]:
        """``candidate_scan`` for text whose lowercase is longer ("İ"), run on the text itself."""
        return re.compile(self.candidate_scan.pattern, re.IGNORECASE)

    @cached_property
    def stopwords(self) -> frozenset[str]:
        return _set(
            [
                *(self.data.get("stopwords") or []),
                *(self.data.get("articles") or []),
                *(self.data.get("of_words") or []),
                *(self.data.get("auxiliaries") or []),
                *(self.data.get("change_verbs") or []),
                *(self.data.get("linking_verbs") or []),
                *(self.data.get("amount_nouns") or []),
            ]
        )

    @cached_property
    def participle_suffixes(self) -> tuple[str, ...]:
        return tuple(self.data.get("participle_suffixes") or ())

    @cached_property
    def adjective_suffixes(self) -> tuple[str, ...]:
        return tuple(self.data.get("adjective_suffixes") or ())

    @cached_property
    def verb_suffixes(self) -> tuple[str, ...]:
        return tuple(self.data.get("verb_suffixes") or ())

    @property
    def noun_order(self) -> str:
        return str(self.data.get("noun_order", "romance"))


@dataclass
class _Found:
    """A figure while it is being assembled; frozen into a ``Figure`` at the end."""

    start: int
    end: int
    value: float
    core_start: int
    core_end: int
    unit: str | None = None
    kind: FigureKind = FigureKind.COUNT
    counts: str | None = None
    qualifier: str | None = None
    qualifier_start: int | None = None
    multiplier: float = 1.0
    unit_word: str | None = None
    word_number: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Tail:
    end: int
    extra_value: float


class _Tok(NamedTuple):
    kind: str
    start: int
    end: int
    text: str


def _end_of_text_before(text: str, pos: int) -> int:
    """Where the last token before ``pos`` ends: tokens hold no whitespace at their ends."""
    while pos > 0 and text[pos - 1].isspace():
        pos -= 1
    return pos


def _tok(m: re.Match[str]) -> _Tok:
    return _Tok(m.lastgroup or "sym", m.start(), m.end(), m.group())


class _Ahead:
    """A candidate token and the lexer's tokens after it, lexed only as far as the finder reads.

    Lexing on from the candidate's end gives the tokens a lexer run over the whole text gives:
    no token straddles the end of another.
    """

    def __init__(self, first: _Tok, lexer: re.Pattern[str], text: str) -> None:
        self.first = first
        self._toks = [first]
        self._rest = lexer.finditer(text, first.end)

    def at(self, k: int) -> _Tok | None:
        """The ``k``-th token from the candidate (0 is the candidate), None past the text."""
        while len(self._toks) <= k:
            m = next(self._rest, None)
            if m is None:
                return None
            self._toks.append(_tok(m))
        return self._toks[k]


class FigureExtractor:
    """Finds figures in a ``Doc`` and sets ``doc._.figures`` and ``doc.spans[spans_key]``.

    Runs after ``newsstream_claims``: a figure inside a claim gets that claim's speaker as its
    ``source``.

        nlp = spacy.blank("it")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("newsstream_figures")
        doc = nlp("Sono arrivati almeno altri 3.000 soldati.")
        doc._.figures[0].value  # 3000.0
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "newsstream_figures",
        *,
        spans_key: str = SPANS_KEY,
        lexicon_dir: str | None = None,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key
        self.lexicon_dir = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
        self._lexicons: dict[str, FigureLexicon] = {}

    def lexicon(self, lang: str) -> FigureLexicon:
        """The rules of ``lang``, loaded and compiled on first use, then kept."""
        if lang not in self._lexicons:
            self._lexicons[lang] = FigureLexicon.load(lang, self.lexicon_dir)
        return self._lexicons[lang]

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            figures = self.find(doc)
            self.set_annotations(doc, figures)
        except Exception as exc:
            error_handler(self.name, self, [doc], exc)
        return doc

    def get_error_handler(self) -> Any:
        return getattr(self, "_error_handler", raise_error)

    def set_error_handler(self, handler: Any) -> None:
        self._error_handler = handler

    def find(self, doc: Doc) -> list[Figure]:
        lex = self.lexicon(doc.lang_)
        finder = _DocFinder(doc, lex)
        claims: list[Claim] = (doc._.claims if Doc.has_extension("claims") else None) or []
        return [finder.freeze(f, _source(claims, f)) for f in finder.run()]

    def set_annotations(self, doc: Doc, figures: list[Figure]) -> None:
        doc._.figures = figures
        spans = []
        for fig in figures:
            span = doc.char_span(fig.start, fig.end, label=fig.kind or "", alignment_mode="expand")
            if span is not None:
                span._.figure = fig
                spans.append(span)
        doc.spans[self.spans_key] = spans


def _source(claims: list[Claim], fig: _Found) -> str | None:
    """The speaker of the claim a figure sits in."""
    for claim in claims:
        if claim.start <= fig.start and fig.end <= claim.end and claim.speaker:
            return claim.speaker
    return None


class _DocFinder:
    """One pass over one document: lex, find numerals, attach units, context and counted nouns."""

    def __init__(self, doc: Doc, lex: FigureLexicon) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.lex = lex
        if doc.has_annotation("SENT_START"):
            arr = doc.to_array([SENT_START, IDX])
            self.sent_starts: list[int] = arr[arr[:, 0] == 1, 1].tolist() or [0]
            self.sent_starts[0] = 0
        else:
            self.sent_starts = [0]
        self.found: list[_Found] = []
        self._tolls: dict[int, tuple[list[int], list[str]]] = {}  # by sentence start
        # The figures found so far, indexed so that each new one looks up its earlier namesakes
        # instead of re-reading every figure before it (a list of 20,000 numbers was quadratic).
        # A figure is complete when found; ranges are linked only after the whole pass.
        self._by_text: dict[tuple[str, float], list[_Found]] = {}
        self._counted_by_value: dict[tuple[float, FigureKind], list[_Found]] = {}
        self._counted_by_kind: dict[FigureKind, list[_Found]] = {}
        self._in_order = True  # found in order of start (then the last of a kind is the latest)

    # -- driver ---------------------------------------------------------------------------------
    def run(self) -> list[_Found]:
        consumed = 0
        for tok, last_numeral in self._candidates():
            if tok.start < consumed:
                continue
            if tok.kind == "num":
                fig = self._from_digits(tok, last_numeral)
            else:
                fig = self._from_words(_Ahead(tok, self.lex.token_re, self.text))
            if fig is not None:
                self._finish(fig)
                if not fig.extra.get("drop"):
                    self._remember(fig)
                consumed = fig.end
        self._link_ranges()
        return [f for f in self.found if not self._bare(f)]

    def _remember(self, fig: _Found) -> None:
        if self.found and fig.start < self.found[-1].start:
            self._in_order = False
        self.found.append(fig)
        text = self.text[fig.start : fig.end]
        self._by_text.setdefault((text, fig.value), []).append(fig)
        if fig.counts:
            self._counted_by_value.setdefault((fig.value, fig.kind), []).append(fig)
            self._counted_by_kind.setdefault(fig.kind, []).append(fig)

    def _candidates(self) -> Iterator[tuple[_Tok, _Tok | None]]:
        """The lexer's numerals and words that may begin a number, in order, each with the
        numeral lexed before it; only these tokens are lexed.

        Every search starts where the last token found ends, so the first digit it meets begins
        a numeral (a numeral's other digits follow its first one), and word starts need no
        context beyond the two characters before them.
        """
        text, lex = self.text, self.lex
        # Lowercasing keeps each character's position (and whether it is a letter) unless some
        # character lowercases to two; only "İ" does, and then the text is searched as it is.
        haystack, scan = text.lower(), lex.candidate_scan
        if len(haystack) != len(text):
            haystack, scan = text, lex.candidate_scan_any_case
        word_starts = lex.word_starts
        last_numeral: _Tok | None = None
        pos = 0
        while (hit := scan.search(haystack, pos)) is not None:
            m = lex.token_re.match(text, hit.start())
            if m is None:  # never: a digit or a letter always starts a token
                break
            tok = _tok(m)
            pos = tok.end
            if tok.kind == "num":
                yield tok, last_numeral
                last_numeral = tok
            elif tok.kind == "word" and tok.text[:3].casefold() in word_starts:
                yield tok, last_numeral

    @cached_property
    def _parsed(self) -> bool:
        """Whether a parser ran; asked once per document (spaCy scans the tokens to answer)."""
        return self.doc.has_annotation("DEP")

    @staticmethod
    def _bare(fig: _Found) -> bool:
        """A plain number that counts nothing ("il 20 si terrà", "90, Coleman") is no figure."""
        nothing = fig.kind is FigureKind.COUNT and not (fig.counts or fig.qualifier)
        return nothing and fig.multiplier == 1.0 and not fig.word_number

    # -- numerals -------------------------------------------------------------------------------
    def _from_digits(self, tok: _Tok, last_numeral: _Tok | None) -> _Found | None:
        text, lex = self.text, self.lex
        raw = tok.text
        if ":" in raw or "/" in raw:
            return None
        if len(raw) > 1 and raw[0] == "0" and raw[1].isdigit():
            return None  # codes, phone numbers
        value = parse_digits(raw, decimal=lex.decimal)
        if value is None:
            return None
        start = tok.start
        # The token before is the last numeral when that ends where the token before ends.
        if (
            last_numeral is not None
            and last_numeral.end == _end_of_text_before(text, start)
            and last_numeral.text.startswith(("0", "+"))
        ):
            return None  # "06 1234567"
        # Glued to the token before: a word ends in a letter, a numeral in a digit, and any
        # other character is a symbol token of its own.
        glued = start > 0 and not text[start - 1].isspace()
        if glued and _LETTER_RE.match(text, start - 1):
            return None  # "G7", "Q1", "MH17"
        if glued and not text[start - 1].isdecimal():
            sym, sym_start = text[start - 1], start - 1
            adjacent_before = sym_start > 0 and not text[sym_start - 1].isspace()
            dash_code = sym in "-‑" and adjacent_before
            if dash_code and _LETTER_RE.match(text, sym_start - 1):
                return None  # "F-16", "COVID-19"
            if sym in "'’" and adjacent_before and len(raw) == 2:
                return None  # "dall'83"
            if sym == "+":
                if _SPACED_DIGIT_RE.match(text, tok.end, tok.end + 2):
                    return None  # "+39 06 ..."
                start = sym_start
            elif sym in "-−" and not adjacent_before:
                value = -value
                start = sym_start
        if _DASHED_DIGIT_RE.match(text, tok.end, tok.end + 2) and _ISO_DATE_RE.match(text, tok.end):
            return None  # "2022-10-03"
        if _FRENCH_CLOCK_RE.match(text, tok.end, tok.end + 3):
            return None  # "14h30"
        fig = _Found(start=start, end=tok.end, value=value, core_start=tok.start, core_end=tok.end)
        fig.extra["raw"] = raw
        self._multipliers(fig)
        self._thousand_tail(fig)
        self._and_a_half(fig)
        return fig

    def _from_words(self, toks: _Ahead) -> _Found | None:
        lex, tok = self.lex, toks.first
        low = tok.text.casefold()
        age = self._age_word(tok)
        if age is not None:
            return age
        if low in lex.word_set("indefinite"):
            return self._from_indefinite(toks)
        words: list[_Tok] = []
        best: tuple[float, int, _Tok] | None = None
        j = 0
        while len(words) < 8 and (t := toks.at(j)) is not None:
            if t.kind != "word" or (words and not self._gap_is_space(words[-1].end, t.start)):
                break
            if lex.words.segment(t.text) is None:
                break
            words.append(t)
            value = lex.words.value([w.text for w in words])
            if value is not None:
                best = (value, j, t)
            j += 1
        if best is None:
            return None
        value, last, last_tok = best
        first_atom = lex.words.atom(tok.text)
        if (
            first_atom is not None
            and first_atom.kind is AtomKind.POWER
            and (first_atom.value != 1000 or low == "mila")
        ):
            return None  # "milioni", "Millionen" alone are vague
        if last == 0 and low in lex.word_set("indefinite"):
            return None
        if first_atom is not None and first_atom.kind in (AtomKind.HUNDRED, AtomKind.POWER):
            prev = self._prev_words(tok.start, 1)
            if prev and prev[0].casefold() in lex.word_set("vague_before"):
                return None  # "mehrere hundert", "several thousand"
        fig = _Found(
            start=tok.start,
            end=last_tok.end,
            value=value,
            core_start=tok.start,
            core_end=last_tok.end,
            word_number=True,
        )
        if last == 0 and low in lex.word_set("ambiguous"):
            prev = self._prev_words(tok.start, 1)
            if prev and prev[0].casefold() in lex.word_set("ambiguous_blockers"):
                return None  # "tu sei", "il est neuf"
            fig.extra["ambiguous"] = True
        tail = self._digit_tail(last_tok, toks.at(last + 1))
        if tail is not None:
            fig.value += tail.extra_value
            fig.end = fig.core_end = tail.end
        last_atoms = lex.words.segment(last_tok.text) or ()
        if tail is None and last_atoms and last_atoms[-1].kind is AtomKind.POWER:
            if last_atoms[-1].value >= 1e6:
                fig.multiplier = last_atoms[-1].value
            fig.extra["multiplied"] = True
        self._multipliers(fig)
        self._and_a_half(fig)
        return fig

    def _and_a_half(self, fig: _Found) -> None:
        """Halves stay in the figure: "un milione e mezzo", "two and a half million"."""
        m = self.lex.half_after.match(self.text, fig.end)
        if m is None:
            return
        if fig.multiplier > 1:
            fig.value += 0.5 * fig.multiplier
            fig.end = fig.core_end = m.end()
            return
        after = self.lex.multipliers.match(self.text, m.end())
        factor = self.lex.multiplier_values.payload(after.group("w")) if after else None
        if after is not None and factor is not None:
            fig.value = (fig.value + 0.5) * float(factor)
            fig.multiplier = float(factor)
            fig.end = fig.core_end = after.end()
            fig.extra["multiplied"] = True

    def _digit_tail(self, last: _Tok, nxt: _Tok | None) -> _Tail | None:
        """Spanish writes "tres mil 494": digits after a thousand word add to it."""
        lex = self.lex
        seg = lex.words.segment(last.text)
        if not seg or seg[-1].kind is not AtomKind.POWER or seg[-1].value != 1000:
            return None
        if nxt is None:
            return None
        if nxt.kind != "num" or not nxt.text.isdigit() or len(nxt.text) > 3:
            return None
        if not self._gap_is_space(last.end, nxt.start):
            return None
        return _Tail(nxt.end, float(nxt.text))

    def _thousand_tail(self, fig: _Found) -> None:
        """Digits, a thousand word, digits: "obtuvo 93 mil 151 votos" is 93,151 votes.

        The Mexican press writes thousands this way; the digits after "mil" are the hundreds
        that complete the number, not a second figure."""
        if fig.extra.get("thousand_word") is None or fig.multiplier != 1000:
            return
        m = _THOUSAND_TAIL_RE.match(self.text, fig.end)
        if m is None or _LETTER_RE.match(self.text, m.end()) or self._at_numeral(m.end()):
            return
        fig.value += float(m.group(1))
        fig.end = fig.core_end = m.end()

    def _at_numeral(self, pos: int) -> bool:
        """Whether a digit or a separator-and-digit continues the text at ``pos``."""
        nxt = self.text[pos : pos + 2]
        return bool(nxt) and (nxt[0].isdigit() or (nxt[0] in ".," and nxt[1:].isdigit()))

    def _from_indefinite(self, toks: _Ahead) -> _Found | None:
        """Indefinite numbers ("un milione", "a dozen", "un centenar"); a lone "una" only as a
        casualty count ("una persona è morta")."""
        lex, tok = self.lex, toks.first
        nxt = self._next_word(tok, toks.at(1))
        if nxt is not None:
            value = lex.round_nouns.get(nxt.text.casefold())
            if value is not None:
                fig = _Found(
                    start=tok.start,
                    end=nxt.end,
                    value=value,
                    core_start=tok.start,
                    core_end=nxt.end,
                    word_number=True,
                )
                fig.extra["multiplied"] = value >= 1000
                if value >= 1e6:
                    fig.multiplier = value
                self._and_a_half(fig)
                return fig
        if tok.text.casefold() not in lex.lone_indefinite:
            return None  # English "a"/"an" are articles: "a driver injured four people"
        if nxt is None or not self._is_casualty(toks, 1, nxt):
            return None
        fig = _Found(
            start=tok.start, end=tok.end, value=1.0, core_start=tok.start, core_end=tok.end
        )
        fig.counts = nxt.text
        fig.word_number = True
        return fig

    def _is_casualty(self, toks: _Ahead, noun_index: int, noun: _Tok) -> bool:
        """Whether a casualty word follows the noun within its clause: "una persona è morta",
        and with the German verb at the clause's end, "Ein Mann wurde bei dem Unfall getötet"
        (``casualty_window`` words between, four unless the lexicon says more)."""
        casualty = self.lex.word_set("casualty_words")
        low = noun.text.casefold()
        if low in self.lex.stopwords or self.lex.words.segment(noun.text) is not None:
            return False
        if low in casualty:
            return True
        k = noun_index + 1
        seen = 0
        window = int(self.lex.data.get("casualty_window", 4))
        while seen < window and (t := toks.at(k)) is not None:
            if t.kind != "word":
                if t.text in '.;:!?»”"':
                    return False
                k += 1
                continue
            if t.text.casefold() in casualty:
                return True
            seen += 1
            k += 1
        return False

    def _age_word(self, tok: _Tok) -> _Found | None:
        """Italian "sedicenne" is a 16-year-old."""
        suffix = self.lex.data.get("age_suffix")
        low = tok.text.casefold()
        if not suffix or not low.endswith(suffix) or len(low) <= len(suffix) + 2:
            return None
        stem = low[: -len(suffix)]
        for vowel in ("", "i", "e", "a", "o"):
            value = self.lex.words.value([stem + vowel])
            if value is not None and value >= 10:
                fig = _Found(
                    start=tok.start,
                    end=tok.end,
                    value=value,
                    core_start=tok.start,
                    core_end=tok.end,
                    unit="year",
                    kind=FigureKind.DURATION,
                    word_number=True,
                )
                fig.extra["age"] = True
                return fig
        return None

    def _multipliers(self, fig: _Found) -> None:
        lex, text = self.lex, self.text
        while True:
            m = lex.multipliers.match(text, fig.end)
            if m is None:
                break
            factor = lex.multiplier_values.payload(m.group("w"))
            if factor is None:
                break
            if float(factor) == 1000 and fig.multiplier == 1.0:
                fig.extra["thousand_word"] = m.group("w")
            if m.group("w") in lex.singular_multipliers:
                self._decimal_before_singular(fig)
            fig.value *= float(factor)
            fig.multiplier *= float(factor)
            fig.end = fig.core_end = m.end()
            fig.extra["multiplied"] = True

    def _decimal_before_singular(self, fig: _Found) -> None:
        """A singular "million" agrees only with a number below two: in "une amende de 1 875
        million d'euros" the space stands where the decimal comma was, so it is 1.875 million.

        Languages whose multiplier has a plural form ("millions", "milioni", "Millionen") list
        the singular forms as ``singular_multipliers``; English ("five million") lists none."""
        raw = str(fig.extra.get("raw", ""))
        m = _ONE_GROUP_RE.fullmatch(raw)
        if m is None or fig.multiplier != 1.0 or fig.value < 2:
            return
        fig.value = float(f"{m.group(1)}.{m.group(2)}")

    # -- what follows and precedes --------------------------------------------------------------
    def _finish(self, fig: _Found) -> None:
        lex, text = self.lex, self.text
        self._currency_before(fig)
        if fig.extra.get("currency_before"):
            m = lex.money_multiplier_after.match(text, fig.end)
            if m and fig.multiplier == 1.0:
                factor = float(lex.money_multipliers.payload(m.group("w")))
                fig.value *= factor
                fig.multiplier = factor
                fig.end = m.end()
        if fig.unit is None and self._is_clock(fig):
            fig.extra["drop"] = True
            return
        if fig.kind is not FigureKind.DURATION:
            self._suffix_units(fig)
        self._qualifier(fig)
        if fig.unit is None and fig.kind is FigureKind.COUNT and self._excluded(fig):
            fig.extra["drop"] = True
            return
        if _LETTER_RE.match(text, fig.end, fig.end + 1):
            fig.extra["drop"] = True  # "5G", "3rd"
            return
        if fig.unit is None and self._is_score(fig):
            fig.extra["drop"] = True
            return
        self._counted_noun(fig)
        if fig.extra.get("ambiguous") and not fig.extra.get("noun_after"):
            fig.extra["drop"] = True
            return
        self._implied_currency(fig)

    def _currency_before(self, fig: _Found) -> None:
        window = self.text[max(0, fig.start - 8) : fig.start]
        m = self.lex.currency_before.search(window)
        if m is None:
            return
        fig.unit = str(self.lex.currency_signs.payload(m.group("w")))
        fig.kind = FigureKind.MONEY
        fig.start -= len(window) - m.start()
        fig.extra["currency_before"] = True

    def _suffix_units(self, fig: _Found) -> None:
        lex, text = self.lex, self.text
        pos = fig.end
        if fig.unit is None:
            m = lex.percent_after.match(text, pos)
            if m:
                fig.unit, fig.kind, fig.end = "%", FigureKind.PERCENT, m.end()
                return
        m = lex.currency_after.match(text, pos)
        if m and (m.group("sign") or not m.group("of") or fig.multiplier > 1):
            if m.group("sign"):
                code = lex.currency_signs.payload(m.group("sign"))
            else:
                code = lex.currency_words.payload(m.group("w"))
            if code:
                fig.unit, fig.kind, fig.end = str(code), FigureKind.MONEY, m.end()
                return
        if fig.unit is not None:
            return
        m = lex.age_after.match(text, pos)
        if m:
            fig.unit, fig.kind, fig.end = "year", FigureKind.DURATION, m.end()
            fig.extra["age"] = True
            return
        m = lex.magnitude_after.match(text, pos)
        if m:
            fig.kind, fig.end = FigureKind.MEASURE, m.end()
            fig.counts = m.group("w").split()[0]
            fig.extra["magnitude"] = True
            return
        m = lex.magnitude_before.search(text[max(0, fig.start - 30) : fig.start])
        if m and not fig.word_number:
            fig.kind = FigureKind.MEASURE
            fig.counts = m.group("w")
            fig.extra["magnitude"] = True
            return
        if self._attached_count_multiplier(fig):
            return
        m = lex.unit_after.match(text, pos)
        if m:
            unit = lex.unit_phrases.payload(m.group("w"))
            if unit is None:
                return
            if fig.extra.get("multiplied") and str(unit) in TIME_UNITS:
                return
            fig.unit, fig.end = str(unit), m.end()
            fig.unit_word = m.group("w")
            fig.kind = FigureKind.DURATION if fig.unit in TIME_UNITS else FigureKind.MEASURE
            if fig.unit == "°C" and lex.magnitude_cues.search(self._sentence_text(fig)):
                fig.unit, fig.kind = None, FigureKind.MEASURE
                fig.extra["magnitude"] = True

    def _attached_count_multiplier(self, fig: _Found) -> bool:
        """A glued "m" is a million when a plural noun follows ("1.5m people"), else metres."""
        if fig.multiplier != 1.0 or fig.word_number:
            return False
        m = self.lex.attached_multiplier_after.match(self.text, fig.end)
        if m is None:
            return False
        nxt = _WORD_AFTER_SPACES_RE.match(self.text[m.end() : m.end() + 40])
        if nxt is None or not self._is_content(nxt.group(1)):
            return False
        low = nxt.group(1).casefold()
        plural = low.endswith("s") and not low.endswith(("ss", "us", "is"))
        if not plural and low not in self.lex.word_set("people_nouns"):
            return False
        factor = float(self.lex.money_multipliers.payload(m.group("w")))
        fig.value *= factor
        fig.multiplier = factor
        fig.end = m.end()
        return True

    def _qualifier(self, fig: _Found) -> None:
        window_start = max(self._sentence_start(fig.start), fig.start - 60)
        window = self.text[window_start : fig.start]
        m = self.lex.qualifier_before.search(window)
        if m:
            fig.qualifier = m.group("w")
            fig.qualifier_start = window_start + m.start("w")

    def _excluded(self, fig: _Found) -> bool:
        """Dates, years, clock times, ordinals, labels ("articolo 5") are no figures."""
        lex, text = self.lex, self.text
        before = text[max(0, fig.start - 40) : fig.start]
        after = text[fig.end : fig.end + 40]
        raw = str(fig.extra.get("raw", ""))
        if lex.ordinal_after.match(text, fig.core_end) and not fig.word_number:
            return True
        if lex.month_after.match(after) or lex.month_before.search(before):
            return True
        small = fig.value <= 24 and float(fig.value).is_integer() and not fig.word_number
        if small and lex.clock_before.search(before) and self._noun_after(fig) is None:
            return True  # "intorno alle 11"
        if raw.isdigit() and len(raw) == 4 and 1000 <= fig.value <= 2100 and not fig.multiplier > 1:
            direct_noun = self._noun_directly_after(fig)
            if lex.year_cue_before.search(before):
                return not direct_noun
            # "1950 barche" counts boats; English puts years before nouns ("the 2015 crisis")
            counts_noun = lex.noun_order != "english" and direct_noun
            if fig.qualifier is None and 1900 <= fig.value <= 2100 and not counts_noun:
                return True
        if not fig.word_number and lex.label_before.search(before):
            return True
        if fig.multiplier == 1.0 and self._after_a_name(fig):
            return True
        return self._german_ordinal(fig)

    def _is_score(self, fig: _Found) -> bool:
        """Scores ("won 3-2"): two small numbers joined by a dash, followed by no noun."""
        text = self.text
        m = _SCORE_AFTER_RE.match(text[fig.end : fig.end + 4])
        n = _SCORE_BEFORE_RE.search(text[max(0, fig.start - 4) : fig.start])
        if not (m or n) or fig.value > 30 or fig.multiplier > 1:
            return False
        after_end = fig.end + (m.end() if m else 0)
        nxt = _WORD_RE.match(
            text, after_end + len(text[after_end:]) - len(text[after_end:].lstrip())
        )
        return nxt is None or not self._is_content(nxt.group())

    def _is_clock(self, fig: _Found) -> bool:
        lex, text = self.lex, self.text
        if fig.word_number:
            return False
        before = text[max(0, fig.start - 40) : fig.start]
        if lex.clock_after.match(text, fig.end):
            return True
        raw = str(fig.extra.get("raw", ""))
        if _CLOCK_DIGITS_RE.fullmatch(raw) and lex.clock_before.search(before):
            return True
        small = fig.value <= 24 and float(fig.value).is_integer()
        return small and bool(lex.clock_before_strict.search(before))

    def _after_a_name(self, fig: _Found) -> bool:
        """Names with numbers ("Channel 4", "iOS 10"): after a capital, counting nothing."""
        m = _NAME_BEFORE_RE.search(self.text[max(0, fig.start - 40) : fig.start])
        if m is None or not any(c.isupper() for c in m.group(1)):
            return False  # "Channel 4", "iOS 10"
        word_start = fig.start - len(m.group(0))
        if (
            word_start == self._sentence_start(fig.start)
            or m.group(1).casefold() in self.lex.months
        ):
            return False
        if self.lex.qualifier_before.search(self.text[word_start : fig.start]):
            return False
        return self._noun_after(fig) is None

    def _german_ordinal(self, fig: _Found) -> bool:
        articles = self.lex.word_set("ordinal_articles")
        if not articles or not str(fig.extra.get("raw", "")).isdigit():
            return False
        m = _ORDINAL_DOT_RE.match(self.text[fig.end : fig.end + 4])
        if m is None:
            return False
        if m.group(1).islower():
            return True
        prev = self._prev_words(fig.start, 1)
        return bool(prev) and prev[0].casefold() in articles

    # -- counted noun ---------------------------------------------------------------------------
    def _counted_noun(self, fig: _Found) -> None:
        if fig.counts is not None:
            return
        if fig.kind is FigureKind.MEASURE and fig.unit_word is not None:
            # "1.26 billion tonnes of greenhouse gases", "1.500 kilos de cocaína": the unit
            # measures the noun its "of" phrase names
            after = self._noun_after(fig)
            # German names it right after the unit, in the same case: "30 Tonnen Weizen"
            german = self.lex.noun_order == "german" and self._noun_directly_after(fig)
            if after is not None and (fig.extra.get("via_of") or german):
                fig.counts = after
                return
        if fig.unit_word is not None and (
            len(fig.unit_word) > 3 or fig.kind is FigureKind.DURATION
        ):
            fig.counts = fig.unit_word  # "470 kilómetros", "24 h"
            return
        counts, direct = self._choose_counts(fig)
        if fig.extra.get("age") and counts and direct:
            counts = counts.split()[0]
        fig.counts = self._repeated_counts(fig, counts, direct)

    def _choose_counts(self, fig: _Found) -> tuple[str | None, bool]:
        """The counted noun, and whether it sits right at the number (vs. found around it)."""
        parsed = self._noun_from_parse(fig)
        if parsed:
            return parsed, True
        after = self._noun_after(fig)
        if after is not None and after.casefold() in self.lex.word_set("tally_participles"):
            # "pasaron de 40 registrados a 65": how the number was arrived at; the noun
            # counted comes before
            before = self._noun_before(fig)
            if before is not None:
                after = before
        fig.extra["noun_after"] = after
        if fig.kind is FigureKind.PERCENT:
            if after is not None and fig.extra.get("via_of"):
                return after, True  # "52 percent of the vote", "il 92,6% della popolazione"
            before = self._noun_before(fig)
            if before or after:
                return (before, True) if before else (after, True)
            if self._compared(fig):  # "rose to 3.2% from 2.9%": the same rate, earlier
                return self._last_of_kind_in_sentence(fig), False
            return None, False
        if fig.kind is FigureKind.MONEY and self.lex.noun_order == "romance":
            if after is not None and fig.extra.get("via_of"):
                return after, True
            before = self._noun_before(fig)
            return (before, False) if before else (after, after is not None)
        if fig.kind is FigureKind.COUNT and self._partitive(fig):
            part_of = self._last_of_kind_in_sentence(fig)
            parallel = fig.extra.get("second_part") and self.found[-1].extra.get("part_of_total")
            if part_of is not None and (after is None or parallel or self._describes(after)):
                fig.extra["part_of_total"] = True
                return part_of, False
        subject = self._subject_of_verb(fig) if fig.kind is FigureKind.COUNT else None
        if subject is not None and (after is None or fig.extra.get("after_gap")):
            return subject, True
        if after is not None:
            return after, True
        before = self._noun_before(fig, of_only=True)
        if before is not None:
            return before, True
        if fig.kind is FigureKind.MONEY:
            return self._noun_before(fig), False
        if fig.kind is FigureKind.COUNT:
            return self._toll_noun(fig) or self._referent(fig), False
        return None, False

    def _repeated_counts(self, fig: _Found, counts: str | None, direct: bool) -> str | None:
        """A figure written again ("le chiffre de 40 milliards") keeps its first counted noun."""
        text = self.text[fig.start : fig.end]
        for other in self._by_text.get((text, fig.value), ()):
            if other.counts and (not direct or _share_stem(other.counts, counts)):
                return other.counts
        return counts

    def _noun_from_parse(self, fig: _Found) -> str | None:
        doc = self.doc
        if not self._parsed:
            return None
        span = doc.char_span(fig.core_start, fig.core_end, alignment_mode="expand")
        if span is None:
            return None
        tok = span[-1]
        head = tok.head
        modifies_noun = tok.dep_ in ("nummod", "num", "amod", "det") and head.pos_ in (
            "NOUN",
            "PROPN",
        )
        outside = head.idx >= fig.end or head.idx + len(head.text) <= fig.start
        return head.text if modifies_noun and outside else None

    def _words_after(self, pos: int, limit: int = 8) -> list[re.Match[str]]:
        end = self._sentence_end(pos)
        out = []
        for m in _WORD_RE.finditer(self.text, pos, min(end, pos + 120)):
            out.append(m)
            if len(out) >= limit:
                break
        return out

    def _noun_directly_after(self, fig: _Found) -> bool:
        m = _WORD_AFTER_SPACE_RE.match(self.text[fig.end : fig.end + 40])
        if m is None or not self._is_content(m.group(1)):
            return False
        capital = m.group(1)[:1].isupper()
        return capital if self.lex.noun_order == "german" else not capital

    def _is_content(self, word: str) -> bool:
        lex = self.lex
        low = word.casefold()
        return (
            word[:1].isalpha()
            and len(word) > 1
            and low not in lex.stopwords
            and low not in lex.months
            and low not in lex.word_set("conjunctions")
            and low not in lex.word_set("ordinal_words")
            and not (len(low) > 4 and low.endswith(lex.verb_suffixes))
            and lex.words.segment(word) is None
        )

    def _noun_after(self, fig: _Found) -> str | None:
        lex = self.lex
        words = self._words_after(fig.end)
        articles, of_words = lex.word_set("articles"), lex.word_set("of_words")
        if fig.kind is FigureKind.MONEY:
            of_words = of_words | lex.word_set("currency_of")
        k = 0
        skipped_of = genitive = False
        while k < len(words):
            low = words[k].group().casefold()
            if low in articles or (skipped_of and low in ("'", "’")):
                k += 1
                continue
            if low in of_words and not skipped_of and k == 0:
                skipped_of = True
                genitive = low in lex.word_set("currency_of") or low in lex.word_set("genitive_of")
                k += 1
                continue
            break
        rest = words[k:]
        fig.extra["via_of"] = skipped_of and genitive
        fig.extra["after_gap"] = skipped_of
        if not rest:
            return None
        if lex.noun_order == "english":
            return self._english_run(rest)
        if lex.noun_order == "german":
            for m in rest[:3]:
                w = m.group()
                if not w[:1].isalpha() or w.casefold() in lex.stopwords:
                    return None
                if w[:1].isupper() and self._is_content(w):
                    return w
            return None
        first = rest[0].group()
        if first[:1].isupper():
            return None  # "due Fed Cup", "Il Sole 24 Ore"
        return first if self._is_content(first) else None

    def _subject_of_verb(self, fig: _Found) -> str | None:
        """The subject of the verb a number completes, when its noun stands before it.

        "The death toll rose to 40", "i morti sono saliti a 12 nella notte", "le nombre des
        blessés est de 421", "die Zahl der Toten liegt bei 160", "los fallecidos ascendieron a
        412": the number is the complement of a change or copular verb (``change_verbs``,
        ``linking_verbs``, ``auxiliaries``, ``subject_verbs``), reached through at most a
        preposition and an article (``complement_prepositions``); what it counts is the
        subject's head noun, or what a toll noun ("number", "Zahl") counts.
        """
        lex = self.lex
        end = fig.qualifier_start if fig.qualifier_start is not None else fig.start
        sent_start = self._sentence_start(fig.start)
        floor = max(sent_start, end - 160, self.found[-1].end if self.found else 0)
        words = list(_WORD_RE.finditer(self.text, min(floor, end), end))
        k = len(words) - 1
        joiners = lex.word_set("complement_prepositions") | lex.word_set("articles")
        skipped = 0
        while k >= 0 and skipped < 2 and words[k].group().casefold() in joiners:
            k -= 1
            skipped += 1
        verbs = lex.subject_verbs
        if k < 0 or words[k].group().casefold() not in verbs:
            return None
        while k >= 0 and (
            words[k].group().casefold() in verbs
            or words[k].group().casefold() in lex.word_set("reflexives")
        ):
            k -= 1  # "sono saliti", "se eleva", "has risen"
        keep = lex.word_set("of_words") | lex.word_set("articles")
        np: list[str] = []
        while k >= 0:
            w = words[k].group()
            low = w.casefold()
            if not w[:1].isalpha() or low in lex.word_set("conjunctions"):
                break
            if low in lex.stopwords and low not in keep:
                break
            np.append(w)
            k -= 1
        np.reverse()
        return self._head_of(np)

    def _head_of(self, np: list[str]) -> str | None:
        """The head noun of a subject phrase, and through a toll noun what it counts:
        "the death toll" -> "toll", "il numero dei dispersi" -> "dispersi"."""
        lex = self.lex
        joiners = lex.word_set("of_words") | lex.word_set("articles")
        content = [
            i for i, w in enumerate(np) if w.casefold() not in joiners and self._is_content(w)
        ]
        if lex.noun_order == "german":
            content = [i for i in content if np[i][:1].isupper()]
        if not content:
            return None
        if lex.noun_order == "english":
            of_words = lex.word_set("of_words")
            before_of = [
                i for i in content if not any(np[j].casefold() in of_words for j in range(i))
            ]
            head = (before_of or content)[-1]
        else:
            head = content[0]
        if np[head].casefold() in lex.word_set("toll_nouns"):
            later = [i for i in content if i > head]
            if later and any(np[j].casefold() in joiners for j in range(head, later[0])):
                return np[later[0]]
        return np[head]

    def _english_run(self, words: list[re.Match[str]]) -> str | None:
        people = self.lex.word_set("people_nouns")
        run: list[re.Match[str]] = []
        for m in words[:4]:
            w = m.group()
            if _INITIALS_RE.fullmatch(w):
                continue
            if not self._is_content(w) or (run and self._is_participle(w.casefold())):
                break
            run.append(m)
            low = w.casefold()
            if low in people or (low.endswith("s") and not low.endswith(("ss", "us", "is"))):
                break
            if len(run) == 3:
                break
        if not run or all(m.group()[:1].isupper() for m in run):
            return None
        return self.text[run[0].start() : run[-1].end()]

    def _noun_before(self, fig: _Found, *, of_only: bool = False) -> str | None:
        """The noun a figure belongs to when it comes first ("la devaluación del 19%")."""
        lex = self.lex
        end = fig.qualifier_start if fig.qualifier_start is not None else fig.start
        sent_start = self._sentence_start(fig.start)
        floor = max(sent_start, end - 120, self.found[-1].end if self.found else 0)
        words = list(_WORD_RE.finditer(self.text, min(floor, end), end))
        articles, of_words = lex.word_set("articles"), lex.word_set("of_words")
        auxiliaries, reflexives = lex.word_set("auxiliaries"), lex.word_set("reflexives")
        k = len(words) - 1
        while k >= 0 and words[k].group().casefold() in articles:
            k -= 1
        if of_only:
            if k < 0 or words[k].group().casefold() not in of_words:
                return None
            k -= 1
        steps = 0
        while k >= 0 and steps < 8:
            w = words[k].group()
            low = w.casefold()
            k -= 1
            steps += 1
            if not w[:1].isalpha():
                # A comma closes the clause the figure's noun would have to share with it,
                # unless a participle opens what follows ("The deal, completed for just £1").
                after = words[k + 2].group().casefold() if k + 2 < len(words) else ""
                if w == "," and not of_only and self._is_participle(after):
                    continue
                if w in ".,;:!?()" or of_only:
                    return None
                continue
            if low in lex.word_set("conjunctions"):
                return None
            if lex.noun_order == "german" and w[:1].islower():
                continue
            if k >= 0 and words[k].group().casefold() in auxiliaries:
                k -= 1  # "ha raggiunto"
                continue
            if k >= 0 and words[k].group().casefold() in reflexives:
                k -= 1  # "se eleva a 214", "si attesta al 3%": a verb
                continue
            if not self._is_content(w) or self._is_participle(low):
                if of_only and low not in articles:
                    return None
                continue
            if (
                w[:1].isupper()
                and lex.noun_order != "german"
                and words[k + 1].start() != sent_start
                and low not in lex.word_set("indicators")
            ):
                if of_only:
                    return None
                continue
            if (
                lex.noun_order == "romance"
                and k >= 1
                and words[k - 1].group().casefold() in articles
                and self._is_content(words[k].group())
                and words[k].group()[:1].islower()
                and low.endswith(lex.adjective_suffixes)
            ):
                # "la deuda pública alcanzó": after an article the noun comes first, then its
                # adjective ("un nutrito plotone": an adjective before the noun stays)
                return words[k].group()
            return w
        return None

    def _partitive(self, fig: _Found) -> bool:
        """A number after a partitive is a part of the total before it: "Le cumul des cas est
        de 421, dont 374 confirmés et 47 probables", "310 contagi, di cui 45 confermati". The
        second of two coordinated parts ("et 47") is one too. Whether the part counts the
        total's noun is ``_describes``' call ("dont 12 enfants" counts children)."""
        start = fig.qualifier_start if fig.qualifier_start is not None else fig.start
        words = [w.casefold() for w in self._prev_words(start, 3)]
        for marker in self.lex.word_set("partitive_markers"):
            parts = marker.split()
            if words[-len(parts) :] == parts:
                fig.extra["partitive"] = True
                return True
        if not words or words[-1] not in self.lex.word_set("coordinators"):
            return False
        earlier = self.found[-1] if self.found else None
        if earlier is None or not earlier.extra.get("partitive"):
            return False
        between = self.text[earlier.end : start].split()
        if len(between) <= 3:  # "374 confirmés et 47": the first part's word, the coordinator
            fig.extra["partitive"] = fig.extra["second_part"] = True
            return True
        return False

    def _describes(self, word: str) -> bool:
        """A participle after a part's number, not a noun of its own: "374 confirmés" (but
        "dont 12 enfants" counts children); in German any lower-case word ("davon 15 schwer").
        A second part coordinated with a first that describes describes too ("et 47
        probables")."""
        low = word.casefold()
        return (
            low in self.lex.word_set("tally_participles")
            or self._is_participle(low)
            or (self.lex.noun_order == "german" and word[:1].islower())
        )

    def _is_participle(self, low: str) -> bool:
        return len(low) > 4 and low.endswith(self.lex.participle_suffixes)

    def _toll_noun(self, fig: _Found) -> str | None:
        """ "El número de muertos asciende a 214": what the toll counts ("muertos"), else the
        toll noun itself ("The death toll rose to 214")."""
        lex = self.lex
        ends, tolls = self._tolls_in_sentence(self._sentence_start(fig.start))
        k = bisect.bisect_right(ends, fig.start) - 1  # the last toll noun before the figure
        if k < 0:
            return None
        rest = [m.group() for m in islice(_WORD_RE.finditer(self.text, ends[k], fig.start), 3)]
        i = 0
        for joiners in ("of_words", "articles"):  # "de", "dei", "der" (a German genitive)
            if i < len(rest) and rest[i].casefold() in lex.word_set(joiners):
                i += 1
        if 0 < i < len(rest) and self._is_content(rest[i]):
            return rest[i]
        return tolls[k]

    def _tolls_in_sentence(self, sent_start: int) -> tuple[list[int], list[str]]:
        """The toll nouns of the sentence at ``sent_start`` (their ends, their words), read once
        per sentence: a sentence of 20,000 figures is not re-read for each of them."""
        cached = self._tolls.get(sent_start)
        if cached is None:
            tolls = self.lex.word_set("toll_nouns")
            end = self._sentence_end(sent_start)
            found = [
                m
                for m in _WORD_RE.finditer(self.text, sent_start, end)
                if m.group().casefold() in tolls
            ]
            cached = self._tolls[sent_start] = (
                [m.end() for m in found],
                [m.group() for m in found],
            )
        return cached

    def _referent(self, fig: _Found) -> str | None:
        """An implicit counted noun: the same number's noun earlier, or the noun of the
        sentence's last figure of the same kind."""
        namesakes = self._counted_by_value.get((fig.value, fig.kind))
        if namesakes:
            return namesakes[-1].counts
        return self._last_of_kind_in_sentence(fig)

    def _last_of_kind_in_sentence(self, fig: _Found) -> str | None:
        sent_start = self._sentence_start(fig.start)
        if self._in_order:
            counted = self._counted_by_kind.get(fig.kind)
            last = counted[-1] if counted else None
            return last.counts if last is not None and last.start >= sent_start else None
        for other in reversed(self.found):
            if other.start < sent_start:
                break
            if other.kind is fig.kind and other.counts:
                return other.counts
        return None

    def _compared(self, fig: _Found) -> bool:
        """A comparison word comes right before the figure ("up from 1%", "dal 7,5%", "contre
        7,5 %"): it is the same measure as the figure it is compared with."""
        end = fig.qualifier_start if fig.qualifier_start is not None else fig.start
        before = list(_WORD_RE.finditer(self.text, max(0, end - 30), end))[-3:]
        lows = [m.group().casefold() for m in before]
        while lows and lows[-1] in self.lex.word_set("articles"):
            lows.pop()  # "contre le 7,5 %"
        return bool(lows) and lows[-1] in self.lex.word_set("comparison_words")

    def _implied_currency(self, fig: _Found) -> None:
        lex = self.lex
        implied = lex.data.get("implied_currency")
        if not implied or fig.unit is not None or fig.kind is not FigureKind.COUNT:
            return
        if fig.multiplier < 1e6:
            return
        after = fig.extra.get("noun_after")
        if after is None or after.casefold() in lex.word_set("money_nouns"):
            fig.unit, fig.kind = str(implied), FigureKind.MONEY
            if after is None:
                fig.counts = self._noun_before(fig) or fig.counts
            else:
                fig.counts = after

    # -- ranges ---------------------------------------------------------------------------------
    def _link_ranges(self) -> None:
        """Ranges ("da 5 a 7 milioni", "2500 bis 3000"): the first end takes the second's unit."""
        lex = self.lex
        for first, second in zip(self.found, self.found[1:], strict=False):
            between = self.text[first.end : second.start]
            if len(between) > 6 or not lex.range_connector.match(between):
                continue
            if first.unit is not None and second.unit is not None and first.unit != second.unit:
                # "Sales climbed five percent to £31.2 billion": a change, then the level it
                # reached; two quantities, not the two ends of one range
                continue
            weak = between.strip().casefold() in ("e", "and", "y", "und", "et")
            if weak and not lex.between_before.search(
                self.text[max(0, first.start - 20) : first.start]
            ):
                continue
            if (
                first.multiplier == 1.0
                and second.multiplier > 1
                and first.value < second.value / second.multiplier
            ):
                first.value *= second.multiplier
                first.multiplier = second.multiplier
            if first.unit is None and second.unit is not None:
                first.unit, first.kind = second.unit, second.kind
            elif second.unit is None and first.unit is not None and first.kind is FigureKind.MONEY:
                second.unit, second.kind = first.unit, first.kind
            if second.counts and (first.counts is None or not first.extra.get("noun_after")):
                first.counts = second.counts
            if second.qualifier is None and first.qualifier is not None:
                second.extra["range_qualifier"] = first.qualifier

    # -- helpers --------------------------------------------------------------------------------
    def freeze(self, f: _Found, source: str | None) -> Figure:
        extra = {k: v for k, v in f.extra.items() if k in ("age", "magnitude")}
        return Figure(
            text=self.text[f.start : f.end],
            value=float(f.value),
            start=f.start,
            end=f.end,
            unit=f.unit,
            counts=f.counts,
            qualifier=f.qualifier,
            source=source,
            kind=str(f.kind),
            extra=extra,
        )

    def _gap_is_space(self, a: int, b: int) -> bool:
        gap = self.text[a:b]
        return 0 < len(gap) <= 2 and gap.isspace()

    def _next_word(self, tok: _Tok, nxt: _Tok | None) -> _Tok | None:
        if nxt is not None and nxt.kind == "word" and self._gap_is_space(tok.end, nxt.start):
            return nxt
        return None

    def _prev_words(self, pos: int, n: int) -> list[str]:
        words = [m.group() for m in _WORD_RE.finditer(self.text, max(0, pos - 40), pos)]
        return [w for w in words if w[:1].isalpha()][-n:]

    def _sentence_start(self, pos: int) -> int:
        k = bisect.bisect_right(self.sent_starts, pos) - 1
        return self.sent_starts[max(k, 0)]

    def _sentence_end(self, pos: int) -> int:
        k = bisect.bisect_right(self.sent_starts, pos)
        return self.sent_starts[k] if k < len(self.sent_starts) else len(self.text)

    def _sentence_text(self, fig: _Found) -> str:
        return self.text[self._sentence_start(fig.start) : self._sentence_end(fig.start)]


@Language.factory(
    "newsstream_figures",
    assigns=["doc._.figures"],
    default_config={"spans_key": SPANS_KEY, "lexicon_dir": None},
)
def make_figure_extractor(
    nlp: Language, name: str, spans_key: str, lexicon_dir: str | None
) -> FigureExtractor:
    return FigureExtractor(nlp, name, spans_key=spans_key, lexicon_dir=lexicon_dir)

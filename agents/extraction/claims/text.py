"""The text the claim readers work on: quotation marks paired in every style and masked, the
text cut into units (sentences re-joined around quotes, datelines cut off), the light tokens the
rules read (``Tok``, ``tokenize``, ``LazyTokens``), and Italian agency accents read as accents.

The lowest layer: it knows no lexicon and no claim.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

from agents.extraction.doctext import doc_text

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


@dataclass(frozen=True, slots=True)
class Quote:
    open: int  # index of the opening mark
    close: int  # index after the closing mark (or the paragraph end)
    start: int  # content start
    end: int  # content end


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


# ---------------------------------------------------------------- tokens

_ABBREV = r"(?:[A-Z]\.){2,}|(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|Mme|St|Gen|Lt|Col|Sen|Rep|Gov|Sig)\."
# The abbreviation alternatives all open with a capital: the lookahead skips them elsewhere.
_ABBREV_AT_CAPITAL = rf"(?=[A-Z])(?:{_ABBREV})"
# A run of masks is matched at once and split into one token per mask, as "[^\w\s]" would.
_MASKS = f"{MASK}+"
# "\w++" never backtracks: a shorter run would be followed by a letter, not an apostrophe.
TOKEN_ELIDING = re.compile(
    rf"{_MASKS}|{_ABBREV_AT_CAPITAL}|\w++['’](?=\w)|\w(?:[\w\-/&.]*\w)?|[^\w\s]"
)
# A word before "'s" needs no alternative of its own: the plain word alternative ends there too.
_TOKEN_PLAIN = re.compile(rf"{_MASKS}|{_ABBREV_AT_CAPITAL}|['’]s\b|\w(?:[\w\-/&.]*\w)?|[^\w\s]")
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
    pattern = TOKEN_ELIDING if lang in ("it", "fr") else _TOKEN_PLAIN
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


def trimmed_end(text: str, start: int, end: int) -> int:
    """``end`` moved back past spaces and the punctuation that closes a region."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:." + DASHES):
        end -= 1
    return end


_SPACE = re.compile(r"\s")


def aside_mark(text: str, tok: Tok) -> str | None:
    """The mark a token opens or closes an aside with: a comma, or a dash set off by a space
    ("Jean-Marie" holds no aside). Every kind of dash is one mark."""
    if tok.text == ",":
        return ","
    if tok.text in DASHES and (tok.start == 0 or text[tok.start - 1].isspace()):
        return DASHES
    return None


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

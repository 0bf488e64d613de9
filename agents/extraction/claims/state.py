"""What the readers share about one document (``DocumentState``): its text and masked text,
quotes, units, tokens, outlet mentions and entity spans, the cue spans already used, and the drafts
found so far, which ``DocumentState.add`` records.

``Phrase``, ``Speaker`` and ``Draft`` are the values passed between the layers above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span

from agents.extraction.annotations import ENTITIES_KEY, ClaimKind
from agents.extraction.claims.lexicon import Lexicon
from agents.extraction.claims.text import (
    DASHES,
    LazyTokens,
    Tok,
    build_units,
    find_quotes,
    mask_quotes,
    read_accents,
    strip_dateline,
    tokenize,
    trimmed_end,
)
from agents.extraction.doctext import doc_text

MAX_ADVERBIAL_WORDS = 6  # longer content is never adverbials and a pronoun alone
_COMPOUND_TAIL = re.compile(r"-\w+")
_LEADING_BRACKET = re.compile(r"\([^()]{1,40}\)[\s,;:]*")
_ELIDED_TAIL = re.compile(r"(?<!\w)\w{1,2}['’]$")  # "l'", "qu'" closing a region


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
    personal: bool = False  # carried by "he"/"she": the last person speaks, not a body


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
    personal: bool = False  # carried by "he"/"she": a person, not a body, speaks


Attribution = tuple[Speaker, Phrase | None, str | None, frozenset[str]]
"""How a quote is attributed: speaker, relaying outlet, cue (None: none of its own), roles."""


class DocumentState:
    """The state of one document that every reader shares (quotes, units, used cues, drafts),
    with the few questions about it that need nothing but the text and the lexicon."""

    def __init__(self, doc: Doc, lex: Lexicon) -> None:
        self.doc = doc
        self.lex = lex
        self.lang = lex.lang
        self.original = doc_text(doc)
        self.text = read_accents(self.original) if lex.data.get("agency_accents") else self.original
        self.quotes = find_quotes(self.text)
        self.masked = mask_quotes(self.text, self.quotes)
        # Both tokenized on demand: the rules only look at tokens near cues and quotes.
        self.masked_tokens = LazyTokens(self.masked, self.lang)
        self._text_tokens = LazyTokens(self.text, self.lang)
        self.units = [
            strip_dateline(self.text, u) for u in build_units(doc, self.quotes, self.text)
        ]
        self.drafts: list[Draft] = []
        self.used: list[tuple[int, int]] = []  # cue spans already attributed
        self.w = lex.words
        self._entities: list[tuple[int, int, Span]] | None = None
        self.mentions = self._outlet_mentions()
        self._relayed = [p for p in self.mentions if self._introduced(p)]

    # ---------------------------------------------------------- tokens and outlets

    def toks(self, start: int, end: int, masked: bool = True) -> list[Tok]:
        """The tokens inside ``[start, end)``, from one tokenisation of the whole text."""
        return (self.masked_tokens if masked else self._text_tokens).within(start, end)

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

    def outlet_within(self, start: int, end: int) -> Phrase | None:
        return next((p for p in self.mentions if start <= p.start and p.end <= end), None)

    def outlet_mention(self, phrase: Phrase) -> Phrase:
        """The outlet's name in or right after an outlet phrase ("die Nachrichtenagentur dpa",
        where the phrase read stops before the lowercase name), else the phrase."""
        return next((p for p in self.mentions if phrase.start <= p.start <= phrase.end + 1), phrase)

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

    # ---------------------------------------------------------- claim content and drafts

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
        end = trimmed_end(text, start, end)
        elided = _ELIDED_TAIL.search(text, start, end)
        if elided is not None:  # "…: l'ha detto il ministro": the clitic belongs to the cue
            end = trimmed_end(text, start, elided.start())
        # "Según el Instituto Nacional de Estadística (INE), el precio ...": the bracket names
        # the source, it does not open what the source says
        bracket = _LEADING_BRACKET.match(text, start, end)
        if bracket is not None:
            start = bracket.end()
        toks = self.masked_tokens.head(start, end, 2)
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
            personal=speaker.personal,
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

    def unit_start(self, pos: int) -> int:
        """Where the unit that ``pos`` lies in begins."""
        return max((a for a, _ in self.units if a <= pos), default=0)

    def covered(self, pos: int) -> bool:
        return any(d.start <= pos < d.end for d in self.drafts)

    def has_prior_claim(self, start: int, end: int) -> bool:
        return any(start <= d.start < end for d in self.drafts)

    def entity_at(self, start: int, end: int) -> Any:
        """The entity of the entity span overlapping ``[start, end)`` that ends last."""
        best: tuple[int, Any] | None = None
        for s, e, span in self.entity_spans():
            if s < end and start < e and (best is None or e > best[0]):
                entity = span._.entity  # read only here: an extension lookup is costly
                if entity is not None:
                    best = (e, entity)
        return best[1] if best is not None else None

    def previous_unit_start(self, pos: int) -> int:
        """Where the sentence before the one ``pos`` lies in begins: how far back a reference
        looks."""
        unit = next((k for k, (_, ue) in enumerate(self.units) if pos < ue), len(self.units) - 1)
        return self.units[max(0, unit - 1)][0]

    def entity_spans(self) -> list[tuple[int, int, Span]]:
        """(start, end, span) of the entity spans, read once: a Span per lookup is costly."""
        if self._entities is None:
            spans = self.doc.spans.get(ENTITIES_KEY) if ENTITIES_KEY in self.doc.spans else None
            self._entities = [(sp.start_char, sp.end_char, sp) for sp in spans or ()]
        return self._entities

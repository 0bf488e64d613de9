"""Direct quotes: each quote is attributed by a cue next to it ("», ha detto X", "X said: “",
"– ha aggiunto –", "The statement read: “…”"), or, standing alone, opens a statement that the
speaker before or after it takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agents.extraction.annotations import ClaimKind
from agents.extraction.claims.phrases import (
    adjunct_lead,
    chunk_spans,
    clean_subject,
    is_gerund,
    is_quoted_title,
    is_relative,
    np_after,
    np_after_adjunct,
    roles_in,
    short_subject,
    speaker_from,
    subject_like,
    subject_of,
    terminal_after,
    trailing_np,
    via_in_lead,
)
from agents.extraction.claims.state import Attribution, DocumentState, Draft, Phrase, Speaker
from agents.extraction.claims.text import (
    DASHES,
    MASK,
    MIN_STANDALONE_WORDS,
    QUOTE_PAIRS,
    Quote,
    tokenize,
)

_NAMING_LINKS = frozenset({"as", "als", "come", "comme", "como", "de", "d", "di", "a"})
_ABBREVIATION = re.compile(r"\b(\w+)\.")

# ---------------------------------------------------------- quotes


@dataclass
class QuoteSite:
    """A quote in its unit, and the masked text of the unit before it."""

    q: Quote
    us: int
    ue: int
    left: str  # without trailing space

    @classmethod
    def at(cls, state: DocumentState, q: Quote, unit: tuple[int, int]) -> QuoteSite:
        us, ue = unit
        return cls(q, us, ue, state.masked[us : q.open].rstrip())


def cue_inside_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "«Martedì notte - ha spiegato il sindaco - era stato tutto tranquillo»"

    A cue between dashes inside the quote, with its speaker after it."""
    q = site.q
    inner = state.lex.inner_cue_re.search(state.text[q.start : q.end])
    if not inner:
        return None
    cs, ce = q.start + inner.start(1), q.start + inner.end(1)
    np_ = np_after(state, ce, q.start + inner.end(2), masked=False)
    state.used.append((cs, ce))
    return (
        speaker_from(state, np_),
        state.via_in(ce, q.start + inner.end(2)),
        state.text[cs:ce],
        roles_in(state, np_),
    )


def _after_close(state: DocumentState, site: QuoteSite) -> int | None:
    """Where the text after the quote goes on past a comma or dash ("», ha detto X", "» -
    ha aggiunto X - «"), unless the sentence ends there."""
    lead = re.match(rf"[\s,]*(?:[{DASHES}]\s*)?", state.masked[site.q.close : site.ue])
    p = site.q.close + (lead.end() if lead else 0)
    return p if p < site.ue and state.masked[p - 1 : p] != "." else None


def cue_after_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "«Andremo avanti», ha detto il ministro."

    A cue right after the quote, its speaker after the cue."""
    p = _after_close(state, site)
    if p is None:
        return None
    cm = state.lex.verb_re.match(state.masked, p)
    if not (cm and not state.is_used(*cm.span())):
        return None
    limit = _attr_limit(state, cm.end(), site.ue)
    np_ = np_after(state, cm.end(), limit) or np_after_adjunct(state, cm.end(), limit)
    state.used.append(cm.span())
    via = state.via_in(cm.end(), site.ue)
    sp = speaker_from(state, np_)
    if np_ is None and _personal_pronoun_after(state, cm.end(), limit):
        sp = Speaker(None, personal=True)  # "„…“, sagte er der dpa": the last person speaks
    return sp, via, cm.group(), roles_in(state, np_)


def _personal_pronoun_after(state: DocumentState, pos: int, limit: int) -> bool:
    """A personal pronoun ("er", "lui", "elle") is the first word after the cue."""
    first = state.masked_tokens.first_word(pos, limit)
    return first is not None and first.low in state.w("personal_pronouns")


def subject_and_cue_after_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "“We will go on,” the minister said."  / ", the spokeswoman, Anna Lee, told CNN"

    A short subject, then the cue, after the quote. A name with an apposition may be longer
    ("“Prices will rise,” Anna Lee, chief economist at the Bank of Northland, told reporters.")
    when the cue ends the sentence."""
    p = _after_close(state, site)
    if p is None:
        return None
    ue = site.ue
    cm = state.lex.verb_re.search(state.masked, p, min(ue, p + 140))
    if not (cm and not state.is_used(*cm.span())):
        return None
    between = state.masked[p : cm.start()]
    words = len(between.split())
    if not (
        between.strip()
        and not re.search(r"[.;:!?«»“”\"¤]", _without_abbreviations(state, between))
        and (
            ("," not in between and words <= 8)
            or (
                "," in between
                and words <= 16
                and short_subject(state, p, cm.start())  # not '” of the man, X said'
                and subject_like(state, p, cm.start())
                and terminal_after(state, cm.end(), ue)
            )
        )
    ):
        return None
    subj = clean_subject(state, p, cm.start())
    state.used.append(cm.span())
    via = state.via_in(cm.end(), _attr_limit(state, cm.end(), ue))
    appositions = "," in between
    sp = subject_of(state, p, cm.start()) if appositions else speaker_from(state, subj)
    return sp, via, cm.group(), roles_in(state, subj)


def naming_before_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "Il ministro ha definito l'attacco «vile»." / "The minister called the move a “body blow”."

    A quote named by what comes before it (see ``_naming``)."""
    if not site.left:
        return None
    return _naming(state, site.us, site.q.open, site.ue)


def cue_before_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "The minister said: “We will go on.”" / "Commenta l'Istat: «I dati confermano la ripresa»."

    A cue before the quote, ending in a colon, a complementizer, a comma or a dash: its
    subject speaks (or, after a fronted adjunct or an object clitic, the phrase after it)."""
    left, us = site.left, site.us
    if not left:
        return None
    tail = left[-1]
    if not (
        tail == ":" or left.endswith(tuple(state.w("complementizers"))) or tail in "," + DASHES
    ):
        return None
    cms = _cues_before(state, site)
    if not cms:
        return None
    cm = cms[-1]
    gap = state.masked[cm.end() : us + len(left)]
    gap_toks = [t for t in state.toks(cm.end(), us + len(left)) if t.is_word]
    if tail != ":" and len(gap_toks) > 1:
        return None
    if tail == ":" and len(gap_toks) > 8:
        return None
    before = chunk_spans(state, us, cm.start())
    state.used.append(cm.span())
    via = state.via_in(us, site.q.open)
    cut = before[-1] if before else None
    if cut and not state.masked[cut[1] : cm.start()].strip(" ,"):
        subj = clean_subject(state, *cut)
        if subj is not None and len(before) > 1 and _participial(state, subj):
            # "Boubacar, addressing a news conference, charged that “…”": the apposition
            # describes the subject before it
            subj = clean_subject(state, *before[-2])
        if subj is not None and len(before) > 1 and is_relative(state, subj):
            # "Lo conferma Marco Rossi, che denuncia: “…”": the antecedent speaks
            subj = trailing_np(state, *before[-2])
        elif adjunct_lead(state, *cut) and (
            inverted := np_after(state, cm.end(), cm.end() + len(gap))
        ):
            # "In dem Gespräch sagte Berger weiter: »…«": after a fronted adjunct
            # the subject follows the verb
            subj = inverted
        elif (
            subj is not None
            and subj.text.casefold() in state.w("clitics", "anaphora")
            and (inverted := np_after(state, cm.end(), cm.end() + len(gap)))
        ):
            # "Lo rivela lo stesso allenatore: «…»": the object clitic points back
            # at what was said; the subject follows the verb
            subj = inverted
        if subj is not None and state.lex.verb_re.search(subj.text):
            return Speaker(None), via, cm.group(), frozenset()
        if subj is not None:
            return speaker_from(state, subj), via, cm.group(), roles_in(state, subj)
    np_ = np_after(state, cm.end(), cm.end() + len(gap))
    sp = speaker_from(state, np_)
    return sp, via, cm.group(), roles_in(state, np_)


def colon_before_quote(state: DocumentState, site: QuoteSite) -> Attribution | None:
    """ "Mario Draghi: «Il debito è sostenibile»." / "The statement read: “We regret the delay.”"

    A colon without a speech verb before the quote: a document that reads it, a short
    capitalised name, or the speaker before (carried)."""
    left, us = site.left, site.us
    if not left or left[-1] != ":" or _cues_before(state, site):
        return None
    read = _document_read(state, us, us + len(left) - 1)
    if read is not None:
        return read
    ph = (
        clean_subject(state, chunk_spans(state, us, us + len(left) - 1)[-1][0], us + len(left) - 1)
        if chunk_spans(state, us, us + len(left) - 1)
        else None
    )
    toks = [t for t in tokenize(state.text, ph.start, ph.end, state.lang)] if ph else []
    if ph and toks and len(toks) <= 5 and all(t.is_cap for t in toks if t.is_word):
        return speaker_from(state, ph), None, ":", roles_in(state, ph)
    return Speaker(None), None, ":", frozenset()


def _participial(state: DocumentState, phrase: Phrase) -> bool:
    """The phrase is a participial apposition ("addressing a news conference", "parlando ai
    giornalisti"), which describes a subject and is none."""
    first = state.masked_tokens.first_word(phrase.start, phrase.end)
    return first is not None and is_gerund(state, first.low)


def _cues_before(state: DocumentState, site: QuoteSite) -> list[re.Match[str]]:
    """The speech verbs between the unit's start and the quote."""
    return [m for m in state.lex.verb_re.finditer(state.masked, site.us, site.q.open)]


QuoteConstruction = Callable[[DocumentState, QuoteSite], Attribution | None]

QUOTE_ATTRIBUTIONS: tuple[QuoteConstruction, ...] = (
    cue_inside_quote,
    cue_after_quote,
    subject_and_cue_after_quote,
    naming_before_quote,
    cue_before_quote,
    colon_before_quote,
)
"""Tried in this order; the first attribution found is the quote's."""


def first_attribution(
    state: DocumentState, site: QuoteSite
) -> tuple[QuoteConstruction, Attribution] | None:
    """The first construction of ``QUOTE_ATTRIBUTIONS`` that attributes the quote, with its
    attribution; None when no cue beside the quote attributes it."""
    for construction in QUOTE_ATTRIBUTIONS:
        attribution = construction(state, site)
        if attribution is not None:
            return construction, attribution
    return None


def attribute_quote(state: DocumentState, q: Quote, unit: tuple[int, int]) -> Attribution | None:
    """The attribution of a quote by a cue next to it, or None."""
    found = first_attribution(state, QuoteSite.at(state, q, unit))
    return found[1] if found is not None else None


def _without_abbreviations(state: DocumentState, text: str) -> str:
    """``text`` without the periods of initials and titles ("U.N. chief", "Dr. Lee"), which
    end no sentence."""
    hon = state.w("honorifics")
    return _ABBREVIATION.sub(
        lambda m: m.group(1) if len(m.group(1)) == 1 or m.group().casefold() in hon else m.group(),
        text,
    )


def _naming(state: DocumentState, us: int, open_: int, ue: int) -> Attribution | None:
    """'X called the move a “body blow”', "ha definito l'attacco «vile»", "bezeichnete ihn
    als „…“": X's words are the quoted name they give something, with what it names."""
    toks = state.toks(us, open_)
    verbs = state.w("naming_verbs")
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
        while start > 0 and toks[start - 1].low in state.w("auxiliaries"):
            start -= 1
        chunks = chunk_spans(state, us, toks[start].start)
        subj = clean_subject(state, *chunks[-1]) if chunks else None
        first = state.masked_tokens.first_word(subj.start, subj.end) if subj else None
        if first is not None and not (
            first.is_cap or first.low in state.w("determiners", "roles", "sources", "pronouns")
        ):
            return None  # "contestando ... quando definì «eversiva»": no subject
        state.used.append((t.start, t.end))
        sp, roles = speaker_from(state, subj), roles_in(state, subj)
        via = via_in_lead(state, chunks[-1][0]) if chunks else None
        state.add(state.content_span(t.end, ue), sp, cue=t.text, via=via, roles=roles)
        return sp, None, None, roles  # no cue of its own: the quote merges into the claim
    return None


def _attr_limit(state: DocumentState, pos: int, ue: int) -> int:
    """Where an attribution after a quote ends: the next quote, if any."""
    for q in state.quotes:
        if pos <= q.open < ue:
            return q.open
    return ue


def read_quotes(state: DocumentState, index: int) -> None:
    """Each quote of the unit, attributed by a cue beside it, or by the quote after it."""
    unit = state.units[index]
    us, ue = unit
    inside = [q for q in state.quotes if us <= q.open < ue]
    prev_attr: Attribution | None = None
    prev_q: Quote | None = None
    pending: Draft | None = None  # an unattributed quote that may open the same statement
    for q in inside:
        words = len(state.text[q.start : q.end].split())
        if words == 0 or (words == 1 and is_quoted_title(state, q)):
            continue
        attr = attribute_quote(state, q, unit)
        cue_after = attr is not None and bool(state.used) and state.used[-1][0] >= q.close
        if attr is None and prev_attr is not None and prev_q is not None:
            between = state.masked[prev_q.close : q.open]
            if state.lex.verb_re.search(between) and between.strip()[-1:] in "," + DASHES:
                attr = prev_attr  # "«...» - ha aggiunto X - «...»"
        if attr is not None:
            sp, via, cue, roles = attr
            if words <= 2 and sp.text is None and cue == ":":
                continue
            start = q.start
            if pending is not None and cue_after:
                between = state.masked[pending.end : q.open]
                if not state.lex.verb_re.search(between) and not re.search(r"[.!?]", between):
                    # "«Um ... zu bekommen», würden «die Existenzen ...», kritisierte X"
                    state.drafts.remove(pending)
                    start = pending.start
            pending = None
            state.add((start, q.end), sp, cue=cue, via=via, kind=ClaimKind.DIRECT, roles=roles)
            prev_attr, prev_q = attr, q
            continue
        before = state.masked[us : q.open].strip()
        standalone = (
            not before
            or before.endswith(":")
            or all(c in QUOTE_PAIRS or c == MASK or c.isspace() or c in ".,;" for c in before)
        )
        if standalone and words >= MIN_STANDALONE_WORDS:
            pending = state.add(
                (q.start, q.end), Speaker(None), cue=None, kind=ClaimKind.DIRECT, explicit=False
            )
        prev_q = q


def _document_read(state: DocumentState, start: int, end: int) -> Attribution | None:
    """ "The statement read: “…”", "il comunicato recita: «…»": the document's author speaks
    (the one named as its owner, else the previous speaker)."""
    toks = [t for t in state.toks(start, end) if t.is_word]
    if len(toks) < 2 or toks[-1].low not in state.w("document_verbs"):
        return None
    chunks = chunk_spans(state, start, toks[-1].start)
    phrase = clean_subject(state, *chunks[-1]) if chunks else None
    if phrase is None:
        return None
    nouns = {t.low for t in tokenize(state.text, phrase.start, phrase.end, state.lang)}
    if nouns.isdisjoint(state.w("source_nouns")):
        return None  # "Il cantante recita:" is a performance, not a document
    return speaker_from(state, phrase), None, toks[-1].text, roles_in(state, phrase)

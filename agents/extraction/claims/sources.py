"""Speech named without a speech verb: a source preposition ("according to X", "secondo X",
"selon X", "X zufolge"), with the outlet relaying it, and the verbless "Così la premier G. Meloni."
that names the source of the sentence before.
"""

from __future__ import annotations

import re

from agents.extraction.claims.phrases import (
    chunk_spans,
    clean_subject,
    np_after,
    pp_content,
    roles_in,
    speaker_from,
    strip_source_noun,
    trailing_np,
)
from agents.extraction.claims.state import DocumentState, Phrase, Speaker
from agents.extraction.claims.text import tokenize

_ASIDE = re.compile(r"\s*,\s*([^,.;:]{3,100}?)\s*,")  # ", qui cite des sources,"


def read_prepositions(state: DocumentState, index: int) -> None:
    """ "according to X" / "secondo X" / "selon X" / "laut X" / "según X" / "X zufolge"."""
    us, ue = state.units[index]
    matches: list[tuple[re.Match[str], bool]] = []
    if state.lex.prep_re is not None:
        matches += [(m, False) for m in state.lex.prep_re.finditer(state.masked, us, ue)]
    if state.lex.postp_re is not None:
        matches += [(m, True) for m in state.lex.postp_re.finditer(state.masked, us, ue)]
    strict = state.w("preposition_strict")
    for m, post in matches:
        if state.is_used(*m.span()):
            continue
        if not post and _read_relative_source(state, m, us, ue):
            continue
        if post:
            ch = chunk_spans(state, us, m.start())
            a = ch[-1][0] if ch else us
            np_ = clean_subject(state, a, m.start())
            pp = (a, m.end())
        else:
            relay = (
                state.lex.relay_re.match(state.masked, m.end(), ue)
                if state.lex.relay_re is not None
                else None
            )
            if relay:
                via = state.via_in(m.end(), min(ue, relay.end() + 40))
                np_ = via
                pp_end = via.end if via else relay.end()
                if via is not None:
                    target = [d for d in state.drafts if us <= d.start < ue]
                    state.used.append(m.span())
                    if target:
                        for d in target:
                            d.via = d.via or state.outlet_name(via).text
                        continue
                    content = pp_content(state, us, ue, m.start(), pp_end)
                    if state.drafts:  # goes on reporting the previous source
                        state.add(content, Speaker(None), cue=m.group(), via=via)
                    else:  # the outlet is the only source named
                        name = state.outlet_name(via)
                        state.add(content, Speaker(name.text, name.start, name.end), cue=m.group())
                    continue
            at = relay.end() if relay else m.end()
            np_ = np_after(state, at, ue, skip_via=False)
            past = _past_document(state, at, ue)
            if past is not None and (np_ is None or np_.end <= past):
                # "a report by the FT", "einem Bericht im Spiegel": the document's source
                np_ = np_after(state, past, ue, skip_via=False) or np_
            pp = (m.start(), np_.end if np_ else m.end())
        if np_ is None:
            continue
        if m.group().casefold() in strict and not (
            state.is_outlet(np_.text) or _fronted_source(state, us, m.start(), np_)
        ):
            continue
        state.used.append(m.span())
        target = [d for d in state.drafts if us <= d.start < ue]
        if target:
            if state.is_outlet(np_.text):
                outlet = state.outlet_mention(np_)
                for d in target:
                    speaks = d.speaker_span is not None and (
                        d.speaker_span[0] < outlet.end and outlet.start < d.speaker_span[1]
                    )  # "Wie die Agentur dpa berichtet, ...": the outlet is the speaker
                    if not speaks:
                        d.via = d.via or state.outlet_name(np_).text
            continue
        np_ = strip_source_noun(state, np_)
        cited = _cited_source(state, np_, ue)
        via = None
        if cited is not None:  # "según fuentes citadas por Europa Press, ..."
            np_, via = cited
            pp = (pp[0], max(pp[1], via.end))
        elif (citing := _citing_aside(state, np_, ue)) is not None:
            # "Selon Le Figaro, qui cite des sources gouvernementales, ..."
            source, aside_end = citing
            if source is not None and state.is_outlet(np_.text):
                np_, via = source, state.outlet_name(np_)
            pp = (pp[0], aside_end)
        content = pp_content(state, us, ue, pp[0], pp[1])
        state.add(
            content, speaker_from(state, np_), cue=m.group(), roles=roles_in(state, np_), via=via
        )


def _citing_aside(
    state: DocumentState, np_: Phrase, limit: int
) -> tuple[Phrase | None, int] | None:
    """An aside between commas right after a source ("Le Figaro, qui cite des sources
    gouvernementales,"): whom it cites (None if it cites nobody), and where the aside ends."""
    m = _ASIDE.match(state.masked, np_.end, limit)
    if m is None:
        return None
    words = [t for t in state.toks(m.start(1), m.end(1)) if t.is_word]
    cites = state.w("cites_after")
    for n in (4, 3, 2, 1):
        if len(words) > n and " ".join(t.low for t in words[:n]) in cites:
            start = words[n].start
            return Phrase(state.text[start : m.end(1)], start, m.end(1)), m.end()
    if words and words[0].low in state.w("relatives"):
        return None, m.end()  # "Selon X, qui ..., le texte ...": the aside is no content
    return None


def _cited_source(state: DocumentState, np_: Phrase, limit: int) -> tuple[Phrase, Phrase] | None:
    """A source and the outlet that relays it, in or right after the phrase ``np_`` ("une
    source diplomatique citée par Le Monde", "fonti citate dall'Ansa")."""
    via = state.via_in(np_.start, min(limit, np_.end + 60))
    if via is None:
        return None
    words = [t for t in state.toks(np_.start, via.start, masked=False) if t.is_word]
    cited = state.w("cited_by")
    for k in range(1, len(words)):
        lows = [t.low for t in words[k : k + 3]]
        if any(" ".join(lows[:n]) in cited for n in (1, 2, 3)):
            end = words[k - 1].end
            return Phrase(state.text[np_.start : end], np_.start, end), via
    return None


def _read_relative_source(state: DocumentState, m: re.Match[str], us: int, ue: int) -> bool:
    """ "Il sindaco Gualtieri, secondo cui la città è pronta, ...": the noun before a source
    preposition with a relative pronoun speaks; whether the claim was read."""
    if m.group().casefold() in state.w("preposition_strict"):
        return False  # "per la quale": "for which", no source
    toks = state.toks(m.end(), min(ue, m.end() + 30))
    relatives = state.w("prep_relatives")
    n = next((n for n in (2, 1) if " ".join(t.low for t in toks[:n]) in relatives), 0)
    before = state.masked[us : m.start()].rstrip()
    if not n or not before.endswith(","):
        return False
    chunks = chunk_spans(state, us, us + len(before) - 1)
    # "Silvia Noé, dell'Udc, secondo cui": a chunk opening with "of" only describes the noun
    while len(chunks) > 1 and state.masked_tokens.head(*chunks[-1], 1)[0].low in state.w(
        "connectors"
    ):
        chunks.pop()
    np_ = trailing_np(state, *chunks[-1]) if chunks else None
    if np_ is None:
        return False
    prev = [t for t in state.toks(chunks[-1][0], np_.start) if t.is_word][-1:]
    if prev and prev[0].low in state.w("stop_words"):
        return False  # "polemiche sorte su Twitter, secondo le quali": a name in a phrase
    start, end = toks[n - 1].end, ue
    if not state.masked[us : np_.start].strip():  # the clause sits inside its sentence
        comma = state.masked.find(",", start, ue)
        end = comma if comma > 0 else ue
    state.used.append(m.span())
    cue = state.text[m.start() : start]
    sp, roles = speaker_from(state, np_), roles_in(state, np_)
    state.add(state.content_span(start, end), sp, cue=cue, roles=roles)
    return True


def _fronted_source(state: DocumentState, us: int, ps: int, np_: Phrase) -> bool:
    """ "Per Confindustria, la manovra è insufficiente": an ambiguous preposition ("per")
    names a source when it opens the sentence and its phrase, a person, an organisation or a
    role, is set off by a comma ("Per Natale, ..." is no source)."""
    if state.masked[us:ps].strip() or state.masked[np_.end : np_.end + 1] != ",":
        return False
    words = {t.low for t in tokenize(state.text, np_.start, np_.end, state.lang)}
    if words & state.w("roles", "bodies", "sources"):
        return True
    entity = state.entity_at(np_.start, np_.end)
    return entity is not None and str(entity.type) in ("PERSON", "ORG")


def _past_document(state: DocumentState, pos: int, limit: int) -> int | None:
    """The end of "a report by" / "reporting in" at ``pos``: who wrote it or where it ran
    follows."""
    words = [t for t in state.toks(pos, min(limit, pos + 60)) if t.is_word][:4]
    k = 0
    while k < len(words) and words[k].low in state.w("determiners"):
        k += 1
    if (
        k + 1 < len(words)
        and words[k].low in state.w("source_nouns")
        and words[k + 1].low in state.w("agent_preps", "connectors", "publication_preps")
    ):
        return words[k + 1].end
    return None


def read_verbless(state: DocumentState, index: int) -> None:
    """The previous sentence's source, named without a verb: "Così la premier G. Meloni."."""
    leads = state.w("verbless_anaphora")
    if not leads or index == 0:
        return
    us, ue = state.units[index]
    # casefolding goes character by character: a unit without a lead word, so folded, has none
    folded = state.masked[us:ue].casefold()
    if not any(word in folded for word in leads):
        return
    lead = state.masked_tokens.first_word(us, ue)
    if lead is None or lead.low not in leads:
        return
    if state.lex.verb_re.search(state.masked, us, ue):
        return
    np_ = np_after(state, lead.end, ue)
    if np_ is None:
        return
    sp = speaker_from(state, np_)
    via = state.via_in(lead.end, ue)  # "Così all'Adnkronos il ministro X."
    ps, pe = state.units[index - 1]
    earlier = [d for d in state.drafts if ps <= d.start < pe and not d.explicit]
    for d in earlier:
        d.speaker, d.carry, d.explicit, d.cue = sp.text, sp.text is None, True, lead.text
        d.via = state.outlet_name(via).text if via else d.via
        d.speaker_span = (sp.start, sp.end) if sp.text else None
        d.role, d.intro_roles = sp.role, roles_in(state, np_)
    if not earlier and not any(ps <= d.start < pe for d in state.drafts):
        state.add(
            state.content_span(ps, pe), sp, cue=lead.text, via=via, roles=roles_in(state, np_)
        )

"""Reported speech: where the speech verbs outside quotes are, and the readings the verb cue
constructions (verb_cue.py) share: the speaker after the cue (``add_inverted``), the subject
before it (``add_subject_first``), an aside, a post-posed apposition, an outlet cited or told.
Also the gerund cues ("..., citing officials") and German sentences in Konjunktiv I that go on
reporting the speaker before.
"""

from __future__ import annotations

import itertools
import re

from agents.extraction.claims.phrases import (
    adjunct_lead,
    aside_close,
    chunk_spans,
    clean_subject,
    complementizer_after,
    interrupted_start,
    is_gerund,
    is_role,
    is_time_lead,
    np_after,
    past_adverbials_and_relay,
    roles_in,
    speaker_from,
    subject_of,
    terminal_after,
    trailing_np,
    via_at,
    via_in_lead,
)
from agents.extraction.claims.state import DocumentState, Draft, Phrase, Speaker
from agents.extraction.claims.text import DASHES, MASK, QUOTE_PAIRS, Tok, aside_mark

MAX_SUBJECT_TOKENS = 12
MAX_INVERTED_SPEAKER_WORDS = 6  # "come ha detto il ministro degli Esteri": longer is a clause
MIN_POSTPOSED_CONTENT_WORDS = 4  # "<content>, Name, a spokesman, told X": fewer is a subject

# ---------------------------------------------------------- cues


def verb_cues(state: DocumentState, start: int, end: int) -> list[re.Match[str]]:
    return [
        m
        for m in state.lex.verb_re.finditer(state.masked, start, end)
        if not state.is_used(m.start(), m.end())
        and not blocked(state, m.start(), m.group())
        and not is_noun_use(state, m)
        and not refuses(state, m, end)
        and (m.start() == start or not m.group()[0].isupper() or state.lang == "de")
    ]


def refuses(state: DocumentState, m: re.Match[str], limit: int) -> bool:
    """ "negò il nulla osta": a denial verb with a bare object refuses something; it reports
    with a clause ("negò che …") or after what was said ("«…», negò il ministro")."""
    if m.group().split()[-1].casefold() not in state.w("clause_only_verbs"):
        return False
    if complementizer_after(state, m.end(), limit) is not None:
        return False
    prev = state.toks(max(0, m.start() - 20), m.start())[-1:]
    if prev and prev[0].low in state.w("relay") and prev[0].low not in state.w("complementizers"):
        return False  # "a quanto ha appreso il Corriere, …": a relay clause ("come" asks how)
    return (
        not state.masked[: m.start()].rstrip().endswith((",", ":", *DASHES, *QUOTE_PAIRS.values()))
    )


def is_noun_use(state: DocumentState, m: re.Match[str]) -> bool:
    """ "la replica del Pd", "la denuncia", "the claims": a cue word used as a noun."""
    if " " in m.group().strip():
        return False
    # the token right before: in 'Dem „Spiegel“ sagte' a title stands between
    prev = state.toks(max(0, m.start() - 20), m.start())[-1:]
    return bool(prev) and prev[0].low in state.w("determiners") - state.w("anaphora")


def blocked(state: DocumentState, pos: int, cue: str = "") -> bool:
    """Negated ("did not say"), passive ("had been reported"), infinitive ("to say") or
    modal ("would say")."""
    before = state.toks(max(0, pos - 30), pos)
    # only the cue's own clause: in "no cederá, dijo" the "no" negates another verb
    clause = list(itertools.takewhile(lambda t: t.is_word, reversed(before)))
    prev = [t.low for t in reversed(clause[:2])]
    neg, pas, mod = state.w("negations"), state.w("passive_aux"), state.w("modals")
    if any(w.casefold() in pas for w in cue.split()[1:-1]):
        return True
    # "se si aggiunge il migrante": an impersonal or reflexive clitic makes the verb mean
    # "is added", not "adds"; the impersonal cues that do report ("si legge") are listed whole
    if prev and prev[-1] in state.w("impersonal_clitics"):
        return True
    # "would say", "would also say": not said yet
    return bool(prev) and (
        prev[-1] in neg or prev[-1] in pas or prev[0] in neg or any(w in mod for w in prev)
    )


# ---------------------------------------------------------- reported speech


def subject_before_clitic(
    state: DocumentState, us: int, left: str, words: list[Tok]
) -> Phrase | None:
    """ "Le ministère l'a confirmé", "Il ministro lo ha detto": a subject and an object clitic
    right before the cue, which point back at what was said; the subject, else None."""
    if len(words) < 2 or words[-1].low not in state.w("clitics"):
        return None
    if words[-1].end != us + len(left) or any(c in left for c in ",;:" + DASHES):
        return None
    return clean_subject(state, us, words[-1].start)


def is_anaphora(state: DocumentState, start: int, end: int) -> bool:
    lead = re.sub(r"\s+", " ", state.text[start:end].strip().casefold().replace("’", "'"))
    return bool(lead) and lead in state.lex.anaphora


def read_gerund_cues(state: DocumentState, index: int) -> None:
    """ "..., citing officials" / "RIA cited the defence ministry as saying that ...": a gerund
    cue outside the claims read so far."""
    us, ue = state.units[index]
    if state.lex.gerund_re is not None:
        for gm in state.lex.gerund_re.finditer(state.masked, us, ue):
            if state.is_used(*gm.span()) or state.covered(gm.start()):
                continue
            state.used.append(gm.span())
            cited = re.search(
                r"(?<!\w)(?:cited|quoted)\s+([^,;:]{1,80}?)\s+as\s+$",
                state.masked[us : gm.start()],
                re.I,
            )
            if cited is not None:  # "RIA cited the defence ministry as saying that ..."
                src = clean_subject(state, us + cited.start(1), us + cited.end(1))
                relay = clean_subject(state, us, us + cited.start())
                via = state.outlet_name(relay) if relay and state.is_outlet(relay.text) else None
                state.add(
                    state.content_span(gm.end(), ue),
                    speaker_from(state, src),
                    cue=state.text[us + cited.start() : gm.end()],
                    via=via,
                )
                continue
            state.add(state.content_span(gm.end(), ue), Speaker(None), cue=gm.group())


def postposed_subject(state: DocumentState, us: int, cs: int) -> tuple[Phrase, Phrase, int] | None:
    """ "<content>, Kwame Mensah, a spokesman for the fire service, told Reuters.": a name and
    its apposition between commas, after the content and before the cue, are the subject.

    The name, the apposition and the comma where the content ends; None unless the last
    comma piece is an apposition opened by a role (with or without an article) and the
    piece before it a short capitalised name, with content before both."""
    chunks = chunk_spans(state, us, cs)
    if len(chunks) < 3:
        return None
    apposition = clean_subject(state, *chunks[-1])
    roles = state.w("roles")
    words = [t for t in state.toks(*chunks[-1]) if t.is_word]
    if apposition is None or not words:
        return None
    head = words[1] if words[0].low in state.w("determiners") and len(words) > 1 else words[0]
    if head.low not in roles:
        return None
    name_words = [t for t in state.toks(*chunks[-2]) if t.is_word]
    if not 2 <= len(name_words) <= 4 or not all(t.is_cap for t in name_words):
        return None
    name = clean_subject(state, *chunks[-2])
    if name is None or state.is_outlet(name.text):
        return None
    content_words = [t for t in state.toks(us, chunks[-2][0]) if t.is_word]
    if len(content_words) < MIN_POSTPOSED_CONTENT_WORDS:
        return None  # "The minister, Ruth Okafor, a lawyer, told ...": a subject, no content
    return name, apposition, chunks[-2][0] - 1


def by_preposition(state: DocumentState, d: Draft) -> bool:
    """Whether ``d`` was attributed by a source preposition ("Nach Angaben aus Berlin"),
    which a following "Das sagte X" names more closely."""
    return (
        d.cue is not None
        and state.lex.prep_re is not None
        and state.lex.prep_re.fullmatch(d.cue) is not None
    )


def add_inverted(
    state: DocumentState, us: int, sep: int, np_: Phrase | None, ce: int, ue: int, cue: str
) -> None:
    """ "<content>, ha detto X" / "<content>, said X": speaker after the cue."""
    sp = speaker_from(state, np_) if np_ else Speaker(None)
    via = state.via_in(ce, ue)
    citing = citing_after(state, ce, ue)
    if citing is not None:  # "X reported, citing Y": Y speaks, X relays
        src, relay = citing
        sp = speaker_from(state, src)
        via = np_ if np_ is not None else via
        if relay is not None:
            via = relay
    elif np_ is not None and state.is_outlet(np_.text) and state.has_prior_claim(us, sep):
        return  # "..., Anadolu news agency reported": a relay, set by add_subject_first
    state.add(state.content_span(us, sep), sp, cue=cue, via=via, roles=roles_in(state, np_))


def attribution_aside(
    state: DocumentState, us: int, cs: int, ce: int, ue: int
) -> tuple[Phrase | None, int, int] | None:
    """A cue and its speaker set off inside a sentence that goes on after them ("Il
    governo – riporta Il Manifesto – vuole ...", "Die Regierung, wie der Spiegel berichtet,
    will ..."): the speaker's phrase, where the sentence starts and where the aside closes."""
    left = state.toks(us, cs)
    k = len(left) - 1
    while k >= 0 and left[k].is_word and MASK not in left[k].text:
        k -= 1
    mark = aside_mark(state.text, left[k]) if k > 0 else None
    start = interrupted_start(state, us, left[:k], mark) if mark is not None else None
    if mark is None or start is None:
        return None
    inside = left[k + 1 :]
    relay = state.w("relay")
    while inside and inside[0].low in relay:  # "come ha detto X", "as X said"
        inside = inside[1:]
    if inside:  # "X said": the speaker before the cue
        opener = state.w("relatives", "conjunctions", "complementizers", "subordinators")
        if len(inside) > MAX_INVERTED_SPEAKER_WORDS or (
            inside[0].low in opener and inside[0].low not in state.w("determiners")
        ):
            return None
        np_ = clean_subject(state, inside[0].start, cs)
        close = aside_close(state, ce, ue, mark, after_name=False)
    else:  # "said X"
        # "– so berichtet der Spiegel –": when no one else is named, the outlet speaks
        np_ = np_after(state, ce, ue) or np_after(state, ce, ue, skip_via=False)
        if np_ is not None and len(np_.text.split()) > MAX_INVERTED_SPEAKER_WORDS:
            return None
        pos = np_.end if np_ is not None else ce
        close = aside_close(state, pos, ue, mark, after_name=np_ is not None)
    return None if close is None else (np_, start, close)


def citing_after(
    state: DocumentState, pos: int, limit: int
) -> tuple[Phrase | None, Phrase | None] | None:
    if state.lex.citing_re is None:
        return None
    m = state.lex.citing_re.search(state.masked, pos, limit)
    if not m:
        return None
    src = np_after(state, m.end(), limit, skip_via=False)
    if src is None:
        return None
    return (state.outlet_name(src) if state.is_outlet(src.text) else src), None


def add_subject_first(
    state: DocumentState, ss: int, cs: int, start: int, ue: int, cue: str
) -> None:
    """ "X said (that) <content>": speaker before the cue, content after it."""
    subj_toks = [t for t in state.toks(ss, cs) if t.is_word]
    lows = {t.low for t in subj_toks}
    relatives = state.w("relatives")
    after_comma = state.masked[:ss].rstrip().endswith(",")
    if subj_toks and subj_toks[0].low in relatives and len(subj_toks) <= 3 and after_comma:
        # "Ukrainian troops, who have reported ...": the noun before the relative speaks
        unit_start = state.unit_start(ss)
        tnp = trailing_np(state, unit_start, max(unit_start, ss - 1))
        if tnp is None:
            return
        ss, cs = tnp.start, tnp.end
        subj_toks = [t for t in state.toks(ss, cs) if t.is_word]
        lows = set()
    last_chunk = chunk_spans(state, ss, cs)[-1:] or [(ss, cs)]
    inner = {t.low for t in [t for t in state.toks(*last_chunk[0]) if t.is_word][1:]}
    if lows and inner & (state.w("complementizers") | relatives) - state.w("determiners"):
        return  # "the package that the Pentagon announced": not a statement
    if subj_toks and not (
        subj_toks[0].is_cap
        or subj_toks[0].low in state.w("determiners")
        or subj_toks[0].low in state.w("roles", "sources", "pronouns")
        or subj_toks[0].low in state.w("conjunctions")
    ):
        return  # "Commenting on the cuts announced today": no subject
    last = subj_toks[-1] if subj_toks else None
    if (
        last is not None
        and not last.is_cap
        and (
            last.low in state.w("determiners")
            or last.low.endswith(tuple(state.w("adverb_suffixes")))
        )
    ):
        return  # "The newly announced measures": a participle, no subject
    if subj_toks and is_gerund(state, subj_toks[0].low):
        return
    sp = subject_of(state, ss, cs)
    end = ue
    via = state.via_in(ss, start) or via_in_lead(state, ss)
    # "X said <content>, Y news agency reported": Y relays
    for cm in state.lex.verb_re.finditer(state.masked, start, ue):
        before = state.masked[start : cm.start()].rstrip()
        if before.endswith(","):  # "..., riferisce l'agenzia Reuters": the relay after
            relay = np_after(state, cm.end(), ue, skip_via=False)
            if relay and state.is_outlet(relay.text) and terminal_after(state, relay.end, ue):
                state.used.append(cm.span())
                via, end = state.outlet_name(relay), start + len(before) - 1
                break
        ch = chunk_spans(state, start, cm.start())
        if len(ch) < 2:
            continue
        relay = clean_subject(state, *ch[-1])
        if relay and state.is_outlet(relay.text) and terminal_after(state, cm.end(), ue):
            state.used.append(cm.span())
            via, end = relay, ch[-2][1]
            break
    # "X cited Y as saying ...": Y speaks, X relays
    m = re.match(r"\s*(?P<src>[^,.;:]{2,80}?)\s+as\s+saying\b", state.masked[start:ue])
    if cue.casefold() in ("cited", "quoted") and m:
        src = clean_subject(state, start + m.start("src"), start + m.end("src"))
        relay = clean_subject(state, ss, cs)
        if src is not None:
            via = state.outlet_name(relay) if relay and state.is_outlet(relay.text) else via
            sp = speaker_from(state, src)
            start = start + m.end()
            state.used.append((start - 6, start))
    verb_second = state.lex.switch("verb_second")
    if verb_second and " " not in cue and adjunct_lead(state, ss, cs):
        # "Am Montag sagte Scholz, ...", "Dem Spiegel sagte der Minister, ...": after an
        # adjunct, German puts the subject after the verb
        inverted = subject_after_verb(state, cs + len(cue), ue) or _short_subject_after(
            state, cs + len(cue), ue
        )
        if inverted is not None:
            subject, start = inverted
            sp = speaker_from(state, subject)
            via = via or state.via_in(subject.end, start)
            ss, cs = subject.start, subject.end
    elif verb_second and is_time_lead(state, ss, cs):
        np_ = np_after(state, cs, ue)
        if np_ is not None and " " in cue:  # "Mitte November hatte Siemens ... angekündigt"
            first = cue.split()[0]
            aux_end = cs + len(first)
            np_ = np_after(state, aux_end, ue)
            if np_ is not None:
                sp = speaker_from(state, np_)
                start, end = np_.end, cs + len(cue) - len(cue.split()[-1])
    elif (
        state.lex.switch("verb_frame")
        and len(cue.split()) > 2
        and not state.masked[cs + len(cue) : ue].strip(" ,;:." + DASHES)
    ):  # "Siemens hat den Abbau angekündigt.": the content is inside the verb's frame
        end = min(end, cs + len(cue) - len(cue.split()[-1]))
        start = cs + len(cue.split()[0])
    after = state.toks(start, ue)
    i = state.skip_adverbials(after, 0)
    if 0 < i < len(after) and after[i].text in (",", ":"):
        start = after[i].end  # "erklärte am Montag, sie werde ...": no adverbial is content
    expletive = re.match(r"\s*(\w+)\s*,", state.masked[start:ue])
    if expletive is not None and expletive.group(1) in state.lex.data.get("expletives", ()):
        # "In der Mitteilung hieß es, ...": "es" stands for the content
        start += expletive.end()
    lead = state.via_in(cs, min(ue, start + 80))
    if lead is not None and via_at(state, state.toks(start, ue), 0, lead):
        via, start = lead, lead.end  # "sagte der Nachrichtenagentur dpa, man prüfe ..."
    state.add(
        state.content_span(start, end),
        sp,
        cue=cue,
        via=via,
        roles=roles_in(state, Phrase(state.text[ss:cs], ss, cs)),
    )


def subject_after_verb(state: DocumentState, pos: int, limit: int) -> tuple[Phrase, int] | None:
    """The subject right after a verb, when what was said follows it after a comma or
    "dass" ("sagte Scholz, die Lage sei ernst"), and where that content starts."""
    np_ = np_after(state, pos, limit)
    if np_ is None:
        return None
    comp = complementizer_after(state, np_.end, limit)
    if comp is not None:
        return np_, comp
    toks = state.toks(np_.end, limit)
    i = past_adverbials_and_relay(state, toks, np_.end, limit)
    if i < len(toks) and toks[i].text in (",", ":"):
        return np_, toks[i].end
    return None


def _short_subject_after(state: DocumentState, pos: int, limit: int) -> tuple[Phrase, int] | None:
    """ "Zudem warnte Kroll vor voreiligen Schlüssen.": after an adverb the subject follows
    the verb even with no comma or "dass" after it; taken only when it is a name or a role
    with its article (at most MAX_INVERTED_SPEAKER_WORDS words), and two words or more follow
    ("vor voreiligen Schlüssen" is what was said, though it opens with a preposition)."""
    np_ = np_after(state, pos, limit)
    if np_ is None or state.masked[pos : np_.start].strip():
        return None
    words = [t for t in state.toks(np_.start, np_.end) if t.is_word]
    if not words or len(words) > MAX_INVERTED_SPEAKER_WORDS:
        return None
    named = all(t.is_cap for t in words)
    roled = words[0].low in state.w("determiners") and any(
        is_role(state, t.low) or t.low in state.w("bodies") for t in words[1:]
    )
    if not (named or roled) or len([t for t in state.toks(np_.end, limit) if t.is_word]) < 2:
        return None
    return np_, np_.end


def dative_outlet(state: DocumentState, subj: Phrase, verb: int) -> tuple[Phrase, Phrase | None]:
    """German puts the outlet told before a final verb ("wie eine Sprecherin der Behörde
    der Nachrichtenagentur AFP sagte"): the subject without it, and the outlet. The outlet
    may be a quoted title the subject phrase stops before ('dem „Spiegel“ sagte')."""
    outlet = next((p for p in state.mentions if subj.start < p.start < verb), None)
    if outlet is None:
        return subj, None
    toks = [t for t in state.toks(subj.start, outlet.start) if t.is_word]
    k = len(toks)
    det = state.w("determiners")
    while k > 0 and (
        toks[k - 1].low in det or state.lex.outlet_noun_re.fullmatch(toks[k - 1].text)
    ):
        k -= 1
    if k == 0 or k == len(toks) or toks[k].low not in ("der", "dem"):
        return subj, None  # "die Agentur dpa" is the subject; an outlet named without a dative
    # "wie X im Gespräch mit der dpa sagte": the interview phrase is no part of the subject
    interview = state.w("interview")
    n = next((n for n in (4, 3, 2) if " ".join(t.low for t in toks[k - n : k]) in interview), 0)
    if 0 < n < k:
        k -= n
    end = toks[k - 1].end
    return Phrase(state.text[subj.start : end], subj.start, end), outlet


def read_konjunktiv(state: DocumentState, index: int) -> None:
    """German: a sentence in Konjunktiv I right after a claim reports the same speaker."""
    forms = state.w("konjunktiv")
    if not forms or index == 0:
        return
    us, ue = state.units[index]
    if any(us <= d.start < ue or d.start <= us < d.end for d in state.drafts):
        return
    if not any(t.low in forms for t in state.toks(us, ue) if t.is_word):
        return
    recent = [u for u in state.units[max(0, index - 2) : index]]
    if not any(a <= d.start < b for a, b in recent for d in state.drafts):
        return
    state.add(state.content_span(us, ue), Speaker(None), cue=None)

"""Noun phrases and subjects around a cue, shared by the direct, reported and source readers:
the phrase after a position (``np_after``), a subject cleaned of adverbials (``clean_subject``),
the speaker a phrase names (``speaker_from``), comma chunks, role words, where a clause ends.

These functions find no claim themselves; they answer questions about the words beside a cue.
"""

from __future__ import annotations

import itertools
import re

from agents.extraction.claims.lexicon import INDEFINITE_ARTICLES
from agents.extraction.claims.state import DocumentState, Phrase, Speaker
from agents.extraction.claims.text import (
    DASHES,
    MASK,
    QUOTE_PAIRS,
    Quote,
    Tok,
    aside_mark,
    tokenize,
)

# "The decision to cut pensions, the minister said, would ...": an aside interrupts a sentence's
# first phrase; after a longer stretch it closes a clause
MAX_INTERRUPTED_WORDS = 8
# "Of the new models, many for the mass market – the union stresses – none is built here": a pair
# of dashes sets an aside off wherever it falls, so the sentence it interrupts may be longer
MAX_DASH_INTERRUPTED_WORDS = 30
_POSSESSIVE_DOCUMENT = re.compile(r"(.+?)['’]s\s+(\w+)")
_CHUNK_MARKS = re.compile(r"[()\[\],]")


def np_after(
    state: DocumentState, pos: int, limit: int, masked: bool = True, skip_via: bool = True
) -> Phrase | None:
    """The speaker phrase right after a cue ("ha detto il presidente ucraino V. Zelensky")."""
    via = state.via_in(pos, limit) if skip_via else None
    toks = state.toks(pos, limit, masked)
    i = state.skip_adverbials(toks, 0)
    if via is not None and via_at(state, toks, i, via):
        # "Lo afferma all'ANSA Flavio Di Giacomo": step over the relay
        k = i
        while k < len(toks) and toks[k].end <= via.end:
            k += 1
        if k - i <= 6:
            i = state.skip_adverbials(toks, k)
    det, conn = state.w("determiners"), state.w("connectors")
    stops, roles = state.w("stop_words"), state.w("roles", "sources")
    complements, agents = state.w("source_complements"), state.w("agent_preps")
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
            title = _title_at(state, t.start) if picked and picked[-1].low in conn else None
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
        elif (low in det and (not picked or picked[-1].low in conn)) or (low in conn and picked):
            picked.append(t)
        elif low in det and picked:
            break
        elif t.is_cap:
            picked.append(t)
            seen_cap = True
        elif (
            low in state.w("conjunctions")
            and picked
            and i + 1 < len(toks)
            and (toks[i + 1].is_cap or toks[i + 1].low in conn)
        ):
            picked.append(t)
        elif (
            low in stops
            or (seen_cap and low not in roles)
            or (is_gerund(state, low) and low not in roles)
            or state.lex.verb_re.fullmatch(t.text)
        ):
            break
        else:
            picked.append(t)
        i += 1
    while picked and (picked[-1].low in conn or picked[-1].low in det or picked[-1].text == "-"):
        picked.pop()
    if not picked:
        return None
    speakerish = state.w("roles", "sources", "bodies")
    # "lo stesso spagnolo", "the same official": "same" points back at someone named before
    speakerish = speakerish | state.w("same_words")
    if not any(t.is_cap or t.low in speakerish or is_role(state, t.low) for t in picked):
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
    return Phrase(state.text[picked[0].start : picked[-1].end], picked[0].start, picked[-1].end)


def _title_at(state: DocumentState, pos: int) -> Tok | None:
    """The quoted name opening at ``pos``: newspapers and programmes are
    often quoted ("des „Spiegel“", "del «Corriere»"); a short capitalised quote after "of" is
    such a title, not words said."""
    quote = next((q for q in state.quotes if q.open == pos), None)
    if quote is None:
        return None
    content = state.text[quote.start : quote.end]
    if not content[:1].isupper() or len(content.split()) > 4:
        return None
    return Tok(content, quote.open, quote.close)  # a name, spanning its marks


def is_org_word(state: DocumentState, low: str, orgs: frozenset[str]) -> bool:
    """ "Ministry", "Amt": a word that names an organisation; German ones also in the
    genitive ("des Auswärtigen Amts", "des Ministeriums")."""
    if low in orgs:
        return True
    return state.lang == "de" and (low[:-1] in orgs or (low.endswith("es") and low[:-2] in orgs))


def is_gerund(state: DocumentState, low: str) -> bool:
    """ "speaking", "parlando", "hablando": English by suffix, others from the lexicon."""
    if low in state.w("gerunds") or low in state.w("participle_openers"):
        return True
    return state.lang == "en" and len(low) > 5 and low.endswith("ing")


def is_role(state: DocumentState, low: str) -> bool:
    """A role noun, German compounds included ("Regierungssprecher", "Innenministerin")."""
    roles = state.w("roles")
    if low in roles or low in state.w("title_words"):
        return True
    return state.lang == "de" and low.endswith(state.lex.role_endings)


def via_at(state: DocumentState, toks: list[Tok], i: int, via: Phrase) -> bool:
    """The relay starts within the next few tokens ("all'ANSA", "a la agencia EFE")."""
    ahead = [t for t in toks[i : i + 5] if t.start < via.start]
    speakers = state.w("roles", "sources", "bodies")
    return (
        i < len(toks)
        and toks[i].start <= via.start
        and len(ahead) <= 3
        and not any(t.is_cap and not state.lex.outlet_noun_re.fullmatch(t.text) for t in ahead)
        # "ha detto il ministro all'Ansa": the speaker comes first, then the relay
        and not any(t.low in speakers for t in ahead)
    )


def np_after_adjunct(state: DocumentState, pos: int, limit: int) -> Phrase | None:
    """The speaker after a short adjunct: "ha scritto su X il presidente ucraino"."""
    toks = state.toks(pos, min(limit, pos + 60))
    for t in toks[1:5]:
        if not t.is_word or t.low not in state.w("determiners"):
            continue
        np_ = np_after(state, t.start, limit)
        if np_ is None or not terminal_after(state, np_.end, limit):
            continue
        if document_owner(state, np_) is None:
            continue  # "ha detto in una nota.": a document, no one named
        words = {w.low for w in tokenize(state.text, np_.start, np_.end, state.lang)}
        if words & state.w("roles", "bodies", "sources"):
            return np_
    return None


def clean_subject(state: DocumentState, start: int, end: int) -> Phrase | None:
    """A subject chunk without leading conjunctions or a relay word ("wie ein Sprecher"),
    nor trailing adverbs ("Ryder also", "ein Sprecher am Abend")."""
    toks = [t for t in state.toks(start, end) if t.text not in ("¤",)]
    lead = state.w("conjunctions", "relay")
    skip = state.w("skip_after_cue")
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
    subordinators = state.w("subordinators")
    for i in range(len(toks) - 2, -1, -1):  # "The decision came as [the Labor Department]"
        if toks[i].low in subordinators:
            toks = toks[i + 1 :]
            break
    if not toks:
        return None
    return Phrase(state.text[toks[0].start : toks[-1].end], toks[0].start, toks[-1].end)


def trailing_np(state: DocumentState, start: int, end: int) -> Phrase | None:
    """The noun phrase ending a long chunk ("... buildings Turkish officials")."""
    toks = state.toks(start, end)
    det, conn = state.w("determiners"), state.w("connectors")
    roles = state.w("roles", "sources")
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
    return Phrase(state.text[picked[0].start : picked[-1].end], picked[0].start, picked[-1].end)


def speaker_from(state: DocumentState, phrase: Phrase | None) -> Speaker:
    """The speaker named by a phrase: the person's name in a role phrase, else as written."""
    if phrase is not None:
        phrase = document_owner(state, phrase)
    if phrase is None:
        return Speaker(None)
    words = [t for t in tokenize(state.text, phrase.start, phrase.end, state.lang) if t.is_word]
    hon = state.w("honorifics")
    toks = [t for t in words if t.low not in hon and t.low.rstrip(".") not in hon]
    titled = len(toks) < len(words)  # "il dottor Miedico": a person, named without article
    if not toks:
        return Speaker(None)
    if len(toks) == 1 and toks[0].low in state.w("pronouns"):
        return Speaker(None, personal=toks[0].low in state.w("personal_pronouns"))
    det, conn = state.w("determiners"), state.w("connectors")
    titles = state.w("title_words")
    orgs = state.w("org_words")
    roles = state.w("roles")
    # the capitalised run ending the phrase
    k = len(toks)
    while k > 0 and toks[k - 1].is_cap and toks[k - 1].low not in det:
        k -= 1
    run = toks[k:]
    whole = Phrase(state.text[toks[0].start : toks[-1].end], toks[0].start, toks[-1].end)
    if not run:
        role = next((t.low for t in toks if t.low in roles), None)
        definite = toks[0].low in det and toks[0].low not in INDEFINITE_ARTICLES
        return Speaker(whole.text, whole.start, whole.end, role if definite else None)
    if is_org_word(state, run[-1].low, orgs):
        return Speaker(whole.text, whole.start, whole.end)
    if (located := _located_body(state, toks, k)) is not None:
        return speaker_from(state, located)
    complements = state.w("source_complements")
    if any(f"{a.low} {b.low}" in complements for a, b in itertools.pairwise(toks[: k + 1])):
        return Speaker(whole.text, whole.start, whole.end)  # "sources close to Macron"
    names = list(run)
    while names and (names[0].low in titles or is_role(state, names[0].low)):
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
    return Speaker(state.text[names[0].start : names[-1].end], names[0].start, names[-1].end)


def past_adverbials_and_relay(state: DocumentState, toks: list[Tok], pos: int, limit: int) -> int:
    """Index in ``toks`` (from ``pos``) past the adverbials and a relay ("told Reuters")."""
    i = state.skip_adverbials(toks, 0)
    via = state.via_in(pos, limit)
    if via is not None and via_at(state, toks, i, via):
        while i < len(toks) and toks[i].end <= via.end:
            i += 1
        i = state.skip_adverbials(toks, i)
    return i


def complementizer_after(state: DocumentState, pos: int, limit: int) -> int | None:
    """The end of "that"/"che"/"que"/"dass" right after a cue (adverbs and a relay skipped)."""
    toks = state.toks(pos, limit)
    i = past_adverbials_and_relay(state, toks, pos, limit)
    while i < len(toks) and toks[i].text in (",", ":"):
        i += 1
    comps = state.w("complementizers")
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


def terminal_after(state: DocumentState, pos: int, limit: int) -> bool:
    """Nothing but adverbials, a relay or punctuation follows: the content is elsewhere."""
    toks = state.toks(pos, limit)
    i = past_adverbials_and_relay(state, toks, pos, limit)
    if i >= len(toks):
        return True
    t = toks[i]
    if t.low in state.w("complementizers") or t.text in QUOTE_PAIRS:
        return False
    return (
        (not t.is_word and MASK not in t.text)
        or t.low in state.w("stop_words")
        or t.low in state.w("citing")
        or (  # "unter Berufung auf"
            state.lex.citing_re is not None
            and state.lex.citing_re.match(state.masked, t.start) is not None
        )
        or is_gerund(state, t.low)
    )


def subject_like(state: DocumentState, start: int, end: int) -> bool:
    """A short subject with appositions: "X, the minister, said" / "X, speaking in Y, said"."""
    chunks = chunk_spans(state, start, end)
    if not chunks or len(state.toks(start, end)) > 20:
        return False
    first = state.toks(chunks[0][0], chunks[0][1])
    if len(first) > 9 or not any(t.is_cap or t.low in state.w("roles") for t in first):
        return False
    return all(appositive(state, a, b) for a, b in chunks[1:])


def short_subject(state: DocumentState, start: int, end: int) -> bool:
    """The first comma piece could be a subject: short, opened by a name, role or article."""
    chunks = chunk_spans(state, start, end)
    if not chunks:
        return False
    first = [t for t in state.toks(*chunks[0]) if t.is_word]
    if not first or len(first) > 9:
        return False
    t0 = first[0]
    return t0.is_cap or t0.low in state.w("determiners") or t0.low in state.w("roles")


def appositive(state: DocumentState, start: int, end: int) -> bool:
    toks = [t for t in state.toks(start, end) if t.is_word]
    if not toks:
        return True
    first = toks[0].low
    if is_gerund(state, first) or state.via_in(start, end) is not None:
        return True
    if first in state.w("relatives") and first not in state.w("determiners"):
        return True  # "The minister, who spoke on condition of anonymity, said ..."
    caps = sum(t.is_cap for t in toks)
    roles = state.w("roles")
    # "a WHO spokesman", "the UN envoy": names that modify the role before it
    k = 1
    while k < min(len(toks), 3) and toks[k].is_cap and toks[k].low not in roles:
        k += 1
    return (
        caps * 2 >= len(toks)
        or first in roles
        or (first in state.w("determiners") and k < len(toks) and toks[k].low in roles)
    )


def chunk_spans(state: DocumentState, start: int, end: int) -> list[tuple[int, int]]:
    """Comma-separated pieces of ``[start, end)`` (outside brackets)."""
    out, a, depth = [], start, 0
    for mark in _CHUNK_MARKS.finditer(state.masked, start, end):  # no other character counts
        k = mark.start()
        c = state.masked[k]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif (
            c == ","
            and depth == 0
            and not (state.masked[k - 1 : k].isdigit() and state.masked[k + 1 : k + 2].isdigit())
        ):
            if state.masked[a:k].strip():
                out.append((a, k))
            a = k + 1
    if state.masked[a:end].strip(" ,;:" + DASHES):
        out.append((a, end))
    return out


def subject_of(state: DocumentState, start: int, end: int) -> Speaker:
    """The speaker named by the subject chunks before a cue (appositions allowed)."""
    chunks = chunk_spans(state, start, end)
    best: Phrase | None = None
    for a, b in chunks:
        ph = clean_subject(state, a, b)
        if ph is None:
            continue
        toks = [t for t in tokenize(state.text, ph.start, ph.end, state.lang) if t.is_word]
        if is_gerund(state, toks[0].low):
            continue
        orgs = state.w("org_words")
        if (
            best is not None
            and all(t.is_cap for t in toks)
            and len(toks) <= 4
            and not any(t.low in orgs for t in toks)
        ):
            sp = speaker_from(state, ph)
            return Speaker(sp.text, sp.start, sp.end, sp.role)
        if best is None:
            best = ph
    return speaker_from(state, best)


def roles_in(state: DocumentState, phrase: Phrase | None) -> frozenset[str]:
    if phrase is None:
        return frozenset()
    roles = state.w("roles", "title_words")
    return frozenset(
        t.low for t in tokenize(state.text, phrase.start, phrase.end, state.lang) if t.low in roles
    )


def via_in_lead(state: DocumentState, pos: int) -> Phrase | None:
    """The relay in a phrase that opens the sentence before ``pos`` ("In a Reuters
    interview, the minister said ...")."""
    unit_start = state.unit_start(pos)
    lead = state.masked[unit_start:pos].rstrip()
    if not lead.endswith(",") or len(chunk_spans(state, unit_start, pos)) != 1:
        return None
    return state.via_in(unit_start, pos)


def is_quoted_title(state: DocumentState, q: Quote) -> bool:
    """A capitalised word quoted after an article or preposition names a paper or a show
    ("Wie die „Bild“ berichtet", "sul «Corriere»"); nobody is quoted."""
    if not state.text[q.start : q.start + 1].isupper():
        return False
    prev = [t for t in state.toks(max(0, q.open - 20), q.open) if t.is_word][-1:]
    return bool(prev) and prev[0].low in state.w("determiners", "stop_words", "connectors")


def is_relative(state: DocumentState, phrase: Phrase) -> bool:
    """The phrase is one relative pronoun ("che", "qui", "who", "der"): it stands for the
    noun phrase before it."""
    return " ".join(phrase.text.casefold().split()) in state.w("relatives")


def _located_body(state: DocumentState, toks: list[Tok], k: int) -> Phrase | None:
    """ "Die Polizei in Wittlich meldete ...": a body, role or source placed by a preposition
    ("in", "à", "en") speaks; the place after it only says where. The phrase before the
    preposition, or None when the words before the capitalised run are no such noun."""
    if k < 2 or toks[k - 1].low not in state.w("place_preps"):
        return None
    speakers = state.w("bodies", "roles", "sources")
    if not any(t.low in speakers for t in toks[: k - 1]):
        return None
    return Phrase(state.text[toks[0].start : toks[k - 2].end], toks[0].start, toks[k - 2].end)


def interrupted_start(
    state: DocumentState, us: int, before: list[Tok], mark: str = ","
) -> int | None:
    """Where the phrase an aside interrupts starts (after a colon or a semicolon), if it is
    short enough to be a sentence's first phrase; ``before`` are the tokens up to the aside,
    ``mark`` the mark that opens it. An aside between commas interrupts a first phrase ("Il
    governo, secondo X, vuole ..."); one between dashes may fall anywhere in the sentence
    ("Delle nuove auto, molte utilitarie – sottolinea il sindacato – nessuna si produce qui")."""
    limit = MAX_DASH_INTERRUPTED_WORDS if mark == DASHES else MAX_INTERRUPTED_WORDS
    words = 0
    for t in reversed(before):
        if t.text == ";" or (t.text == ":" and not state.text[t.end : t.end + 1].isdigit()):
            us = t.end  # a clause ends there ("22:00" is a time)
            break
        words += t.is_word
    return us if 0 < words <= limit else None


def aside_close(
    state: DocumentState, pos: int, limit: int, mark: str, *, after_name: bool
) -> int | None:
    """Where an aside opened by ``mark`` closes at ``pos`` (adverbials and a relay skipped)
    and the sentence resumes after it. A conjunction, gerund or preposition after the
    closing mark goes on about the speaker instead ("…, officials said, adding that ...");
    so does a relative after a name and a comma ("…, sagte der Minister, der ..."), which
    elsewhere is an article ("will, wie der Spiegel berichtet, die Renten kürzen", "– so
    berichtet der Spiegel – die Renten")."""
    toks = state.toks(pos, limit)
    i = past_adverbials_and_relay(state, toks, pos, limit)
    if i + 1 >= len(toks) or aside_mark(state.text, toks[i]) != mark:
        return None
    nxt = toks[i + 1]
    ends = state.w("conjunctions", "complementizers", "subordinators", "stop_words", "citing")
    relatives = state.w("relatives")
    if not after_name or mark != ",":
        relatives = relatives - state.w("determiners")
    two = " ".join(t.low for t in toks[i + 1 : i + 3])
    if (
        not nxt.is_word
        or MASK in nxt.text
        or nxt.low in ends
        or nxt.low in relatives
        or two in relatives  # "il quale"
        or is_gerund(state, nxt.low)
    ):
        return None
    return toks[i].end


def adjunct_lead(state: DocumentState, start: int, end: int) -> bool:
    """The words before a verb are an adjunct, not its subject: a time ("Am Montag"), a
    preposition ("Im Interview"), an adverb ("Gestern") or a dative ("Dem Spiegel")."""
    words = [t for t in state.toks(start, end) if t.is_word]
    if not words:
        return False
    first = words[0].low
    clause_openers = state.w("subordinators", "conjunctions", "complementizers")
    return (
        is_time_lead(state, start, end)
        or first in state.w("oblique_determiners")
        or (first in state.w("stop_words") and first not in clause_openers)
        or " ".join(t.low for t in words) in state.w("skip_after_cue")
    )


def is_time_lead(state: DocumentState, start: int, end: int) -> bool:
    first = state.masked_tokens.first_word(start, end)
    return first is not None and first.low in state.w("time_words")


def pp_content(state: DocumentState, us: int, ue: int, ps: int, pe: int) -> tuple[int, int] | None:
    """What a source phrase at ``ps``-``pe`` ("secondo X", "according to X") attributes: both
    sides of it when it is an aside; the clause it opens after a colon or a semicolon ("Il gas
    è salito del 40%: secondo Federconsumatori, ogni famiglia pagherà 300 euro in più"); else
    the longer side of the sentence."""
    before = state.masked[us:ps].strip(" ,;:" + DASHES)
    after = state.masked[pe:ue].strip(" ,;:." + DASHES)
    left = state.toks(us, ps)
    mark = aside_mark(state.text, left[-1]) if before and left else None
    start = interrupted_start(state, us, left[:-1], mark) if mark is not None else None
    if (
        mark is not None
        and start is not None
        and aside_close(state, pe, ue, mark, after_name=True) is not None
    ):
        return state.content_span(start, ue)  # "Il governo, secondo X, vuole ...": both sides
    if before and after and state.masked[us:ps].rstrip()[-1:] in ":;":
        return state.content_span(pe, ue)  # the source opens the clause after the colon
    if len(before.split()) >= len(after.split()):
        return state.content_span(us, ps)
    return state.content_span(pe, ue)


def document_owner(state: DocumentState, phrase: Phrase) -> Phrase | None:
    """Who speaks through a document: "(in) una nota del ministero" -> "ministero", "(in)
    einer Mitteilung des Ministeriums" -> "Ministeriums"; None for a document nobody is
    named for ("in una nota"); any other phrase as it is."""
    possessive = _POSSESSIVE_DOCUMENT.fullmatch(phrase.text)
    if possessive and possessive.group(2).casefold() in state.w("source_nouns"):
        owner = possessive.group(1)  # "the company's statement"
        return Phrase(owner, phrase.start, phrase.start + len(owner))
    toks = [t for t in tokenize(state.text, phrase.start, phrase.end, state.lang) if t.is_word]
    k = 1 if len(toks) > 1 and toks[0].low in state.w("stop_words") else 0
    if k < len(toks) and toks[k].low in state.w("determiners"):
        k += 1
    if k >= len(toks) or toks[k].low not in state.w("source_nouns"):
        return phrase
    if k + 1 == len(toks):
        return None
    owner = strip_source_noun(
        state, Phrase(state.text[toks[k].start : phrase.end], toks[k].start, phrase.end)
    )
    return owner if owner.start > toks[k].start else phrase


def strip_source_noun(state: DocumentState, np_: Phrase) -> Phrase:
    """ "i dati dell'Istat" -> "Istat": the body, not its figures."""
    toks = tokenize(state.text, np_.start, np_.end, state.lang)
    nouns, conn = state.w("source_nouns"), state.w("connectors")
    for k, t in enumerate(toks[:3]):
        if t.low in nouns and k + 1 < len(toks) and toks[k + 1].low in conn:
            rest = toks[k + 2 :]
            if (
                rest
                and rest[0].low in state.w("determiners")
                # "El País", "Le Monde": the article is part of the name
                and not state.lex.outlet_re.match(state.text, rest[0].start)
            ):
                rest = rest[1:]
            if rest:
                return Phrase(state.text[rest[0].start : np_.end], rest[0].start, np_.end)
    return np_

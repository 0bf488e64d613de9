"""What a speech verb outside quotes says: the constructions it may stand in, tried in order.

A speech verb ("said", "ha detto", "a déclaré", "sagte") is read at its *site*: the unit it is in
and the text before it. Each construction is a small function whose docstring's first line is an
invented sentence of the kind it reads. It returns True when the site is that construction: it
then has added a claim, given a speaker to claims before it, or declined the cue (a cue read
otherwise, or one that names no speaker) and the next constructions are not tried. False passes
the site on. ``VERB_CUE_CONSTRUCTIONS`` declares the order; the last one always reads the site.

Two constructions hold chains of their own, tried in the same way: the content stands before
the cue (``CONTENT_FIRST``), or the cue follows its subject (``SUBJECT_FIRST``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from agents.extraction.claims.phrases import (
    chunk_spans,
    clean_subject,
    complementizer_after,
    is_quoted_title,
    np_after,
    np_after_adjunct,
    pp_content,
    roles_in,
    short_subject,
    speaker_from,
    subject_like,
    terminal_after,
    trailing_np,
)
from agents.extraction.claims.reported import (
    MAX_INVERTED_SPEAKER_WORDS,
    MAX_SUBJECT_TOKENS,
    add_inverted,
    add_subject_first,
    attribution_aside,
    by_preposition,
    citing_after,
    dative_outlet,
    is_anaphora,
    postposed_subject,
    subject_after_verb,
    subject_before_clitic,
    verb_cues,
)
from agents.extraction.claims.state import DocumentState, Phrase, Speaker
from agents.extraction.claims.text import DASHES, Tok

RELAY_LEADS = frozenset({"a quanto", "secondo quanto", "stando a quanto"})
"""Leads that, with the relay words, put the speaker after the cue ("A quanto riferisce X")."""


@dataclass(frozen=True)
class CueSite:
    """A speech verb in its unit: where the unit and the cue lie, and the text before the cue."""

    state: DocumentState
    index: int  # of the unit
    us: int
    ue: int
    cs: int
    ce: int
    cue: str
    left: str  # the masked text before the cue, without trailing space
    left_words: list[Tok]

    @classmethod
    def at(cls, state: DocumentState, cm: re.Match[str], index: int) -> CueSite:
        us, ue = state.units[index]
        cs, ce = cm.span()
        return cls(
            state,
            index,
            us,
            ue,
            cs,
            ce,
            cm.group(),
            state.masked[us:cs].rstrip(),
            [t for t in state.toks(us, cs) if t.is_word],
        )

    @property
    def left_end(self) -> int:
        return self.us + len(self.left)

    @property
    def relay_led(self) -> bool:
        """The text before the cue opens with a relay word ("Wie", "As", "Come")."""
        return (
            bool(self.left_words)
            and self.left_words[0].low in self.state.w("relay")
            and self.left_words[0].start == self.us
        )


Construction = Callable[[DocumentState, CueSite], bool]
SiteT = TypeVar("SiteT")  # what a chain's constructions read: a CueSite, or a part of one


# ---------------------------------------------------------------- the cue's own constructions


def anaphoric_object(state: DocumentState, site: CueSite) -> bool:
    """ "Lo ha detto il ministro." / "Das sagte X." / "Le ministère l'a confirmé."

    An anaphora before the cue points back at what was said: the content is the sentence
    before, the speaker follows the cue (or stands before an object clitic)."""
    us, ue, ce, cue, index = site.us, site.ue, site.ce, site.cue, site.index
    subject = subject_before_clitic(state, us, site.left, site.left_words)
    anaphora = subject is not None or is_anaphora(state, us, site.cs)
    if not anaphora:
        return False
    if index == 0:
        return True
    np_ = subject or np_after(state, ce, ue)
    sp = speaker_from(state, np_)
    via = state.via_in(ce, ue)
    citing = citing_after(state, np_.end if np_ else ce, ue)
    if citing is not None and citing[0] is not None and np_ is not None:
        # "Lo riferisce l'agenzia Interfax citando il governatore, Igor Petrov": the
        # one cited speaks, the agency relays
        sp, via = speaker_from(state, citing[0]), np_
    ps, pe = state.units[index - 1]
    earlier = [
        d
        for d in state.drafts
        if ps <= d.start < pe and (not d.explicit or by_preposition(state, d))
    ]
    if earlier:
        for d in earlier:
            d.speaker, d.carry, d.explicit, d.cue = sp.text, sp.text is None, True, cue
            d.speaker_span = (sp.start, sp.end) if sp.text else None
            d.role, d.intro_roles = sp.role, roles_in(state, np_)
            d.via = state.outlet_name(via).text if via else d.via
        return True
    if not any(ps <= d.start < pe for d in state.drafts):
        state.add(state.content_span(ps, pe), sp, cue=cue, via=via, roles=roles_in(state, np_))
    return True


def anaphora_after_colon(state: DocumentState, site: CueSite) -> bool:
    """ "Tre persone sono ferite: lo ha detto il prefetto, Mario Neri."

    The anaphora points back at the clause before the colon; the speaker follows the cue."""
    us = site.us
    colon = max(site.left.rfind(c) for c in ":;")
    if colon > 0 and is_anaphora(state, us + colon + 1, site.cs):
        add_inverted(
            state, us, us + colon, np_after(state, site.ce, site.ue), site.ce, site.ue, site.cue
        )
        return True
    return False


def preposition_before(state: DocumentState, site: CueSite) -> bool:
    """ "Según ha informado el ministerio, tres personas murieron."

    A source preposition with only relay words or auxiliaries before the cue: the preposition
    reader reads it, so the cue is given back."""
    relay_words = state.w("relay", "auxiliaries")
    if state.lex.prep_re is not None:
        for pm in state.lex.prep_re.finditer(state.masked, site.us, site.cs):
            gap = [t for t in state.toks(pm.end(), site.cs) if t.is_word]
            if all(t.low in relay_words for t in gap):
                state.used.remove((site.cs, site.ce))
                return True
    return False


def aside_in_sentence(state: DocumentState, site: CueSite) -> bool:
    """ "The plan, the minister said, would cost billions."

    The cue and its speaker are an aside: the sentence around it is what was said."""
    aside = attribution_aside(state, site.us, site.cs, site.ce, site.ue)
    if aside is None:
        return False
    np_, start, close = aside
    via = state.via_in(site.ce, close)
    if np_ is not None and state.is_outlet(np_.text):
        np_ = state.outlet_mention(np_)
        via = via if via is not None and via.start >= np_.end else None
    state.add(
        state.content_span(start, site.ue),
        speaker_from(state, np_),
        cue=site.cue,
        via=via,
        roles=roles_in(state, np_),
    )
    return True


def relay_clause_then_speaker(state: DocumentState, site: CueSite) -> bool:
    """ "Wie die „Bild“ berichtet, sagte der Minister, die Lage sei ernst."

    Verb-second languages (German): a relay clause names the outlet; the subject after the verb
    speaks."""
    if not (
        site.relay_led
        and state.lex.switch("verb_second")
        and site.left.endswith(",")
        and (after_verb := subject_after_verb(state, site.ce, site.ue)) is not None
    ):
        return False
    np_, start = after_verb
    state.add(
        state.content_span(start, site.ue),
        speaker_from(state, np_),
        cue=site.cue,
        via=state.outlet_within(site.us, site.left_end),
        roles=roles_in(state, np_),
    )
    return True


def relay_clause(state: DocumentState, site: CueSite) -> bool:
    """ "As the ministry said, the talks will resume." / "Come ha detto X, ..."

    A relay clause ("Wie die Polizei mitteilte, ...") before the comma holds the speaker; what
    follows the comma was said."""
    if not site.relay_led:
        return False
    ue, cs, ce, left_words = site.ue, site.cs, site.ce, site.left_words
    subj = np_after(state, left_words[0].end, cs, skip_via=False)
    if subj is not None and state.is_outlet(subj.text):
        subj = state.outlet_mention(subj)
    elif len(left_words) == 2 or all(t.low in state.w("determiners") for t in left_words[1:]):
        subj = state.outlet_within(left_words[0].end, cs) or subj  # 'Wie die „Bild“'
    np_ = subj if subj is not None else np_after(state, ce, ue)
    after = np_.end if np_ is not None and np_.start > ce else ce
    if not state.masked[after:ue].lstrip().startswith(","):
        return False
    comma = state.masked.index(",", after)
    if state.lex.switch("verb_second") and state.lex.verb_re.match(state.masked, comma + 2):
        # "Wie die „Bild“ berichtet, sagte der Minister, ...": the clause only
        # names the outlet; the cue after it names the speaker
        return True
    state.add(
        state.content_span(comma + 1, ue),
        speaker_from(state, np_),
        cue=site.cue,
        roles=roles_in(state, np_),
    )
    return True


def pronoun_after_verb(state: DocumentState, site: CueSite) -> bool:
    """ "Zugleich warnte er vor voreiligen Schlüssen."

    Verb-second languages (German), a cue with at most two words before it: a pronoun right
    after the verb is its subject (in "erklärte, sie werde ..." the pronoun is content)."""
    if not (state.lex.switch("verb_second") and len(site.left_words) <= 2):
        return False
    nxt = next(iter(state.toks(site.ce, min(site.ue, site.ce + 30))), None)
    if nxt is not None and nxt.low in state.w("pronouns"):
        state.add(state.content_span(nxt.end, site.ue), Speaker(None), cue=site.cue)
        return True
    return False


def relay_lead(state: DocumentState, site: CueSite) -> bool:
    """ "A quanto riferisce l'agenzia Reuters, i colloqui sono falliti."

    Only a relay lead before the cue: the speaker follows the cue, the content follows it."""
    lead = " ".join(site.left.casefold().split())
    if not (lead and lead in state.w("relay") | RELAY_LEADS):
        return False
    np_ = np_after(state, site.ce, site.ue, skip_via=False)
    if np_ is not None:
        name = state.outlet_name(np_) if state.is_outlet(np_.text) else np_
        state.add(state.content_span(np_.end, site.ue), speaker_from(state, name), cue=site.cue)
    return True


def cue_leads(state: DocumentState, site: CueSite) -> bool:
    """ "Said the minister: the talks have failed." / "E ha aggiunto che ..."

    Nothing but punctuation or conjunctions before the cue: the speaker, if any, follows it,
    then what was said (after a complementizer when there is a speaker)."""
    us, ue, cs, ce = site.us, site.ue, site.cs, site.ce
    if not (
        not site.left.strip(" ,;:" + DASHES)
        or all(t.low in state.w("conjunctions") for t in state.toks(us, cs) if t.is_word)
    ):
        return False
    np_ = np_after(state, ce, ue)
    comp = complementizer_after(state, np_.end if np_ else ce, ue)
    sp = speaker_from(state, np_) if np_ and comp else Speaker(None)
    start = comp if comp is not None else (np_.end if np_ and comp else ce)
    state.add(
        state.content_span(start, ue),
        sp,
        cue=site.cue,
        via=state.via_in(ce, ue),
        roles=roles_in(state, np_),
    )
    return True


def relay_after_comma(state: DocumentState, site: CueSite) -> bool:
    """ "I colloqui sono falliti, come ha detto il ministro." / "…, comme l'a indiqué le ministre"

    A relay word right before the cue, after a comma: the speaker follows the cue, and the
    longer side of the sentence is what was said."""
    us, ue, ce, left_words = site.us, site.ue, site.ce, site.left_words
    k = len(left_words) - 1
    if k > 1 and left_words[k].low in state.w("object_pronouns"):
        k -= 1
    if not (
        k > 0
        and left_words[k].low in state.w("relay")
        and left_words[-1].end == site.left_end
        and state.masked[left_words[k - 1].end : left_words[k].start].strip() == ","
    ):
        return False
    np_ = np_after(state, ce, ue)
    if (
        np_ is not None
        and len(np_.text.split()) <= MAX_INVERTED_SPEAKER_WORDS
        and not any(w.casefold() in state.w("passive_aux") for w in np_.text.split())
        and terminal_after(state, np_.end, ue)
    ):
        via = state.via_in(ce, ue)
        state.add(
            # "…, come ha riferito X, non li ha sorpresi": the longer side is the content
            pp_content(state, us, ue, left_words[k - 1].end, via.end if via else np_.end),
            speaker_from(state, np_),
            cue=site.cue,
            via=via,
            roles=roles_in(state, np_),
        )
        return True
    return False


def content_first(state: DocumentState, site: CueSite) -> bool:
    """ "The talks have failed, said the minister." / "I colloqui sono falliti, ha aggiunto."

    The text before the cue ends in a separator (or a closing quote that is not a title): it
    is what was said, unless it turns out to be a subject; ``CONTENT_FIRST`` says which."""
    before = content_before(state, site)
    if before is None:
        return False
    first_that_reads(CONTENT_FIRST, state, before)  # the last one reads any site
    return True


def subject_first(state: DocumentState, site: CueSite) -> bool:
    """ "The minister said the talks have failed." / "Il ministro ha detto che ..."

    The last comma chunk before the cue is its subject; ``SUBJECT_FIRST`` says where the
    content lies."""
    first_that_reads(SUBJECT_FIRST, state, SubjectBefore(site))  # none: no claim
    return True


VERB_CUE_CONSTRUCTIONS: tuple[Construction, ...] = (
    anaphoric_object,
    anaphora_after_colon,
    preposition_before,
    aside_in_sentence,
    relay_clause_then_speaker,
    relay_clause,
    pronoun_after_verb,
    relay_lead,
    cue_leads,
    relay_after_comma,
    content_first,
    subject_first,
)
"""Tried in this order; the first that reads the site ends it. ``subject_first`` reads any."""


def read_verb_cue(state: DocumentState, cm: re.Match[str], index: int) -> None:
    """The claim of the speech verb ``cm`` in unit ``index``: the first construction it fits."""
    first_that_reads(VERB_CUE_CONSTRUCTIONS, state, CueSite.at(state, cm, index))


def first_that_reads(
    chain: Sequence[Callable[[DocumentState, SiteT], bool]], state: DocumentState, site: SiteT
) -> Callable[[DocumentState, SiteT], bool] | None:
    """The first construction of ``chain`` that reads ``site`` (it has read it), else None."""
    return next((construction for construction in chain if construction(state, site)), None)


def read_verb_cues(state: DocumentState, index: int) -> None:
    """Each speech verb of the unit not yet used gives a reported claim ("X said that ...")."""
    us, ue = state.units[index]
    for cm in verb_cues(state, us, ue):
        if state.is_used(*cm.span()):
            continue
        state.used.append(cm.span())
        read_verb_cue(state, cm, index)


# ---------------------------------------------------------------- content before the cue


@dataclass
class ContentBefore:
    """A cue after content and a separator: where the content ends (``sep``) and the
    complementizer after the cue, if any ("said that")."""

    site: CueSite
    sep: int
    comp: int | None

    @cached_property
    def speaker_after(self) -> Phrase | None:
        """The phrase after the cue, or after an adjunct ("ha detto a Radio 1 il ministro")."""
        s = self.site
        return np_after(s.state, s.ce, s.ue) or np_after_adjunct(s.state, s.ce, s.ue)


def content_before(state: DocumentState, site: CueSite) -> ContentBefore | None:
    """The site as content before the cue: the text before it ends in a separator, or in a
    closing quote that is not a title; else None."""
    left, left_end = site.left, site.left_end
    if not (
        left[-1] in ",;:" + DASHES
        or (
            left[-1] in "”»\"“'’"
            # 'wie ein Sprecher dem „Spiegel“ sagte': a quoted title is no content
            and not any(q.close == left_end and is_quoted_title(state, q) for q in state.quotes)
        )
    ):
        return None
    sep = left_end - 1 if left[-1] in ",;:" + DASHES else left_end
    return ContentBefore(site, sep, complementizer_after(state, site.ce, site.ue))


ContentConstruction = Callable[[DocumentState, ContentBefore], bool]


def postposed_apposition(state: DocumentState, before: ContentBefore) -> bool:
    """ "The fire spread fast, Kwame Mensah, a spokesman for the fire service, told Reuters."

    A name and its apposition between the content and the cue speak."""
    s = before.site
    postposed = postposed_subject(state, s.us, s.cs) if before.comp is None else None
    if postposed is None:
        return False
    name, apposition, sep = postposed
    via = state.via_in(s.ce, s.ue)
    if terminal_after(state, via.end if via else s.ce, s.ue):
        state.add(
            state.content_span(s.us, sep),
            speaker_from(state, name),
            cue=s.cue,
            via=via,
            roles=roles_in(state, apposition),
        )
        return True
    return False


def apposed_subject(state: DocumentState, before: ContentBefore) -> bool:
    """ "La ministra, María Jesús Montero, anunció que habrá más fondos."

    A role and a name in apposition (or a subject before "said that") are a subject, not
    content said by someone named after the cue."""
    s = before.site
    apposed = len(chunk_spans(state, s.us, s.cs)) >= 2
    if (before.comp is not None or apposed) and subject_like(state, s.us, s.cs):
        add_subject_first(state, s.us, s.cs, before.comp or s.ce, s.ue, s.cue)
        return True
    return False


def speaker_in_frame(state: DocumentState, before: ContentBefore) -> bool:
    """ "Die Lage ist ernst, teilte das Ministerium am Montag mit."

    Languages whose verb frames its subject (German, verb ... particle): the speaker is inside
    the frame."""
    s = before.site
    if not (state.lex.switch("verb_frame") and len(s.cue.split()) > 2):
        return False
    first, last = s.cue.split()[0], s.cue.split()[-1]
    framed = np_after(state, s.cs + len(first), s.ce - len(last))
    if framed is not None and terminal_after(state, s.ce, s.ue):
        add_inverted(state, s.us, before.sep, framed, s.ce, s.ue, s.cue)
        return True
    return False


def impersonal_cue(state: DocumentState, before: ContentBefore) -> bool:
    """ "Die Gespräche sind gescheitert, hieß es aus Regierungskreisen."

    A pronoun after the cue: an impersonal cue names its source after it, if at all."""
    s = before.site
    words_after = [t for t in state.toks(s.ce, min(s.ue, s.ce + 40)) if t.is_word]
    if not (words_after and words_after[0].low in state.w("pronouns")):
        return False
    source = (
        np_after(state, words_after[1].end, s.ue)
        if words_after[0].low == "es"
        and len(words_after) > 1
        and words_after[1].low in ("aus", "in", "im")
        else None
    )
    add_inverted(state, s.us, before.sep, source, s.ce, s.ue, s.cue)
    return True


def speaker_after_cue(state: DocumentState, before: ContentBefore) -> bool:
    """ "The talks have failed, said the minister."

    A noun phrase after the cue that ends the sentence speaks."""
    s = before.site
    np_ = before.speaker_after
    if np_ is not None and terminal_after(state, np_.end, s.ue):
        add_inverted(state, s.us, before.sep, np_, s.ce, s.ue, s.cue)
        return True
    return False


def bare_cue(state: DocumentState, before: ContentBefore) -> bool:
    """ "I colloqui sono falliti, ha aggiunto."

    The cue ends the sentence: the speaker is carried from before."""
    s = before.site
    if terminal_after(state, s.ce, s.ue):
        add_inverted(state, s.us, before.sep, None, s.ce, s.ue, s.cue)
        return True
    return False


def subject_after_separator(state: DocumentState, before: ContentBefore) -> bool:
    """ "The mayor, announced on Monday a new plan for the city buses and trams."

    What comes before the cue is a subject after all (a stray comma): what follows the cue was
    said."""
    s = before.site
    if subject_like(state, s.us, s.cs) or short_subject(state, s.us, s.cs):
        add_subject_first(state, s.us, s.cs, before.comp or s.ce, s.ue, s.cue)
        return True
    return False


def content_then_speaker(state: DocumentState, before: ContentBefore) -> bool:
    """ "The talks between the two governments have failed after three weeks in Geneva, said
    the minister and he left the room."

    Otherwise: the content before, the speaker (if any) after the cue."""
    s = before.site
    add_inverted(state, s.us, before.sep, before.speaker_after, s.ce, s.ue, s.cue)
    return True


CONTENT_FIRST: tuple[ContentConstruction, ...] = (
    postposed_apposition,
    apposed_subject,
    speaker_in_frame,
    impersonal_cue,
    speaker_after_cue,
    bare_cue,
    subject_after_separator,
    content_then_speaker,
)
"""Tried in this order; ``content_then_speaker`` reads any site."""


# ---------------------------------------------------------------- subject before the cue


@dataclass
class SubjectBefore:
    """A cue after its subject: the comma chunks before it, the last of which holds the
    subject."""

    site: CueSite

    @cached_property
    def chunks(self) -> list[tuple[int, int]]:
        return chunk_spans(self.site.state, self.site.us, self.site.cs)

    @property
    def last_start(self) -> int:
        """Where the last chunk before the cue starts."""
        return self.chunks[-1][0]

    @cached_property
    def subject(self) -> Phrase | None:
        return clean_subject(self.site.state, self.last_start, self.site.cs)

    @cached_property
    def subject_words(self) -> int:
        s = self.site
        return len([t for t in s.state.toks(self.last_start, s.cs) if t.is_word])


SubjectConstruction = Callable[[DocumentState, SubjectBefore], bool]


def content_then_subject(state: DocumentState, subject: SubjectBefore) -> bool:
    """ "Die Gespräche sind gescheitert, die Polizei sagte." / "Talks failed, Reuters reported."

    Content, then a comma chunk that is the subject of a cue ending the sentence; in German an
    outlet told may stand between subject and verb."""
    s = subject.site
    last_a = subject.last_start
    before_words = len([t for t in state.toks(s.us, last_a) if t.is_word])
    first_tok = next((t for t in state.toks(last_a, s.cs) if t.is_word), None)
    conj_led = first_tok is not None and first_tok.low in state.w("conjunctions")
    if not (
        len(subject.chunks) > 1
        and not conj_led
        and before_words >= 2
        and terminal_after(state, s.ce, s.ue)
        and subject.subject_words <= MAX_SUBJECT_TOKENS
    ):
        return False
    subj = subject.subject
    via = state.via_in(s.ce, s.ue)
    if via is None and subj is not None and state.lex.switch("dative_outlets"):
        subj, via = dative_outlet(state, subj, s.cs)
    sp = speaker_from(state, subj)
    citing = citing_after(state, s.ce, s.ue)
    if citing is not None and citing[0] is not None:  # "X reported, citing Y"
        sp, via = speaker_from(state, citing[0]), subj
    state.add(state.content_span(s.us, last_a), sp, cue=s.cue, via=via, roles=roles_in(state, subj))
    return True


def subject_then_content(state: DocumentState, subject: SubjectBefore) -> bool:
    """ "Il ministro ha detto che i colloqui riprenderanno."

    A short subject before the cue; what was said follows it."""
    s = subject.site
    if subject.subject_words <= MAX_SUBJECT_TOKENS:
        comp = complementizer_after(state, s.ce, s.ue)
        add_subject_first(state, subject.last_start, s.cs, comp or s.ce, s.ue, s.cue)
        return True
    return False


def long_clause_then_subject(state: DocumentState, subject: SubjectBefore) -> bool:
    """ "Rescue teams searched through the night for survivors under the rubble of collapsed
    buildings Turkish officials said."

    A long chunk before the cue: the noun phrase at its end speaks, what comes before it
    (or the whole sentence, when more follows the cue) was said."""
    s = subject.site
    tnp = trailing_np(state, subject.last_start, s.cs)
    if tnp is None:
        return False
    sp = speaker_from(state, tnp)
    span = (s.us, tnp.start) if terminal_after(state, s.ce, s.ue) else (s.us, s.ue)
    state.add(
        state.content_span(*span),
        sp,
        cue=s.cue,
        via=state.via_in(s.ce, s.ue),
        roles=roles_in(state, tnp),
    )
    return True


SUBJECT_FIRST: tuple[SubjectConstruction, ...] = (
    content_then_subject,
    subject_then_content,
    long_clause_then_subject,
)
"""Tried in this order; when none reads the site, it has no claim."""

"""Speakers resolved after reading: carried speakers (subject-less cues, pronouns), role phrases
that refer back to a named holder ("il ministro"), "the company" as the organisation just named,
surnames to full names, entity keys; then ``agents.extraction.speakers``' resolver over the
document's entity mentions.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from agents.extraction.annotations import Claim, ClaimKind
from agents.extraction.claims.lexicon import INDEFINITE_ARTICLES
from agents.extraction.claims.state import DocumentState
from agents.extraction.claims.text import tokenize
from agents.extraction.entities import org_kinds
from agents.extraction.speakers import Mention, SpeakerResolver

PARTICLES = frozenset({"Di", "De", "Da", "Del", "Van", "Von", "La", "Le", "Al", "El", "Dos", "Du"})


class _Named(NamedTuple):
    """A speaker named so far in the document, for role phrases that refer back to one."""

    speaker: str
    roles: frozenset[str]  # the role words of the phrase that named them
    key: str | None
    may_be_person: bool  # no entity says it is a place or an organisation


def _person_before(state: DocumentState, pos: int) -> tuple[str | None, str | None]:
    """The person a subject-less first cue refers to ("Sánchez habló en Madrid. [...], dijo
    este lunes."): the last one named in this sentence or the one before, else nobody."""
    since = state.previous_unit_start(pos)
    for s, e, span in reversed(state.entity_spans()):
        if e > pos or s < since:
            continue
        entity = span._.entity
        if entity is not None and str(entity.type) == "PERSON":
            return entity.canonical, entity.key
    return None, None


def _organisation_meant(state: DocumentState, span: tuple[int, int] | None) -> Any:
    """The organisation a definite body phrase refers back to, named in this sentence or the
    one before: "the company" means the last company named (listed as one, or not listed),
    "the ministry" the last organisation whose name holds "ministry"."""
    if span is None:
        return None
    words = [t for t in tokenize(state.text, span[0], span[1], state.lang) if t.is_word]
    if len(words) != 2 or words[0].low not in state.w("determiners"):
        return None
    article, noun = words[0].low, words[1].low
    if article in INDEFINITE_ARTICLES or noun not in state.w("bodies", "company_nouns"):
        return None
    since = state.previous_unit_start(span[0])
    for s, e, ent_span in reversed(state.entity_spans()):
        if e > span[0] or s < since:
            continue
        entity = ent_span._.entity
        if (
            entity is not None
            and str(entity.type) == "ORG"
            and (
                noun in entity.canonical.casefold()
                or (
                    noun in state.w("company_nouns")
                    and org_kinds().get(entity.key, "company") == "company"
                )
            )
        ):
            return entity
    return None


def _is_body(state: DocumentState, speaker: str, key: str | None) -> bool:
    """The speaker is an organisation or a body ("the coastguard", "il ministero"), which
    "he" or "she" does not refer to; a role in one ("President of the European Central
    Bank") is a person."""
    words = {t.low for t in tokenize(speaker, 0, len(speaker), state.lang) if t.is_word}
    if not words.isdisjoint(state.w("roles")):
        return False
    if key is not None:
        return key.startswith("org:")
    return not words.isdisjoint(state.w("bodies", "company_nouns"))


def full_name(state: DocumentState, surname: str) -> str:
    """ "Hofmann" -> "Jörg Hofmann" when the text names him in full somewhere."""
    if not surname[:1].isupper() or surname.casefold() in state.w("org_words"):
        return surname
    skip = state.w("title_words", "determiners", "honorifics", "org_words")
    for m in re.finditer(rf"(?<![\w.])([A-ZÀ-Ý][\w'’-]+) {re.escape(surname)}(?!\w)", state.text):
        first = m.group(1)
        before = state.text[: m.start()].rstrip()
        if first.isupper() or first.casefold() in skip or not before or before[-1] in '.!?:\n«“"':
            continue
        if state.lex.verb_re.fullmatch(first) or first.casefold() in state.w("roles"):
            continue
        return f"{first} {surname}"
    return surname


def _fill_leading_quotes(state: DocumentState) -> None:
    """Quotes before any attribution take the speaker of the quote that follows them
    ("“First paragraph ... ¶ “Second paragraph,” she said.")."""
    for k, d in enumerate(state.drafts):
        if d.speaker is not None or d.explicit is True:
            return
        nxt = next((n for n in state.drafts[k + 1 :] if n.speaker is not None), None)
        if nxt is None or nxt.kind != ClaimKind.DIRECT or nxt.start - d.end > 400:
            return
        d.speaker, d.speaker_span, d.carry, d.explicit = (
            nxt.speaker,
            nxt.speaker_span,
            False,
            True,
        )
        d.role, d.intro_roles = nxt.role, nxt.intro_roles


def resolve_claims(state: DocumentState) -> list[Claim]:
    _fill_leading_quotes(state)
    out: list[Claim] = []
    spans: list[tuple[int, int] | None] = []
    last: tuple[str, str | None] | None = None
    last_person: tuple[str, str | None] | None = None  # the last speaker that is no body
    named: list[_Named] = []
    for d in state.drafts:
        speaker, key = d.speaker, None
        if speaker is None or d.carry:
            if last is None and not d.explicit:
                continue
            speaker, key = last if last is not None else _person_before(state, d.start)
            if d.personal and last is not None and last != last_person and last_person is not None:
                speaker, key = last_person  # "the coastguard admitted …; “…,” she told AFP"
        elif d.role is not None:
            match = next((n for n in reversed(named) if d.role in n.roles), None)
            if match is None and named and named[-1].may_be_person and d.role[-1:] != "s":
                match = named[-1]  # "the minister" is the person just named, not "Russia"
            if match is not None:
                speaker, key = match.speaker, match.key
        else:
            ent = state.entity_at(*d.speaker_span) if d.speaker_span else None
            org = _organisation_meant(state, d.speaker_span) if ent is None else None
            if org is not None:  # "The company" is the company just named
                ent, speaker, key = org, org.canonical, org.key
            person = ent is None or str(ent.type) == "PERSON"
            if ent is not None and person and speaker in ent.canonical:
                speaker, key = ent.canonical, ent.key
            elif (
                ent is not None
                and d.speaker_span is not None
                and (state.text[d.speaker_span[0] : d.speaker_span[1]].endswith(ent.text))
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
                speaker = full_name(state, speaker)
            named.append(_Named(speaker, d.intro_roles, key, person))
        if speaker is not None:
            last = (speaker, key)
            if not d.carry and d.speaker is not None and not _is_body(state, speaker, key):
                last_person = last
        own = d.speaker_span if not d.carry and d.speaker is not None else None
        if own is not None and speaker == state.text[own[0] : own[1]]:
            speaker = state.original[own[0] : own[1]]  # as written, agency accents and all
        spans.append(own)
        out.append(
            Claim(
                speaker=speaker,
                kind=d.kind,
                text=state.original[d.start : d.end],
                start=d.start,
                end=d.end,
                via=d.via,
                speaker_key=key,
                cue=d.cue,
            )
        )
    return resolver(state).resolve(out, spans)


def resolver(state: DocumentState) -> SpeakerResolver:
    """The speaker-resolution step over this document's entity mentions."""
    mentions = []
    for s, e, span in state.entity_spans():
        entity = span._.entity
        if entity is not None:
            mentions.append(
                Mention(entity.text, s, e, str(entity.type), entity.canonical, entity.key)
            )
    return SpeakerResolver(state.original, mentions, state.lex.speaker_words())

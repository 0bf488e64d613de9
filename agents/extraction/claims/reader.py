"""The order in which the claim readers run over one document.

How it reads a document, in order (steps 1-2 in text.py and state.py, 3 in direct.py, 4-6 in
verb_cue.py, reported.py and sources.py, 7 in resolve.py):

1. quotation marks are paired in every style (“” «» „“ "" ‹› ‘’ '' »«), a quote that runs on to the
   next paragraph (the English convention of re-opening without closing) ends at its paragraph;
2. text is cut into *units*: the sentencizer's sentences, re-joined where a quote spans a boundary
   (sentencizers split "«Ciao!», ha detto" after the "!"), and split at paragraph breaks;
3. each quote is attributed by a cue next to it ("», ha detto X", "X said: “", "– ha aggiunto –"),
   or carries the previous speaker when it stands alone;
4. each speech cue outside quotes gives a reported claim: the speaker is the subject before the cue
   or the phrase after it (inverted order), the content is the other side of the cue;
5. a relaying outlet becomes ``via`` ("told Reuters", "citato dalla Cnn", "X reported, citing Y"),
   unless it is the only source named ("Sky News reported ..."), then it is the speaker;
6. German sentences in Konjunktiv I right after a claim go on reporting its speaker;
7. speakers are carried (subject-less cues, pronouns, role phrases such as "il ministro" that refer
   back) and resolved (surnames to full names, entities to their canonical form).

Datelines ("ROMA -", "PARIS (Reuters) -") are cut off the first sentence. Everything is rules and
word lists, so it generalises as far as the lexicons do; the dev set of ../shared/eval measures it.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

from agents.extraction.annotations import Claim
from agents.extraction.claims.direct import read_quotes
from agents.extraction.claims.lexicon import Lexicon
from agents.extraction.claims.reported import read_gerund_cues, read_konjunktiv
from agents.extraction.claims.resolve import resolve_claims
from agents.extraction.claims.sources import read_prepositions, read_verbless
from agents.extraction.claims.state import DocumentState
from agents.extraction.claims.verb_cue import read_verb_cues

UnitReader = Callable[[DocumentState, int], None]
"""Reads one kind of construction in the unit at an index, adding drafts to the state."""

UNIT_READERS: tuple[UnitReader, ...] = (
    read_quotes,  # «...», ha detto X / X said: "..."
    read_verbless,  # "Così la premier G. Meloni." about the sentence before
    read_verb_cues,  # X said that ... / ..., ha detto X (verb_cue.VERB_CUE_CONSTRUCTIONS)
    read_gerund_cues,  # ..., citing officials
    read_prepositions,  # according to X / secondo X / selon X
    read_konjunktiv,  # German Konjunktiv I after a claim: the same speaker goes on
)
"""Tried in this order on each unit: a later reader skips the cue spans an earlier one used."""


def read_document(doc: Doc, lex: Lexicon) -> list[Claim]:
    """The claims of ``doc``: every unit read by each reader in turn, nested drafts merged, then
    the speakers resolved."""
    state = DocumentState(doc, lex)
    for index in range(len(state.units)):
        for read_unit in UNIT_READERS:
            read_unit(state, index)
    merge_nested(state)
    return resolve_claims(state)


def merge_nested(state: DocumentState) -> None:
    """A quote inside a reported claim's content is part of that claim, not another one."""
    keep = []
    for d in state.drafts:
        outer = next(
            (
                o
                for o in state.drafts
                if o is not d
                and o.start <= d.start
                and d.end <= o.end
                and (o.end - o.start) > (d.end - d.start)
            ),
            None,
        )
        if outer is not None and (not d.explicit or d.cue is None):
            if outer.speaker is None and d.speaker is not None:
                outer.speaker, outer.speaker_span, outer.carry = (
                    d.speaker,
                    d.speaker_span,
                    False,
                )
            outer.via = outer.via or d.via
            continue
        keep.append(d)
    seen: set[tuple[int, int]] = set()
    state.drafts = []
    for d in sorted(keep, key=lambda d: d.start):
        if (d.start, d.end) not in seen:
            seen.add((d.start, d.end))
            state.drafts.append(d)

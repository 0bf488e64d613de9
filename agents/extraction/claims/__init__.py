"""Attributed claims: direct quotes and reported speech, with speaker, relaying outlet and offsets.

The layers, each importing only those before it:

    text       quotes, masking, units, tokens, agency accents
    lexicon    the cue words of a language, compiled
    state      one document's shared state and drafts
    phrases    noun phrases and subjects beside a cue
    direct     quote attribution            reported   speech verbs, gerunds, Konjunktiv
    sources    "according to X", verbless   resolve    speaker phrase -> person or body
    verb_cue   the constructions a speech verb stands in, tried in a declared order
    reader     the order the readers run in
    component  the spaCy component ``newsstream_claims``

Importing the package registers the factory.
"""

from agents.extraction.claims.component import ClaimExtractor, make_claim_extractor
from agents.extraction.claims.lexicon import LEXICON_DIR, SUPPORTED_LANGUAGES, Lexicon, load_lexicon
from agents.extraction.claims.reader import read_document
from agents.extraction.claims.text import Quote, find_quotes, mask_quotes, read_accents

__all__ = [
    "LEXICON_DIR",
    "SUPPORTED_LANGUAGES",
    "ClaimExtractor",
    "Lexicon",
    "Quote",
    "find_quotes",
    "load_lexicon",
    "make_claim_extractor",
    "mask_quotes",
    "read_accents",
    "read_document",
]

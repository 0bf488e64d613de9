"""The spaCy component: ``ClaimExtractor`` sets ``doc._.claims`` to a list of
:class:`agents.extraction.annotations.Claim`, registered as the factory ``newsstream_claims``.

It needs no trained model: it works on ``spacy.blank(lang)`` + sentencizer with the rules of this
package and the per-language lexicons, and it uses the entity spans of ``newsstream_entities``
only to resolve a speaker to its canonical name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from agents.extraction.annotations import Claim
from agents.extraction.claims.lexicon import LEXICON_DIR, load_lexicon
from agents.extraction.claims.reader import read_document


class ClaimExtractor:
    """Sets ``doc._.claims``: the attributed claims of a document.

    Example::

        nlp = spacy.blank("it")
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("newsstream_claims")
        doc = nlp("«Nessun Paese dovrebbe subire tutto questo», ha commentato Volodymyr Zelensky.")
        doc._.claims[0].speaker  # "Volodymyr Zelensky"
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "newsstream_claims",
        *,
        lexicon_dir: str | None = None,
        overwrite: bool = True,
    ) -> None:
        self.name = name
        self.lang = nlp.lang
        self.lexicon_dir = lexicon_dir or str(LEXICON_DIR)
        self.overwrite = overwrite
        self.lexicon = load_lexicon(self.lang, self.lexicon_dir)

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None) -> None:
        """Lexicons are package data, loaded at construction; nothing to learn."""
        self.lexicon = load_lexicon(self.lang, self.lexicon_dir)

    def __call__(self, doc: Doc) -> Doc:
        if doc._.claims is not None and not self.overwrite:
            return doc
        doc._.claims = self.predict(doc)
        return doc

    def predict(self, doc: Doc) -> list[Claim]:
        lex = (
            self.lexicon
            if doc.lang_ == self.lexicon.lang
            else load_lexicon(doc.lang_, self.lexicon_dir)
        )
        return read_document(doc, lex)

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "newsstream_claims",
    assigns=["doc._.claims"],
    default_config={"lexicon_dir": None, "overwrite": True},
)
def make_claim_extractor(
    nlp: Language, name: str, lexicon_dir: str | None, overwrite: bool
) -> ClaimExtractor:
    return ClaimExtractor(nlp, name, lexicon_dir=lexicon_dir, overwrite=overwrite)

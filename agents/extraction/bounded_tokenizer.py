"""A guard in front of spaCy's tokenizer: no whitespace-free run it sees is longer than a word.

spaCy strips prefixes and suffixes one at a time, and each strip searches the whole rest of the
run, so a run of many affixes is quadratic: 200,000 "%" or 200 KB of nested «» held a pool process
for minutes. News words and links are far shorter than ``MAX_RUN_CHARS`` (the longest in the dev
and stories sets is 26 characters), so normal text goes to spaCy's tokenizer untouched and comes
out byte-identical. A longer run is cut into tokens of ``PIECE_CHARS`` (the document's text, and so
every offset, stays the same); the text around it is tokenized as usual.
"""

from __future__ import annotations

import re

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

MAX_RUN_CHARS = 100
"""A whitespace-free run longer than this is no word: it is cut instead of tokenized."""

PIECE_CHARS = 16
"""The length of the tokens such a run is cut into: short enough that the affix rules, were
they run on a piece, stay cheap; long enough that a 100,000-character run is few tokens."""

_LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")


class BoundedTokenizer:
    """Calls ``inner`` on text without long runs; cuts the long runs of any other text."""

    def __init__(self, inner: Tokenizer) -> None:
        self.inner = inner
        self.vocab = inner.vocab

    def __call__(self, text: str) -> Doc:
        if _LONG_RUN.search(text) is None:
            return self.inner(text)
        words: list[str] = []
        spaces: list[bool] = []
        pos = 0
        for run in _LONG_RUN.finditer(text):
            self._extend(words, spaces, text[pos : run.start()])
            for i in range(run.start(), run.end(), PIECE_CHARS):
                words.append(text[i : min(i + PIECE_CHARS, run.end())])
                spaces.append(False)
            pos = run.end()
        self._extend(words, spaces, text[pos:])
        return Doc(self.vocab, words=words, spaces=spaces)

    def _extend(self, words: list[str], spaces: list[bool], segment: str) -> None:
        for token in self.inner(segment):
            words.append(token.text)
            spaces.append(bool(token.whitespace_))

"""The text of a ``Doc``, joined once per document however many components read it.

``Doc.text`` joins every token's text and trailing whitespace on each access, which costs as
much as a whole rule pass; the claims and figures components both need it. A document's text
never changes (retokenizing keeps it), so it is kept in the document's own ``user_data``.
"""

from __future__ import annotations

from spacy.tokens import Doc

_KEY = "newsstream.text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, joined once per document."""
    text = doc.user_data.get(_KEY)
    if not isinstance(text, str):
        text = doc.user_data[_KEY] = doc.text
    return text

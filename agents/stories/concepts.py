"""The concept a figure counts, the same in every language.

"3.000 soldati", "3,000 soldiers" and "3 000 soldats" count one thing; a story links them only if
the counted noun maps to one concept. The words are data
(agents/extraction/lexicons/concepts.yaml); a noun not listed stands for itself, lowercased, so two
articles in one language still match on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

CONCEPTS_FILE = Path(__file__).resolve().parent.parent / "extraction" / "lexicons" / "concepts.yaml"


class ConceptLexicon:
    """Counted noun -> concept, one table for all languages (a word may not name two concepts).

    >>> ConceptLexicon({"death": {"en": ["dead"], "de": ["tote"]}}).concept_of("Tote")
    'death'
    """

    def __init__(self, concepts: Mapping[str, Mapping[str, list[str]]]) -> None:
        self._concept_of: dict[str, str] = {}
        for concept, by_lang in concepts.items():
            for words in by_lang.values():
                for word in words:
                    self._concept_of[word.lower()] = concept

    @classmethod
    def from_file(cls, path: Path = CONCEPTS_FILE) -> ConceptLexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(data["concepts"])

    def concept_of(self, counted: str | None) -> str | None:
        """The concept of a counted noun phrase: the whole phrase, else its first listed word.

        "morti accertati" -> death (first word listed); "organ pipes" -> "organ" (no word listed:
        the first word stands for itself); None or "" -> None.
        """
        if not counted:
            return None
        phrase = counted.lower().strip()
        if phrase in self._concept_of:
            return self._concept_of[phrase]
        words = phrase.split()
        for word in words:
            if word in self._concept_of:
                return self._concept_of[word]
        return words[0] if words else None

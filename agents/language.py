"""Offline language detection (lingua), for articles whose feed doesn't say or says wrong.

The detector is built once per set of languages (it holds large n-gram models) and restricted to the
configured languages plus a few common ones, so a Portuguese or Dutch article is recognised as such
instead of being forced into the nearest configured language.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from streams.settings import NlpSettings

EXTRA_LANGUAGES: tuple[str, ...] = ("pt", "nl", "ru", "uk", "pl", "tr", "ar", "zh", "ja", "sv")
"""Common news languages recognised besides the configured ones."""

MIN_CHARS = 20
"""Below this many letters the detector guesses; the feed's language is trusted instead."""

SAMPLE_CHARS = 1000
"""What the detector reads: its cost grows with the text, and a thousand characters of prose
decide among our languages as surely as the whole article."""

MIN_CONFIDENCE = 0.5
"""Below this the detector is unsure (mixed or odd text): the feed's language wins when given."""

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Detection:
    lang: str  # ISO 639-1
    confidence: float  # 0..1; 0 when the language was not detected but assumed
    detected: bool  # False when it comes from the hint or the fallback


def _lingua_language(code: str) -> Language | None:
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
    except (AttributeError, ValueError):
        return None


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    languages = {lang for code in codes if (lang := _lingua_language(code)) is not None}
    if len(languages) < 2:  # lingua needs at least two candidates
        languages |= {Language.ENGLISH, Language.ITALIAN}
    return LanguageDetectorBuilder.from_languages(*languages).build()


class LanguageIdentifier:
    """Detects the language of a text among the configured languages and a few common others."""

    def __init__(self, settings: NlpSettings, extra: Iterable[str] = EXTRA_LANGUAGES) -> None:
        self.settings = settings
        self.codes = tuple(sorted({*settings.languages, *extra}))

    @property
    def detector(self) -> LanguageDetector:
        with _lock:
            return _detector(self.codes)

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """The language of ``text``; for short or undecidable text, ``hint`` (the feed's language)
        or the fallback language, with ``detected=False``."""
        fallback = (hint or self.settings.fallback_language).lower()
        sample = text[:SAMPLE_CHARS]
        if sum(ch.isalpha() for ch in sample) < MIN_CHARS:
            return Detection(fallback, 0.0, False)
        values = self.detector.compute_language_confidence_values(sample)
        if not values:
            return Detection(fallback, 0.0, False)
        best = values[0]
        if best.value < MIN_CONFIDENCE and hint:
            return Detection(hint.lower(), float(best.value), False)
        return Detection(best.language.iso_code_639_1.name.lower(), float(best.value), True)


def detect_language(text: str, settings: NlpSettings, hint: str | None = None) -> Detection:
    """One-off convenience wrapper around :class:`LanguageIdentifier`."""
    return LanguageIdentifier(settings).detect(text, hint)

"""Offline language detection, with the feed's language or the fallback for short text."""

from __future__ import annotations

import pytest
from lingua import Language

from agents.language import Detection, LanguageIdentifier
from streams.settings import NlpSettings

IDENTIFIER = LanguageIdentifier(NlpSettings())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Il governo ha approvato ieri sera il decreto sulle bollette, ha detto il ministro.",
            "it",
        ),
        ("The government approved the energy bill last night, the minister told reporters.", "en"),
        (
            "Le gouvernement a adopté hier soir le projet de loi sur l'énergie, selon le ministre.",
            "fr",
        ),
        (
            "Die Regierung hat gestern Abend das Energiegesetz beschlossen, sagte der Minister.",
            "de",
        ),
        ("El gobierno aprobó anoche la ley de energía, según dijo el ministro a la prensa.", "es"),
        (
            "O governo aprovou ontem à noite a lei da energia, disse o ministro aos jornalistas.",
            "pt",
        ),
    ],
)
def test_detects_news_languages(text: str, lang: str) -> None:
    detection = IDENTIFIER.detect(text)
    assert detection.lang == lang
    assert detection.detected
    assert 0.0 < detection.confidence <= 1.0


def test_short_text_falls_back_to_the_hint_then_the_fallback() -> None:
    assert IDENTIFIER.detect("Roma", hint="it").lang == "it"
    assert not IDENTIFIER.detect("Roma", hint="it").detected
    assert IDENTIFIER.detect("   ").lang == NlpSettings().fallback_language


def test_unsure_detection_defers_to_the_feed_language() -> None:
    class Unsure:
        language = Language.ITALIAN
        value = 0.3

    class UnsureDetector:
        def compute_language_confidence_values(self, text: str) -> list[Unsure]:
            return [Unsure()]

    class UnsureIdentifier(LanguageIdentifier):
        @property
        def detector(self) -> UnsureDetector:  # type: ignore[override]
            return UnsureDetector()

    identifier = UnsureIdentifier(NlpSettings())
    text = "Some text long enough to be worth detecting at all, in whatever language."
    assert identifier.detect(text, hint="es") == Detection("es", 0.3, False)
    assert identifier.detect(text).lang == "it"  # no hint: the best guess stands

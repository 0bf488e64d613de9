"""Towns and subdivisions from the generated place gazetteer, on sentences written for it in each
language (the constructions of issue 16, E1/E3): keys shared across languages, names that are
also common words or people's names left alone outside a place's context."""

from __future__ import annotations

import pytest
from spacy.language import Language

from agents.extraction.annotations import Entity, EntityType
from agents.extraction.place_gazetteer import place_names
from agents.pipeline import PipelineRegistry
from streams.settings import NlpSettings

REGISTRY = PipelineRegistry(NlpSettings())


def found(lang: str, text: str) -> dict[str, Entity]:
    nlp: Language = REGISTRY.get(lang)
    return {e.text: e for e in nlp(text)._.entities}


def places(lang: str, text: str) -> set[str]:
    return {t for t, e in found(lang, text).items() if e.type is EntityType.LOCATION}


def test_the_file_keys_towns_by_geonames_id_and_subdivisions_by_iso_code() -> None:
    italian = {p.name: p for p in place_names("it")}
    assert italian["Chieti"].key.startswith("geo:")
    assert italian["Baviera"].key == "iso:DE-BY"
    assert italian["Noto"].ambiguous  # "noto" is "known"
    assert not {p.name: p for p in place_names("en")}.get("Workington", italian["Noto"]).ambiguous


def test_small_towns_are_kept_for_the_languages_of_their_country() -> None:
    assert "Annaburg" in {p.name for p in place_names("de")}
    assert "Annaburg" not in {p.name for p in place_names("es")}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # a list of towns after a locative preposition
        ("it", "La scossa è stata avvertita a Chieti, Teramo e Pescara.", {"Chieti", "Teramo"}),
        ("en", "The storm reached Workington and Whitehaven on Sunday.", {"Workington"}),
        ("de", "Die Feuerwehr in Wittlich und Prüm meldete Schäden.", {"Wittlich", "Prüm"}),
        ("fr", "Le cyclone a frappé Saint-Pierre et Le Tampon hier soir.", {"Le Tampon"}),
        ("es", "Hubo cortes de luz en Vícar y El Ejido durante la noche.", {"Vícar", "El Ejido"}),
    ],
)
def test_towns_missing_from_the_hand_lists_are_found(
    lang: str, text: str, expected: set[str]
) -> None:
    assert expected <= places(lang, text)


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        (
            "it",
            "Il fiume è esondato a Castelnuovo di Garfagnana ieri sera.",
            "Castelnuovo di Garfagnana",
        ),
        ("es", "La lava llegó a Los Llanos de Aridane por la tarde.", "Los Llanos de Aridane"),
        (
            "es",
            "El corresponsal escribe desde Jerez de la Frontera cada día.",
            "Jerez de la Frontera",
        ),
    ],
)
def test_multiword_towns_are_one_place(lang: str, text: str, name: str) -> None:
    entity = found(lang, text)[name]
    assert entity.type is EntityType.LOCATION
    assert entity.key.startswith("geo:")


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("it", "La protesta è arrivata in Baviera lunedì.", "Baviera"),
        ("en", "The protest reached Bavaria on Monday.", "Bavaria"),
        ("de", "Der Protest erreichte Bayern am Montag.", "Bayern"),
        ("fr", "La manifestation a gagné la Bavière lundi.", "Bavière"),
        ("es", "La protesta llegó a Baviera el lunes.", "Baviera"),
    ],
)
def test_a_region_has_one_key_in_every_language(lang: str, text: str, name: str) -> None:
    key = found(lang, text)[name].key
    assert key in {"iso:DE-BY", "place:bavaria"}
    assert key == found("en", "The protest reached Bavaria on Monday.")["Bavaria"].key


def test_a_town_named_like_a_common_word_needs_a_place_context() -> None:
    # "noto" is "known": a town only after "a", in a list of places or before its province
    assert "Noto" in places("it", "Un incendio è scoppiato a Noto nella notte.")
    assert "Noto" in places("it", "Danni a Ragusa, Noto e Modica dopo il nubifragio.")
    assert "Noto" in places("it", "Un incendio a Noto (Siracusa) è stato spento.")
    assert "Noto" not in places("it", "Noto che il governo tace.")
    # "hope" is a word: the town in Arkansas only where a place is expected
    assert "Hope" not in places("en", "The minister said Hope was all they had left.")


@pytest.mark.parametrize(
    ("lang", "text", "person", "town"),
    [
        ("en", "Analyst Tim Nixon said prices rose. Nixon expects more.", "Tim Nixon", "Nixon"),
        ("es", "La portavoz Lorena Hernández lo confirmó.", "Lorena Hernández", "Hernández"),
        ("it", "Lo ha detto il segretario Vincenzo Bono ai giornalisti.", "Vincenzo Bono", "Bono"),
        ("de", "Das sagte Bürgermeister Christian Gries am Montag.", "Christian Gries", "Gries"),
        ("fr", "Le porte-parole Michel Trappes a démenti.", "Michel Trappes", "Trappes"),
    ],
)
def test_a_town_inside_a_persons_name_is_the_person(
    lang: str, text: str, person: str, town: str
) -> None:
    entities = found(lang, text)
    assert entities[person].type is EntityType.PERSON
    assert town not in places(lang, text)


def test_a_town_glued_to_a_company_name_is_the_company() -> None:
    assert "Thomson" not in places("en", "Data from Thomson Reuters showed a fall.")


def test_datelines_in_capitals_name_big_towns() -> None:
    assert "ESSEN" in places("de", "ESSEN (dpa) - Der Konzern meldete einen Verlust.")
    assert "CÁDIZ" in places("es", "CÁDIZ, 3 (EUROPA PRESS) La ciudad amaneció sin luz.")


def test_a_place_noun_types_the_name_after_it_as_a_place() -> None:
    # "l'abitato di X": a hamlet, not a person
    assert "Poggio Bustone" in places(
        "it", "I soccorsi hanno raggiunto l'abitato di Poggio Bustone."
    )
    assert "Salta" in places("es", "Hubo nueve muertos en la provincia de Salta ayer.")


def test_a_filter_on_a_generated_town_resolves_to_its_key_in_any_language() -> None:
    """``--location Chieti`` finds articles whose entity carries the GeoNames key, and a key
    typed as such is taken as a key."""
    from streams.resolve import resolve

    chieti = {p.name: p for p in place_names("it")}["Chieti"].key
    assert chieti in resolve("chieti").keys
    assert resolve(chieti).keys == (chieti,)

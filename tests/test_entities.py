"""The entity component on sentences written for it, in each language, on blank pipelines."""

from __future__ import annotations

import pytest
from spacy.language import Language

from agents.extraction.annotations import ENTITIES_KEY, Entity, EntityType
from agents.pipeline import PipelineRegistry
from streams.settings import NlpSettings

REGISTRY = PipelineRegistry(NlpSettings())


def entities(lang: str, text: str) -> list[Entity]:
    nlp: Language = REGISTRY.get(lang)
    doc = nlp(text)
    assert [s.text for s in doc.spans[ENTITIES_KEY]] == [e.text for e in doc._.entities]
    return list(doc._.entities)


def by_text(found: list[Entity]) -> dict[str, Entity]:
    return {e.text: e for e in found}


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("it", "Le truppe della Corea del Nord sono al confine.", "Corea del Nord"),
        ("en", "Troops from North Korea crossed the border.", "North Korea"),
        ("de", "Soldaten aus Nordkorea sind an der Grenze.", "Nordkorea"),
        ("fr", "Des soldats de la Corée du Nord sont arrivés.", "Corée du Nord"),
        ("es", "Soldados de Corea del Norte llegaron ayer.", "Corea del Norte"),
    ],
)
def test_country_names_share_one_key(lang: str, text: str, name: str) -> None:
    entity = by_text(entities(lang, text))[name]
    assert entity.type is EntityType.LOCATION
    assert entity.key == "country:KP"
    assert entity.canonical == "North Korea"
    assert entity.country == "KP"


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("it", "La siccità colpisce il Sud-est asiatico da mesi.", "Sud-est asiatico"),
        ("en", "The drought has hit Southeast Asia for months.", "Southeast Asia"),
        ("de", "Die Dürre trifft Südostasien seit Monaten.", "Südostasien"),
        ("fr", "La sécheresse frappe l'Asie du Sud-Est depuis des mois.", "Asie du Sud-Est"),
        ("es", "La sequía golpea el Sudeste asiático desde hace meses.", "Sudeste asiático"),
    ],
)
def test_world_regions_are_one_place_in_every_language(lang: str, text: str, name: str) -> None:
    """CLDR's names of the UN sub-regions, not the continent inside them."""
    found = by_text(entities(lang, text))
    assert found[name].key == "region:southeast asia"
    assert found[name].type is EntityType.LOCATION
    assert {"Asia", "Asie", "Asien"}.isdisjoint(found)


def test_written_variants_of_region_names() -> None:
    """ "sub-Saharan" in lower case, the French compass form beside CLDR's adjective, and a
    straight apostrophe for CLDR's curly one."""
    found = by_text(entities("en", "Migrants from sub-Saharan Africa reached the islands."))
    assert found["sub-Saharan Africa"].key == "region:sub-saharan africa"
    found = by_text(entities("fr", "Des pluies en Afrique de l'Ouest et en Afrique occidentale."))
    assert found["Afrique de l'Ouest"].key == found["Afrique occidentale"].key
    assert "Afrique" not in found
    found = by_text(entities("fr", "Les exportations de la Côte d'Ivoire ont baissé."))
    assert found["Côte d'Ivoire"].key == "country:CI"


def test_short_forms_of_countries() -> None:
    found = by_text(entities("en", "The U.S. and the UK signed it, the US said."))
    assert found["U.S."].key == found["US"].key == "country:US"
    assert found["UK"].key == "country:GB"
    found = by_text(entities("it", "Gli Stati Uniti e il Regno Unito hanno firmato."))
    assert found["Stati Uniti"].key == "country:US"
    assert found["Regno Unito"].key == "country:GB"


def test_surname_takes_the_fullest_mention() -> None:
    text = (
        "La portavoce del ministero degli Esteri russo Maria Zakharova ha parlato ieri. "
        "Secondo Zakharova, la situazione è grave."
    )
    found = by_text(entities("it", text))
    assert found["Maria Zakharova"].type is EntityType.PERSON
    assert found["Zakharova"].type is EntityType.PERSON
    assert found["Zakharova"].canonical == "Maria Zakharova"
    assert found["Zakharova"].key == "person:maria saharova"


@pytest.mark.parametrize(
    ("lang", "text", "city"),
    [
        ("it", "Mosca ha respinto le accuse.", "Mosca"),
        ("en", "Moscow rejected the accusations.", "Moscow"),
        ("de", "Moskau wies die Vorwürfe zurück.", "Moskau"),
        ("fr", "Moscou a rejeté les accusations.", "Moscou"),
        ("es", "Moscú rechazó las acusaciones.", "Moscú"),
    ],
)
def test_capital_metonyms_are_locations_linked_to_their_country(
    lang: str, text: str, city: str
) -> None:
    entity = by_text(entities(lang, text))[city]
    assert entity.type is EntityType.LOCATION
    assert entity.key == "city:moscow"
    assert entity.country == "RU"


@pytest.mark.parametrize(
    ("lang", "text", "person"),
    [
        (
            "it",
            "«Nessun Paese dovrebbe subire tutto questo», ha commentato il presidente ucraino "
            "Volodymyr Zelensky.",
            "Volodymyr Zelensky",
        ),
        ("it", "Lo ha detto il ministro Crosetto in un'intervista.", "Crosetto"),
        ("en", "The spokesman Tarkon Velmore said the talks would resume.", "Tarkon Velmore"),
        ("de", "Das sagte Regierungssprecher Steffen Hebestreit am Montag.", "Steffen Hebestreit"),
        ("fr", "Le porte-parole Quentin Marivaux a démenti.", "Quentin Marivaux"),
        ("es", "El portavoz Ignacio Larraburu lo confirmó.", "Ignacio Larraburu"),
    ],
)
def test_role_cues_and_first_names_find_people(lang: str, text: str, person: str) -> None:
    assert by_text(entities(lang, text))[person].type is EntityType.PERSON


def test_agencies_bodies_and_metonyms_are_orgs() -> None:
    text = (
        "Lo ha riferito il comando di stato maggiore sudcoreano, citato dalla Cnn. "
        "La Farnesina e la Nato hanno chiesto un incontro all'Onu, secondo l'ANSA."
    )
    found = by_text(entities("it", text))
    for name in ("Cnn", "Farnesina", "Nato", "Onu", "ANSA"):
        assert found[name].type is EntityType.ORG, name
    assert found["Onu"].key == "org:united nations"
    assert "sudcoreano" not in found  # nationality adjectives are not entities


def test_org_heads_type_unknown_names_and_win_over_nested_places() -> None:
    found = by_text(
        entities("en", "Officials at the Syria Civil Defense and the Velmar Steel Corp said so.")
    )
    assert found["Syria Civil Defense"].type is EntityType.ORG
    assert "Syria" not in found
    assert found["Velmar Steel Corp"].type is EntityType.ORG


def test_particles_in_names() -> None:
    found = by_text(entities("en", "Syrian President Bashar al-Assad met Ursula von der Leyen."))
    assert found["Bashar al-Assad"].type is EntityType.PERSON
    assert found["Ursula von der Leyen"].type is EntityType.PERSON


def test_common_words_are_not_entities() -> None:
    assert entities("it", "Ieri la polizia ha chiuso la strada per tre ore.") == []
    found = by_text(entities("de", "Die Regierung will die Steuern in Deutschland senken."))
    assert set(found) == {"Deutschland"}


def test_coordinated_names_split_but_org_names_with_and_stay_whole() -> None:
    found = by_text(entities("it", "Lo hanno detto Tajani e Salvini a Lampedusa e Augusta."))
    assert found["Tajani"].type is found["Salvini"].type is EntityType.PERSON
    assert found["Augusta"].type is EntityType.LOCATION
    found = by_text(entities("en", "The Flood Risk and Water Management Authority said so."))
    assert found["Flood Risk and Water Management Authority"].type is EntityType.ORG
    found = by_text(entities("en", "The Velmar Steel Corp and the Ostrava Mining Group agreed."))
    assert found["Velmar Steel Corp"].type is found["Ostrava Mining Group"].type is EntityType.ORG


def test_place_after_preposition_and_place_noun() -> None:
    found = by_text(
        entities("it", "Un incendio è scoppiato a Torre del Greco, in provincia di Napoli.")
    )
    assert found["Torre del Greco"].type is EntityType.LOCATION
    found = by_text(entities("de", "In der Provinz Kunar wurden Häuser zerstört."))
    assert found["Kunar"].type is EntityType.LOCATION
    found = by_text(entities("en", "The quake hit the Pazarcik district early on Monday."))
    assert found["Pazarcik"].type is EntityType.LOCATION


def test_german_role_compounds_before_names() -> None:
    found = by_text(
        entities("de", "Das sagte Entwicklungsministerin Reem Alabali-Radovan in Berlin.")
    )
    assert found["Reem Alabali-Radovan"].type is EntityType.PERSON
    assert "Entwicklungsministerin Reem Alabali-Radovan" not in found


def test_clubs_named_after_cities_are_organisations_and_adjectives_are_not_clubs() -> None:
    found = by_text(entities("es", "El Real Madrid venció al Bayern Munich en Madrid."))
    assert found["Real Madrid"].type is EntityType.ORG
    assert found["Bayern Munich"].type is EntityType.ORG
    assert found["Madrid"].type is EntityType.LOCATION
    found = by_text(
        entities("it", "Gli astronauti sono arrivati sulla Stazione Spaziale Internazionale.")
    )
    assert "Internazionale" not in found


def test_a_title_before_a_known_name_is_no_person() -> None:
    text = "Zelensky met NATO Secretary General Mark Rutte in Brussels."
    found = by_text(entities("en", text))
    assert found["Mark Rutte"].type is EntityType.PERSON
    assert "General" not in found


def test_ships_operations_and_storms_named_after_places_are_not_entities() -> None:
    found = by_text(entities("it", "La nave Canarias dell'operazione Sophia è arrivata a Catania."))
    assert set(found) == {"Catania"}


def test_dateline_capitals_and_quoted_outlets() -> None:
    found = by_text(entities("it", "ROMA - Lo ha detto all'ANSA il portavoce."))
    assert found["ROMA"].key == "city:rome"
    found = by_text(entities("de", 'Das sagte er der "Bild"-Zeitung.'))
    assert found["Bild"].type is EntityType.ORG


def test_capitalised_article_inside_a_sentence_starts_a_title() -> None:
    found = by_text(entities("es", "Lo publicó ayer El Heraldo Austral, según fuentes oficiales."))
    assert found["El Heraldo Austral"].type is EntityType.ORG
    found = by_text(entities("it", "Lo ha scritto Il Quotidiano Alpino. La nave è arrivata."))
    assert found["Il Quotidiano Alpino"].type is EntityType.ORG
    assert "La" not in found


def test_abbreviations_in_compound_modifiers_are_not_entities() -> None:
    found = by_text(entities("en", "Talks on the US-Mexico border resumed, US officials said."))
    assert found["Mexico"].key == "country:MX"
    assert [e.start for e in entities("en", "the US-Mexico border") if e.text == "US"] == []
    assert "US" in found  # "US officials" is a mention of the country


def test_person_of_organisation_and_stock_indices() -> None:
    text = "Dan Velkov of Brightwater Securities said the FTSE 100 and the DAX fell."
    found = by_text(entities("en", text))
    assert found["Dan Velkov"].type is EntityType.PERSON
    assert found["Brightwater Securities"].type is EntityType.ORG
    assert "FTSE" not in found and "DAX" not in found


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        (
            "es",
            "Según el Estado Mayor Conjunto de Corea del Sur, el misil cayó al mar.",
            "Estado Mayor Conjunto",
        ),
        (
            "en",
            "South Korea's Joint Chiefs of Staff said the missile fell into the sea.",
            "Joint Chiefs of Staff",
        ),
    ],
)
def test_a_general_staff_is_an_organisation_not_a_person(lang: str, text: str, name: str) -> None:
    found = {e.text: e for e in entities(lang, text)}
    assert found[name].type is EntityType.ORG
    assert found[name].key == "org:joint chiefs of staff"
    assert not any(e.type is EntityType.PERSON for e in found.values())


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("es", "La agencia Notimex informó del sismo.", "Notimex"),
        ("it", "Lo riferisce l'agenzia Nova.", "Nova"),
        ("en", "The newspaper Kommersant reported the deal.", "Kommersant"),
        ("de", "Die Zeitung Kommersant berichtete darüber.", "Kommersant"),
        ("it", "Lo ha detto in un'intervista al settimanale Chi.", "Chi"),
    ],
)
def test_a_name_after_an_outlet_noun_is_an_organisation(lang: str, text: str, name: str) -> None:
    assert by_text(entities(lang, text))[name].type is EntityType.ORG


@pytest.mark.parametrize(
    ("lang", "text", "body"),
    [
        ("it", "Lo conferma il ministero della Salute in una nota.", "ministero della Salute"),
        ("fr", "Selon le ministère de la Santé, le virus recule.", "ministère de la Santé"),
        ("es", "Según el ministerio de Sanidad, los casos bajan.", "ministerio de Sanidad"),
        ("en", "A spokesman for the ministry of Defence declined.", "ministry of Defence"),
    ],
)
def test_a_ministry_in_lower_case_and_its_portfolio_are_one_body(
    lang: str, text: str, body: str
) -> None:
    found = by_text(entities(lang, text))
    assert found[body].type is EntityType.ORG
    assert body.split()[-1] not in found  # not the portfolio alone


def test_a_name_after_a_ministry_and_its_portfolio_stays_a_person() -> None:
    """The minister is a role, not a body; a name right after the portfolio is a person."""
    found = by_text(entities("it", "Ha parlato il ministero della Salute Francesco Vaia ieri."))
    assert found["ministero della Salute"].type is EntityType.ORG
    assert found["Francesco Vaia"].type is EntityType.PERSON
    found = by_text(entities("it", "Lo ha detto il ministro della Salute Orazio Schillaci."))
    assert "ministro della Salute" not in found
    assert found["Orazio Schillaci"].type is EntityType.PERSON


def test_a_federal_compound_with_an_organisation_head_is_one_body() -> None:
    """German writes a federal body as one word: the prefix and an organisation head make it a
    name, in the genitive too; a federal minister is a role, a federal state no body."""
    text = (
        "Das Bundesgesundheitsministerium widersprach. Ein Sprecher des "
        "Bundesgesundheitsministeriums sagte, Bundesgesundheitsminister Lauterbach und die "
        "Bundesländer seien sich einig."
    )
    found = by_text(entities("de", text))
    assert found["Bundesgesundheitsministerium"].type is EntityType.ORG
    assert found["Bundesgesundheitsministeriums"].type is EntityType.ORG
    assert "Bundesgesundheitsminister" not in found
    assert "Bundesländer" not in found


@pytest.mark.parametrize(
    ("lang", "text", "body"),
    [
        (
            "fr",
            "Des rebelles des Forces démocratiques alliées ont attaqué.",
            "Forces démocratiques alliées",
        ),
        ("fr", "La décision du Conseil constitutionnel est attendue.", "Conseil constitutionnel"),
        (
            "it",
            "Il satellite dell'Agenzia spaziale italiana è partito.",
            "Agenzia spaziale italiana",
        ),
        ("it", "La sentenza della Corte suprema arriva domani.", "Corte suprema"),
        ("it", "La Protezione civile comunica che il livello è rosso.", "Protezione civile"),
    ],
)
def test_lower_case_adjectives_after_a_capitalised_head_are_in_the_name(
    lang: str, text: str, body: str
) -> None:
    """French and Italian capitalise only a body's first word."""
    found = by_text(entities(lang, text))
    assert found[body].type is EntityType.ORG
    assert body.split()[0] not in found


@pytest.mark.parametrize(
    ("lang", "text", "body"),
    [
        ("fr", "Un porte-parole de l'Armée française a démenti.", "Armée"),
        ("fr", "Le Conseil constitutionnel indique que la loi passe.", "Conseil constitutionnel"),
        ("it", "La riforma del Governo guidato da Meloni è passata.", "Governo"),
        ("it", "Un ricorso al Tribunale di Milano è stato depositato.", "Tribunale di Milano"),
    ],
)
def test_a_nationality_or_a_participle_after_the_head_is_no_part_of_the_name(
    lang: str, text: str, body: str
) -> None:
    found = by_text(entities(lang, text))
    assert found[body].type is EntityType.ORG


@pytest.mark.parametrize(
    ("lang", "text", "person"),
    [
        ("en", "Talks began. Hiroshi Tanaka led them for Japan.", "Hiroshi Tanaka"),
        ("it", "Nessun accordo. Bogdan Ionescu lo ha detto ieri.", "Bogdan Ionescu"),
        ("fr", "Rien ne bouge. Tariq Benali a porté plainte.", "Tariq Benali"),
        ("es", "Hubo acuerdo. Ashok Varma lo firmó en Madrid.", "Ashok Varma"),
        ("de", "Den Vorsitz hat nun Hiroshi Tanaka übernommen.", "Hiroshi Tanaka"),
    ],
)
def test_given_names_of_many_countries_start_a_person(lang: str, text: str, person: str) -> None:
    """The name dictionary's given names, not only the listed ones: at a sentence's start, where
    capitals say nothing, a given name is what makes two words a person's name."""
    assert by_text(entities(lang, text))[person].type is EntityType.PERSON


def test_a_given_name_that_is_a_common_word_of_the_language_starts_no_person() -> None:
    """Korean "Im" is German "im": "Im August" is a date, not a person."""
    found = by_text(
        entities("de", "Im August kam die Delegation nach Berlin. Im Jahr davor nicht.")
    )
    assert not [e for e in found.values() if e.type is EntityType.PERSON]


def test_ould_joins_a_mauritanian_name_before_a_given_name() -> None:
    """ "Ould" (son of) is inside the name: the given name after it starts no new person."""
    text = "The minister met Ahmed Ould Abdel Karim in Nouakchott, said the envoy Ali Ould Sidi."
    found = by_text(entities("en", text))
    assert found["Ahmed Ould Abdel Karim"].type is EntityType.PERSON
    assert found["Ali Ould Sidi"].type is EntityType.PERSON
    assert "Abdel Karim" not in found


def test_an_organisation_head_in_the_german_genitive_makes_a_body() -> None:
    """ "des Max Planck Instituts": the head in the genitive still names a body, not a person."""
    found = by_text(entities("de", "Laut einer Studie des Max Planck Instituts sinkt der Wert."))
    assert found["Max Planck Instituts"].type is EntityType.ORG


@pytest.mark.parametrize(
    ("lang", "text", "place"),
    [
        ("it", "L'allerta riguarda il fiume Tanaro da ieri.", "Tanaro"),
        ("en", "Flood warnings cover the river Ouse tonight.", "Ouse"),
        ("fr", "La crue du fleuve Garonne inquiète les maires.", "Garonne"),
        ("es", "La lava del volcán Tajogaite avanza despacio.", "Tajogaite"),
    ],
)
def test_a_name_after_a_geographic_feature_noun_is_a_place(
    lang: str, text: str, place: str
) -> None:
    assert by_text(entities(lang, text))[place].type is EntityType.LOCATION

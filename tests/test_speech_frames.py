"""Speech frames and speaker constructions of issue 16 (A2-A11), on invented sentences.

Each case is one construction, in the language it belongs to: the cue words and frames are data in
agents/extraction/lexicons/claims_*.yaml, so these tests say which construction each entry is there
to read.
"""

from __future__ import annotations

import spacy
from spacy.language import Language

import agents.extraction.claims  # noqa: F401  (registers the factory)
from agents.extraction.annotations import Claim, ClaimKind

_PIPELINES: dict[str, Language] = {}


def claims_of(lang: str, text: str) -> list[Claim]:
    if lang not in _PIPELINES:
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("newsstream_claims")
        _PIPELINES[lang] = nlp
    doc = _PIPELINES[lang](text)
    claims: list[Claim] = doc._.claims
    for c in claims:
        assert doc.text[c.start : c.end] == c.text
    return claims


def only(claims: list[Claim], fragment: str) -> Claim:
    hits = [c for c in claims if fragment in c.text]
    assert len(hits) == 1, f"{fragment!r} in {[c.text for c in claims]}"
    return hits[0]


# ------------------------------------------------------------------ A8-A11: cue coverage


def test_de_wertet_als_reports_a_judgement() -> None:
    claims = claims_of(
        "de", "Verkehrsminister Tobias Hahn wertet die Einigung als Erfolg für die Pendler."
    )
    c = only(claims, "Einigung als Erfolg")
    assert (c.speaker, c.kind) == ("Tobias Hahn", ClaimKind.REPORTED)


def test_de_verteidigte_reports_only_with_a_dass_clause() -> None:
    c = only(
        claims_of("de", "Die Bürgermeisterin verteidigte am Dienstag, dass die Bäder schließen."),
        "Bäder schließen",
    )
    assert c.speaker is not None and "Bürgermeisterin" in c.speaker
    assert claims_of("de", "Die Bürgermeisterin verteidigte am Dienstag den Plan.") == []


def test_de_konjunktiv_ii_continues_the_speaker_before() -> None:
    text = (
        'Landrat Uwe Kern besuchte Trier. "Wir helfen sofort", sagte Kern. '
        "Die Gemeinden würden das Geld noch im Mai bekommen."
    )
    claims = claims_of("de", text)
    assert only(claims, "Geld noch im Mai").speaker == "Uwe Kern"


def test_de_wuerde_without_a_claim_before_is_no_claim() -> None:
    text = "Der Zug hielt in Trier. Ohne den Umweg würden die Pendler früher ankommen."
    assert claims_of("de", text) == []


def test_en_blamed_on_reports_a_cause() -> None:
    c = only(
        claims_of(
            "en", "Engineers on Monday blamed the flooding on a blocked drain near the station."
        ),
        "flooding on a blocked drain",
    )
    assert (c.speaker, c.kind) == ("Engineers", ClaimKind.REPORTED)


def test_it_ha_esordito_opens_a_quote() -> None:
    text = (
        "Laura Bassi ha incontrato i sindaci. «Il ponte sarà pronto in estate», ha esordito Bassi."
    )
    c = only(claims_of("it", text), "Il ponte sarà pronto")
    assert (c.speaker, c.kind) == ("Bassi", ClaimKind.DIRECT)


def test_it_ha_stimato_as_an_incise() -> None:
    text = "Oltre mille alberi, ha stimato Legambiente, sono caduti durante il temporale."
    c = only(claims_of("it", text), "sono caduti durante il temporale")
    assert c.speaker == "Legambiente"


def test_es_segun_ha_afirmado_names_the_source_after_the_verb() -> None:
    text = "Según ha afirmado este martes la Fiscalía de Chile, el incendio fue intencionado."
    c = only(claims_of("es", text), "el incendio fue intencionado")
    assert c.speaker is not None and "Fiscalía de Chile" in c.speaker


def test_es_cifro_en_gives_a_figure_as_the_content() -> None:
    text = "Horas más tarde, la Cruz Roja cifró en 40 el número de evacuados."
    c = only(claims_of("es", text), "40 el número de evacuados")
    assert c.speaker is not None and "Cruz Roja" in c.speaker


# ------------------------------------------------------------------ A3/A6: post-posed and relay


def test_en_postposed_name_and_apposition_before_told() -> None:
    text = (
        "Two bridges were closed after the storm, Ruth Okafor, a spokeswoman for the "
        "highways agency, told the BBC."
    )
    c = only(claims_of("en", text), "Two bridges were closed")
    assert (c.speaker, c.via) == ("Ruth Okafor", "BBC")
    assert "Okafor" not in c.text


def test_en_postposed_needs_a_role_in_the_apposition() -> None:
    c = only(
        claims_of("en", "The roads in Leeds, York and Hull reopened, officials said."), "Leeds"
    )
    assert c.speaker == "officials"


def test_it_colon_then_lo_ha_detto_names_the_speaker_after() -> None:
    text = "Due scuole resteranno chiuse a Jesi: lo ha detto il sindaco di Jesi, Anna Galli."
    c = only(claims_of("it", text), "Due scuole resteranno chiuse")
    assert c.speaker == "Anna Galli"


def test_fr_colon_then_c_est_ce_qu_a_indique() -> None:
    text = "Deux écoles resteront fermées : c'est ce qu'a indiqué le maire de Lens, Paul Girard."
    c = only(claims_of("fr", text), "Deux écoles resteront fermées")
    assert c.speaker == "Paul Girard"


def test_de_das_sagte_names_the_source_of_nach_angaben_more_closely() -> None:
    text = (
        "Nach Angaben aus Kiel mussten 30 Häuser geräumt werden. "
        "Das sagte Umweltminister Lars Petersen dem Sender NDR."
    )
    c = only(claims_of("de", text), "30 Häuser geräumt")
    assert (c.speaker, c.via) == ("Lars Petersen", "NDR")


def test_it_lo_riferisce_agency_citing_a_governor() -> None:
    text = (
        "Le scosse sono state avvertite in tutta la valle. Lo riferisce l'agenzia Tass "
        "citando il governatore della regione, Oleg Smirnov."
    )
    c = only(claims_of("it", text), "scosse sono state avvertite")
    assert (c.speaker, c.via) == ("Oleg Smirnov", "Tass")


# ------------------------------------------------------------------ A2/A4/A5: speaker selection


def test_de_polizei_in_a_town_speaks_not_the_town() -> None:
    c = only(
        claims_of("de", "Die Feuerwehr in Prüm meldete, dass drei Keller überflutet sind."),
        "Keller",
    )
    assert c.speaker == "Die Feuerwehr"


def test_en_police_in_a_town_speaks_not_the_town() -> None:
    c = only(claims_of("en", "Police in Dundee said two cars were damaged."), "two cars")
    assert c.speaker == "Police"


def test_it_es_fr_a_body_placed_by_a_preposition_speaks() -> None:
    it = claims_of("it", "I vigili del fuoco a Lucca hanno riferito che il tetto è crollato.")
    assert only(it, "il tetto è crollato").speaker == "I vigili del fuoco"
    es = claims_of("es", "La policía en Cusco informó que dos turistas fueron rescatados.")
    assert only(es, "dos turistas").speaker == "La policía"
    fr = claims_of("fr", "Les pompiers à Nantes ont indiqué que le feu était maîtrisé.")
    assert only(fr, "le feu était maîtrisé").speaker == "Les pompiers"


def test_a_named_person_before_in_keeps_the_name() -> None:
    c = only(claims_of("en", "Mayor Tom Hill in Dundee said two cars were damaged."), "two cars")
    assert c.speaker == "Tom Hill"


def test_relative_pronoun_before_a_quote_cue_stands_for_its_antecedent() -> None:
    it = claims_of(
        "it", "Ne parla anche Sara Fontana, che racconta: “Abbiamo perso tutto in una notte.”"
    )
    assert only(it, "Abbiamo perso tutto").speaker == "Sara Fontana"
    es = claims_of("es", 'Habló también Juan Ruiz, quien advirtió: "Nadie se quedará sin casa".')
    assert only(es, "Nadie se quedará").speaker == "Juan Ruiz"
    fr = claims_of("fr", "Il y a aussi Marie Roux, qui raconte : « Nous avons tout perdu. »")
    assert only(fr, "Nous avons tout perdu").speaker == "Marie Roux"


def test_de_fronted_adjunct_puts_the_subject_after_the_verb() -> None:
    text = "In der Sitzung sagte Hoffmann weiter: »Die Brücke wird im Mai wieder geöffnet.«"
    assert only(claims_of("de", text), "Brücke wird").speaker == "Hoffmann"


def test_de_outlet_told_in_an_interview_is_the_via_not_the_speaker() -> None:
    text = (
        "Im Juni sollen zwölf Werke schließen, wie Firmenchef Paul Brand im Gespräch mit der "
        "Deutschen Presse-Agentur sagte."
    )
    c = only(claims_of("de", text), "zwölf Werke schließen")
    assert c.speaker is not None and c.speaker.endswith("Paul Brand")
    assert c.via == "Deutschen Presse-Agentur"


def test_de_subject_after_the_verb_after_an_adverb() -> None:
    c = only(
        claims_of("de", "Zudem warnte Brand vor einem harten Winter für die Branche."), "Winter"
    )
    assert c.speaker == "Brand"
    assert not c.text.startswith("Brand")
    c = only(claims_of("de", "Auch kritisierte die Ministerin die Pläne der Opposition."), "Pläne")
    assert c.speaker == "die Ministerin"


def test_en_it_said_carries_the_body_named_before() -> None:
    text = "Harlow Foods said it would shut two bakeries. It said the plan would cost 300 jobs."
    assert only(claims_of("en", text), "300 jobs").speaker == "Harlow Foods"


def test_it_verbless_cosi_keeps_the_outlet_it_was_said_to() -> None:
    text = "«I cantieri chiuderanno a giugno». Così all'Ansa il sindaco di Pisa Marco Bassi."
    c = only(claims_of("it", text), "I cantieri chiuderanno")
    assert (c.speaker, c.via) == ("Marco Bassi", "Ansa")


def test_es_perfect_participles_are_cues_like_their_preterites() -> None:
    """Spain writes the recent past as a perfect ("ha recordado"): each preterite cue has its
    participle, and "describió" / "valoró" open a post-posed speaker like "dijo"."""
    c = only(
        claims_of("es", "El alcalde Pedro Ruiz ha recordado que el puente se cerrará el lunes."),
        "puente se cerrará",
    )
    assert (c.speaker, c.kind) == ("Pedro Ruiz", ClaimKind.REPORTED)
    c = only(claims_of("es", "“El agua llegó al techo”, describió Ana Torres."), "llegó al techo")
    assert (c.speaker, c.kind) == ("Ana Torres", ClaimKind.DIRECT)


def test_es_conjunction_before_a_subjectless_cue_keeps_the_speaker_before() -> None:
    """ "..., ya que ha recordado que “...”": the conjunction is no subject; the clause goes on
    with the speaker named before."""
    text = (
        "La alcaldesa Ana Ruiz ha dicho que el mercado abrirá el lunes. Ruiz ha pedido calma a "
        "los vecinos, ya que ha recordado que “las obras terminarán en mayo”."
    )
    assert only(claims_of("es", text), "obras terminarán").speaker == "Ana Ruiz"
    text = (
        "Il sindaco Paolo Neri ha detto che il ponte resterà chiuso. Neri ha chiesto pazienza ai "
        "cittadini, perché ha ricordato che «i lavori finiranno a maggio»."
    )
    assert only(claims_of("it", text), "lavori finiranno").speaker == "Paolo Neri"


def test_it_riconosce_che_reports() -> None:
    c = only(
        claims_of(
            "it", "Il capo della Protezione civile, Marco Neri, riconosce che ci sono stati danni."
        ),
        "ci sono stati danni",
    )
    assert (c.speaker, c.kind) == ("Marco Neri", ClaimKind.REPORTED)


def test_an_impersonal_clitic_makes_a_cue_verb_no_speech() -> None:
    """ "se si aggiunge il turista" is "if the tourist is added": nobody adds anything."""
    assert claims_of("it", "Il conto sale a cinque se si aggiunge il turista disperso ieri.") == []
    assert claims_of("es", "La cifra sube a cinco si se añade el turista desaparecido ayer.") == []


def test_en_postposed_name_with_a_named_role_and_a_manner_adverbial() -> None:
    """ "“…,” X, a WHO spokesman, told dpa by telephone": a name may modify the role in the
    apposition, and how it was said ("by telephone") is an adverbial like "on Monday"."""
    text = (
        "Jean Marlow said the plan had failed. “The term does not indicate severity,” Ashok "
        "Moloo, a WHO spokesman, told dpa by telephone, echoing other officials."
    )
    c = only(claims_of("en", text), "does not indicate severity")
    assert (c.speaker, c.via) == ("Ashok Moloo", "dpa")
    c = only(
        claims_of("en", "“It is staggering,” Tim Nixon, a spokesman for the firm, said by phone."),
        "staggering",
    )
    assert c.speaker == "Tim Nixon"

"""Speaker resolution (agents/extraction/speakers.py) on invented sentences, one construction each,
in every language, through the offline default pipeline (entities, then claims, then resolution)."""

from __future__ import annotations

import pytest

from agents.extraction.annotations import Claim
from agents.extraction.claims import read_accents
from agents.extraction.names import person_key
from agents.pipeline import PipelineRegistry
from streams.settings import NlpSettings

REGISTRY = PipelineRegistry(NlpSettings())


def claims_of(lang: str, text: str) -> list[Claim]:
    doc = REGISTRY.get(lang)(text)
    claims = doc._.claims
    assert isinstance(claims, list)
    for c in claims:  # offsets always point at the content, in the text as written
        assert text[c.start : c.end] == c.text
    return claims


def speaker_of(lang: str, text: str, fragment: str) -> Claim:
    claims = claims_of(lang, text)
    hits = [c for c in claims if fragment in c.text]
    assert hits, f"no claim containing {fragment!r} in {[(c.speaker, c.text) for c in claims]}"
    return hits[0]


@pytest.mark.parametrize(
    ("lang", "text", "fragment", "speaker"),
    [
        # an honorific cut off at its dot: the name after it
        (
            "fr",
            '"Nous reconstruirons le port", a déclaré M. Gaston Lefeuvre.',
            "reconstruirons",
            "Lefeuvre",
        ),
        # a role phrase that refers back to the person named with that role
        (
            "de",
            "Bundespräsident Karl Brandtner besuchte am Montag die Region. "
            "Der Präsident sagte, die Hilfe komme schnell.",
            "Hilfe komme",
            "Karl Brandtner",
        ),
        # a paraphrase of the office ("le chef de l'Etat" for the president)
        (
            "fr",
            "Le président Marc Lenoir s'est rendu à Brest. "
            '"Nous serons là pour chaque famille", a affirmé le chef de l\'Etat.',
            "chaque famille",
            "Marc Lenoir",
        ),
        (
            "it",
            "Il ministro della Difesa Paolo Ferrante ha parlato di una situazione sotto controllo. "
            '"Abbiamo mandato rinforzi", ha aggiunto il titolare del dicastero.',
            "mandato rinforzi",
            "Paolo Ferrante",
        ),
        # a role phrase with its holder in apposition after it
        (
            "es",
            "Así lo ha explicado el delegado del Gobierno en Murcia, Andrés Calvo, "
            "que ha señalado que la carretera seguirá cerrada.",
            "carretera seguirá",
            "Andrés Calvo",
        ),
        # an acronym is the body the text spells out before it
        (
            "en",
            "Three medics were hurt, the Palestine Red Crescent Society (PRCS) said. "
            "Among the injured is a driver, the PRCS said.",
            "a driver",
            "Palestine Red Crescent Society",
        ),
    ],
)
def test_a_speaker_phrase_resolves_to_the_one_it_names(
    lang: str, text: str, fragment: str, speaker: str
) -> None:
    claim = speaker_of(lang, text, fragment)
    assert claim.speaker is not None and speaker in claim.speaker


@pytest.mark.parametrize(
    ("lang", "text", "fragment"),
    [
        # "Seinen Angaben zufolge": his statements, the speaker just named
        (
            "de",
            "Der Feuerwehrsprecher Jonas Albrecht sagte, der Brand sei unter Kontrolle. "
            "Seinen Angaben zufolge brannte es auf zwei Hektar.",
            "brannte es",
        ),
    ],
)
def test_a_possessive_source_is_the_speaker_before(lang: str, text: str, fragment: str) -> None:
    claim = speaker_of(lang, text, fragment)
    assert claim.speaker is not None and "Albrecht" in claim.speaker


@pytest.mark.parametrize(
    ("lang", "text", "fragment", "speaker"),
    [
        (
            "fr",
            "Le ministère de la Santé a indiqué que 40 cas ont été recensés. "
            "En outre, 12 cas sont suspects, selon la même source.",
            "12 cas",
            "Le ministère de la Santé",
        ),
        (
            "es",
            "El Ministerio de Sanidad ha informado de que hay 40 casos. "
            "Otros 12 casos son sospechosos, según la misma fuente.",
            "12 casos",
            "El Ministerio de Sanidad",
        ),
        (
            "it",
            "Il ministero della Salute ha riferito che i casi sono 40. "
            "Altri 12 casi sono sospetti, secondo la stessa fonte.",
            "12 casi",
            "Il ministero della Salute",
        ),
    ],
)
def test_the_same_source_is_the_speaker_before(
    lang: str, text: str, fragment: str, speaker: str
) -> None:
    assert speaker_of(lang, text, fragment).speaker == speaker


def test_a_role_no_one_was_given_goes_on_with_the_person_before() -> None:
    """The text never calls anyone president: "le chef de l'Etat" is the person who spoke just
    before, and the "il" after it is the same person."""
    text = (
        "Olivier Mercadier s'est félicité d'une baisse du chômage. Un chiffre qui va "
        '"au-delà de notre objectif", écrit le chef de l\'Etat. "C\'est le fruit de nos '
        'efforts", se félicite-t-il aussi.'
    )
    assert speaker_of("fr", text, "notre objectif").speaker == "Olivier Mercadier"
    assert speaker_of("fr", text, "fruit de nos efforts").speaker == "Olivier Mercadier"


def test_a_role_is_not_the_person_before_who_holds_another_role() -> None:
    text = (
        "Le ministre Olivier Mercadier s'est félicité d'une baisse du chômage. "
        "\"C'est un tournant\", écrit le chef de l'Etat."
    )
    assert speaker_of("fr", text, "tournant").speaker != "Olivier Mercadier"


def test_a_role_cut_by_the_cue_runs_on_to_the_name_of_its_holder() -> None:
    """No comma between the role phrase and the name: "il direttore della Prevenzione del
    ministero della Salute Paolo Greco" is Paolo Greco."""
    text = (
        '"La situazione è sotto controllo". Così all\'ANSA il direttore della Prevenzione del '
        "ministero della Salute Paolo Greco."
    )
    claim = speaker_of("it", text, "sotto controllo")
    assert (claim.speaker, claim.via) == ("Paolo Greco", "ANSA")


def test_the_same_description_is_the_person_described_so_before() -> None:
    """ "Lo rivela lo stesso spagnolo: «…»": the object clitic points back at what was said, the
    subject follows the verb, and "the same Spaniard" is the person the text called so."""
    text = (
        "Lo spagnolo Juan Pedro López resta al comando della classifica. La tappa non è stata "
        'una passeggiata. Lo rivela lo stesso spagnolo: "Ho visto che Carapaz attaccava".'
    )
    assert speaker_of("it", text, "Carapaz attaccava").speaker == "Juan Pedro López"


def test_a_source_noun_leaves_its_owner_as_the_speaker() -> None:
    text = "Gli investimenti - secondo i calcoli del sindacato - sono scesi a 4 miliardi."
    claim = speaker_of("it", text, "sono scesi")
    assert claim.speaker is not None and "calcoli" not in claim.speaker


def test_an_indefinite_role_is_someone_new() -> None:
    claim = speaker_of(
        "en",
        "Spokesman Tom Hale said the talks would go on. "
        "A spokesman for the port said the cranes had stopped.",
        "cranes had stopped",
    )
    assert claim.speaker == "A spokesman for the port"


def test_speakers_and_vias_carry_the_key_of_the_person_or_outlet() -> None:
    claim = speaker_of(
        "en",
        "Kremlin spokesman Dmitry Peskov told Reuters that the talks had been useful.",
        "talks had been useful",
    )
    assert claim.speaker_key == person_key("Dmitri Peskow")
    assert claim.via_key is not None and claim.via_key.startswith("org:")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("secondo le autorita' regionali", "secondo le autorità  regionali"),
        ("E' morta una persona", "È  morta una persona"),
        ("perche' non e' stato fatto", "perché  non è  stato fatto"),
        ("l'ha detto un po' prima", "l'ha detto un po' prima"),
    ],
)
def test_italian_agency_accents_are_read_as_accents_in_place(written: str, read: str) -> None:
    assert read_accents(written) == read
    assert len(read_accents(written)) == len(written)


def test_an_agency_accent_no_longer_hides_a_source() -> None:
    text = "Le frane hanno isolato almeno dieci paesi nella valle, secondo le autorita' regionali."
    claim = speaker_of("it", text, "frane hanno isolato")
    assert claim.speaker is not None and "regionali" in claim.speaker

"""The figures component: sentences written for the purpose in it/en/fr/de/es, and the dev set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import agents.extraction.figures  # noqa: F401  (registers the factory)
from agents.extraction.annotations import Claim, ClaimKind, Figure
from agents.extraction.numbers import parse_digits

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
_PIPELINES: dict[str, Language] = {}


def nlp_for(lang: str) -> Language:
    if lang not in _PIPELINES:
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("newsstream_figures")
        _PIPELINES[lang] = nlp
    return _PIPELINES[lang]


def figures(lang: str, text: str) -> list[Figure]:
    return nlp_for(lang)(text)._.figures


def one(lang: str, text: str) -> Figure:
    found = figures(lang, text)
    assert len(found) == 1, found
    return found[0]


def by_value(found: list[Figure], value: float) -> Figure:
    matches = [f for f in found if f.value == pytest.approx(value)]
    assert matches, f"{value} not in {[f.value for f in found]}"
    return matches[0]


# -- the examples ------------------------------------------------------------------------


def test_soldiers_with_qualifier_and_other():
    fig = one("it", "Mosca ha inviato almeno altri 3.000 soldati nella regione.")
    assert fig.value == 3000
    assert fig.qualifier == "almeno"
    assert fig.counts == "soldati"
    assert fig.unit is None
    assert fig.text == "3.000"
    assert fig.kind == "count"


def test_howitzers_and_calibre():
    found = figures("it", "Sono stati schierati circa 220 obici semoventi da 170 mm.")
    howitzers = by_value(found, 220)
    assert (howitzers.counts, howitzers.qualifier, howitzers.unit) == ("obici", "circa", None)
    calibre = by_value(found, 170)
    assert calibre.unit == "mm"
    assert calibre.kind == "measure"
    assert calibre.qualifier is None


def test_italian_millions_of_euros():
    fig = one("it", "Il governo ha stanziato 20 milioni di euro per la ricostruzione.")
    assert fig.value == 20_000_000
    assert fig.unit == "EUR"
    assert fig.kind == "money"


def test_italian_bare_billions_are_euros_but_millions_of_people_are_not():
    money = one("it", "La Regione ha chiesto 2 miliardi per la ricostruzione.")
    assert (money.value, money.unit) == (2e9, "EUR")
    people = one("it", "In città vivono 3 milioni di abitanti.")
    assert (people.value, people.unit, people.counts) == (3e6, None, "abitanti")


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("Sono 36mila i profughi arrivati.", 36_000, "36mila"),
        ("Sono 58,5 mila i soldati morti.", 58_500, "58,5 mila"),
        ("Sono quasi sessantamila i soldati morti.", 60_000, "sessantamila"),
    ],
)
def test_italian_thousands(text: str, value: float, surface: str):
    fig = one("it", text)
    assert fig.value == value
    assert fig.text == surface


def test_english_bn_and_pounds():
    fig = one("en", "The company lost 1.2bn last year.")
    assert fig.value == pytest.approx(1.2e9)
    fig = one("en", "The deal was worth £1.11 billion, officials said.")
    assert fig.value == pytest.approx(1.11e9)
    assert fig.unit == "GBP"
    assert fig.text == "£1.11 billion"


def test_money_symbol_with_short_multiplier():
    fig = one("en", "It reported a profit of around £21m.")
    assert (fig.value, fig.unit, fig.qualifier, fig.counts) == (21e6, "GBP", "around", "profit")
    fig = one("en", "The start-up raised $5m from investors.")
    assert (fig.value, fig.unit) == (5e6, "USD")


def test_german_two_dozen():
    fig = one("de", "Die Armee schickte zwei Dutzend Panzer an die Grenze.")
    assert fig.value == 24
    assert fig.counts == "Panzer"


def test_spanish_number_words():
    fig = one("es", "Llegaron tres mil soldados a la frontera.")
    assert fig.value == 3000
    assert fig.counts == "soldados"
    fig = one("es", "El balance deja tres mil 494 damnificados.")
    assert fig.value == 3494
    assert fig.text == "tres mil 494"
    fig = one("es", "Fueron evacuados un centenar de vecinos.")
    assert fig.value == 100
    assert fig.counts == "vecinos"


# -- locale-aware numerals -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "decimal", "value"),
    [
        ("3.000", ",", 3000),
        ("3,000", ".", 3000),
        ("1,5", ",", 1.5),
        ("1.5", ".", 1.5),
        ("8.4", ",", 8.4),  # one digit after the dot: decimal whatever the language
        ("1.234.567", ",", 1_234_567),
        ("1,234,567", ".", 1_234_567),
        ("1.234,5", ",", 1234.5),
        ("1,234.5", ".", 1234.5),
        ("3\u202f000", ",", 3000),
        ("3.10.2024", ",", None),
    ],
)
def test_parse_digits(raw: str, decimal: str, value: float | None):
    assert parse_digits(raw, decimal=decimal) == value


def test_french_grouping_spaces_and_words():
    found = figures("fr", "Environ 1 500 personnes, dont deux cents enfants, ont été évacuées.")
    people = by_value(found, 1500)
    assert (people.qualifier, people.counts) == ("Environ", "personnes")
    assert by_value(found, 200).counts == "enfants"
    fig = one("fr", "Plus de quatre-vingt-dix familles sont sans abri.")
    assert (fig.value, fig.qualifier) == (90, "Plus de")
    fig = one("fr", "Le déficit atteindra 3\u202f000 milliards d'euros.")
    assert (fig.value, fig.unit) == (3e12, "EUR")


def test_english_number_words():
    found = figures("en", "Twenty-five delegates and two hundred and fifty observers came.")
    assert by_value(found, 25).counts == "delegates"
    assert by_value(found, 250).counts == "observers"


def test_german_multipliers_and_compounds():
    found = figures("de", "Der Konzern investiert 5 Mio. Euro und 2,5 Milliarden Euro.")
    assert by_value(found, 5e6).unit == "EUR"
    assert by_value(found, 2.5e9).unit == "EUR"
    fig = one("de", "Bei dem Unfall wurden einundzwanzig Menschen verletzt.")
    assert (fig.value, fig.counts) == (21, "Menschen")


def test_spanish_multipliers_and_currencies():
    found = figures("es", "Se destinaron 1,5 millones de euros y 3 mil millones de dólares.")
    assert by_value(found, 1.5e6).unit == "EUR"
    assert by_value(found, 3e9).unit == "USD"


# -- percentages, measures, durations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("it", "L'inflazione è salita al 5,4 per cento.", 5.4),
        ("it", "L'inflazione ha raggiunto l'11,8%.", 11.8),
        ("en", "Unemployment fell to 4.2 per cent.", 4.2),
        ("de", "Die Inflation lag bei 7,9 Prozent.", 7.9),
        ("es", "La devaluación del 19% golpeó al peso.", 19),
        ("fr", "Le chômage atteint 7,3 % en France.", 7.3),
    ],
)
def test_percentages(lang: str, text: str, value: float):
    fig = one(lang, text)
    assert fig.value == pytest.approx(value)
    assert fig.unit == "%"
    assert fig.kind == "percent"


def test_percent_counts_the_noun_before():
    assert one("es", "La devaluación del 19% golpeó al peso.").counts == "devaluación"
    assert one("it", "L'inflazione ha raggiunto l'11,8%.").counts == "inflazione"


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        # a verb linking the subject to its amount is not what the figure counts
        ("it", "La disoccupazione resta sopra il 6% secondo l'Istat.", "disoccupazione"),
        ("it", "L'inflazione è scesa all'1,8% a ottobre.", "inflazione"),
        ("en", "Unemployment remains above 4% in the region.", "Unemployment"),
        ("fr", "L'enveloppe comprendrait environ 400 millions d'euros d'aides.", "enveloppe"),
        ("es", "Los daños superan los 300 millones de dólares.", "daños"),
        ("es", "El paro se mantiene en el 12% este año.", "paro"),
        # nor is a noun that only names the amount
        ("de", "Militärhilfe in Höhe von 1,3 Milliarden Euro wurde zugesagt.", "Militärhilfe"),
        # nor a noun of another clause, past a comma
        ("de", "Die Regierung plant zudem, rund 500 Millionen Euro auszugeben.", None),
        ("en", "Growth slowed this year, the bank said, to 1% in June.", None),
        # but a participle after the comma still describes the noun before it
        ("en", "The deal, completed for just £1, created a new company.", "deal"),
        # a Romance noun before its adjective is the noun, not the adjective
        ("es", "La deuda pública alcanzó 1,6 billones de euros.", "deuda"),
        ("it", "Le vittime civili sono salite a 300.", "vittime"),
        ("fr", "Le déficit public atteint 5,5 % du PIB.", "déficit"),
        ("it", "È previsto un aumento salariale del 3%.", "aumento"),
        # an adjective before its noun is not taken for the noun
        ("it", "Il nuovo tetto sarà di soli 240 euro.", "tetto"),
        # an indicator written as a name or an acronym is what the figure counts; a period
        # after the figure ("nel terzo trimestre") is not
        ("it", "Il Pil è cresciuto dello 0,4% nel terzo trimestre.", "Pil"),
        ("fr", "Le PIB a progressé de 0,3 % au deuxième trimestre.", "PIB"),
        ("es", "El PIB creció un 0,8% en el tercer trimestre.", "PIB"),
    ],
)
def test_counted_noun_before_the_figure(lang: str, text: str, counts: str | None):
    assert figures(lang, text)[-1].counts == counts


def test_durations_ages_and_magnitudes():
    assert (one("es", "Estuvieron 24 horas sin luz.").unit) == "h"
    fig = one("en", "A 16-year-old boy was arrested.")
    assert (fig.value, fig.unit, fig.counts) == (16, "year", "boy")
    fig = one("it", "Un sedicenne gambiano è sopravvissuto.")
    assert (fig.value, fig.unit) == (16, "year")
    fig = one("en", "The 7.8-magnitude quake hit Turkey.")
    assert (fig.value, fig.unit, fig.counts) == (7.8, None, "magnitude")
    fig = one("it", "Una scossa di magnitudo 4,2 è stata avvertita.")
    assert (fig.value, fig.unit) == (4.2, None)
    fig = one("es", "El terremoto de 8.4 grados en la escala Richter sacudió Chile.")
    assert (fig.value, fig.unit) == (8.4, None)


def test_ranges_are_two_figures_sharing_the_unit():
    found = figures("de", "Rund 2500 bis 3000 Soldaten wurden verlegt.")
    assert [f.value for f in found] == [2500, 3000]
    assert [f.counts for f in found] == ["Soldaten", "Soldaten"]
    found = figures("it", "I danni sono stimati tra 5 e 7 milioni di euro.")
    assert [(f.value, f.unit) for f in found] == [(5e6, "EUR"), (7e6, "EUR")]
    found = figures("en", "Between 10 and 20 people were injured.")
    assert [f.value for f in found] == [10, 20]


def test_qualifiers_in_each_language():
    assert one("en", "More than 790 people died.").qualifier == "More than"
    assert one("de", "Mindestens 12 Menschen starben.").qualifier == "Mindestens"
    assert one("es", "Al menos 25 personas murieron.").qualifier == "Al menos"
    assert one("fr", "Près de 300 personnes ont fui.").qualifier == "Près de"
    assert one("it", "Sono arrivati oltre 700 migranti.").qualifier == "oltre"


def test_casualty_indefinite_only():
    fig = one("it", "Una persona è morta nell'incidente.")
    assert (fig.value, fig.counts) == (1, "persona")
    assert figures("it", "Una persona voleva questa guerra.") == []
    assert figures("en", "One of the units was hit.") == []


# -- what is not a figure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il 24 febbraio 2022 è iniziata l'invasione."),
        ("it", "Nel 2023 la guerra continuava, come nel 1984."),
        ("it", "La riunione è fissata alle 14.30 di giovedì."),
        ("it", "L'incontro si terrà alle ore 10 a Roma."),
        ("it", "Centinaia di persone sono scese in piazza e migliaia hanno seguito."),
        ("it", "Chiamare il numero 06 1234567."),
        ("it", "Tu sei bravo."),
        ("en", "The meeting on March 19 was moved to Feb. 24."),
        ("en", "The strike began at 10 a.m. and ended at 14:30 GMT."),
        ("en", "The F-16 jets and G7 leaders met on the 3rd day of the 2015 crisis."),
        ("en", "Thousands of people and dozens of children fled."),
        ("de", "Am 3. Oktober um 14.30 Uhr sahen Millionen Menschen zu."),
        ("de", "Er ist der 2. Kandidat, der im Jahr 1998 gewählt wurde."),
        ("es", "El sismo ocurrió el 19 de marzo a las 19:55 horas."),
        ("fr", "La réunion du 3 octobre 2024 a eu lieu à 14h30."),
        ("it", "Le semifinali si giocano venerdì 12 e sabato 13 giugno."),
        ("it", "L'uomo è salito sul cornicione intorno alle 11."),
        ("it", "La classifica del Sole 24 Ore e le immagini di Channel 4."),
        ("it", "Alle 9.37 ora locale un convoglio ne ha tamponato un altro."),
        ("en", "The team won 3-2 after extra time."),
        ("de", "Tausende Menschen und mehrere hundert Polizisten waren im Einsatz."),
        ("es", "Miles de personas, decenas de heridos y cientos de casas."),
        ("fr", "Des milliers de manifestants ont défilé."),
        ("it", "È stata presentata la nuova versione di iOS 10 e di watchOS 3."),
        ("it", "Il 13 settembre si corre a Misano, mentre il 20 si terrà la gara di Imola."),
    ],
)
def test_not_figures(lang: str, text: str):
    assert figures(lang, text) == [], figures(lang, text)


def test_word_numbers_with_multipliers_and_halves():
    found = figures("it", "Un milione e mezzo di persone e tre milioni di euro.")
    people = by_value(found, 1_500_000)
    assert (people.unit, people.counts) == (None, "persone")
    assert by_value(found, 3e6).unit == "EUR"
    fig = one("en", "Officials counted two and a half million voters.")
    assert fig.value == 2_500_000


def test_ranges_with_articles():
    found = figures("it", "La crescita sarà tra il 5 e il 7%.")
    assert [(f.value, f.unit) for f in found] == [(5, "%"), (7, "%")]
    found = figures("es", "Entre el 5 y el 7% de la población.")
    assert [(f.value, f.unit) for f in found] == [(5, "%"), (7, "%")]


def test_glued_m_is_million_before_people_and_metres_otherwise():
    assert (one("en", "Some 1.5m people have fled.").value) == 1_500_000
    fig = one("en", "The wall is 3m high.")
    assert (fig.value, fig.unit) == (3, "m")


def test_year_like_number_counting_a_noun_is_a_figure():
    fig = by_value(figures("it", "Sono esposte 1950 barche, di cui 212 in acqua."), 1950)
    assert fig.counts == "barche"
    assert one("de", "Der Konzern streicht rund 2000 Stellen.").value == 2000
    assert figures("en", "The 2015 steel crisis hit the town.") == []


def test_italian_age_in_digits():
    fig = one("it", "Nell'incidente è rimasto coinvolto un 16enne.")
    assert (fig.value, fig.unit) == (16, "year")


def test_repeated_figure_keeps_its_counted_noun():
    found = figures(
        "fr",
        "Le gouvernement envisage des économies de 40 milliards d'euros. "
        "Le ministre a confirmé le chiffre de 40 milliards d'euros.",
    )
    assert [f.counts for f in found] == ["économies", "économies"]


def test_counted_noun_from_a_parse_when_there_is_one():
    nlp = spacy.blank("en")
    comp = nlp.add_pipe("newsstream_figures")
    words = ["They", "counted", "300", "dead", "soldiers", "in", "town", "."]
    doc = Doc(
        nlp.vocab,
        words=words,
        heads=[1, 1, 4, 4, 1, 1, 5, 1],
        deps=["nsubj", "ROOT", "nummod", "amod", "dobj", "prep", "pobj", "punct"],
        pos=["PRON", "VERB", "NUM", "ADJ", "NOUN", "ADP", "NOUN", "PUNCT"],
        sent_starts=[True, False, False, False, False, False, False, False],
    )
    doc = comp(doc)
    assert [(f.value, f.counts) for f in doc._.figures] == [(300, "soldiers")]


# -- component wiring ----------------------------------------------------------------------------


def test_offsets_and_spans():
    text = "Sono arrivati almeno altri 3.000 soldati."
    doc = nlp_for("it")(text)
    fig = doc._.figures[0]
    assert text[fig.start : fig.end] == fig.text
    spans = doc.spans["newsstream_figures"]
    assert [s.text for s in spans] == ["3.000"]
    assert spans[0].label_ == "count"
    assert spans[0]._.figure == fig


def test_source_from_enclosing_claim():
    nlp = spacy.blank("it")
    figs = nlp.add_pipe("newsstream_figures")
    text = "«Sono già 58.500 i soldati russi morti», ha detto Zelensky. Altri 300 feriti."
    doc = nlp.make_doc(text)
    quote_end = text.index("»")
    doc._.claims = [Claim("Zelensky", ClaimKind.DIRECT, text[1:quote_end], 1, quote_end)]
    doc = figs(doc)
    assert by_value(doc._.figures, 58_500).source == "Zelensky"
    assert by_value(doc._.figures, 300).source is None


def test_unknown_language_falls_back_and_lexicons_load_once():
    nlp = spacy.blank("nl")
    comp = nlp.add_pipe("newsstream_figures")
    doc = nlp("Er kwamen 2,500 mensen.")
    assert [f.value for f in doc._.figures] == [2500]
    lexicon = comp.lexicon("nl")
    nlp("Nog 30 mensen.")
    assert comp.lexicon("nl") is lexicon
    assert isinstance(doc, Doc)


def test_pipeline_save_and_load_round_trip(tmp_path: Path):
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("newsstream_figures", config={"spans_key": "zahlen"})
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("Rund 2500 Soldaten wurden verlegt.")
    assert [s.text for s in doc.spans["zahlen"]] == ["2500"]


# -- the dev set ---------------------------------------------------------------------------------


@pytest.mark.skipif(not (SHARED / "eval" / "dev").is_dir(), reason="../shared/eval not present")
def test_dev_set_floor(tmp_path: Path):
    """Regression guard a little under what was measured over the 37 dev articles (value+unit
    0.917, full 0.726)."""
    lines = []
    for path in sorted((SHARED / "eval" / "dev").glob("*.json")):
        article = json.loads(path.read_text(encoding="utf-8"))
        doc = nlp_for(article["lang"])(article["text"])
        figs = [
            {
                k: getattr(f, k)
                for k in ("text", "value", "unit", "counts", "qualifier", "start", "end")
            }
            for f in doc._.figures
        ]
        lines.append(
            json.dumps({"id": article["id"], "entities": [], "claims": [], "figures": figs})
        )
    pred = tmp_path / "pred.jsonl"
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            str(SHARED / "eval" / "score.py"),
            "--gold",
            str(SHARED / "eval" / "dev"),
            "--pred",
            str(pred),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    overall = json.loads(out.stdout)["overall"]
    assert overall["fig_value_unit"]["f1"] >= 0.89
    assert overall["fig_full"]["f1"] >= 0.70


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Sono stati stanziati 2,5 miliardi di euro."),
        ("es", "Han sido destinados 300 millones de euros."),
        ("fr", "Le déficit atteint 5,5 % du PIB, soit 154 milliards d'euros."),
        ("it", "Il deficit è al 3 % del Pil, cioè 60 miliardi di euro."),
    ],
)
def test_a_participle_or_a_restated_figure_is_not_what_is_counted(lang: str, text: str):
    assert figures(lang, text)[-1].counts is None


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("es", "El número de muertos asciende a 214.", "muertos"),
        ("es", "El balance de fallecidos se eleva a 214.", "fallecidos"),
        ("fr", "Le nombre de morts s'élève à 214.", "morts"),
        ("de", "Die Zahl der Toten stieg auf 214.", "Toten"),
        ("en", "The number of dead rose to 214.", "dead"),
        ("en", "The death toll rose to 214.", "toll"),
    ],
)
def test_a_toll_counts_what_it_is_of(lang: str, text: str, counts: str):
    assert one(lang, text).counts == counts


def test_a_word_after_a_reflexive_pronoun_is_a_verb_not_the_counted_noun():
    assert one("it", "La capitalizzazione si aggira attorno ai 40 miliardi di dollari.").counts != (
        "aggira"
    )


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("es", "Los heridos pasaron de 40 registrados el viernes a 65 este sábado.", "heridos"),
        ("it", "I contagi sono passati da 120 registrati ieri a 300.", "contagi"),
        ("fr", "Les cas sont passés de 120 recensés vendredi à 300.", "cas"),
        ("en", "Cases rose from 120 recorded on Friday to 300.", "Cases"),
    ],
)
def test_a_tally_participle_after_a_number_leaves_the_count_to_the_noun_before(
    lang: str, text: str, counts: str
):
    assert [f.counts for f in figures(lang, text)] == [counts, counts]


def test_a_nominalised_participle_is_still_what_is_counted():
    assert [f.counts for f in figures("es", "Hubo 13 fallecidos y 11 heridos.")] == [
        "fallecidos",
        "heridos",
    ]


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("en", "Growth was about 2.1% this year, up from 1% in June.", "Growth"),
        ("en", "Inflation rose to 3.2% in March from 2.9% in February.", "Inflation"),
        (
            "it",
            "La disoccupazione è scesa al 7,2% a marzo, dal 7,5% di febbraio.",
            "disoccupazione",
        ),
        ("fr", "Le chômage a reculé à 7,3 % cet été, contre 7,5 % au printemps.", "chômage"),
    ],
)
def test_a_rate_compared_in_the_same_sentence_is_the_same_rate(lang: str, text: str, counts: str):
    assert [f.counts for f in figures(lang, text)] == [counts, counts]


# -- issue 16: constructions read on unseen news, with invented sentences -------------------------


@pytest.mark.parametrize(
    ("lang", "text", "first", "second"),
    [
        ("en", "Revenue jumped four percent to £12.5 billion.", (4, "%"), (12.5e9, "GBP")),
        ("it", "Il fatturato è salito del 3% a 2,4 miliardi di euro.", (3, "%"), (2.4e9, "EUR")),
        ("fr", "Les ventes ont progressé de 6 % à 8 milliards d'euros.", (6, "%"), (8e9, "EUR")),
        ("de", "Der Umsatz stieg um 5 Prozent auf 3 Milliarden Euro.", (5, "%"), (3e9, "EUR")),
        ("es", "Las ventas subieron un 7% a 900 millones de euros.", (7, "%"), (9e8, "EUR")),
    ],
)
def test_a_change_then_the_level_it_reached_are_two_quantities(
    lang: str, text: str, first: tuple[float, str], second: tuple[float, str]
):
    found = figures(lang, text)
    assert [(f.value, f.unit) for f in found] == [first, second]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("El alcalde obtuvo 93 mil 151 votos en la segunda vuelta.", 93151),
        ("Se registraron 4 mil 20 contagios en la semana.", 4020),
    ],
)
def test_digits_a_thousand_word_and_digits_are_one_number(text: str, value: float):
    fig = one("es", text)
    assert fig.value == value
    assert fig.text.endswith(str(value)[-2:])


def test_a_thousand_word_before_another_multiplier_takes_no_tail():
    assert [f.value for f in figures("es", "Costó 3 mil millones de pesos en 2020.")] == [3e9]


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("fr", "Le groupe a payé une amende de 1 250 million d'euros.", 1.25e6),
        ("it", "La società ha pagato una multa di 2.750 milione di euro.", 2.75e6),
        ("es", "La empresa pagó una multa de 1.500 millón de euros.", 1.5e6),
        ("de", "Der Konzern zahlte eine Strafe von 1.750 Million Euro.", 1.75e6),
    ],
)
def test_a_singular_multiplier_reads_the_grouping_mark_as_a_decimal_comma(
    lang: str, text: str, value: float
):
    assert one(lang, text).value == pytest.approx(value)


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("fr", "Le groupe a payé une amende de 1 250 millions d'euros.", 1.25e9),
        ("en", "The group paid a fine of 1,250 million dollars.", 1.25e9),
    ],
)
def test_a_plural_or_invariant_multiplier_keeps_the_thousands(lang: str, text: str, value: float):
    assert one(lang, text).value == pytest.approx(value)


@pytest.mark.parametrize(
    "text",
    [
        "A week after a driver injured at least four people, police found him in a barn.",
        "An officer said a man was found dead near a river with four others.",
    ],
)
def test_english_a_and_an_are_articles_not_casualty_counts(text: str):
    assert all(f.value != 1 for f in figures("en", text))


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("en", "One man was killed when the roof collapsed.", "man"),
        ("it", "Una donna è morta nell'incendio della casa.", "donna"),
        ("fr", "Une femme a été tuée dans l'accident.", "femme"),
        ("de", "Ein Mann wurde bei dem Unfall getötet.", "Mann"),
        ("es", "Un hombre murió en el derrumbe.", "hombre"),
    ],
)
def test_a_lone_numeral_one_counts_a_casualty(lang: str, text: str, counts: str):
    fig = one(lang, text)
    assert (fig.value, fig.counts) == (1, counts)


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("en", "The number of victims stood at 2,417 on Monday.", "victims"),
        ("en", "The death toll rose to 40 on Sunday.", "toll"),
        ("it", "I morti sono saliti a 12 nella notte.", "morti"),
        ("it", "Il numero dei dispersi sale a quattro dopo il crollo.", "dispersi"),
        ("it", "I voli cancellati sono circa 300.", "voli"),
        ("fr", "Le nombre des blessés est de 421 selon la préfecture.", "blessés"),
        ("de", "Die Zahl der Toten liegt bei fast 160.", "Toten"),
        ("es", "Los fallecidos ascendieron a 412 en la provincia.", "fallecidos"),
        ("es", "Los contagios llegaron a 500 en la región.", "contagios"),
    ],
)
def test_a_number_completing_a_verb_counts_its_subject(lang: str, text: str, counts: str):
    assert one(lang, text).counts == counts


def test_a_noun_right_after_the_number_still_wins_over_the_subject():
    assert one("it", "Le vittime sono salite a 12 morti accertati.").counts == "morti"


@pytest.mark.parametrize(
    ("lang", "text", "counts"),
    [
        ("en", "He won 52 percent of the vote in the first round.", "vote"),
        ("it", "Il partito ha ottenuto il 30% dei voti.", "voti"),
        ("fr", "La saisie représente 12 % de la production annuelle.", "production"),
        ("de", "Das waren 40 Prozent der Ernte.", "Ernte"),
        ("es", "El candidato tiene 49.7% de sufragios.", "sufragios"),
    ],
)
def test_a_percentage_of_a_noun_counts_that_noun(lang: str, text: str, counts: str):
    assert one(lang, text).counts == counts


@pytest.mark.parametrize(
    ("lang", "text", "unit", "counts"),
    [
        ("en", "It emitted 1.26 billion tonnes of greenhouse gases.", "t", "greenhouse gases"),
        ("it", "Sono state raccolte 40 tonnellate di rifiuti.", "t", "rifiuti"),
        ("fr", "Les douaniers ont saisi 20 kilos de cannabis.", "kg", "cannabis"),
        ("de", "Die Bauern ernteten 30 Tonnen Weizen.", "t", "Weizen"),
        ("es", "Ardieron 300 hectáreas de bosque.", "ha", "bosque"),
    ],
)
def test_a_measure_counts_the_substance_it_measures(lang: str, text: str, unit: str, counts: str):
    fig = one(lang, text)
    assert (fig.unit, fig.counts) == (unit, counts)


@pytest.mark.parametrize(
    ("lang", "text", "unit"),
    [
        ("en", "The boat sank 71 nautical miles off the coast.", "nmi"),
        ("de", "Das Kraftwerk erzeugte 400 Terawattstunden Strom.", "TWh"),
        ("fr", "Le navire a coulé à 40 milles nautiques de la côte.", "nmi"),
        ("it", "La nave era a 30 miglia nautiche dalla costa.", "nmi"),
        ("es", "El barco estaba a 20 millas náuticas de la costa.", "nmi"),
    ],
)
def test_nautical_miles_and_terawatt_hours_are_units(lang: str, text: str, unit: str):
    assert one(lang, text).unit == unit


def test_a_comparative_with_a_is_a_qualifier_in_spanish():
    fig = one("es", "La bolsa registró descensos mayores a 7% ayer.")
    assert (fig.qualifier, fig.counts) == ("mayores a", "descensos")


@pytest.mark.parametrize(
    ("lang", "text", "noun"),
    [
        (
            "fr",
            "On compte 250 cas, dont 40 confirmés et 12 suspects, selon la préfecture.",
            "cas",
        ),
        ("it", "I contagi sono 310, di cui 45 confermati e 20 sospetti.", "contagi"),
        ("es", "Hay 90 casos, de los cuales 30 confirmados y 8 sospechosos.", "casos"),
        ("en", "The agency counted 500 cases, of which 120 confirmed and 80 suspected.", "cases"),
        ("de", "Es gab 70 Verletzte, davon 15 schwer und 9 leicht.", "Verletzte"),
    ],
)
def test_parts_of_a_total_count_what_the_total_counts(lang: str, text: str, noun: str) -> None:
    """A number after a partitive ("dont", "di cui", "of which", "davon") qualified by how it
    was counted ("confirmés") is a part of the total before: it counts the same noun; the
    second of two coordinated parts too."""
    found = figures(lang, text)
    parts = [f for f in found if f.value not in (250, 310, 90, 500, 70)]
    assert len(parts) == 2, [(f.text, f.counts) for f in found]
    assert all(f.counts == noun for f in parts), [(f.text, f.counts) for f in parts]


def test_a_part_with_a_noun_of_its_own_counts_that_noun() -> None:
    found = figures("fr", "Le bilan est de 30 morts, dont 12 enfants et 3 femmes.")
    assert by_value(found, 12).counts == "enfants"
    assert by_value(found, 3).counts == "femmes"

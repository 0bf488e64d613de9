"""The online story clusterer and its concept lexicon, on articles invented for the test."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import yaml

from agents.stories.cluster import (
    ClustererSettings,
    Story,
    StoryArticle,
    StoryState,
    article_terms,
    cluster_stream,
    proper_names,
    years_named,
)
from agents.stories.concepts import CONCEPTS_FILE, ConceptLexicon

CONCEPTS = ConceptLexicon.from_file()
STOP = frozenset({"il", "the", "der", "die", "le", "el", "los"})

# An invented event: a flood in the (invented) town of Valdoria, told in five languages, and an
# invented hard negative: another flood in Valdoria two years later.
FLOOD = {
    "it": "Il fiume Serello ha travolto Valdoria: 12 morti e 40 feriti, dice Anna Berti.",
    "en": "The Serello river swept through Valdoria: 12 dead and 40 injured, Anna Berti said.",
    "de": "Der Fluss Serello überflutete Valdoria: 12 Tote und 40 Verletzte, sagte Anna Berti.",
    "fr": "Le Serello a submergé Valdoria : 12 morts et 40 blessés, selon la maire Anna Berti.",
    "es": "El río Serello inundó Valdoria: 12 muertos y 40 heridos, según la alcaldesa Anna Berti.",
}
FIGURES = {
    "it": [(12.0, "morti"), (40.0, "feriti")],
    "en": [(12.0, "dead"), (40.0, "injured")],
    "de": [(12.0, "Tote"), (40.0, "Verletzte")],
    "fr": [(12.0, "morts"), (40.0, "blessés")],
    "es": [(12.0, "muertos"), (40.0, "heridos")],
}


def flood_article(lang: str, day: date, *, suffix: str = "", figures: bool = True) -> StoryArticle:
    text = FLOOD[lang]
    return StoryArticle(
        id=f"{lang}{suffix}",
        lang=lang,
        day=day,
        terms=article_terms(
            entity_keys=["place:valdoria", "person:anna berti"],
            names=proper_names(text, STOP),
            figures=[(v, CONCEPTS.concept_of(n)) for v, n in FIGURES[lang]] if figures else [],
            lemmas=[],
            lang=lang,
        ),
    )


def other_article(id_: str, lang: str, day: date) -> StoryArticle:
    """An unrelated event: "Il Consiglio di Lumera approva il bilancio di 3 milioni"."""
    text = "Oggi il Consiglio di Lumera approva il bilancio, annuncia Marco Fenzi."
    return StoryArticle(
        id=id_,
        lang=lang,
        day=day,
        terms=article_terms(
            entity_keys=["place:lumera", "person:marco fenzi"],
            names=proper_names(text, STOP),
            figures=[(3e6, None)],
            lemmas=["bilancio", "approvare"],
            lang=lang,
        ),
    )


def test_counted_nouns_map_to_one_concept_across_languages() -> None:
    for noun in ("soldati", "soldiers", "Soldaten", "soldats", "soldados"):
        assert CONCEPTS.concept_of(noun) == "soldier"
    for noun in ("morti", "dead", "Tote", "morts", "muertos"):
        assert CONCEPTS.concept_of(noun) == "death"
    assert CONCEPTS.concept_of("feriti gravi") == "injured"  # "40 feriti gravi"
    assert CONCEPTS.concept_of("Orgelpfeifen") == "orgelpfeifen"  # not listed: the noun itself
    assert CONCEPTS.concept_of(None) is None


def test_no_word_names_two_concepts_in_one_language() -> None:
    data = yaml.safe_load(CONCEPTS_FILE.read_text(encoding="utf-8"))["concepts"]
    seen: dict[tuple[str, str], str] = {}
    for concept, by_lang in data.items():
        for lang, words in by_lang.items():
            for word in words:
                assert seen.setdefault((lang, word.lower()), concept) == concept, word


def test_proper_names_skip_sentence_openers_and_fold_accents() -> None:
    text = "Le jury a reconnu Derek Chauvin coupable. Élysée salue le verdict à Minneapolis."
    assert proper_names(text, STOP) == ["derek", "chauvi", "minnea"]


def test_one_event_in_five_languages_is_one_story() -> None:
    day = date(2024, 3, 1)
    articles = [flood_article(lang, day) for lang in FLOOD]
    articles.insert(2, other_article("other", "it", day))
    stories = cluster_stream(articles)
    assert len({stories[lang] for lang in FLOOD}) == 1
    assert stories["other"] != stories["it"]


def test_the_same_kind_of_event_years_later_opens_a_new_story() -> None:
    first = [flood_article(lang, date(2022, 3, 1)) for lang in FLOOD]
    again = [flood_article(lang, date(2024, 3, 1), suffix="-2024") for lang in FLOOD]
    stories = cluster_stream(first + again)
    assert stories["it"] != stories["it-2024"]
    assert len({stories[f"{lang}-2024"] for lang in FLOOD}) == 1


def test_state_round_trips_and_assignments_are_deterministic() -> None:
    day = date(2024, 3, 1)
    articles = [flood_article(lang, day) for lang in FLOOD] + [other_article("o", "en", day)]
    state = StoryState()
    for article in articles[:3]:
        state.assign(article)
    restored = StoryState.from_dict(json.loads(json.dumps(state.to_dict())))
    rest_a = [state.assign(a) for a in articles[3:]]
    rest_b = [restored.assign(a) for a in articles[3:]]
    assert rest_a == rest_b
    assert cluster_stream(articles) == cluster_stream(articles)


def test_state_stays_bounded() -> None:
    settings = ClustererSettings(quiet_days=3, max_open=4)
    state = StoryState(settings)
    for n in range(30):  # one unrelated event a day for a month
        day = date(2024, 1, 1 + n)
        state.assign(StoryArticle(id=f"o{n}", lang="it", day=day, terms=(f"e:person:p{n}",)))
    assert len(state.stories) == 4  # closed after 3 quiet days
    assert set(state.doc_freq) == {t for s in state.stories.values() for t in s.term_counts}
    undated = StoryState(settings)
    for n in range(30):
        undated.assign(StoryArticle(id=f"u{n}", lang="en", day=None, terms=(f"n:x{n}",)))
    assert len(undated.stories) == 4


def test_years_named_in_five_languages() -> None:
    assert years_named("Al ballottaggio del 2017 vinse, come nel 1995.") == [2017, 1995]
    assert years_named("The 2022 run-off drew 35,000 voters.") == [2022]
    assert years_named("Au second tour de 2017, 1.200 bureaux de vote.") == [2017]
    assert years_named("Die Wahl 2022 kostete 2.025,50 Euro.") == [2022]
    assert years_named("En 2019 ardió la catedral; 400 bomberos.") == [2019]


class WalkAll(StoryState):
    """The clusterer as it was before its postings: every article compared with every open
    story, and every story looked at for quietness before every article."""

    def candidates(self, article: StoryArticle) -> list[Story]:
        return list(self.stories.values())

    def close_quiet(self) -> list[str]:
        self._stale_fed = True
        return super().close_quiet()


def crowded_stream(count: int, seed: int) -> list[StoryArticle]:
    """Events drawing on one small vocabulary (shared terms, ties, stray overlaps), days out of
    order now and then, undated articles, syndicated copies: every path of the choice taken."""
    rng = random.Random(seed)
    vocabulary = [f"e:person:p{n}" for n in range(30)] + [f"e:country:c{n}" for n in range(5)]
    vocabulary += [f"n:name{n}" for n in range(40)] + [f"f:{n}:death" for n in range(10, 30)]
    vocabulary += [f"l:{lang}:w{n}" for lang in ("it", "en") for n in range(40)]
    events = [rng.sample(vocabulary, 8) for _ in range(60)]
    articles = []
    for n in range(count):
        event = rng.randrange(len(events))
        terms = set(rng.sample(events[event], rng.randint(1, 6)))
        terms.update(rng.sample(vocabulary, rng.randint(0, 2)))
        day: date | None = date(2024, 1, 1) + timedelta(days=event // 3)
        if rng.random() < 0.05:
            day = None
        elif rng.random() < 0.05:
            day = date(2024, 1, 1) + timedelta(days=max(0, event // 3 - 6))  # late news
        copy_key = f"wire{event}" if rng.random() < 0.1 else None
        lang = rng.choice(("it", "en"))
        articles.append(StoryArticle(f"a{n}", lang, day, tuple(sorted(terms)), copy_key))
    return articles


def test_postings_choose_as_the_walk_over_every_open_story() -> None:
    for seed, settings in ((1, ClustererSettings()), (2, ClustererSettings(max_open=12))):
        articles = crowded_stream(600, seed)
        indexed = cluster_stream(articles, settings)
        walked_state = WalkAll(settings)
        walked = {a.id: walked_state.assign(a) for a in articles}
        assert indexed == walked
        assert 20 < len(set(indexed.values())) < 500  # stories joined, stories opened


def test_a_tie_goes_to_the_story_opened_first_as_in_the_walk() -> None:
    day = date(2024, 1, 1)
    tied = [
        StoryArticle(i, "it", day, terms)
        for i, terms in (
            ("xy", ("n:ww", "n:xx", "n:yy")),
            ("xz", ("n:ww", "n:xx", "n:zz")),
            ("x", ("n:ww", "n:xx")),
        )
    ]
    settings = ClustererSettings(threshold=0.9)  # "xz" shares 2/3 of "xy": a story of its own
    walked_state = WalkAll(settings)
    expected = ["story-000001", "story-000002", "story-000001"]
    assert [walked_state.assign(a) for a in tied] == expected
    assert list(cluster_stream(tied, settings).values()) == expected


def test_postings_follow_the_open_stories() -> None:
    state = StoryState(ClustererSettings(quiet_days=3, max_open=12))
    for article in crowded_stream(300, 3):
        state.assign(article)
        having = {
            t: {s.id for s in state.stories.values() if t in s.term_counts} for t in state.postings
        }
        assert state.postings == having
        assert set(state.postings) == {t for s in state.stories.values() for t in s.term_counts}
    restored = StoryState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.postings == state.postings and restored.copy_owners == state.copy_owners


def one_country_news(events: int) -> list[StoryArticle]:
    """Unrelated events in one country, told in the same common words, two reports each: every
    article shares the country key and a dozen lemmas with every story, and its event keys
    (a minister, a town, a figure) with its own story only. Each report also names one stray
    capitalised word ("Monday", "Reuters"), the same as the next event's first report."""
    day = date(2024, 6, 1)
    common = [f"l:en:{w}" for w in ("minister", "government", "said", "people", "report", "week")]
    articles = []
    for n in range(events):
        keys = [f"e:person:minister{n}", f"e:city:town{n}", f"f:{100 + n}:death", f"n:name{n}"]
        for report in range(2):
            stray = f"n:stray{n + report}"
            terms = ("e:country:xx", *common, *keys[report:], stray)
            articles.append(StoryArticle(f"e{n}-{report}", "en", day, tuple(sorted(terms))))
    return articles


def test_a_key_every_story_shares_does_not_chain_unrelated_events() -> None:
    articles = one_country_news(30)
    stories = cluster_stream(articles)
    for n in range(30):
        assert stories[f"e{n}-0"] == stories[f"e{n}-1"]  # one event, one story
    assert len(set(stories.values())) == 30  # and no two events in one

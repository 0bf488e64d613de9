"""The online story clusterer: each article joins an open story or opens one, in arrival order.

A plain library with no Kafka in it, so a Faust stage can later keep :class:`StoryState` in a table
(it round-trips through JSON-able dicts) and tests can run it alone. The same articles in the same
order always give the same assignments: nothing here depends on set or hash order.

An article is a bag of *terms*, each from one signal, and a story is the centroid of its articles'
terms; an article joins the story it overlaps most (:meth:`StoryState.similarity`), if enough,
and only a story whose own event keys it shares (:meth:`StoryState.shares_event_keys`: two, or
one that identifies the story), so common words and a country cannot chain unrelated events.
Terms that need no translation carry across languages:

- ``e:`` the canonical entity key ("person:emanuel macron" in every language), weighted by its kind
  (a country key says less than a person key) and by rarity over the open stories (IDF), so a key
  that every open story has ("country:US") counts for little;
- ``n:`` a proper name as written (accents folded): "Wembley", "Chauvin" read the same in five
  languages even where the entity extractor found no entity;
- ``f:`` a figure, value plus the concept it counts ("1037:death" from "1.037 morti" and "1,037
  dead"), via the multilingual concept lexicon;
- ``y:`` a year the text names ("le scrutin de 2017", "the 2022 run-off"): written the same in
  every language, it tells two events of one kind apart when the stream has no dates;
- ``l:`` within one language, the lemmas of title and lead ("l:it:organo").

An article with the copy key (the cluster id of syndicated copies) of an open story joins it at
once. A story closes when no article joined it for ``quiet_days`` of stream time, and at most
``max_open`` stories stay open (the one quiet longest is evicted first): the state stays bounded.

An article is compared only with the open stories whose own event keys it shares: any other
scores 0 and could never be chosen. The state keeps, per term, the open stories that have it
(:attr:`StoryState.postings`, whose sizes are also the terms' document frequencies), so the cost
of an article follows the stories it could join, not all the open ones; candidates are scored in
the order the stories were opened, as a walk over all of them would, so the choice is the same.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ENTITY_KIND_WEIGHT: Mapping[str, float] = {
    "person": 1.0,
    "org": 1.0,
    "place": 0.7,
    "city": 0.5,
    "region": 0.3,
    "country": 0.3,
}
"""A person or organisation names the actors of an event; a country only where it happened."""

SIGNAL_WEIGHT: Mapping[str, float] = {"e": 1.0, "n": 0.8, "f": 1.0, "y": 1.0, "l": 0.5}

KEY_SIGNALS = ("e:", "n:", "f:", "y:")
"""The signals that name the event itself in any language (lemmas only say what it is about)."""

KEY_KIND_WEIGHT = 0.5
"""An entity key is a key of the event from a city up: a country or region is only where."""


@dataclass(frozen=True, slots=True)
class StoryArticle:
    """What the clusterer reads of one enriched article (built by :func:`article_terms`)."""

    id: str
    lang: str
    day: date | None
    terms: tuple[str, ...]  # sorted, unique
    copy_key: str | None = None


@dataclass(slots=True)
class Story:
    """One open story: its term counts (the centroid, unnormalised) and when it was last fed."""

    id: str
    first_day: date | None
    last_day: date | None
    last_seq: int
    size: int = 0
    term_counts: dict[str, int] = field(default_factory=dict)
    copy_keys: list[str] = field(default_factory=list)
    langs: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "last_seq": self.last_seq,
            "size": self.size,
            "term_counts": dict(self.term_counts),
            "copy_keys": list(self.copy_keys),
            "langs": dict(self.langs),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Story:
        return cls(
            id=data["id"],
            first_day=date.fromisoformat(data["first_day"]) if data["first_day"] else None,
            last_day=date.fromisoformat(data["last_day"]) if data["last_day"] else None,
            last_seq=data["last_seq"],
            size=data["size"],
            term_counts=dict(data["term_counts"]),
            copy_keys=list(data["copy_keys"]),
            langs=dict(data["langs"]),
        )


@dataclass(frozen=True, slots=True)
class ClustererSettings:
    """How alike an article must be to join a story, and how long a story stays open."""

    threshold: float = 0.05
    quiet_days: int = 3
    max_open: int = 5000
    time_decay_days: float = 7.0  # a day's gap multiplies the similarity by 1 / (1 + gap / this)
    shared_keys: int = 2  # event keys an article must share with a story to join it ...
    key_share: float = 1 / 3  # ... each held by more than this share of the story's articles


def _fold(text: str) -> str:
    """Lowercase without accents: "Élysée" -> "elysee", so spellings across languages meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")
_SENTENCE_END = re.compile(r"[.!?:;\"«»“”]\s*$")


def proper_names(
    text: str, stop_words: frozenset[str], *, min_len: int = 4, prefix_len: int = 6
) -> list[str]:
    """Capitalised words that do not open a sentence, folded, stop words left out.

    In "Le jury a reconnu Derek Chauvin coupable." the names are "derek" and "chauvin"; "Le"
    opens the sentence and is not one. German capitalises every noun ("Die Feuerwehr kam"): those
    nouns are terms of one language, which the IDF and the other languages' silence weigh down.
    """
    names: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < min_len or not word[0].isupper():
            continue
        before = text[max(0, match.start() - 3) : match.start()]
        if match.start() == 0 or _SENTENCE_END.search(before) or "\n" in before:
            continue
        folded = _fold(word).replace("’", "'").split("'")[-1]
        for part in folded.split("-"):
            if len(part) >= min_len and part not in stop_words:
                names.append(part[:prefix_len])
    return names


_YEAR = re.compile(r"(?<![\d.,])(19[5-9]\d|20\d\d)(?![\d.,]\d)")


def years_named(text: str) -> list[int]:
    """The years (1950-2099) written as four digits: "Au second tour de 2017" -> [2017]."""
    return [int(m.group(1)) for m in _YEAR.finditer(text)]


def _value_text(value: float) -> str:
    return f"{value:g}"


def article_terms(
    *,
    entity_keys: Iterable[str],
    names: Iterable[str],
    figures: Iterable[tuple[float, str | None]],
    lemmas: Iterable[str],
    lang: str,
    years: Iterable[int] = (),
) -> tuple[str, ...]:
    """The sorted unique terms of an article (see the module docstring for the signals).

    A figure that counts nothing known ("2", "1") is no term: small bare numbers are everywhere.
    """
    terms = {f"e:{key}" for key in entity_keys}
    terms.update(f"n:{name}" for name in names)
    for value, concept in figures:
        if concept:
            terms.add(f"f:{_value_text(value)}:{concept}")
        elif value >= 10:
            terms.add(f"f:{_value_text(value)}")
    terms.update(f"l:{lang}:{lemma}" for lemma in lemmas)
    terms.update(f"y:{year}" for year in years)
    return tuple(sorted(terms))


@functools.lru_cache(maxsize=1 << 16)
def is_event_key(term: str) -> bool:
    """Whether a term names the event (a person, organisation, place, name, figure or year)
    rather than its setting (a country, a region) or its words (lemmas)."""
    if not term.startswith(KEY_SIGNALS):
        return False
    if term.startswith("e:"):
        kind = term[2:].partition(":")[0]
        return ENTITY_KIND_WEIGHT.get(kind, 0.7) >= KEY_KIND_WEIGHT
    return True


@functools.lru_cache(maxsize=1 << 16)
def _term_weight(term: str) -> float:
    signal, _, rest = term.partition(":")
    weight = SIGNAL_WEIGHT.get(signal, 0.5)
    if signal == "e":
        weight *= ENTITY_KIND_WEIGHT.get(rest.partition(":")[0], 0.7)
    return weight


class StoryState:
    """The open stories and the document frequency of their terms; JSON-able via to_dict.

    >>> state = StoryState()
    >>> a = StoryArticle("a1", "en", date(2024, 5, 1), ("e:person:ada", "n:lovelace"))
    >>> b = StoryArticle("b1", "it", date(2024, 5, 1), ("e:person:ada", "n:lovelace"))
    >>> state.assign(a) == state.assign(b)
    True
    """

    def __init__(self, settings: ClustererSettings | None = None) -> None:
        self.settings = settings or ClustererSettings()
        self.stories: dict[str, Story] = {}
        self.postings: dict[str, set[str]] = {}  # term -> the open stories that have it
        self.copy_owners: dict[str, set[str]] = {}  # copy key -> the open stories that have it
        self._opened: dict[str, int] = {}  # story id -> its rank in the order stories opened
        self._ranks = 0
        self.next_number = 1
        self.seq = 0
        self.clock: date | None = None
        self._closed_at: date | None = None  # the clock when quiet stories were last looked for
        self._stale_fed = True  # a story may be quiet already (restored, or fed a late article)

    # --- state -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "stories": [story.to_dict() for story in self.stories.values()],
            "next_number": self.next_number,
            "seq": self.seq,
            "clock": self.clock.isoformat() if self.clock else None,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], settings: ClustererSettings | None = None
    ) -> StoryState:
        state = cls(settings)
        for raw in data["stories"]:
            state._add_story(Story.from_dict(raw))
        state.next_number = data["next_number"]
        state.seq = data["seq"]
        state.clock = date.fromisoformat(data["clock"]) if data["clock"] else None
        return state

    @property
    def doc_freq(self) -> dict[str, int]:
        """How many open stories have each term (for inspection: the IDF reads the postings)."""
        return {term: len(stories) for term, stories in self.postings.items()}

    def _add_story(self, story: Story) -> None:
        self.stories[story.id] = story
        self._opened[story.id] = self._ranks
        self._ranks += 1
        for term in story.term_counts:
            self.postings.setdefault(term, set()).add(story.id)
        for key in story.copy_keys:
            self.copy_owners.setdefault(key, set()).add(story.id)

    def _drop_story(self, story_id: str) -> None:
        story = self.stories.pop(story_id)
        del self._opened[story_id]
        for index, keys in (
            (self.postings, story.term_counts),
            (self.copy_owners, story.copy_keys),
        ):
            for key in keys:
                owners = index[key]
                owners.discard(story_id)
                if not owners:
                    del index[key]

    # --- the algorithm -----------------------------------------------------------------------
    def _is_quiet(self, day: date | None) -> bool:
        """Whether a story last fed on ``day`` has been quiet too long at the current clock."""
        return (
            day is not None
            and self.clock is not None
            and (self.clock - day).days > self.settings.quiet_days
        )

    def close_quiet(self) -> list[str]:
        """Drop the stories quiet for longer than quiet_days (stream time), then the quietest
        until there is room for one more under max_open; return their ids.

        Stories turn quiet only when the clock moves on, or when a late article (dated long
        before the clock) opens one: only then are they all looked at, not for every article.
        """
        closed: list[str] = []
        if self.clock is not None and (self._stale_fed or self.clock != self._closed_at):
            closed = [s.id for s in self.stories.values() if self._is_quiet(s.last_day)]
            self._closed_at, self._stale_fed = self.clock, False
        for story_id in closed:
            self._drop_story(story_id)
        overflow = len(self.stories) + 1 - self.settings.max_open
        if overflow > 0:
            quiet_first = lambda s: (s.last_seq, s.id)  # noqa: E731
            for story in heapq.nsmallest(overflow, self.stories.values(), key=quiet_first):
                self._drop_story(story.id)
                closed.append(story.id)
        return closed

    def _idf(self, term: str) -> float:
        having = self.postings.get(term)
        return math.log((len(self.stories) + 1) / ((len(having) if having else 0) + 1)) + 1.0

    def _weight(self, term: str, known: dict[str, float]) -> float:
        weight = known.get(term)
        if weight is None:
            weight = known[term] = _term_weight(term) * self._idf(term)
        return weight

    def shares_event_keys(self, article: StoryArticle, story: Story) -> bool:
        """Whether the article shares enough of the story's own event keys to join it at all:
        ``shared_keys`` of them, or one that most of the story's articles have and no other
        open story has.

        A story's own keys are the event keys (:func:`is_event_key`) held by more than
        ``key_share`` of its articles (in a story of three, not a key of one of them alone),
        not its growing union: an article that once joined on a stray name does not let the
        next one join on that name. Without this gate the weighted overlap, summed over many
        weak terms (a country, common lemmas, one capitalised word), let unrelated events chain
        into one story on synthetic news (bench/stories.py --sizes). A key that most of this
        story has and no other is one identifying name ("Notre-Dame" read as "dame" in an
        Italian report with no entity found): enough alone; a stray name in one report of two
        is not.
        """
        needed = self.settings.shared_keys
        floor = self.settings.key_share * story.size
        found = 0
        for term in article.terms:
            count = story.term_counts.get(term)
            if count is None or count <= floor or not is_event_key(term):
                continue
            found += 1
            if found >= needed or (2 * count > story.size and len(self.postings[term]) == 1):
                return True
        return False

    def similarity(
        self, article: StoryArticle, story: Story, known: dict[str, float] | None = None
    ) -> float:
        """How much of the smaller side's term weight the article and the story share (the
        weighted overlap coefficient), divided by 1 + days between them / time_decay_days.

        A story term weighs its IDF-and-kind weight times the share of the story's articles that
        have it, so one article's stray name counts little in a story of five. The overlap is
        over the smaller side: a short wire of six terms, all in a long story, belongs to it.
        Another language's lemmas are left out of the story's side: no article could share them.
        ``known`` memoises term -> kind weight x IDF: good while no story opens, closes or is
        fed (the IDF moves then), so :meth:`best_story` keeps one for one article's candidates.
        An article that does not share the story's event keys (:meth:`shares_event_keys`)
        scores 0.
        """
        if not self.shares_event_keys(article, story):
            return 0.0
        known = {} if known is None else known
        weights = {term: self._weight(term, known) for term in article.terms}
        own_lemmas = f"l:{article.lang}:"
        shared = story_total = 0.0
        for term, count in story.term_counts.items():
            if term.startswith("l:") and not term.startswith(own_lemmas):
                continue
            article_weight = weights.get(term)
            base = self._weight(term, known) if article_weight is None else article_weight
            story_weight = base * count / story.size
            story_total += story_weight
            if article_weight is not None:
                shared += min(article_weight, story_weight)
        smaller = min(sum(weights.values()), story_total)
        if not shared or not smaller:
            return 0.0
        score = shared / smaller
        if article.day is not None and story.last_day is not None:
            gap = abs((article.day - story.last_day).days)
            score /= 1.0 + gap / self.settings.time_decay_days
        return score

    def candidates(self, article: StoryArticle) -> list[Story]:
        """The open stories whose own event keys the article shares (:meth:`shares_event_keys`,
        read here from the postings of the article's event keys, all stories at once), in the
        order they opened: the only ones whose similarity can be above 0. Common words and
        countries, which most open stories share, make no candidate."""
        needed = self.settings.shared_keys
        found: dict[str, int] = {}
        chosen: list[str] = []
        for term in article.terms:
            having = self.postings.get(term)
            if not having or not is_event_key(term):
                continue
            for story_id in having:
                story = self.stories[story_id]
                count = story.term_counts[term]
                if count <= self.settings.key_share * story.size:
                    continue
                seen = found[story_id] = found.get(story_id, 0) + 1
                if seen == needed or (2 * count > story.size and len(having) == 1):
                    chosen.append(story_id)
        chosen = sorted(set(chosen), key=self._opened.__getitem__)
        return [self.stories[i] for i in chosen]

    def best_story(self, article: StoryArticle) -> tuple[str | None, float]:
        """The open story the article is most like (ties: the older id), and the similarity."""
        if article.copy_key:
            owners = self.copy_owners.get(article.copy_key)
            if owners:
                return min(owners, key=self._opened.__getitem__), 1.0
        best: tuple[str | None, float] = (None, 0.0)
        known: dict[str, float] = {}
        for story in self.candidates(article):
            score = self.similarity(article, story, known)
            if score > best[1]:
                best = (story.id, score)
        return best

    def assign(self, article: StoryArticle) -> str:
        """Put the article in a story (an open one alike enough, else a new one); its id."""
        self.seq += 1
        if article.day is not None and (self.clock is None or article.day > self.clock):
            self.clock = article.day
        self.close_quiet()
        story_id, score = self.best_story(article)
        if story_id is None or score < self.settings.threshold:
            story_id = f"story-{self.next_number:06d}"
            self.next_number += 1
            self._add_story(Story(story_id, article.day, article.day, self.seq))
        story = self.stories[story_id]
        self._feed(story, article)
        if self._is_quiet(story.last_day):  # a late article's story: quiet from the start
            self._stale_fed = True
        return story_id

    def _feed(self, story: Story, article: StoryArticle) -> None:
        for term in article.terms:
            if term not in story.term_counts:
                self.postings.setdefault(term, set()).add(story.id)
                story.term_counts[term] = 0
            story.term_counts[term] += 1
        story.size += 1
        story.last_seq = self.seq
        story.langs[article.lang] = story.langs.get(article.lang, 0) + 1
        if article.copy_key and article.copy_key not in story.copy_keys:
            story.copy_keys.append(article.copy_key)
            self.copy_owners.setdefault(article.copy_key, set()).add(story.id)
        if article.day is not None:
            if story.last_day is None or article.day > story.last_day:
                story.last_day = article.day
            if story.first_day is None or article.day < story.first_day:
                story.first_day = article.day


def cluster_stream(
    articles: Iterable[StoryArticle], settings: ClustererSettings | None = None
) -> dict[str, str]:
    """Article id -> story id, for articles in arrival order."""
    state = StoryState(settings)
    return {article.id: state.assign(article) for article in articles}

"""The story stage without Kafka: enriched records in arrival order -> story ids and documents;
a stage restored from its table entries mid-stream assigns as one that never stopped."""

from __future__ import annotations

import json
from typing import Any

from agents.stories.concepts import ConceptLexicon
from agents.stories.features import StreamFeatures
from agents.story import StoryStage, StoryTableWriter
from streams.settings import StorySettings


class MemoryTable:
    """What StoryTableWriter uses of a Faust table: its store, and the changelog it sends to."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.changelog: list[tuple[int, str, Any]] = []

    def send_changelog(self, partition: int, key: str, value: Any, **kwargs: Any) -> None:
        self.changelog.append((partition, key, value))

    def restored(self) -> MemoryTable:
        """A fresh table rebuilt from the changelog alone, as a restarted worker's is."""
        table = MemoryTable()
        for _, key, value in self.changelog:
            if value is None:
                table.data.pop(key, None)
            else:
                table.data[key] = json.loads(json.dumps(value))
        return table


def enriched(
    article_id: str, lang: str, day: str, title: str, keys: list[str], figures: list[Any]
) -> bytes:
    return json.dumps(
        {
            "article": {
                "article_id": article_id,
                "title": title,
                "text": title,
                "source": f"{lang}.example.org",
                "published_at": f"{day}T08:00:00+00:00",
            },
            "lang": lang,
            "lemmas": title.lower(),
            "entities": [{"key": k, "canonical": k.split(":")[1].title()} for k in keys],
            "claims": [{"speaker": "Anna Berti", "speaker_key": "person:anna berti"}],
            "figures": [{"value": v, "counts": c} for v, c in figures],
        }
    ).encode()


FLOOD = ["person:anna berti", "city:valdoria", "place:serello"]
STREAM = [
    enriched("it1", "it", "2024-03-01", "Il Serello travolge Valdoria", FLOOD, [(12, "morti")]),
    enriched("vote", "it", "2024-03-01", "Lumera approva il bilancio", ["person:marco fenzi"], []),
    enriched("en1", "en", "2024-03-01", "Serello floods Valdoria", FLOOD, [(12, "dead")]),
    enriched("de1", "de", "2024-03-02", "Serello überflutet Valdoria", FLOOD, [(12, "tote")]),
    enriched("later", "it", "2024-03-20", "Lumera, nuovo sindaco", ["person:marco fenzi"], []),
    enriched("fr1", "fr", "2024-03-21", "Lumera vote", ["person:marco fenzi"], []),
]


def keyed(records: list[bytes]) -> list[tuple[str | None, bytes]]:
    return [(json.loads(r)["article"]["article_id"], r) for r in records]


def test_a_record_that_is_no_enriched_article_passes_on_with_its_key() -> None:
    out, documents = stage().process(
        [("garbage", b'{"lang": "it"}')], StoryTableWriter(MemoryTable()), 0
    )
    assert out == [("garbage", b'{"lang": "it"}')] and documents == []


def stage() -> StoryStage:
    return StoryStage(StorySettings(), StreamFeatures(ConceptLexicon.from_file()))


def story_ids(out: list[tuple[str | None, bytes]]) -> dict[str | None, str]:
    return {key: json.loads(value)["story_id"] for key, value in out}


def test_one_event_in_three_languages_is_one_story_with_its_document() -> None:
    table = MemoryTable()
    out, documents = stage().process(keyed(STREAM[:4]), StoryTableWriter(table), 0)
    ids = story_ids(out)
    assert ids["it1"] == ids["en1"] == ids["de1"] != ids["vote"]
    flood = next(d for d in documents if d["story_id"] == ids["it1"])
    assert flood["languages"] == ["de", "en", "it"] and flood["article_count"] == 3
    assert flood["headlines"][0] == {"lang": "it", "title": "Il Serello travolge Valdoria"}
    assert flood["top_speaker_keys"] == ["person:anna berti"]
    assert flood["first_seen"].startswith("2024-03-01") and flood["last_seen"].startswith(
        "2024-03-02"
    )
    assert all(partition == 0 for partition, _, _ in table.changelog)


def test_a_restart_mid_stream_leaves_the_assignments_unchanged() -> None:
    whole_table = MemoryTable()
    whole, _ = stage().process(keyed(STREAM), StoryTableWriter(whole_table), 0)

    table = MemoryTable()
    first, _ = stage().process(keyed(STREAM[:3]), StoryTableWriter(table), 0)
    restarted = stage()  # a new worker: its book comes from the changelog
    # the last two records of the first run are read again (not committed), then the rest
    rest, _ = restarted.process(keyed(STREAM[1:]), StoryTableWriter(table.restored()), 0)
    assert story_ids(whole) == {**story_ids(first), **story_ids(rest)}


def test_closed_stories_leave_the_table() -> None:
    table = MemoryTable()
    out, documents = stage().process(keyed(STREAM), StoryTableWriter(table), 0)
    ids = story_ids(out)
    # the flood and the first vote were quiet for more than 3 days when the later ones came
    assert ids["it1"] not in table.data and ids["vote"] not in table.data
    assert set(table.data) == {ids["later"], ids["fr1"]}
    closed = {d["story_id"] for d in documents if not d["open"]}
    assert {ids["it1"], ids["vote"]} <= closed


def test_the_ledger_puts_competing_figures_of_one_concept_side_by_side_in_time_order() -> None:
    from streams.story_view import ledger

    def figure(value: float, counts: str, day: str, speaker: str | None, outlet: str) -> Any:
        return {
            "value": value,
            "counts": counts,
            "published_at": f"{day}T10:00:00+00:00",
            "speaker_key": speaker,
            "source": {"name": outlet, "domain": f"{outlet.lower()}.example"},
        }

    groups = ledger(
        [
            figure(10000, "soldiers", "2024-10-28", "org:pentagon", "CNN"),
            figure(3000, "soldati", "2024-10-23", "org:jcs", "ANSA"),
            figure(12, "Tote", "2024-10-24", None, "Spiegel"),
        ],
        ConceptLexicon.from_file(),
    )
    assert [e["value"] for e in groups["soldier"]] == [3000, 10000]
    assert [e["claimant"] for e in groups["soldier"]] == ["org:jcs", "org:pentagon"]
    assert groups["death"][0]["claimant"] == "spiegel.example"  # no speaker: the outlet

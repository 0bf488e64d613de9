"""The feed list file and OPML import/export; the default list fails cleanly offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from feedserver import billion_laughs

from streams.feed_state import MemoryFeedStore
from streams.feeds import (
    FeedListError,
    add_feed,
    export_opml,
    import_opml,
    list_feeds,
    load_feeds,
    parse_opml,
    remove_feed,
    rename_feed,
)
from streams.http import PoliteClient
from streams.poller import FeedPoller, PollOutcome, PollReport, PollStatus
from streams.records import FeedEntry
from streams.settings import CONFIG_DIR, Settings, load_settings

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mine</title></head><body>
<outline text="News">
  <outline type="rss" text="ANSA" title="ANSA" xmlUrl="https://www.ansa.it/sito/ansait_rss.xml"
           category="/agency,/italy" language="it"/>
  <outline type="rss" text="Tagesschau" xmlUrl="https://www.tagesschau.de/xml/rss2/"/>
</outline>
<outline type="rss" text="Not http" xmlUrl="ftp://example.org/feed"/>
<outline text="A folder without feeds"/>
</body></opml>"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A user's feed list that does not exist yet, seeded by an empty list."""
    base = load_settings()
    poller = base.poller.model_copy(
        update={
            "feeds_file": tmp_path / "user" / "feeds.yaml",
            "default_feeds_file": tmp_path / "no-seed.yaml",
        }
    )
    return base.model_copy(update={"poller": poller})


def seeded(settings: Settings, tmp_path: Path) -> Settings:
    """The same settings, seeded by a copy of the tracked default list."""
    seed = tmp_path / "seed.yaml"
    seed.write_text((CONFIG_DIR / "feeds.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    poller = settings.poller.model_copy(update={"default_feeds_file": seed})
    return settings.model_copy(update={"poller": poller})


def test_the_seed_is_the_list_until_a_change_copies_it_with_its_comments(
    settings: Settings, tmp_path: Path
) -> None:
    settings = seeded(settings, tmp_path)
    seed_text = settings.poller.default_feeds_file.read_text(encoding="utf-8")
    defaults = list_feeds(settings)
    assert len(defaults) > 20 and not settings.poller.feeds_file.exists()

    add_feed(settings, "http://127.0.0.1:8000/rss.xml", lang="it", tags=["local"])
    assert settings.poller.default_feeds_file.read_text(encoding="utf-8") == seed_text
    mine = settings.poller.feeds_file.read_text(encoding="utf-8")
    # every comment line of the seed is still there, and its entries unchanged
    comments = [line for line in seed_text.splitlines() if line.lstrip().startswith("#")]
    assert comments and all(line in mine.splitlines() for line in comments)
    assert mine.startswith(seed_text.rstrip("\n"))
    assert mine.endswith(
        "  - url: http://127.0.0.1:8000/rss.xml\n"
        "    name: 127.0.0.1/rss.xml\n"
        "    lang: it\n"
        "    tags: [local]\n"
    )
    assert list_feeds(settings)[:-1] == defaults

    renamed = rename_feed(settings, "127.0.0.1/rss.xml", "Local test feed")
    assert renamed.name == "Local test feed"
    assert remove_feed(settings, "ANSA - Mondo") is not None
    after = settings.poller.feeds_file.read_text(encoding="utf-8")
    assert all(line in after.splitlines() for line in comments)
    assert "name: Local test feed" in after and "ANSA - Mondo" not in after
    assert [f.name for f in list_feeds(settings)][-1] == "Local test feed"


def test_rename_and_remove_say_what_is_wrong(settings: Settings) -> None:
    add_feed(settings, "https://example.org/a.xml", name="Same")
    add_feed(settings, "https://example.org/b.xml", name="same")
    with pytest.raises(FeedListError, match="2 feeds are named 'SAME': give the URL instead"):
        rename_feed(settings, "SAME", "x")
    with pytest.raises(FeedListError, match="not in the list: nope"):
        rename_feed(settings, "nope", "x")
    with pytest.raises(FeedListError, match="cannot be empty"):
        rename_feed(settings, "https://example.org/a.xml", "  ")
    assert remove_feed(settings, "nope") is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://", "the URL has no host: 'http://'"),
        ("notaurl", "the URL must start with http:// or https://: 'notaurl'"),
        ("https://exa mple.org/", "a URL has no spaces"),
    ],
)
def test_a_bad_url_is_one_clear_line(settings: Settings, url: str, message: str) -> None:
    with pytest.raises(FeedListError) as caught:
        add_feed(settings, url)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not settings.poller.feeds_file.exists()


def test_add_list_remove(settings: Settings) -> None:
    assert list_feeds(settings) == []
    feed = add_feed(settings, "https://example.org/rss", name="Example", lang="en", tags=["t"])
    assert list_feeds(settings) == [feed]
    with pytest.raises(FeedListError):
        add_feed(settings, "https://example.org/rss")
    with pytest.raises(ValueError):
        add_feed(settings, "file:///etc/passwd")
    assert remove_feed(settings, "https://example.org/rss")
    assert not remove_feed(settings, "https://example.org/rss")
    assert list_feeds(settings) == []


def test_opml_round_trip(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "in.opml"
    source.write_bytes(OPML)
    added, skipped = import_opml(settings, source)
    assert [f.name for f in added] == ["ANSA", "Tagesschau"] and skipped == []
    assert added[0].tags == ["agency", "italy"] and added[0].lang == "it"
    again, skipped = import_opml(settings, source)
    assert again == [] and len(skipped) == 2
    out = tmp_path / "out.opml"
    export_opml(settings, out)
    assert parse_opml(out.read_bytes()) == list_feeds(settings)


def test_hostile_opml_is_refused() -> None:
    with pytest.raises(FeedListError):
        parse_opml(billion_laughs())
    with pytest.raises(FeedListError):
        parse_opml(b"<opml><body><outline")


def test_default_list_covers_the_languages() -> None:
    feeds = load_feeds(CONFIG_DIR / "feeds.yaml")
    assert {f.lang for f in feeds} == {"it", "en", "fr", "de", "es"}
    assert all(f.name and f.tags for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)


async def test_default_list_fails_cleanly_offline() -> None:
    """On a machine without internet every default feed ends in its own clear error."""
    settings = load_settings()
    poller = settings.poller.model_copy(
        update={"connect_timeout": 2.0, "read_timeout": 2.0, "politeness_delay": 0.0}
    )
    feeds = load_feeds(CONFIG_DIR / "feeds.yaml")

    async def emit(entries: list[FeedEntry]) -> None:
        pass

    async with PoliteClient.for_feeds(poller) as client:
        report = await FeedPoller(poller, client, MemoryFeedStore()).poll_due(feeds, emit)
    if any(o.http_status for o in report.outcomes):  # pragma: no cover - a machine online
        pytest.skip("this machine reaches the internet")
    assert len(report.outcomes) == len(feeds)
    assert all(o.status == PollStatus.FAILED and o.error for o in report.outcomes)
    assert f"no feed could be reached ({len(feeds)} failed" in str(report)
    assert "no network?" in str(report).splitlines()[-1]


def test_the_no_network_hint_needs_every_polled_feed_unreachable() -> None:
    refused = PollOutcome("http://a.example/", PollStatus.FAILED, error="ConnectError: refused")
    dns = PollOutcome("http://b.example/", PollStatus.FAILED, error="ConnectError: [Errno -2]")
    gone = PollOutcome("http://c.example/", PollStatus.FAILED, http_status=404, error="HTTP 404")
    fine = PollOutcome("http://d.example/", PollStatus.NEW)
    later = PollOutcome("http://e.example/", PollStatus.NOT_DUE)
    assert PollReport([refused, dns, later]).network_hint() is not None
    assert PollReport([refused, dns, gone]).network_hint() is None
    assert PollReport([refused, fine]).network_hint() is None
    assert PollReport([later]).network_hint() is None

"""Normalisation: canonical URLs, ids, clean text, dates, fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.entries import (
    article_id_for,
    canonical_url,
    clean_text,
    fingerprint,
    normalise_entry,
    source_of,
)
from streams.feed_parser import RawEntry

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://WWW.Example.com:443/a/b.html?utm_source=rss&utm_medium=x&id=7#comments",
            "https://www.example.com/a/b.html?id=7",
        ),
        ("http://example.com/x?fbclid=abc&gclid=def&b=2&a=1", "http://example.com/x?a=1&b=2"),
        ("http://example.com:8080/x?mc_cid=1&page=2", "http://example.com:8080/x?page=2"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/p?xtor=RSS-3&at_medium=feed&q=", "https://example.com/p?q="),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_article_id_is_stable_across_tracking_variants() -> None:
    a = article_id_for("https://ex.com/story?utm_campaign=1#top", None, "f")
    b = article_id_for("https://EX.com/story?fbclid=2", "other-guid", "g")
    assert a == b and len(a) == 32
    assert article_id_for(None, "guid-1", "f") != article_id_for(None, "guid-1", "g")
    with pytest.raises(ValueError):
        article_id_for(None, None, "f")


def test_source_of() -> None:
    assert source_of("https://www.ansa.it/sito/x.html") == "ansa.it"
    assert source_of("https://m.bbc.co.uk/news") == "bbc.co.uk"
    assert source_of("https://feeds.bbci.co.uk/news") == "feeds.bbci.co.uk"


def test_clean_text() -> None:
    html = (
        "<p>Il <b>governo</b> &amp; le Regioni:</p><p>accordo&nbsp;raggiunto</p>"
        "<script>x()</script>"
    )
    assert clean_text(html) == "Il governo & le Regioni: accordo raggiunto"
    assert clean_text("  plain\n\ttext  ") == "plain text"
    assert clean_text("caf\u00e9 \x93quoted\x94") == "café “quoted”"  # cp1252 read as latin-1


def test_fingerprint_matches_syndicated_copies() -> None:
    a = fingerprint("Earthquake strikes central Italy", "The quake was felt in Rome.")
    b = fingerprint("EARTHQUAKE strikes central Italy!", "The quake was felt in Rome")
    assert a == b
    assert fingerprint("Earthquake strikes central Italy", "Different lead entirely") != a
    assert fingerprint("Live", "anything") is None


def raw(**kw: object) -> RawEntry:
    base: dict[str, object] = {"link": "https://www.example.com/a?utm_source=x", "title": "T i t"}
    base.update(kw)
    return RawEntry(**base)  # type: ignore[arg-type]


def norm(r: RawEntry):
    return normalise_entry(
        r, feed_url="https://feed/x", feed_name="X", lang="it", feed_tags=["agency"], now=NOW
    )


def test_dates_are_utc_loose_ones_parsed_future_ones_clamped() -> None:
    iso = norm(raw(published="2026-02-28T10:00:00+02:00"))
    assert iso.published_at == datetime(2026, 2, 28, 8, 0, tzinfo=UTC) and not iso.date_flags
    loose = norm(raw(published="28 febbraio 2026 ore 10:30"))
    assert loose.published_at == datetime(2026, 2, 28, 10, 30, tzinfo=UTC)
    assert "published_parsed_loosely" in loose.date_flags
    future = norm(raw(published_utc=(NOW + timedelta(days=2)).timestamp()))
    assert future.published_at == NOW and "future_clamped" in future.date_flags
    missing = norm(raw())
    assert missing.published_at is None and "missing" in missing.date_flags
    garbage = norm(raw(published="not a date at all"))
    assert "published_unparsed" in garbage.date_flags


def test_entry_fields() -> None:
    e = norm(
        raw(
            summary="<p>Lead</p>",
            content="<div>Lead</div>",
            authors=["A", "A", " B "],
            tags=["Politica", "agency"],
        )
    )
    assert e.url == "https://www.example.com/a"
    assert e.source == "example.com" and e.lang == "it"
    assert e.content == ""  # same as the summary: not repeated
    assert e.authors == ["A", "B"] and e.tags == ["Politica", "agency"]
    guid_only = norm(raw(link=None, guid="https://www.example.com/perma/1"))
    assert guid_only.url == "https://www.example.com/perma/1"
    no_link = norm(raw(link=None, guid="tag:example.com,2026:1"))
    # no link at all: the GUID (a URI) stands in as the URL; the fetch stage will not download it
    assert no_link.url == "tag:example.com,2026:1" and no_link.article_id


@pytest.mark.parametrize(
    ("url", "expected", "source"),
    [
        ("http://[2001:DB8::1]:8080/a?utm_source=x", "http://[2001:db8::1]:8080/a", "2001:db8::1"),
        ("https://[::1]/", "https://[::1]/", "::1"),
    ],
)
def test_ipv6_hosts_keep_their_brackets(url: str, expected: str, source: str) -> None:
    assert canonical_url(url) == expected
    entry = norm(raw(link=url))
    assert entry.url == expected and entry.source == source


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://host:99999/x",  # a port out of range
        "http://[::1/x",  # an open bracket
        "http:///no-host",
    ],
)
def test_a_link_that_is_not_http_is_no_link(link: str) -> None:
    entry = norm(raw(link=link, guid="urn:example:7"))
    assert entry.url == "urn:example:7"  # the item is known by its GUID
    hostile_guid = norm(raw(link=link, guid="javascript:alert(2)"))
    assert hostile_guid.url == f"urn:newsstream:{hostile_guid.article_id}"
    assert hostile_guid.guid == "javascript:alert(2)"  # kept, but never where links go
    with pytest.raises(ValueError, match="neither"):
        norm(raw(link=link, guid=None))

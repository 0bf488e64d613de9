"""Parsing: formats, bozo handling, hints, and the refusal of hostile documents."""

from __future__ import annotations

import json

import pytest
from feedserver import billion_laughs

from streams.feed_parser import FeedParseError, parse_feed

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title><id>urn:x</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title>One</title><id>urn:1</id><link href="/news/1"/>
<updated>2026-01-02T10:00:00Z</updated><published>2026-01-02T09:00:00+01:00</published>
<author><name>Ada</name></author><category term="economy"/>
<summary type="html">&lt;p&gt;Lead&lt;/p&gt;</summary>
<content type="html">&lt;p&gt;Full text&lt;/p&gt;</content>
</entry></feed>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://x/"><title>R</title><link>http://x/</link><description>d</description>
<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>
<item rdf:about="http://x/1"><title>Item</title><link>http://x/1</link>
<dc:date>2026-01-05T08:00:00Z</dc:date><dc:creator>Bob</dc:creator></item>
</rdf:RDF>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<link>http://old/</link><description>d</description><ttl>30</ttl>
<item><title>Old item</title><link>http://old/1</link><description>Text</description></item>
</channel></rss>"""


def test_atom() -> None:
    feed = parse_feed(ATOM, url="https://site.example/feed.atom")
    assert feed.format == "atom10"
    (e,) = feed.entries
    assert e.link == "https://site.example/news/1"  # relative link resolved
    assert e.guid == "urn:1" and e.authors == ["Ada"] and e.tags == ["economy"]
    assert e.content == "<p>Full text</p>"
    assert e.published_utc is not None and e.updated_utc is not None
    assert e.published_utc < e.updated_utc


def test_rss1_and_sy_hints() -> None:
    feed = parse_feed(RSS1, url="http://x/rss")
    assert feed.format == "rss10" and feed.interval_hint == 1800
    assert feed.entries[0].authors == ["Bob"]
    assert feed.entries[0].updated_utc is not None  # dc:date: the normaliser falls back to it


def test_rss091_and_ttl() -> None:
    feed = parse_feed(RSS091, url="http://old/rss")
    assert feed.format == "rss091u" or feed.format.startswith("rss09")
    assert feed.interval_hint == 30 * 60 and feed.entries[0].summary == "Text"


def test_json_feed_detection_and_fields() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "authors": [{"name": "Desk"}],
            "items": [
                {
                    "id": 5,
                    "url": "https://j/5",
                    "content_text": "Body",
                    "date_modified": "2026-01-01T00:00:00Z",
                }
            ],
        }
    ).encode()
    feed = parse_feed(body, url="https://j/feed", content_type="application/json")
    (e,) = feed.entries
    assert feed.format == "json11" and e.guid == "5" and e.authors == ["Desk"]
    assert e.content == "Body" and e.updated == "2026-01-01T00:00:00Z"
    with pytest.raises(FeedParseError):
        parse_feed(b'{"version": "nope", "items": []}', url="u", content_type="application/json")


def test_entity_declarations_are_refused_before_parsing() -> None:
    with pytest.raises(FeedParseError) as caught:
        parse_feed(billion_laughs(), url="http://evil/")
    assert caught.value.hostile
    utf16 = billion_laughs().decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"')
    with pytest.raises(FeedParseError):
        parse_feed(utf16.encode("utf-16"), url="http://evil/")
    external = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r/>'
    with pytest.raises(FeedParseError):
        parse_feed(external, url="http://evil/")


def test_errors_for_things_that_are_not_feeds() -> None:
    for body in (b"", b"   ", b"<html><body>Not a feed</body></html>", b"<rss><chan"):
        with pytest.raises(FeedParseError):
            parse_feed(body, url="http://x/")


def test_entry_cap() -> None:
    items = "".join(f"<item><title>{i}</title><link>http://x/{i}</link></item>" for i in range(50))
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, url="http://x/", max_entries=20)
    assert len(feed.entries) == 20 and feed.truncated == 30


def json_items_body(items: list[object], *, tail: bytes = b"") -> bytes:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    return body[:-2] + tail + b"]}" if tail else body


GOOD = [
    {"id": "g1", "url": "https://j.example/1", "title": "First good item"},
    {"id": "g2", "url": "/2", "title": "Second good item"},  # relative: resolved
]


@pytest.mark.parametrize(
    ("bad", "reason", "detail"),
    [
        ({"id": "b", "url": "https://j.example/b", "title": 5}, "wrong_type", "title is int"),
        ({"id": "b", "url": ["https://j.example/b"]}, "wrong_type", "url is list"),
        (
            {"id": "b", "url": "https://j.example/b", "date_published": {"y": 2026}},
            "wrong_type",
            "date_published is dict",
        ),
        ({"id": ["b"], "url": "https://j.example/b"}, "wrong_type", "id is list"),
        ({"id": "b", "url": "https://j.example/b", "tags": "politics"}, "wrong_type", "tags"),
        ("just a string", "wrong_type", "not str"),
        (
            {"id": "b", "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
            "too_deep",
            "nested deeper",
        ),
    ],
)
def test_a_bad_json_item_is_skipped_not_its_feed(bad: object, reason: str, detail: str) -> None:
    body = json_items_body([GOOD[0], bad, GOOD[1]])
    feed = parse_feed(body, url="https://j.example/feed.json", content_type="application/json")
    assert [e.link for e in feed.entries] == ["https://j.example/1", "https://j.example/2"]
    (skipped,) = feed.skipped
    assert skipped.index == 1 and skipped.reason == reason and detail in skipped.detail


def test_ten_thousand_levels_of_nesting_skip_one_item() -> None:
    deep = b'{"id": "deep", "url": "https://j.example/d", "title": "[{ not structure",'
    deep += b'"_ext": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    body = json_items_body(
        GOOD, tail=b", " + deep + b', {"id": "g3", "url": "https://j.example/3"}'
    )
    with pytest.raises(RecursionError):
        json.loads(body)  # what failed the whole feed before
    feed = parse_feed(body, url="https://j.example/feed.json", content_type="application/json")
    assert [e.guid for e in feed.entries] == ["g1", "g2", "g3"]
    assert [(s.index, s.reason) for s in feed.skipped] == [(2, "too_deep")]


def test_a_bad_rss_item_is_skipped_not_its_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    import streams.feed_parser as fp

    original = fp._from_feedparser

    def flaky(e: object) -> object:  # stands in for feedparser output we cannot read
        if "poison" in str(e.get("title")):  # type: ignore[attr-defined]
            raise AttributeError("'int' object has no attribute 'get'")
        return original(e)

    monkeypatch.setattr(fp, "_from_feedparser", flaky)
    items = "".join(
        f"<item><title>{t}</title><link>http://x/{i}</link></item>"
        for i, t in enumerate(["one", "poison", "three"])
    )
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, url="http://x/")
    assert [e.title for e in feed.entries] == ["one", "three"]
    assert [(s.index, s.reason) for s in feed.skipped] == [(1, "error")]
    assert "AttributeError" in feed.skipped[0].detail


def rss_titles(*titles: bytes, declared: bytes = b"utf-8") -> bytes:
    items = b"".join(
        b"<item><title>%s</title><link>http://x/%d</link></item>" % (t, i)
        for i, t in enumerate(titles)
    )
    return (
        b'<?xml version="1.0" encoding="%s"?><rss version="2.0"><channel><title>t</title>'
        b"%s</channel></rss>" % (declared, items)
    )


def test_broken_utf8_in_one_item_leaves_the_others_readable() -> None:
    # feedparser alone reads the whole document as windows-1252: "CittÃ\xa0 di KÃ¶ln"
    body = rss_titles("Città di Köln — già".encode(), b"bad \xff\xfe byte \xc3\x28 here")
    parsed = parse_feed(body, url="http://x/", content_type="application/rss+xml; charset=utf-8")
    assert [e.title for e in parsed.entries] == [
        "Città di Köln — già",
        "bad \ufffd\ufffd byte \ufffd( here",
    ]
    assert "2 invalid UTF-8 sequences replaced" in (parsed.bozo_reason or "")


def test_legacy_text_declared_utf8_is_still_read_as_legacy() -> None:
    body = rss_titles("Città, caffè e perché: “sì” – 5 €".encode("cp1252"))
    (entry,) = parse_feed(body, url="http://x/", content_type="text/xml").entries
    assert entry.title == "Città, caffè e perché: “sì” – 5 €"
    latin = rss_titles("Città \xff".encode("latin-1"), b"caf\xe9", declared=b"ISO-8859-1")
    assert [e.title for e in parse_feed(latin, url="http://x/").entries] == ["Città ÿ", "café"]

"""The feed list: the user's ``settings.poller.feeds_file``, and OPML in and out.

The file holds what a person decides (URL, name, language, tags); what the poller learns about
a feed (validators, failures, disabled, a moved URL) lives in the poller's state tables, so the
file stays hand-editable and is never rewritten behind the user's back except by these commands.
Until the user's file exists the list is the tracked seed, ``poller.default_feeds_file``
(config/feeds.yaml), which is never written: the first change copies it to the user's file.
Changes go through ruamel.yaml's round trip, so the comments and layout of the file stay.

    feeds:
      - url: https://www.ansa.it/sito/ansait_rss.xml
        name: ANSA
        lang: it
        tags: [agency]
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from streams.errors import ConfigError
from streams.feed_parser import FeedParseError, reject_entity_declarations
from streams.settings import Settings, check_http_url, describe_validation_error, language_code


class Feed(BaseModel):
    url: str
    name: str
    lang: str | None = None
    tags: list[str] = []

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return check_http_url(value)  # no spaces, http(s), a host

    @field_validator("lang")
    @classmethod
    def _lang_code(cls, value: str | None) -> str | None:
        return language_code(value) if value else None


class FeedList(BaseModel):
    feeds: list[Feed] = []


class FeedListError(ConfigError):
    """The feed list or an OPML file could not be read or changed as asked (one line)."""


def load_feeds(path: Path) -> list[Feed]:
    """The feeds of ``path`` (none when it does not exist); a broken file is a FeedListError
    that names the file and the line or the entry at fault."""
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FeedListError(f"{path} is not valid YAML{where}: {exc.problem}") from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise FeedListError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    try:
        return FeedList.model_validate(data).feeds
    except ValidationError as exc:
        raise FeedListError(f"{path}: {describe_validation_error(exc)}") from None


def feed_list_file(settings: Settings) -> Path:
    """The file the feed list is read from: the user's, or the seed until there is one."""
    poller = settings.poller
    return poller.feeds_file if poller.feeds_file.is_file() else poller.default_feeds_file


def _round_trip() -> YAML:
    rt = YAML()  # round trip: comments, order and flow style are kept
    rt.width = 100
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _entry(feed: Feed) -> CommentedMap:
    entry = CommentedMap(feed.model_dump(exclude_defaults=True))
    if feed.tags:
        tags = CommentedSeq(feed.tags)
        tags.fa.set_flow_style()  # tags: [agency, italy], as the seed writes them
        entry["tags"] = tags
    return entry


def edit_feeds(settings: Settings, change: Callable[[CommentedSeq], None]) -> Path:
    """Apply ``change`` to the list's ``feeds`` sequence and write the user's file atomically
    (a crash never leaves half a file), keeping every comment; returns the file written."""
    source = feed_list_file(settings)
    load_feeds(source)  # a broken list is said as such before anything is written
    rt = _round_trip()
    doc: Any = rt.load(source.read_text(encoding="utf-8")) if source.is_file() else None
    if not isinstance(doc, CommentedMap):
        doc = CommentedMap()
    if not isinstance(doc.get("feeds"), CommentedSeq):
        doc["feeds"] = CommentedSeq()
    change(doc["feeds"])
    out = io.StringIO()
    rt.dump(doc, out)
    path = settings.poller.feeds_file
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path


def save_feeds(path: Path, feeds: list[Feed]) -> None:
    """Write a whole new list to ``path`` (tests, benchmarks); edits go through edit_feeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"feeds": [f.model_dump(exclude_defaults=True) for f in feeds]}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    tmp.replace(path)


def list_feeds(settings: Settings) -> list[Feed]:
    return load_feeds(feed_list_file(settings))


def default_name(url: str) -> str:
    """A feed's name when none is given: its host and path ("ansa.it/sito/ansait_rss.xml")."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}" or url


def find_feed(feeds: list[Feed], key: str) -> Feed | None:
    """The feed whose URL is ``key``, or whose name is it (in any case)."""
    key = key.strip()
    by_url = [f for f in feeds if f.url == key]
    if by_url:
        return by_url[0]
    by_name = [f for f in feeds if f.name.casefold() == key.casefold()]
    if len(by_name) > 1:
        raise FeedListError(f"{len(by_name)} feeds are named {key!r}: give the URL instead")
    return by_name[0] if by_name else None


def add_feed(
    settings: Settings,
    url: str,
    *,
    name: str | None = None,
    lang: str | None = None,
    tags: list[str] | None = None,
) -> Feed:
    """Add a feed; raises :class:`FeedListError` when the URL is already listed or bad."""
    feeds = list_feeds(settings)
    try:
        feed = Feed(
            url=url, name=name or default_name(url.strip()), lang=lang, tags=list(tags or [])
        )
    except ValidationError as exc:
        raise FeedListError(describe_validation_error(exc)) from None
    if any(f.url == feed.url for f in feeds):
        raise FeedListError(f"already listed: {feed.url}")
    edit_feeds(settings, lambda seq: seq.append(_entry(feed)))
    return feed


def remove_feed(settings: Settings, key: str) -> Feed | None:
    """Remove a feed by URL or name; None when it was not listed."""
    feed = find_feed(list_feeds(settings), key)
    if feed is None:
        return None

    def drop(seq: CommentedSeq) -> None:
        for i, item in enumerate(seq):
            if isinstance(item, dict) and str(item.get("url", "")).strip() == feed.url:
                del seq[i]
                return

    edit_feeds(settings, drop)
    return feed


def rename_feed(settings: Settings, key: str, new_name: str) -> Feed:
    """Give a feed (by URL or name) a new display name."""
    new_name = " ".join(new_name.split())
    if not new_name:
        raise FeedListError("a feed's name cannot be empty")
    feed = find_feed(list_feeds(settings), key)
    if feed is None:
        raise FeedListError(f"not in the list: {key}")

    def rename(seq: CommentedSeq) -> None:
        for item in seq:
            if isinstance(item, dict) and str(item.get("url", "")).strip() == feed.url:
                item["name"] = new_name

    edit_feeds(settings, rename)
    return feed.model_copy(update={"name": new_name})


def parse_opml(data: bytes) -> list[Feed]:
    """Feeds of an OPML document (nested outlines included; category -> tags)."""
    try:
        reject_entity_declarations(data)
        root = ET.fromstring(data)
    except (FeedParseError, ET.ParseError) as exc:
        raise FeedListError(f"not a usable OPML document: {exc}") from exc
    feeds: list[Feed] = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if not url:
            continue
        categories = outline.get("category") or ""
        tags = [t.strip().strip("/") for t in categories.split(",") if t.strip().strip("/")]
        try:
            feeds.append(
                Feed(
                    url=url,
                    name=outline.get("title") or outline.get("text") or url,
                    lang=outline.get("language") or None,
                    tags=tags,
                )
            )
        except ValueError:
            continue  # not an http(s) feed
    return feeds


def import_opml(settings: Settings, opml_file: Path) -> tuple[list[Feed], list[Feed]]:
    """Add the OPML's feeds to the list: returns (added, already listed)."""
    imported = parse_opml(opml_file.read_bytes())
    feeds = list_feeds(settings)
    known = {f.url for f in feeds}
    added: list[Feed] = []
    skipped: list[Feed] = []
    for feed in imported:
        if feed.url in known:
            skipped.append(feed)
        else:
            known.add(feed.url)
            added.append(feed)
    if added:
        edit_feeds(settings, lambda seq: seq.extend(_entry(f) for f in added))
    return added, skipped


def to_opml(feeds: list[Feed], *, title: str = "newsstream feeds") -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.lang:
            attrs["language"] = feed.lang
        if feed.tags:
            attrs["category"] = ",".join(f"/{t}" for t in feed.tags)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def export_opml(settings: Settings, opml_file: Path | None = None) -> bytes:
    """The feed list as OPML 2.0; written to ``opml_file`` when given."""
    data = to_opml(list_feeds(settings))
    if opml_file is not None:
        opml_file.write_bytes(data)
    return data

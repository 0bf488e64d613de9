"""The feed list: ``config/feeds.yaml`` (or ``settings.poller.feeds_file``), and OPML in and out.

The file holds what a person decides (URL, name, language, tags); what the poller learns about
a feed (validators, failures, disabled, a moved URL) lives in the poller's state tables, so the
file stays hand-editable and is never rewritten behind the user's back except by these commands.

    feeds:
      - url: https://www.ansa.it/sito/ansait_rss.xml
        name: ANSA
        lang: it
        tags: [agency]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError, field_validator

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


def save_feeds(path: Path, feeds: list[Feed]) -> None:
    """Write the list atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"feeds": [f.model_dump(exclude_defaults=True) for f in feeds]}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    tmp.replace(path)


def list_feeds(settings: Settings) -> list[Feed]:
    return load_feeds(settings.poller.feeds_file)


def add_feed(
    settings: Settings,
    url: str,
    *,
    name: str | None = None,
    lang: str | None = None,
    tags: list[str] | None = None,
) -> Feed:
    """Add a feed; raises :class:`FeedListError` when the URL is already listed."""
    path = settings.poller.feeds_file
    feeds = load_feeds(path)
    try:
        feed = Feed(url=url, name=name or url, lang=lang, tags=list(tags or []))
    except ValidationError as exc:
        raise FeedListError(describe_validation_error(exc)) from None
    if any(f.url == feed.url for f in feeds):
        raise FeedListError(f"already listed: {feed.url}")
    feeds.append(feed)
    save_feeds(path, feeds)
    return feed


def remove_feed(settings: Settings, url: str) -> bool:
    """Remove a feed by URL; False when it was not listed."""
    path = settings.poller.feeds_file
    feeds = load_feeds(path)
    kept = [f for f in feeds if f.url != url.strip()]
    if len(kept) == len(feeds):
        return False
    save_feeds(path, kept)
    return True


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
    path = settings.poller.feeds_file
    feeds = load_feeds(path)
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
        save_feeds(path, feeds + added)
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

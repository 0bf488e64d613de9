"""Run the extraction over article files: the logic behind ``newsstream extract``.

Input is a .txt or .json file (JSON may hold ``id``, ``text``, ``lang``, ``title``; anything else,
such as a gold annotation, is ignored) or a folder of them. Output is one object per article in the
prediction shape of ``shared/eval/README.md`` (entities, claims, figures with offsets) plus extras
(entity canonical/key, claim speaker_key, figure kind).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from agents.extraction.annotations import (
    ENTITIES_KEY,  # importing registers the Doc/Span extensions
)
from agents.language import LanguageIdentifier
from agents.pipeline import PipelineRegistry
from streams.errors import InputError
from streams.settings import load_settings

ARTICLE_SUFFIXES = (".txt", ".json")
BATCH_SIZE = 32
MAX_FILE_BYTES = 32 * 1024 * 1024  # read no more of a file than this (/dev/zero never ends)
NOT_AN_ARTICLE = "not a text or JSON article"


@dataclass(slots=True)
class Article:
    id: str
    text: str
    lang: str | None = None
    title: str | None = None
    path: str | None = None


def _entity_dicts(doc: Doc) -> list[dict[str, Any]]:
    entities = doc._.entities
    if entities is None:  # no entity component: fall back to whatever spans/ents there are
        spans = list(doc.spans.get(ENTITIES_KEY, [])) or list(doc.ents)
        return [
            {"text": s.text, "type": s.label_, "start": s.start_char, "end": s.end_char}
            for s in spans
        ]
    return [e.to_dict() for e in entities]


def extract_document(doc: Doc) -> dict[str, Any]:
    """The entities, claims and figures of one processed ``Doc``, as plain JSON-able dicts."""
    claims = [c.to_dict() for c in (doc._.claims or [])]
    figures = [f.to_dict() for f in (doc._.figures or [])]
    for item in (*claims, *figures):  # enums -> plain strings
        for key, value in item.items():
            if hasattr(value, "value") and not isinstance(value, (int, float)):
                item[key] = value.value
    entities = _entity_dicts(doc)
    for ent in entities:
        if hasattr(ent.get("type"), "value"):
            ent["type"] = ent["type"].value
    return {"entities": entities, "claims": claims, "figures": figures}


def _read_text(path: Path) -> str:
    """The file as UTF-8 text, read up to a bound; binary content is an :class:`InputError`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read it: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: larger than {MAX_FILE_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: binary, or not UTF-8") from None
    if "\x00" in text:
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: binary (it holds NUL bytes)")
    return text


def _optional_str(data: dict[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(
            str(path), f"{NOT_AN_ARTICLE}: {key!r} must be a string, not {type(value).__name__}"
        )
    return value or None


def _article_from_file(path: Path) -> Article:
    """A .txt file is the article's text; anything else must be a JSON object with ``text``."""
    text = _read_text(path)
    if path.suffix == ".txt":
        return Article(id=path.stem, text=text, path=str(path))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: JSON must be an object with a text")
    if not isinstance(data.get("text"), str):
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: JSON needs a string field 'text'")
    raw_id = data.get("id")
    if raw_id is not None and not isinstance(raw_id, (str, int)):
        raise InputError(str(path), f"{NOT_AN_ARTICLE}: 'id' must be a string or a number")
    return Article(
        id=str(raw_id or path.stem),
        text=data["text"],
        lang=_optional_str(data, "lang", path),
        title=_optional_str(data, "title", path),
        path=str(path),
    )


def read_articles(paths: Iterable[str | Path]) -> Iterator[Article]:
    """The articles in ``paths`` (files, or folders read in name order, not recursively).

    Raises :class:`InputError` for a file that is no article (binary, JSON of another shape).
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.suffix in ARTICLE_SUFFIXES and p.is_file()
            )
        elif path.exists():
            files = [path]  # a device or a pipe too: the bounded read decides
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
        for file in files:
            yield _article_from_file(file)


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def extract_articles(
    articles: Iterable[Article],
    registry: PipelineRegistry,
    lang: str = "auto",
    *,
    identifier: LanguageIdentifier | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """One result per article, in input order.

    ``lang="auto"`` detects the language of articles that don't state one; ``lang="detect"``
    detects it for every article; any other value is the language of all of them.
    """
    max_chars = registry.settings.max_chars
    if identifier is None and lang in ("auto", "detect"):
        identifier = LanguageIdentifier(registry.settings)
    for batch in _batches(articles, batch_size):
        langs: list[str] = []
        detected: list[bool] = []
        for article in batch:
            if lang not in ("auto", "detect"):
                langs.append(lang)
                detected.append(False)
            elif lang == "auto" and article.lang:
                langs.append(article.lang)
                detected.append(False)
            else:
                assert identifier is not None
                langs.append(identifier.detect(article.text, hint=article.lang).lang)
                detected.append(True)
        results: list[dict[str, Any] | None] = [None] * len(batch)
        for code in dict.fromkeys(registry.resolve(x) for x in langs):
            indices = [i for i, x in enumerate(langs) if registry.resolve(x) == code]
            nlp = registry.get(code)
            texts = ((batch[i].text[:max_chars], i) for i in indices)
            for doc, i in nlp.pipe(texts, as_tuples=True, batch_size=batch_size):
                article = batch[i]
                results[i] = {
                    "id": article.id,
                    "lang": langs[i],
                    "lang_detected": detected[i],
                    "pipeline_lang": code,
                    "title": article.title,
                    "truncated": len(article.text) > max_chars,
                    **extract_document(doc),
                }
        for result in results:
            assert result is not None
            yield result


def extract_paths(
    paths: Iterable[str | Path], registry: PipelineRegistry, lang: str = "auto"
) -> Iterator[dict[str, Any]]:
    """Read the articles in ``paths`` and yield one extraction result per article."""
    return extract_articles(read_articles(paths), registry, lang)


def _table(results: Sequence[dict[str, Any]]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(
            f"== {result['id']} [{result['lang']}]"
            + (f" {result['title']}" if result.get("title") else "")
        )
        for ent in result["entities"]:
            lines.append(f"  ENT    {ent['type']:<8} {ent['text']:<32} {ent.get('key') or ''}")
        for claim in result["claims"]:
            via = f" via {claim['via']}" if claim.get("via") else ""
            text = claim["text"].replace("\n", " ")
            lines.append(
                f"  CLAIM  {claim['kind']:<8} {claim.get('speaker') or '?'}{via}: {text[:90]}"
            )
        for fig in result["figures"]:
            parts = [f"{fig['value']:g}", fig.get("unit") or "", fig.get("counts") or ""]
            qual = f" ({fig['qualifier']})" if fig.get("qualifier") else ""
            lines.append(f"  FIG    {fig['text']:<20} = {' '.join(p for p in parts if p)}{qual}")
    return "\n".join(lines) + ("\n" if lines else "")


def format_results(results: Iterable[dict[str, Any]], fmt: str = "jsonl") -> str:
    """``json`` (one array), ``jsonl`` (one object a line) or ``table`` (for people)."""
    items = list(results)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if fmt == "table":
        return _table(items)
    raise ValueError(f"unknown format {fmt!r}: use json, jsonl or table")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.extract", description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--format", default="jsonl", choices=("json", "jsonl", "table"))
    parser.add_argument("--lang", default="auto", help="auto | detect | a language code")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    registry = PipelineRegistry(load_settings().nlp)
    text = format_results(extract_paths(args.paths, registry, args.lang), args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

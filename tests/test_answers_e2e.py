"""Issue 12's "done when", end to end: the dev articles served by local feeds -> `newsstream run`
-> Elasticsearch -> `newsstream claims`, `figures` and `search`.

The articles are the gold-annotated dev set, read from ../shared/eval/dev at run time (never
copied into the project), one feed per language, plus a story written for this test (the Pentagon
without Ukraine) and a wire service's copy of one article on a feed of its own. Everything is real:
HTTP on 127.0.0.1, Kafka, the worker, the extraction pipelines and Elasticsearch.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EVAL_DEV_DIR
from elasticsearch import AsyncElasticsearch
from feedserver import FeedServer, rss, rss_date
from pipeline_helpers import (
    NewsstreamProcess,
    cli,
    local_feeds_settings,
    wait_indexed,
    write_config,
)

from streams.settings import AnswerKind, Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TRIAL_STORY = {
    "id": "trial-pentagon",
    "lang": "en",
    "title": "Pentagon reviews its drone budget for next year",
    "text": (
        "The Pentagon is reviewing how much it spends on drones, its spokesman said on Tuesday. "
        '"We want more of them, and cheaper," the spokesman told reporters in Washington.'
    ),
}
WIRE_COPY_OF = "fr-d05"  # an AFP story, served again by a wire feed


def dev_articles() -> list[dict[str, Any]]:
    if not EVAL_DEV_DIR.is_dir():
        pytest.skip(f"no dev articles at {EVAL_DEV_DIR}")
    return [json.loads(p.read_text()) for p in sorted(EVAL_DEV_DIR.glob("*.json"))]


def title_of(article: dict[str, Any]) -> str:
    """The article's title, else its first words (a feed item needs one)."""
    return article.get("title") or " ".join(article["text"].split()[:12])


def page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{p.strip()}</p>" for p in text.split("\n") if p.strip())
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home | World</nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>© Example</footer></body></html>"
    ).encode()


def serve(server: FeedServer, articles: list[dict[str, Any]]) -> list[dict[str, object]]:
    """One feed per language, and a wire feed with a copy of WIRE_COPY_OF."""
    now = time.time()
    by_lang: dict[str, list[dict[str, object]]] = {}
    for n, article in enumerate(articles):
        title = title_of(article)
        link = server.set(
            f"/{article['lang']}/{article['id']}.html",
            body=page(title, article["text"]),
            content_type="text/html; charset=utf-8",
        )
        by_lang.setdefault(article["lang"], []).append(
            {
                "title": title,
                "link": link,
                "description": article["text"][:300],
                "pubDate": rss_date(now - 600 * (n + 1)),
            }
        )
        if article["id"] == WIRE_COPY_OF:
            copy = server.set(
                f"/wire/{article['id']}.html",
                body=page(title, article["text"]),
                content_type="text/html; charset=utf-8",
            )
            by_lang.setdefault("wire", []).append(
                {**by_lang[article["lang"]][-1], "link": copy, "pubDate": rss_date(now)}
            )
    feeds: list[dict[str, object]] = []
    for lang, items in by_lang.items():
        url = server.set(f"/{lang}/rss.xml", body=rss(items, title=f"Dev {lang}"), etag="auto")
        feed: dict[str, object] = {"url": url, "name": f"Dev {lang.upper()}", "tags": ["test"]}
        if lang != "wire":
            feed["lang"] = lang
        feeds.append(feed)
    return feeds


async def count(settings: Settings, index: str) -> int:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=index)
        return int((await es.count(index=index))["count"])
    finally:
        await es.close()


def answers(config: Path, *args: str) -> dict[str, Any]:
    result = cli(*args, "--json", env={"NEWSSTREAM_CONFIG": str(config)})
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


async def test_the_analysts_answers_from_the_dev_articles(
    pipeline_settings: Settings, tmp_path: Path
) -> None:
    articles = [*dev_articles(), TRIAL_STORY]
    expected = len(articles) + 1  # and the wire copy
    with FeedServer() as server:
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(yaml.safe_dump({"feeds": serve(server, articles)}))
        settings = local_feeds_settings(pipeline_settings, feeds_file)
        config = write_config(settings, tmp_path / "settings.yaml")
        proc = NewsstreamProcess(config, "run", log=tmp_path / "run.log")
        try:
            await wait_indexed(
                proc, lambda: count(settings, settings.elasticsearch.alias), expected, 600, every=3
            )
        finally:
            code = proc.stop()
        assert code == 0, proc.output()[-3000:]
        assert "Traceback" not in proc.output(), proc.output()[-3000:]
        assert " ERROR " not in proc.output(), proc.output()[-3000:]

    claims_alias = settings.elasticsearch.answers_alias(AnswerKind.CLAIMS)
    assert await count(settings, claims_alias) > len(articles)  # one document per claim

    by_afp = answers(config, "claims", "--via", "AFP")
    assert by_afp["rows"], by_afp
    assert all(r["via_key"] and r["speaker"] for r in by_afp["rows"][:3]), by_afp["rows"][:3]
    assert {r["lang"] for r in by_afp["rows"]} >= {"fr"}
    # the wire copy's claims are its original's rows, said once
    assert any(r["copies"] for r in by_afp["rows"]), by_afp["rows"]

    ryder = answers(config, "claims", "--speaker", "patrick ryder")
    assert ryder["rows"] and all(r["speaker_key"] == "person:patrick ryder" for r in ryder["rows"])
    assert ryder["rows"][0]["via"] is not None or len(ryder["rows"]) > 1

    personnes = answers(config, "figures", "--counts", "personnes")
    assert personnes["rows"], personnes
    row = personnes["rows"][0]
    assert row["value"] is not None and row["counts"] == "personnes" and row["sentence"]
    assert any(r["speaker"] for r in personnes["rows"]), personnes["rows"]

    # the phrase and the exclusion: the trial story has the Pentagon, en-d03 also Ukraine
    pentagon = answers(config, "search", '"Pentagon" -Ukraine')
    assert [h["url"].rsplit("/", 1)[-1] for h in pentagon["hits"]] == ["trial-pentagon.html"]
    assert answers(config, "search", '"Pentagon"')["total"] == 2

    # the wire copy is collapsed into its story
    everything = answers(config, "search", "--size", "100", "--facets", "0")
    assert everything["total"] == expected and everything["stories"] == expected - 1
    assert sum(h["copies"] for h in everything["hits"]) == 1

"""End to end: a local feed server -> `newsstream run` -> Elasticsearch -> `newsstream search`.

Everything is real: HTTP on 127.0.0.1, the Kafka broker, the Faust worker, the extraction
pipelines and Elasticsearch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from elasticsearch import AsyncElasticsearch
from feedserver import FeedServer, rss, rss_date
from pipeline_helpers import NewsstreamProcess, local_feeds_settings, wait_indexed, write_config

from streams.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STORIES = {
    "it": [
        (
            "Zelensky: «Nessun Paese dovrebbe subire tutto questo»",
            "«Nessun Paese dovrebbe subire tutto questo», ha commentato il presidente ucraino "
            "Volodymyr Zelensky. Almeno altri 3.000 soldati nordcoreani sono arrivati in Russia, "
            "ha riferito il comando di stato maggiore sudcoreano, citato dalla Cnn.",
        ),
        (
            "Maltempo, 20 milioni per l'Emilia-Romagna",
            "Il governo ha stanziato 20 milioni di euro per l'Emilia-Romagna, ha detto il ministro "
            "Nello Musumeci. Secondo la Regione, circa 220 strade sono ancora chiuse.",
        ),
    ],
    "en": [
        (
            "North Korea sends troops to Russia",
            "North Korea has sent more than 3,000 soldiers to Russia, the South Korean military "
            'said on Wednesday. "This is a grave provocation," a spokesman told Reuters.',
        ),
    ],
    "de": [
        (
            "Nordkorea schickt Soldaten",
            "Nordkorea hat rund 3.000 Soldaten nach Russland geschickt, sagte ein Sprecher des "
            "Verteidigungsministeriums in Seoul laut dpa.",
        ),
    ],
}


def page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in text.split(". ") if s.strip())
    return (
        f"<html><head><title>{title}</title></head><body><nav>Home | World</nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>© Example</footer></body></html>"
    ).encode()


def serve_feeds(server: FeedServer) -> list[dict[str, object]]:
    feeds = []
    now = time.time()
    for lang, stories in STORIES.items():
        items = []
        for i, (title, text) in enumerate(stories):
            link = server.set(
                f"/{lang}/story-{i}.html",
                body=page(title, text),
                content_type="text/html; charset=utf-8",
            )
            items.append(
                {
                    "title": title,
                    "link": link + "?utm_source=rss",
                    "description": text[:120],
                    "pubDate": rss_date(now - 600 * (i + 1)),
                }
            )
        url = server.set(f"/{lang}/rss.xml", body=rss(items, title=f"Example {lang}"), etag="auto")
        feeds.append(
            {"url": url, "name": f"Example {lang.upper()}", "lang": lang, "tags": ["test"]}
        )
    # a wire service's copy of the English story, on a page and a feed of its own
    title, text = STORIES["en"][0]
    link = server.set(
        "/wire/story.html", body=page(title, text), content_type="text/html; charset=utf-8"
    )
    item = {"title": title, "link": link, "description": text[:120], "pubDate": rss_date(now)}
    url = server.set("/wire/rss.xml", body=rss([item], title="Example Wire"), etag="auto")
    feeds.append({"url": url, "name": "Example Wire", "lang": "en", "tags": ["test"]})
    return feeds


def newsstream(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSSTREAM_CONFIG": str(config)}
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def count(settings: Settings) -> int:
    es = AsyncElasticsearch(settings.elasticsearch.url)
    try:
        await es.indices.refresh(index=settings.elasticsearch.alias)
        return int((await es.count(index=settings.elasticsearch.alias))["count"])
    finally:
        await es.close()


async def test_feeds_to_search_with_facets(pipeline_settings: Settings, tmp_path: Path) -> None:
    expected = sum(len(s) for s in STORIES.values()) + 1  # and the wire copy
    with FeedServer() as server:
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(yaml.safe_dump({"feeds": serve_feeds(server)}))
        settings = local_feeds_settings(pipeline_settings, feeds_file)
        config = write_config(settings, tmp_path / "settings.yaml")
        proc = NewsstreamProcess(config, "run", log=tmp_path / "run.log")
        try:
            await wait_indexed(proc, lambda: count(settings), expected, 300)
            # the article pages were fetched, not only the feed summaries
            assert all(server.hits[f"/{lang}/story-0.html"] >= 1 for lang in STORIES)
        finally:
            code = proc.stop()
        assert code == 0, proc.output()[-3000:]
        # it said what runs and what to try next, and a normal run logs no error
        assert "next: in another terminal, `newsstream status`" in proc.output()
        assert " ERROR " not in proc.output(), proc.output()[-3000:]

    result = newsstream(config, "search", "soldati", "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["total"] == 1
    hit = found["hits"][0]
    assert hit["lang"] == "it" and "[soldati]" in " ".join(hit["highlights"])
    assert "utm_source" not in hit["url"]

    everything = json.loads(newsstream(config, "search", "--json", "--size", "20").stdout)
    assert everything["total"] == expected
    facets = {
        name: dict((b["value"], b["count"]) for b in buckets)
        for name, buckets in everything["facets"].items()
    }
    assert facets["lang"] == {"it": 2, "en": 2, "de": 1}
    assert everything["stories"] == expected - 1  # the wire copy is no story of its own
    assert facets["person"].get("Volodymyr Zelensky") == 1
    assert "Volodymyr Zelensky" in facets["speaker"]
    assert facets["figure_kind"].get("count", 0) >= 3

    by_person = json.loads(
        newsstream(config, "search", "--person", "Volodymyr Zelensky", "--json").stdout
    )
    assert by_person["total"] == 1

    table = newsstream(config, "search", "Nordkorea")
    assert table.returncode == 0 and "1 article(s)" in table.stdout

    # a phrase and an exclusion; the wire copy collapsed into its story
    korea = json.loads(newsstream(config, "search", '"North Korea" -Seoul', "--json").stdout)
    assert korea["total"] == 2 and korea["stories"] == 1
    (story,) = korea["hits"]
    assert story["copies"] == 1 and story["lang"] == "en"
    assert story["claims"], story  # who said what comes with the hit
    assert (
        json.loads(newsstream(config, "search", '"North Korea" -soldiers', "--json").stdout)[
            "total"
        ]
        == 0
    )

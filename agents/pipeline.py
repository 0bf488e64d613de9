"""One spaCy pipeline per language, built from :class:`NlpSettings` and loaded once per process.

A language runs on its configured trained pipeline (an installed package name or a model directory)
when there is one, else on ``spacy.blank(lang)`` with a lookup lemmatizer (spacy-lookups-data) and a
sentencizer. The project's own components (entities, claims, figures) always run on top, so the
extraction works on a machine that never downloaded a model.
"""

from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from agents.extraction.bounded_tokenizer import BoundedTokenizer
from streams.settings import NlpSettings

log = logging.getLogger(__name__)

OUR_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("newsstream_entities", "agents.extraction.entities"),
    ("newsstream_claims", "agents.extraction.claims"),
    ("newsstream_figures", "agents.extraction.figures"),
)
"""(factory, module registering it), in pipeline order."""


@dataclass(frozen=True, slots=True)
class PipelineInfo:
    """What a language runs on, for ``newsstream models list`` and the enrichment record."""

    lang: str
    base: str  # the package name / model directory, or "blank"
    trained: bool
    lemmatizer: bool
    components: tuple[str, ...]
    note: str | None = None

    @property
    def description(self) -> str:
        if self.trained:
            return self.base
        return "blank + lookups" if self.lemmatizer else "blank"


def _load_trained(name: str) -> Language | None:
    """Load an installed package or a model directory; ``None`` (with a warning) when absent."""
    is_dir = Path(name).expanduser().is_dir()
    try:
        return spacy.load(Path(name).expanduser() if is_dir else name)
    except OSError as exc:  # spaCy's "can't find model" is an OSError
        log.warning("trained pipeline %r not available (%s); using spacy.blank", name, exc)
        return None


def _add_lookup_lemmatizer(nlp: Language) -> bool:
    """Add a lookup lemmatizer when spacy-lookups-data has a table for the language."""
    try:
        lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        lemmatizer.initialize(nlp=nlp)  # type: ignore[attr-defined]
    except Exception as exc:  # no table for this language, or no lookups package
        if "lemmatizer" in nlp.pipe_names:
            nlp.remove_pipe("lemmatizer")
        log.info("no lookup lemmatizer for %r: %s", nlp.lang, exc)
        return False
    return True


def _tune_tokenizer(nlp: Language) -> None:
    """Split what news glue to names: a dash closing a quote's attribution ("- racconta Di
    Giacomo-."), a closing quote before a compound dash (German "„Bild“-Zeitung"), and the dash
    after an abbreviation ("U.S.-Mexico border"), so each name is a token of its own."""
    suffixes = [*(nlp.Defaults.suffixes or []), r"(?<=[^\W\d_]{2})-"]
    infixes = [
        *(nlp.Defaults.infixes or []),
        r"""(?<=[^\W\d_])["“”„»«'’](?=-)""",
        r"(?<=[A-Z]\.)-(?=[A-Z])",
    ]
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):  # a custom tokenizer: leave it alone
        return
    tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer


def _has_sentence_boundaries(nlp: Language) -> bool:
    """Whether an enabled component sets sentence starts (``pipe_names`` lists enabled ones)."""
    return any(name in nlp.pipe_names for name in ("parser", "senter", "sentencizer"))


def add_our_components(nlp: Language) -> list[str]:
    """Add entities, claims and figures on top of ``nlp``; a component whose module is missing is
    skipped with a warning, so a partial checkout still extracts what it can."""
    added = []
    for factory, module in OUR_COMPONENTS:
        if factory in nlp.pipe_names:
            continue
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise  # the module exists but is broken: say so, don't hide it
            log.warning("component %s skipped: cannot import %s (%s)", factory, module, exc)
            continue
        if not nlp.has_factory(factory):
            log.warning("component %s skipped: %s registers no such factory", factory, module)
            continue
        nlp.add_pipe(factory, name=factory)
        added.append(factory)
    return added


def build_base_pipeline(lang: str, model: str | None = None) -> tuple[Language, PipelineInfo]:
    """``lang``'s pipeline without our components: trained when ``model`` loads, else blank."""
    nlp = _load_trained(model) if model else None
    note = None
    if model and nlp is None:
        note = f"configured model {model!r} not found"
    trained = nlp is not None
    lemmatizer = False
    if nlp is None:
        nlp = spacy.blank(lang)
        lemmatizer = _add_lookup_lemmatizer(nlp)
    else:
        lemmatizer = "lemmatizer" in nlp.pipe_names
    _tune_tokenizer(nlp)
    if isinstance(nlp.tokenizer, Tokenizer):
        nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    if not _has_sentence_boundaries(nlp):
        nlp.add_pipe("sentencizer")
    info = PipelineInfo(
        lang=lang,
        base=model if trained and model else "blank",
        trained=trained,
        lemmatizer=lemmatizer,
        components=tuple(nlp.pipe_names),
        note=note,
    )
    return nlp, info


class PipelineRegistry:
    """Builds and caches one pipeline per language; thread-safe, loads each language once."""

    def __init__(self, settings: NlpSettings, *, with_components: bool = True) -> None:
        self.settings = settings
        self.with_components = with_components
        self._pipelines: dict[str, Language] = {}
        self._info: dict[str, PipelineInfo] = {}
        self._lock = threading.Lock()

    @property
    def languages(self) -> list[str]:
        return list(self.settings.languages)

    def resolve(self, lang: str | None) -> str:
        """The configured language to use for ``lang``: itself, or the fallback language."""
        code = (lang or "").lower().split("-")[0].split("_")[0]
        return code if code in self.settings.languages else self.settings.fallback_language

    def get(self, lang: str | None) -> Language:
        """The pipeline for ``lang`` (the fallback language's when ``lang`` isn't configured)."""
        code = self.resolve(lang)
        nlp = self._pipelines.get(code)
        if nlp is not None:
            return nlp
        with self._lock:
            if code not in self._pipelines:
                nlp, info = build_base_pipeline(code, self.settings.models.get(code))
                if self.with_components:
                    add_our_components(nlp)
                    info = PipelineInfo(
                        info.lang,
                        info.base,
                        info.trained,
                        info.lemmatizer,
                        tuple(nlp.pipe_names),
                        info.note,
                    )
                self._pipelines[code] = nlp
                self._info[code] = info
                log.info("pipeline for %s: %s %s", code, info.description, nlp.pipe_names)
            return self._pipelines[code]

    def info(self, lang: str) -> PipelineInfo:
        code = self.resolve(lang)
        self.get(code)
        return self._info[code]

    def loaded(self) -> dict[str, PipelineInfo]:
        return dict(self._info)

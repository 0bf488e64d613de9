"""The claims package's shape: layers that import only downward, the public names, and the
verb-cue constructions, each read on the example sentence its docstring opens with."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spacy

import agents.extraction.claims as claims
from agents.extraction.claims import direct, load_lexicon
from agents.extraction.claims import verb_cue as vc
from agents.extraction.claims.reader import UNIT_READERS
from agents.extraction.claims.state import DocumentState

PACKAGE = Path(claims.__file__).parent
LAYERS = (
    ("text",),
    ("lexicon",),
    ("state",),
    ("phrases",),
    ("direct", "reported", "sources", "resolve"),
    ("verb_cue",),
    ("reader",),
    ("component",),
)
"""Bottom first; a module imports only from layers below its own."""


def _layer(module: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if module in names)


def _package_imports(path: Path) -> set[str]:
    prefix = "agents.extraction.claims."
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.module.removeprefix(prefix)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix)
    }


def test_every_module_has_a_layer_and_imports_only_downward() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    assert modules == sorted(name for names in LAYERS for name in names)
    upward = [
        (module, imported)
        for module in modules
        for imported in _package_imports(PACKAGE / f"{module}.py")
        if _layer(imported) >= _layer(module)
    ]
    assert upward == []


def test_public_names_are_exported() -> None:
    assert sorted(claims.__all__) == sorted(
        name for name in vars(claims) if not name.startswith("_") and name not in _SUBMODULES
    )
    for name in claims.__all__:
        assert getattr(claims, name) is not None


_SUBMODULES = {name for names in LAYERS for name in names}


# ------------------------------------------------------------------ verb-cue constructions

_PIPELINES: dict[str, Any] = {}


def _doc(lang: str, text: str) -> Any:
    if lang not in _PIPELINES:
        nlp = spacy.blank(lang)
        nlp.add_pipe("sentencizer")
        _PIPELINES[lang] = nlp
    return _PIPELINES[lang](text)


def constructions_read(lang: str, text: str) -> list[str]:
    """The construction that read each speech verb of ``text``, innermost first: the document
    is read as ``read_document`` reads it, with the verb-cue chain walked here so that the
    construction reading a site can be named (the chains' own order, nothing replaced)."""
    state = DocumentState(_doc(lang, text), load_lexicon(lang))
    names: list[str] = []
    for index in range(len(state.units)):
        for read_unit in UNIT_READERS:
            if read_unit is not vc.read_verb_cues:
                read_unit(state, index)
                continue
            us, ue = state.units[index]
            for cm in vc.verb_cues(state, us, ue):
                if state.is_used(*cm.span()):
                    continue
                state.used.append(cm.span())
                names.append(_read_site(state, vc.CueSite.at(state, cm, index)))
    return names


def _read_site(state: DocumentState, site: vc.CueSite) -> str:
    reader: Callable[..., bool] | None = None
    for construction in vc.VERB_CUE_CONSTRUCTIONS:
        if construction is vc.content_first:
            before = vc.content_before(state, site)
            if before is not None:
                reader = vc.first_that_reads(vc.CONTENT_FIRST, state, before)
                break
        elif construction is vc.subject_first:
            reader = vc.first_that_reads(vc.SUBJECT_FIRST, state, vc.SubjectBefore(site))
            break
        elif construction(state, site):
            reader = construction
            break
    return reader.__name__ if reader is not None else "none"


EXAMPLES: list[tuple[Callable[..., bool], str, str]] = [
    (vc.anaphoric_object, "it", "Tre persone sono ferite. Lo ha detto il ministro."),
    (
        vc.anaphora_after_colon,
        "it",
        "Tre persone sono ferite: lo ha detto il prefetto, Mario Neri.",
    ),
    (vc.preposition_before, "es", "Según ha informado el ministerio, tres personas murieron."),
    (vc.aside_in_sentence, "en", "The plan, the minister said, would cost billions."),
    (
        vc.relay_clause_then_speaker,
        "de",
        "Wie die „Bild“ berichtet, sagte der Minister, die Lage sei ernst.",
    ),
    (vc.relay_clause, "en", "As the ministry said, the talks will resume."),
    (vc.pronoun_after_verb, "de", "Zugleich warnte er vor voreiligen Schlüssen."),
    (vc.relay_lead, "it", "A quanto riferisce l'agenzia Reuters, i colloqui sono falliti."),
    (vc.cue_leads, "en", "Said the minister: the talks have failed."),
    (vc.relay_after_comma, "it", "I colloqui sono falliti, come ha detto il ministro."),
    (vc.content_first, "en", "The talks have failed, said the minister."),
    (vc.subject_first, "en", "The minister said the talks have failed."),
    (
        vc.postposed_apposition,
        "en",
        "The fire spread fast, Kwame Mensah, a spokesman for the fire service, told Reuters.",
    ),
    (vc.apposed_subject, "es", "La ministra, María Jesús Montero, anunció que habrá más fondos."),
    (vc.speaker_in_frame, "de", "Die Lage ist ernst, teilte das Ministerium am Montag mit."),
    (vc.impersonal_cue, "de", "Die Gespräche sind gescheitert, hieß es aus Regierungskreisen."),
    (vc.speaker_after_cue, "en", "The talks have failed, said the minister."),
    (vc.bare_cue, "it", "I colloqui sono falliti, ha aggiunto."),
    (
        vc.subject_after_separator,
        "en",
        "The mayor, announced on Monday a new plan for the city buses and trams.",
    ),
    (
        vc.content_then_speaker,
        "en",
        "The talks between the two governments have failed after three weeks in Geneva, said the "
        "minister and he left the room.",
    ),
    (vc.content_then_subject, "de", "Die Gespräche sind gescheitert, die Polizei sagte."),
    (vc.subject_then_content, "it", "Il ministro ha detto che i colloqui riprenderanno."),
    (
        vc.long_clause_then_subject,
        "en",
        "Rescue teams searched through the night for survivors under the rubble of collapsed "
        "buildings Turkish officials said.",
    ),
]


def _first_example(construction: Callable[..., bool]) -> str:
    found = re.match(r'\s*"\s*(.+?)"', construction.__doc__ or "", re.S)
    assert found is not None, f"{construction.__name__} has no example sentence"
    return " ".join(found.group(1).split())


def test_every_construction_has_an_example() -> None:
    chains = (*vc.VERB_CUE_CONSTRUCTIONS, *vc.CONTENT_FIRST, *vc.SUBJECT_FIRST)
    assert sorted(c.__name__ for c in chains) == sorted(c.__name__ for c, _, _ in EXAMPLES)


@pytest.mark.parametrize(
    ("construction", "lang", "text"), EXAMPLES, ids=[c.__name__ for c, _, _ in EXAMPLES]
)
def test_construction_reads_its_docstring_example(
    construction: Callable[..., bool], lang: str, text: str
) -> None:
    assert _first_example(construction) in text
    read = constructions_read(lang, text)
    if construction is vc.content_first:
        assert read and set(read) <= {c.__name__ for c in vc.CONTENT_FIRST}, read
    elif construction is vc.subject_first:
        assert read and set(read) <= {c.__name__ for c in vc.SUBJECT_FIRST}, read
    else:
        assert construction.__name__ in read, read


# ------------------------------------------------------------------ quote attributions

QUOTE_EXAMPLES: list[tuple[Callable[..., Any], str, str, str | None]] = [
    (
        direct.cue_inside_quote,
        "it",
        "«Martedì notte - ha spiegato il sindaco - era stato tutto tranquillo».",
        "il sindaco",
    ),
    (direct.cue_after_quote, "it", "«Andremo avanti», ha detto il ministro.", "il ministro"),
    (
        direct.subject_and_cue_after_quote,
        "en",
        "“We will go on,” the minister said.",
        "the minister",
    ),
    (direct.naming_before_quote, "it", "Il ministro ha definito l'attacco «vile».", "Il ministro"),
    (direct.cue_before_quote, "en", "The minister said: “We will go on.”", "The minister"),
    (direct.colon_before_quote, "it", "Mario Draghi: «Il debito è sostenibile».", "Mario Draghi"),
]


def test_every_quote_attribution_has_an_example() -> None:
    assert [c for c, *_ in QUOTE_EXAMPLES] == list(direct.QUOTE_ATTRIBUTIONS)


@pytest.mark.parametrize(
    ("construction", "lang", "text", "speaker"),
    QUOTE_EXAMPLES,
    ids=[c.__name__ for c, *_ in QUOTE_EXAMPLES],
)
def test_quote_attribution_reads_its_docstring_example(
    construction: Callable[..., Any], lang: str, text: str, speaker: str | None
) -> None:
    """The sentence's one quote, read first in its unit as ``read_quotes`` reads it."""
    assert _first_example(construction) in text
    state = DocumentState(_doc(lang, text), load_lexicon(lang))
    (q,) = state.quotes
    unit = next(u for u in state.units if u[0] <= q.open < u[1])
    found = direct.first_attribution(state, direct.QuoteSite.at(state, q, unit))
    assert found is not None
    assert found[0] is construction
    assert found[1][0].text == speaker


def test_verb_cue_constructions_read_the_grammar_from_lexicon_switches_not_the_language_code() -> (
    None
):
    """Verb second, verb frames, dative outlets and expletives are lexicon switches
    (claims_de.yaml sets them), so no construction tests ``state.lang``."""
    import inspect

    from agents.extraction.claims import reported

    readers = [*vc.VERB_CUE_CONSTRUCTIONS, *vc.CONTENT_FIRST, reported.add_subject_first]
    readers += [
        f for f in vars(vc).values() if inspect.isfunction(f) and f.__module__ == vc.__name__
    ]
    assert [f.__name__ for f in readers if "state.lang" in inspect.getsource(f)] == []
    de, en = load_lexicon("de"), load_lexicon("en")
    assert de.switch("verb_second") and de.switch("verb_frame") and de.switch("dative_outlets")
    assert not (en.switch("verb_second") or en.switch("verb_frame") or en.switch("dative_outlets"))

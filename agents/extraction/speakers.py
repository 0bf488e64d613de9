"""Speaker resolution: the step after claims are found that says whom a speaker phrase names.

The claim reader writes a speaker as the text gives it at the cue: a name, but often a role ("il
titolare del dicastero", "le chef de l'Etat", "Der Präsident"), an acronym ("the PRCS"), a body
("the company", "the agency"), or a fragment a cue left behind ("M" of "M. Israël"). Analysts
filter on speakers, so each of those has to become the person or body the article names, and
carry one key for every spelling of that name ("Dmitri Peskow" and "Dmitry Peskov" are one
speaker, ``person:dmitri peskov``).

:class:`SpeakerResolver` reads the document's entity mentions once and tries, for each claim, the
rules below in their declared order (the first that answers wins). Each rule is a small function
whose docstring gives the construction it reads with an invented example. A rule answers with a
:class:`Resolution` or None; it never invents a name the text does not hold.

Then every speaker and via gets its key: the key of the entity it names (``person:``/``org:``),
so filters and facets use the key, not the string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from agents.extraction.annotations import Claim
from agents.extraction.names import fold_name


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity named in the document, as the entity component typed and keyed it."""

    text: str
    start: int
    end: int
    type: str  # PERSON, ORG, LOCATION
    canonical: str
    key: str


@dataclass(frozen=True, slots=True)
class SpeakerWords:
    """The words of one language the rules read (from the claims lexicon)."""

    roles: frozenset[str]  # "ministro", "président", "sprecher"
    paraphrases: dict[str, str]  # "titolare del dicastero" -> "ministro"
    honorifics: frozenset[str]  # "m.", "mr", "herr"
    determiners: frozenset[str]  # definite and indefinite articles, demonstratives
    indefinites: frozenset[str]  # "a", "un", "ein": a new referent, never one named before
    body_nouns: frozenset[str]  # "ministère", "agency", "landkreis"
    company_nouns: frozenset[str]  # "the company", "la società"
    not_speakers: frozenset[str]  # words a cue can leave as a speaker that name nobody
    connectors: frozenset[str]  # "de", "di", "of", "der": inside a role phrase
    possessives: frozenset[str]  # "seinen", "his", "suo": a source that is the speaker before
    source_nouns: frozenset[str]  # "Angaben", "figures", "stime": what a source gives
    same_source: frozenset[str]  # "la même source", "the same source": the source before
    same_words: frozenset[str]  # "stesso", "même", "same": a description of someone named before


@dataclass(frozen=True, slots=True)
class Resolution:
    speaker: str
    key: str | None


_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9&]{1,7})\b")
_WORD = re.compile(r"[\w'’.-]+")
_NAME_AFTER = re.compile(r"\s*\.?\s*((?:[A-ZÀ-Ý][\w'’-]+)(?:\s+[A-ZÀ-Ý][\w'’-]+){0,2})")
_APPOSITION_GAP = 40  # chars between a role phrase and the ", Name" that names its holder
_ROLE_CONTEXT = 60  # chars before a person's name in which the role that names them is read
_STEM = 5  # "ministro"/"ministra", "président"/"présidente" share their first five letters


def _words(phrase: str) -> list[str]:
    return [w.casefold().replace("’", "'").strip(".'") for w in _WORD.findall(phrase)]


def _same_role(a: str, b: str) -> bool:
    """Two role words name the same office: equal, one's inflection ("ministra" for
    "ministro"), or a German compound ending in the other ("Bundespräsident", "Präsident")."""
    if a == b:
        return True
    if len(a) >= _STEM and len(b) >= _STEM and a[:_STEM] == b[:_STEM] and abs(len(a) - len(b)) <= 2:
        return True
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return len(short) >= _STEM and long.endswith(short)


class SpeakerResolver:
    """Resolves the speakers of one document's claims against its entity mentions.

    Example::

        resolver = SpeakerResolver(text, mentions, words)
        claims = resolver.resolve(claims, speaker_spans)
    """

    def __init__(self, text: str, mentions: Sequence[Mention], words: SpeakerWords) -> None:
        self.text = text
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.words = words
        self._by_surface: dict[str, Mention] = {}
        for m in self.mentions:
            self._by_surface.setdefault(m.text.casefold(), m)
            self._by_surface.setdefault(m.canonical.casefold(), m)

    # ---------------------------------------------------------- lookups

    def mention_at(self, start: int, end: int) -> Mention | None:
        return next((m for m in self.mentions if m.start < end and start < m.end), None)

    def roles_in(self, phrase: str) -> list[str]:
        """The role words of a phrase, paraphrases read as the role they stand for."""
        low = " ".join(_words(phrase))
        found = [r for p, r in self.words.paraphrases.items() if p in low]
        found += [w for w in low.split() if w in self.words.roles]
        return found

    def holds_role(self, person: Mention, roles: Sequence[str]) -> bool:
        """The text gives ``person`` one of ``roles`` right before the name ("la ministre de la
        Culture Hélène Roux") or right after it ("Paolo Greco, direttore del Servizio")."""
        before = self.text[max(0, person.start - _ROLE_CONTEXT) : person.start]
        before = re.split(r"[.!?;\n]", before)[-1]
        after = self.text[person.end : person.end + _ROLE_CONTEXT]
        after = re.split(r"[.!?;\n]", after)[0] if after.lstrip().startswith(",") else ""
        near = [w for w in _words(before) + _words(after)]
        return any(_same_role(w, r) for w in near for r in roles)

    def key_of(self, speaker: str) -> str | None:
        """The key of the entity a speaker string names: the mention written so, or the person
        whose full name ends with it ("Peskov" when "Dmitry Peskov" was named)."""
        folded = speaker.casefold()
        m = self._by_surface.get(folded)
        if m is None:
            for det in self.words.determiners:
                if folded.startswith(det + " "):
                    m = self._by_surface.get(folded[len(det) + 1 :])
                    break
        if m is not None and m.type in ("PERSON", "ORG"):
            return m.key
        if " " not in speaker:
            tail = fold_name(speaker)
            for p in reversed(self.mentions):
                if p.type == "PERSON" and fold_name(p.canonical).endswith(" " + tail):
                    return p.key
        return None

    def via_key(self, via: str | None) -> str | None:
        """The key of a relaying outlet: the entity it names, else ``org:`` and its name."""
        if not via:
            return None
        return self.key_of(via) or f"org:{via.casefold()}"

    # ---------------------------------------------------------- the step

    def resolve(
        self, claims: Sequence[Claim], spans: Sequence[tuple[int, int] | None]
    ) -> list[Claim]:
        out: list[Claim] = []
        previous: Resolution | None = None
        previous_as_written: str | None = None
        for claim, span in zip(claims, spans, strict=True):
            found: Resolution | None = None
            if span is None and claim.speaker and claim.speaker == previous_as_written:
                # '"...", écrit le chef de l'Etat. "...", se félicite-t-il.': a speaker the
                # reader carried on (no span of its own) names whom the claim before named
                found = previous
            elif claim.speaker:
                for rule in RULES:
                    found = rule(self, claim.speaker, span, previous)
                    if found is not None:
                        break
            speaker = found.speaker if found else claim.speaker
            key = found.key if found and found.key else claim.speaker_key
            if speaker and key is None:
                key = self.key_of(speaker)
            if speaker:
                previous = Resolution(speaker, key)
                previous_as_written = claim.speaker
            out.append(
                replace(claim, speaker=speaker, speaker_key=key, via_key=self.via_key(claim.via))
            )
        return out


Rule = Callable[
    [SpeakerResolver, str, "tuple[int, int] | None", "Resolution | None"], "Resolution | None"
]


def honorific_before_name(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """«"Nous reconstruirons", a déclaré M. Suisse.»: a cue that stops at the abbreviation's
    dot leaves "M" as the speaker; the name after the honorific is the speaker."""
    bare = {h.rstrip(".") for h in r.words.honorifics}
    if span is None or speaker.casefold().rstrip(".") not in bare:
        return None
    m = _NAME_AFTER.match(r.text, span[1])
    if m is None:
        return None
    name = m.group(1)
    mention = r.mention_at(m.start(1), m.end(1))
    if mention is not None and mention.type == "PERSON":
        return Resolution(mention.canonical, mention.key)
    return Resolution(name, r.key_of(name))


def not_a_speaker(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """«Lo conferma anche Marco Rossi, che denuncia: "Nessuno ci ha ascoltati."»: a relative
    pronoun, an elided preposition with its noun ("d'Arianespace" of "Stéphane Israël, président
    d'Arianespace. "C'était ..."") or a lone preposition names nobody; the claim goes on with
    the speaker named just before."""
    low = speaker.casefold()
    elided = re.match(r"^(?:d|dell|dall|l)['’]", low) is not None
    if low not in r.words.not_speakers and not elided:
        return None
    return previous


def acronym_expansion(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "Three medics were hurt, the Palestine Red Crescent Society (PRCS) said. Among the injured
    is a driver, the PRCS said.": an acronym, or a name cut at its bracketed acronym, is the body
    the text spells out before "(PRCS)"."""
    words = speaker.split()
    if len(words) > 3:
        return None
    m = next((a for a in _ACRONYM.finditer(speaker) if len(a.group(1)) >= 2), None)
    if m is None:
        return None
    acronym = m.group(1)
    spelled = re.search(
        rf"((?:[A-ZÀ-Ý][\w'’-]*\s+(?:(?:of|the|for|de|del|della|des|du|la|di|für|der)\s+)*)+)\(\s*{re.escape(acronym)}\s*\)",
        r.text,
    )
    if spelled is None:
        return None
    name = spelled.group(1).strip()
    mention = r.mention_at(spelled.start(1), spelled.end(1))
    if mention is not None and mention.type == "ORG" and name.endswith(mention.text):
        return Resolution(name, mention.key)
    return Resolution(name, r.key_of(name))


def role_with_named_holder(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "Il ministro della Difesa Paolo Ferri ha parlato. "Abbiamo mandato rinforzi", ha aggiunto
    il titolare del dicastero.": a definite role phrase ("le chef de l'Etat", "Der Präsident")
    names the last person the text gave that role; "il direttore del Servizio, Paolo Greco" names
    the person in apposition. An indefinite one ("a spokesman") is someone new and stays."""
    if span is None:
        return None
    own = r.mention_at(*span)
    if own is not None and own.type == "PERSON":
        return None
    # the cue may keep only the head of "le chef de l'Etat" ("Etat"): read the phrase it ends
    phrase_start = span[0]
    left = r.text[max(0, span[0] - 40) : span[0]]
    lead = re.search(r"(?:[\w'’-]+\s*){1,5}$", left.split("\n")[-1])
    if lead is not None:
        phrase_start = span[0] - len(lead.group(0))
    first = _words(speaker)[:1]
    if not first or first[0] in r.words.indefinites:
        return None
    roles = r.roles_in(speaker)
    if not roles and len(first) == 1 and len(speaker.split()) <= 2:
        # "chef de l'" before "Etat": a role whose complement the cue kept alone
        prev = _words(r.text[phrase_start : span[0]])
        while prev and (prev[-1] in r.words.determiners or prev[-1] in {"l", "d"}):
            prev.pop()
        if prev and prev[-1] in r.words.connectors:
            roles = r.roles_in(r.text[phrase_start : span[1]])
    if not roles:
        return None
    # "il direttore del Servizio meteo regionale, Paolo Greco": the name in apposition
    after = r.text[span[1] : span[1] + _APPOSITION_GAP]
    comma = re.match(r"[^,.;:\n]{0,30},\s*", after)
    if comma is not None:
        person = r.mention_at(span[1] + comma.end(), span[1] + comma.end() + 1)
        if person is not None and person.type == "PERSON":
            return Resolution(person.canonical, person.key)
    named = _name_closing_the_role(r, span[1])
    if named is not None:
        return named
    if own is not None and own.type == "ORG" and own.start == span[0]:
        return None  # "the Ministry of Health": a body, not a role
    holder = next(
        (
            p
            for p in reversed(r.mentions)
            if p.type == "PERSON" and p.end <= phrase_start and r.holds_role(p, roles)
        ),
        None,
    )
    if holder is None:
        return _office_holder_before(r, r.text[phrase_start : span[1]], previous)
    return Resolution(holder.canonical, holder.key)


def _name_closing_the_role(r: SpeakerResolver, end: int) -> Resolution | None:
    """ "Così all'ANSA il direttore della Prevenzione del ministero della Salute Paolo Greco.":
    a role phrase whose complement the cue cut ("il direttore della Prevenzione") runs on, with
    no comma, through connectors and capitalised or body words to the name of its holder."""
    after = r.text[end : end + _ROLE_CONTEXT]
    gap = re.match(r"[^,.;:!?\n\"«»“”]*", after)
    if gap is None:
        return None
    person = next(
        (
            m
            for m in r.mentions
            if m.type == "PERSON" and end <= m.start <= end + gap.end() and m.end > end
        ),
        None,
    )
    if person is None:
        return None
    between = _words(r.text[end : person.start])
    bridge = r.words.connectors | r.words.determiners | r.words.body_nouns | r.words.roles
    capitalised = {
        w.casefold().strip(".'")
        for w in _WORD.findall(r.text[end : person.start])
        if w[:1].isupper()
    }
    if any(w not in bridge and w not in capitalised for w in between):
        return None
    return Resolution(person.canonical, person.key)


def _office_holder_before(
    r: SpeakerResolver, phrase: str, previous: Resolution | None
) -> Resolution | None:
    """ "Marc Roy a affirmé que le chômage baisse. "C'est un tournant", écrit le chef de l'Etat.":
    the text never gives anyone the role, so an office one person holds, named by its paraphrase
    ("le chef de l'Etat", "il titolare del dicastero"), goes on with the person who spoke just
    before, if the text gives that person no role of their own (a minister named before is not
    "the president"). A plain role noun ("la candidata") may be anyone and stays as written."""
    if previous is None or not previous.key or not previous.key.startswith("person:"):
        return None
    low = " ".join(_words(phrase))
    if not any(p in low for p in r.words.paraphrases):
        return None
    named = [m for m in r.mentions if m.key == previous.key and m.type == "PERSON"]
    if not named or any(r.holds_role(m, sorted(r.words.roles)) for m in named):
        return None
    return previous


_LINKS = r"(?:de la|de l['’]|du|des|de|del|della|dello|of the|of|der|des|für)"


def _named_body(noun: str) -> re.Pattern[str]:
    """The noun in any case and inflection, then the capitalised name it was given."""
    return re.compile(
        rf"\b((?i:{re.escape(noun)})\w{{0,3}}(?:\s+{_LINKS})?\s*"
        rf"[A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+)*)"
    )


def body_named_before(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "The World Food Programme said food prices had doubled. The agency added that convoys
    would resume.": "the company", "the agency", "der Landkreis", "le ministère" name the last
    body of that kind the text named: one whose name holds the noun ("Landkreis Elbe-Elster",
    "ministère de la Santé"), else (not for "the company") the last body that spoke."""
    words = _words(speaker)
    if len(words) != 2 or words[0] not in r.words.determiners or words[0] in r.words.indefinites:
        return None
    noun = words[1]
    if noun not in r.words.body_nouns and noun not in r.words.company_nouns:
        return None
    before = span[0] if span is not None else len(r.text)
    # the noun with the name it was given: "Landkreises Elbe-Elster", "ministère de la Santé"
    named = None
    for m in _named_body(noun).finditer(r.text[:before]):
        named = m
    orgs = [m for m in r.mentions if m.type == "ORG" and m.end <= before]
    by_name = next((m for m in reversed(orgs) if noun in m.canonical.casefold()), None)
    if by_name is not None and (named is None or by_name.start >= named.start()):
        return Resolution(by_name.canonical, by_name.key)
    if named is not None:
        name = named.group(1)
        return Resolution(name, r.key_of(name))
    if noun in r.words.company_nouns:
        return None  # "the company" is never a party or an army that spoke before
    if previous is not None and previous.key and previous.key.startswith("org:"):
        return previous
    return None


def possessive_source(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "Philipp Haase sagte, der Brand sei unter Kontrolle. Seinen Angaben zufolge brannte es im
    Wald.": "his statements", "according to her" point back to the speaker just named."""
    words = _words(speaker)
    if len(words) < 2 or len(words) > 3 or words[0] not in r.words.possessives:
        return None
    if words[1] not in r.words.source_nouns:
        return None  # "su portavoz": someone else, the speaker's spokesman
    return previous


def same_source(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "Le ministère a recensé 40 cas. En outre, 12 cas sont suspects, selon la même source.":
    "the same source" is the speaker of the claim before."""
    listed = {" ".join(_words(p)) for p in r.words.same_source}
    if " ".join(_words(speaker)) not in listed:
        return None
    return previous


def same_description(
    r: SpeakerResolver, speaker: str, span: tuple[int, int] | None, previous: Resolution | None
) -> Resolution | None:
    """ "Lo spagnolo Juan López resta in testa. Lo rivela lo stesso spagnolo: «...»": "the same
    Spaniard" is the last person the text described with that noun."""
    words = _words(speaker)
    if len(words) < 3 or words[0] not in r.words.determiners or words[1] not in r.words.same_words:
        return None
    nouns = words[2:]
    before = span[0] if span is not None else len(r.text)
    holder = next(
        (
            p
            for p in reversed(r.mentions)
            if p.type == "PERSON" and p.end <= before and r.holds_role(p, nouns)
        ),
        None,
    )
    return Resolution(holder.canonical, holder.key) if holder is not None else None


RULES: tuple[Rule, ...] = (
    honorific_before_name,
    not_a_speaker,
    same_source,
    same_description,
    possessive_source,
    acronym_expansion,
    role_with_named_holder,
    body_named_before,
)
"""The resolution rules, in the order they are tried."""

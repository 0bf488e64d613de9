"""Spelling-independent keys for names, so that one person is one facet value in every language.

News in five languages spells a Russian or Ukrainian name five ways: "Dmitry Peskov" (en),
"Dmitri Peskow" (de), "Dmitrij Peskov" (it), "María Zajárova" (es) beside "Maria Sacharowa" (de) and
"Maria Zakharova" (en). Each is a transliteration of one Cyrillic spelling, and the conventions
differ in a few regular ways: German writes в as w and х as ch, English writes х as kh and Spanish
as j, endings -ий/-ый come out as -y, -i, -iy, -ij, -yj or -yy. ``fold_name`` undoes those
differences: first anyascii (accents and other scripts to ASCII), then a short list of rewrites,
each one convention. Keys are for matching, not for display: show the canonical name beside them.

Names that differ beyond these conventions (Poutine for Putin) are listed as variants of one person
in lexicons/people.yaml, which gives them the same canonical name, hence the same key.
"""

from __future__ import annotations

import re

from anyascii import anyascii

# Each rewrite is one transliteration convention, applied in this order to each lower-case word.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # German "tsch"/"sch" for ч/ш, English "ch"/"sh": Tschernow / Chernov, Schoigu / Shoigu
        (r"tsch", "ch"),
        (r"sch", "sh"),
        # х: English "kh" (Zakharova), German "ch" (Sacharowa), Spanish "j" between vowels
        # (Zajárova); English "ch" for ч becomes "h" too, which only matters if two people's
        # names differ in that letter alone
        (r"kh", "h"),
        (r"ch", "h"),
        (r"(?<=[aeiou])j(?=[aeiou])", "h"),
        # German "w" for в (Peskow, Lawrow, Wladimir)
        (r"w", "v"),
        # з: "z" in most languages, German "s" (Selenskyj); folded to "s" where a word starts
        (r"^z", "s"),
        # Alexei / Aleksei; Joseph / Josef
        (r"x", "ks"),
        (r"ph", "f"),
        # endings -ий/-ый: Dmitry, Dmitri, Dmitrij, Zelenskiy, Selenskyj, Zelenskyy; Sergey/Sergej
        (r"[iy]?[yj]$", "i"),
        # doubled letters: Assad / Asad, al-Sissi / al-Sisi
        (r"(.)\1+", r"\1"),
    )
)
_NOT_A_LETTER = re.compile(r"[^a-z0-9]+")


def fold_name(name: str) -> str:
    """The spelling-independent form of a name: "Dmitri Peskow" -> "dmitri peskov".

    >>> fold_name("Dmitry Peskov") == fold_name("Dmitrij Peskow") == "dmitri peskov"
    True
    >>> fold_name("María Zajárova") == fold_name("Maria Sacharowa") == fold_name("Maria Zakharova")
    True
    """
    words = []
    for word in _NOT_A_LETTER.split(anyascii(name).lower()):
        if not word:
            continue
        for pattern, replacement in _REWRITES:
            word = pattern.sub(replacement, word)
        words.append(word)
    return " ".join(words)


def person_key(canonical: str) -> str:
    """The facet key of a person: ``person:`` and the folded name."""
    return f"person:{fold_name(canonical)}"

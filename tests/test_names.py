"""Name folding: the transliterations of one name meet in one key, different names stay apart."""

from __future__ import annotations

import pytest

from agents.extraction.names import fold_name, person_key


@pytest.mark.parametrize(
    "variants",
    [
        # Russian names as English, German, Italian, French and Spanish news write them
        ["Dmitry Peskov", "Dmitri Peskow", "Dmitrij Peskov", "Dmitri Peskov"],
        [
            "Maria Zakharova",
            "Maria Sacharowa",
            "María Zajárova",
            "Maria Zaharova",
        ],
        ["Sergey Lavrov", "Sergej Lawrow", "Sergei Lavrov"],
        ["Volodymyr Zelenskyy", "Wolodymyr Selenskyj", "Volodymyr Zelensky", "Volodymyr Zelenskiy"],
        ["Sergei Shoigu", "Sergej Schoigu"],
        ["Alexei Navalny", "Aleksei Navalny", "Alexej Nawalny"],
        ["Bashar al-Assad", "Bashar al Asad"],
        ["Recep Tayyip Erdoğan", "Recep Tayyip Erdogan"],
    ],
)
def test_transliterations_of_one_name_fold_to_one_key(variants: list[str]) -> None:
    assert len({fold_name(v) for v in variants}) == 1, {v: fold_name(v) for v in variants}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Maria Zakharova", "Maria Zakharov"),
        ("Dmitry Peskov", "Dmitry Pesko"),
        ("Anna Rossi", "Anna Russo"),
    ],
)
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert fold_name(one) != fold_name(other)


def test_a_person_key_is_readable_lower_case_ascii() -> None:
    assert person_key("Dmitri Peskow") == "person:dmitri peskov"
    assert person_key("Jean-Luc Mélenchon") == "person:jean luc melenhon"

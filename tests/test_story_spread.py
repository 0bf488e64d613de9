"""Claim spread on claim documents written for the test, where the answer is known: three
outlets relaying one agency wire are one independent report; two agencies quoting the speaker
are two; one statement across languages is one group."""

from __future__ import annotations

from typing import Any

from agents.stories.spread import claim_groups, numbers_in, relay_root

RYDER = "person:pat ryder"


def claim(
    claim_id: str,
    when: str,
    outlet: str,
    text: str,
    *,
    lang: str = "en",
    speaker_key: str | None = RYDER,
    via: str | None = None,
    cluster_id: str | None = None,
    keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A claim document as news-claims holds it (agents.answers.claim_documents)."""
    return {
        "claim_id": f"{claim_id}-c0",
        "article_id": claim_id,
        "lang": lang,
        "source": {"name": outlet, "domain": f"{outlet.lower().replace(' ', '')}.example"},
        "published_at": f"2024-10-{when}:00+00:00",
        "cluster_id": cluster_id,
        "speaker": "Pat Ryder" if speaker_key == RYDER else speaker_key,
        "speaker_key": speaker_key,
        "via": via,
        "via_key": f"org:{via.lower()}" if via else None,
        "text": text,
        "entities": {"keys": [RYDER, *keys]},
    }


TROOPS_EN = "North Korea has sent about 10,000 soldiers to train in eastern Russia"


def test_three_outlets_relaying_one_agency_wire_are_one_independent_report() -> None:
    claims = [
        claim("a", "28T14:00", "Daily Post", TROOPS_EN, via="Reuters"),
        claim("b", "28T15:10", "Evening Star", TROOPS_EN + ", he said", via="Reuters"),
        claim("c", "28T16:30", "Morning Herald", TROOPS_EN, via="Reuters"),
    ]
    (group,) = claim_groups(claims)
    assert (group.reports, group.independent) == (3, 1)
    assert (group.first_outlet, group.first_seen) == ("Daily Post", "2024-10-28T14:00:00+00:00")
    assert group.roots == ("via:org:reuters",)


def test_syndicated_copies_of_one_wire_count_once() -> None:
    claims = [
        claim(name, f"28T1{n}:00", name, TROOPS_EN, cluster_id="wire-77")
        for n, name in enumerate(("Daily Post", "Evening Star", "Morning Herald"))
    ]
    (group,) = claim_groups(claims)
    assert (group.reports, group.independent, group.roots) == (3, 1, ("wire:wire-77",))


def test_two_agencies_quoting_the_speaker_count_twice() -> None:
    claims = [
        claim("reuters", "28T14:05", "Reuters", TROOPS_EN),
        claim("afp", "28T13:50", "AFP", "About 10,000 North Korean soldiers were sent to Russia"),
        claim("copy", "28T15:00", "Daily Post", TROOPS_EN, via="Reuters"),
    ]
    (group,) = claim_groups(claims)
    assert (group.reports, group.independent) == (3, 3)  # Reuters' own, AFP, Daily Post's
    assert (group.first_outlet, group.first_seen) == ("AFP", "2024-10-28T13:50:00+00:00")


def test_one_statement_across_languages_by_its_figure_or_its_entities() -> None:
    claims = [
        claim("en", "28T14:00", "Reuters", TROOPS_EN, keys=("country:KP", "country:RU")),
        claim("it", "28T15:00", "Corriere", "circa 10.000 soldati in Russia", lang="it"),
        claim(
            "de",
            "28T16:00",
            "Tagesblatt",
            "Nordkorea hat Truppen nach Russland geschickt",
            lang="de",
            via="dpa",
            keys=("country:KP", "country:RU"),
        ),
        claim(
            "fr",
            "28T17:00",
            "Le Quotidien",
            "La Corée du Nord a envoyé des troupes en Russie",
            lang="fr",
            keys=("country:KP",),
        ),
    ]
    (group,) = claim_groups(claims)  # it by 10,000; de and fr by North Korea (and Russia)
    assert group.languages == ("de", "en", "fr", "it") and group.independent == 4
    unlinked = [c for c in claims if c["lang"] in ("en", "it")]
    unlinked += [claim("es", "28T18:00", "El Diario", "Corea del Norte envió tropas", lang="es")]
    assert len(claim_groups(unlinked)) == 2  # the Spanish one shares no figure, no entity


def test_other_words_another_speaker_or_no_common_sign_are_other_statements() -> None:
    claims = [
        claim("a", "28T14:00", "Reuters", TROOPS_EN),
        claim("b", "28T15:00", "Reuters", "The Pentagon will brief allies in Brussels on Tuesday"),
        claim("c", "28T16:00", "AFP", TROOPS_EN, speaker_key="person:kim yong"),
        claim("d", "28T17:00", "Corriere", "Gli alleati saranno informati martedì", lang="it"),
        claim("e", "28T18:00", "Someone", "Unattributed words", speaker_key=None),
    ]
    claims[4]["speaker"] = None
    groups = claim_groups(claims)
    assert sorted(g.claim_ids for g in groups) == [("a-c0",), ("b-c0",), ("c-c0",), ("d-c0",)]


def test_relay_root_and_numbers() -> None:
    assert relay_root({"via": "AFP", "cluster_id": "w"}) == "via:afp"
    assert relay_root({"cluster_id": "w", "source": {"domain": "x.example"}}) == "wire:w"
    assert relay_root({"source": {"domain": "x.example"}}) == "outlet:x.example"
    assert numbers_in("3.000 soldati, 3,000 soldiers, 2,5 miliardi, 7 giorni") == {3000.0}
    assert numbers_in("10.000 Soldaten und 1.037 Tote; 12,5 Prozent") == {10000.0, 1037.0, 12.5}

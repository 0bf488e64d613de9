"""Pieces of the local service stack that need no running service."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from streams.services import kraft_cluster_id


def draws(*values: bytes) -> Iterator[bytes]:
    yield from values


def test_a_kraft_cluster_id_never_starts_with_a_dash() -> None:
    # 0xF8 puts 62, URL-safe base64's "-", in the first six bits; the storage tool would read
    # "-t -…" as a missing argument and refuse to format.
    dash_first = b"\xf8" + bytes(15)
    assert base64.urlsafe_b64encode(dash_first).startswith(b"-")
    then = bytes(range(16))
    source = draws(dash_first, then)

    cluster_id = kraft_cluster_id(lambda: next(source))

    assert cluster_id == base64.urlsafe_b64encode(then).decode().rstrip("=")
    assert len(cluster_id) == 22


def test_kraft_cluster_ids_are_fresh_draws() -> None:
    assert kraft_cluster_id() != kraft_cluster_id()

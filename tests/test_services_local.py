"""Pieces of the local service stack that need no running service."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

from streams.services import KafkaService, kraft_cluster_id
from streams.settings import ServicesSettings


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


def test_a_dedicated_broker_has_its_own_home_and_ports_and_shares_the_jars(tmp_path: Path) -> None:
    main = ServicesSettings(home=tmp_path / "main", maven_repo=tmp_path / "m2")
    shared = KafkaService(main).lib_dir
    shared.mkdir(parents=True)
    (shared / ".complete").touch()

    kafka = KafkaService.dedicated(main, tmp_path / "own")

    own = kafka.settings
    assert own.home == tmp_path / "own"
    assert own.kafka_port != main.kafka_port
    assert own.kafka_controller_port not in (main.kafka_controller_port, own.kafka_port)
    assert kafka.lib_dir.is_symlink() and kafka.lib_dir.resolve() == shared.resolve()
    assert kafka.pid() is None  # built, not started


def test_a_dedicated_broker_links_no_unfinished_installation(tmp_path: Path) -> None:
    main = ServicesSettings(home=tmp_path / "main", maven_repo=tmp_path / "m2")
    KafkaService(main).lib_dir.mkdir(parents=True)  # a download that never completed
    kafka = KafkaService.dedicated(main, tmp_path / "own")
    assert not kafka.lib_dir.exists()

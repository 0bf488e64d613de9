"""The fetch fence on its own: which addresses are refused, in which spellings, and exemptions."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import httpx
import pytest

from streams.fence import (
    FenceRefusal,
    FetchFence,
    RefusalReason,
    address_refusal,
    literal_address,
)

R = RefusalReason


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", R.LOOPBACK),
        ("2130706433", R.LOOPBACK),  # decimal
        ("0177.0.0.1", R.LOOPBACK),  # octal
        ("0x7f000001", R.LOOPBACK),  # hex
        ("0x7f.1", R.LOOPBACK),
        ("127.1", R.LOOPBACK),  # short form
        ("017700000001", R.LOOPBACK),
        ("127.0.0.1.", R.LOOPBACK),  # trailing dot
        ("::1", R.LOOPBACK),
        ("[::1]", R.LOOPBACK),
        ("::ffff:127.0.0.1", R.LOOPBACK),  # IPv4-mapped
        ("64:ff9b::7f00:1", R.LOOPBACK),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", R.LOOPBACK),  # 6to4 of 127.0.0.1
        ("::127.0.0.1", R.LOOPBACK),  # IPv4-compatible (deprecated)
        ("fe80::1", R.LINK_LOCAL),
        ("169.254.169.254", R.LINK_LOCAL),  # cloud metadata
        ("::ffff:169.254.169.254", R.LINK_LOCAL),
        ("10.1.2.3", R.PRIVATE),
        ("012.1.2.3", R.PRIVATE),  # octal 10.1.2.3
        ("172.16.0.1", R.PRIVATE),
        ("172.31.255.255", R.PRIVATE),
        ("192.168.1.1", R.PRIVATE),
        ("0xc0a80101", R.PRIVATE),  # hex 192.168.1.1
        ("fc00::1", R.PRIVATE),
        ("fd12:3456::1", R.PRIVATE),
        ("fec0::1", R.PRIVATE),  # site-local (deprecated)
        ("100.64.0.1", R.RESERVED),  # carrier-grade NAT: not globally routable
        ("0.0.0.0", R.UNSPECIFIED),
        ("0", R.UNSPECIFIED),
        ("::", R.UNSPECIFIED),
        ("224.0.0.1", R.MULTICAST),
        ("239.255.255.250", R.MULTICAST),
        ("ff02::1", R.MULTICAST),
        ("240.0.0.1", R.RESERVED),
        ("255.255.255.255", R.RESERVED),
        ("8.8.8.8", None),
        ("134744072", None),  # decimal 8.8.8.8
        ("172.32.0.1", None),  # just past 172.16/12
        ("100.128.0.1", None),  # just past 100.64/10
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
    ],
)
def test_address_classifier(host: str, expected: RefusalReason | None) -> None:
    ip = literal_address(host)
    assert ip is not None, host
    assert address_refusal(ip) == expected


@pytest.mark.parametrize(
    "host", ["localhost", "example.com", "1.2.3.4 evil.com", "deadbeef", "1.2.3.4.5", "0x"]
)
def test_names_are_not_literal_addresses(host: str) -> None:
    assert literal_address(host) is None


def resolver(table: dict[str, list[str]]):
    calls: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_names_are_resolved_and_every_address_checked() -> None:
    table = {
        "public.test": ["93.184.216.34", "2606:2800:220:1::1"],
        "loop.test": ["127.0.0.1"],
        "mixed.test": ["93.184.216.34", "10.0.0.5"],  # one private answer refuses the name
        "intranet.test": ["10.20.0.7"],
    }
    fence = FetchFence(resolver=resolver(table))
    assert [str(a) for a in await fence.addresses("public.test", 80)] == table["public.test"]
    for name, reason in (("loop.test", R.LOOPBACK), ("mixed.test", R.PRIVATE)):
        with pytest.raises(FenceRefusal) as caught:
            await fence.addresses(name, 80)
        assert caught.value.reason == reason and name in str(caught.value)
    allowed = FetchFence(allow_networks=["10.20.0.0/16"], resolver=resolver(table))
    assert await allowed.addresses("intranet.test", 80) == [ipaddress.ip_address("10.20.0.7")]
    with pytest.raises(FenceRefusal):
        await allowed.addresses("loop.test", 80)


async def test_literal_addresses_never_reach_the_resolver() -> None:
    resolve = resolver({})
    fence = FetchFence(resolver=resolve)
    with pytest.raises(FenceRefusal) as caught:
        await fence.addresses("2130706433", 80)
    assert caught.value.reason == R.LOOPBACK and "127.0.0.1" in str(caught.value)
    assert resolve.calls == []  # type: ignore[attr-defined]


def test_inspect_refuses_schemes_and_credentials() -> None:
    fence = FetchFence()
    fence.inspect(httpx.URL("https://example.com/a"))
    for url, reason in (
        ("ftp://example.com/a", R.SCHEME),
        ("http://user@example.com/a", R.CREDENTIALS),
        ("http://example.com:80@127.0.0.1/a", R.CREDENTIALS),
    ):
        with pytest.raises(FenceRefusal) as caught:
            fence.inspect(httpx.URL(url))
        assert caught.value.reason == reason, url


def test_exemptions_are_the_feeds_own_origin_and_allowed_hosts() -> None:
    fence = FetchFence(allow_hosts=["Intranet.Example.", "10.1.1.1"])
    own = httpx.URL("http://127.0.0.1:8000/feed.xml")
    assert fence.exempts(httpx.URL("http://127.0.0.1:8000/a"), own=own)
    assert fence.exempts(httpx.URL("http://2130706433:8000/a"), own=own)  # same host, spelt so
    assert not fence.exempts(httpx.URL("http://127.0.0.1:9200/_cat/indices"), own=own)
    assert not fence.exempts(httpx.URL("http://127.0.0.1:8000/a"), own=None)
    assert fence.exempts(httpx.URL("https://intranet.example/x"), own=None)
    assert fence.exempts(httpx.URL("http://0x0a010101:81/x"), own=None)
    assert not fence.exempts(httpx.URL("http://intranet.example.evil.com/x"), own=None)

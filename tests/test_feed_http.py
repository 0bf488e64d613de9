"""The polite HTTP client on its own: decoding, caps, redirects, Retry-After."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from feedserver import FeedServer, Route, gzip_bomb

from streams.http import PoliteClient, TransferError, TransferErrorKind, parse_retry_after

BODY = b"<rss>" + b"news " * 2000 + b"</rss>"


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


def client(**kw: object) -> PoliteClient:
    """A client as the poller has it: the URL asked for is the operator's, not fenced."""
    args: dict[str, object] = {
        "trust_requested_origin": True,
        "user_agent": "test/1",
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_body_bytes": 50_000,
        "politeness_delay": 0.0,
    }
    args.update(kw)
    return PoliteClient(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("identity", lambda b: b),
    ],
)
async def test_content_encodings(
    server: FeedServer, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    path = f"/enc-{encoding}-{len(encode(BODY))}.xml"
    url = server.set(path, Route(body=encode(BODY), content_encoding=encoding))
    async with client() as c:
        resp = await c.get(url)
    assert resp.body == BODY
    assert resp.wire_bytes == len(encode(BODY))


async def test_declared_length_over_the_cap_is_refused_unread(server: FeedServer) -> None:
    url = server.set("/big-declared.xml", Route(body=b"x" * 60_000))
    async with client() as c:
        with pytest.raises(TransferError) as caught:
            await c.get(url)
    assert caught.value.kind == TransferErrorKind.TOO_LARGE


async def test_conditional_get_and_validators(server: FeedServer) -> None:
    lm = email.utils.formatdate(1_700_000_000, usegmt=True)
    url = server.set("/cond.xml", Route(body=BODY, etag='"v1"', last_modified=lm))
    async with client() as c:
        first = await c.get(url)
        again = await c.get(url, validators=first.validators)
    assert first.validators.etag == '"v1"' and first.validators.last_modified == lm
    assert again.not_modified and again.body == b""
    assert server.last_headers["/cond.xml"]["If-None-Match"] == '"v1"'


async def test_redirects(server: FeedServer) -> None:
    server.set("/a.xml", Route(status=301, location="/b.xml"))
    server.set("/b.xml", Route(status=307, location="/c.xml"))
    server.set("/c.xml", Route(body=BODY))
    server.set("/p1.xml", Route(status=308, location="/c.xml"))
    server.set("/nowhere.xml", Route(status=302))
    async with client(max_redirects=3) as c:
        mixed = await c.get(server.url("/a.xml"))
        permanent = await c.get(server.url("/p1.xml"))
        with pytest.raises(TransferError) as caught:
            await c.get(server.url("/nowhere.xml"))
    assert mixed.url == server.url("/c.xml") and mixed.redirects == 2
    assert mixed.permanent_redirect is None  # a temporary hop in the chain
    assert permanent.permanent_redirect == server.url("/c.xml")
    assert "Location" in str(caught.value)


async def test_503_retry_after_date(server: FeedServer) -> None:
    when = email.utils.formatdate(time.time() + 600, usegmt=True)
    url = server.set("/maint.xml", Route(status=503, headers={"Retry-After": when}))
    async with client() as c:
        with pytest.raises(TransferError) as caught:
            await c.get(url)
    assert caught.value.status == 503
    assert caught.value.retry_after is not None and 590 <= caught.value.retry_after <= 600


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    past = email.utils.formatdate(1_000_000, usegmt=True)
    assert parse_retry_after(past) == 0.0


async def test_non_http_urls_are_refused() -> None:
    async with client() as c:
        with pytest.raises(TransferError) as caught:
            await c.get("file:///etc/passwd")
    assert caught.value.kind == TransferErrorKind.INVALID_URL


async def test_waiting_for_a_turn_at_the_host_is_not_a_timeout(server: FeedServer) -> None:
    url = server.set("/queued.xml", Route(body=BODY[:1000], delay=0.4))
    async with client(per_host_concurrency=1, read_timeout=1.0, total_timeout=0.8) as c:
        results = await asyncio.gather(*(c.get(url) for _ in range(3)))
    assert [r.status for r in results] == [200, 200, 200]


async def test_overall_deadline(server: FeedServer) -> None:
    url = server.set("/deadline.xml", Route(body=BODY[:1000], delay=1.0))
    async with client(read_timeout=5.0, total_timeout=0.5) as c:
        with pytest.raises(TransferError) as caught:
            await c.get(url)
    assert caught.value.kind == TransferErrorKind.TIMEOUT


async def test_a_gzip_bomb_costs_the_cap_not_twice_the_cap(server: FeedServer) -> None:
    cap = 8 * 1024 * 1024
    url = server.set("/bomb-peak.xml", Route(body=gzip_bomb(64), content_encoding="gzip"))
    async with client(max_body_bytes=cap) as c:
        tracemalloc.start()
        try:
            with pytest.raises(TransferError) as caught:
                await c.get(url)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.kind is TransferErrorKind.TOO_LARGE
    assert peak < 1.5 * cap  # one decompress call to the cap, then bytes(), made it 2.1x

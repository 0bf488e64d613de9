"""A local feed server for the tests and the bench: real HTTP on 127.0.0.1, on a free port.

Each path serves a :class:`Route` (body, status, validators, delays, redirects, raw encodings),
changeable between polling rounds. ``/synth/<n>.xml`` serves generated feeds whose version can be
bumped through ``POST /_control/bump?share=0.2`` (for bench/poll.py). Run it alone with
``python tests/feedserver.py --port 0``: it prints ``PORT <n>`` when ready.

The server runs in its own thread with its own event loop, so a test that blocks its loop (or
parses a big feed) does not stall it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import gzip
import hashlib
import random
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from aiohttp import web

EPOCH = 1_763_000_000  # a fixed "now-ish" timestamp (Nov 2025), so generated feeds are stable


@dataclass
class Route:
    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None  # "auto": a hash of the body
    last_modified: str | None = None
    honor_conditional: bool = True  # False: never answers 304 (a lying server)
    location: str | None = None  # for 3xx
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)
    content_encoding: str | None = None  # body is sent as-is with this Content-Encoding
    compress: bool = False  # gzip the body when the client accepts it
    # Streamed without Content-Length, ``chunk`` bytes at a time, ``drip`` seconds between them
    # (a slowloris feed: drip=1, chunk=1). chunk=0 and drip=0: one answer with Content-Length.
    chunk: int = 0
    drip: float = 0.0


def rss(
    items: list[dict[str, str]],
    *,
    title: str = "Test feed",
    encoding: str = "utf-8",
    channel_extra: str = "",
) -> bytes:
    """An RSS 2.0 document; item dicts use RSS element names (title, link, guid, pubDate...)."""
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>\n',
        '<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link>",
        "<description>test</description>",
        channel_extra,
    ]
    for item in items:
        parts.append("<item>")
        for name, value in item.items():
            parts.append(f"<{name}>{escape(value)}</{name}>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode(encoding, errors="xmlcharrefreplace")


def rss_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


def news_items(prefix: str, n: int, *, start: int = 0, host: str = "news.example.com"):
    """``n`` plausible items with links carrying tracking parameters (stripped by the poller)."""
    return [
        {
            "title": f"{prefix} story number {i} about the council budget vote",
            "link": f"https://{host}/{prefix}/{i}.html?utm_source=rss&utm_medium=feed#top",
            "guid": f"{prefix}-{i}",
            "description": f"<p>Lead paragraph of {prefix} story {i}: the council met.</p>",
            "pubDate": rss_date(EPOCH - 60 * i),
        }
        for i in range(start, start + n)
    ]


def billion_laughs() -> bytes:
    lols = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol0 "lol">' + lols + "]>\n"
        '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
        "<link>http://example.org/x</link></item></channel></rss>"
    ).encode()


def gzip_bomb(decompressed_mb: int = 64) -> bytes:
    """A valid gzip stream of ``decompressed_mb`` MiB of spaces inside an RSS prefix (~65 KiB)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [comp.compress(b'<?xml version="1.0"?><rss version="2.0"><channel><title>')]
    chunk = b" " * (1 << 20)
    for _ in range(decompressed_mb):
        out.append(comp.compress(chunk))
    out.append(comp.flush())
    return b"".join(out)


def json_feed(items: list[dict[str, object]], *, title: str = "JSON test feed") -> bytes:
    import json

    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    ).encode()


class FeedServer:
    """The server; ``routes`` maps a path to a :class:`Route` and may change at any time."""

    def __init__(
        self, *, synth_items: int = 20, synth_latency: float = 0.0, hosts: int = 1
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.arrivals: Counter[tuple[str, str]] = Counter()  # (address we were reached on, path)
        self.times: list[tuple[float, str]] = []  # (time.monotonic() on arrival, path)
        self.hosts = hosts  # listens on 127.0.0.1 .. 127.0.0.<hosts>, all on one port
        self.last_headers: dict[str, dict[str, str]] = {}  # path -> headers of its last request
        self.statuses: Counter[int] = Counter()
        self.bytes_sent = 0
        self.bytes_by_path: Counter[str] = Counter()  # approximate: body + headers
        self.synth_items = synth_items
        self.synth_latency = synth_latency  # seconds before each /synth answer: a network RTT
        self.synth_versions: dict[int, int] = {}
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def set(self, path: str, route: Route | None = None, **kwargs: object) -> str:
        self.routes[path] = route or Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def reset_counters(self) -> None:
        self.hits.clear()
        self.times.clear()
        self.arrivals.clear()
        self.statuses.clear()
        self.bytes_sent = 0
        self.bytes_by_path.clear()

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> FeedServer:
        self._thread = threading.Thread(target=self._run, name="feedserver", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("feed server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve(hosts=self.hosts))
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _serve(self, port: int = 0, hosts: int = 1) -> None:
        """Listen on 127.0.0.1 (and 127.0.0.2..hosts: more "hosts" for per-host limits)."""
        app = web.Application()
        app.router.add_post("/_control/bump", self._bump)
        app.router.add_get("/_control/stats", self._stats)
        app.router.add_get("/synth/{n}.xml", self._synth)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        for i in range(hosts):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((f"127.0.0.{1 + i}", port or self.port))
            self.port = sock.getsockname()[1]
            await web.SockSite(self._runner, sock, backlog=1024).start()

    # --- handlers -----------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs if request.path_qs in self.routes else request.path
        self.hits[path] += 1
        self.times.append((time.monotonic(), path))
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        self.arrivals[(sockname[0] if sockname else "?", path)] += 1
        self.last_headers[path] = dict(request.headers)
        route = self.routes.get(path)
        if route is None:
            return self._answer(web.Response(status=404, text="no such feed"), path)
        if route.delay:
            await asyncio.sleep(route.delay)
        headers = dict(route.headers)
        if route.location:
            headers["Location"] = route.location
        if route.status != 200:
            return self._answer(web.Response(status=route.status, headers=headers), path)
        body = route.body() if callable(route.body) else route.body
        if route.chunk or route.drip:
            return await self._stream(request, route, body, headers, path)
        return self._answer(self._with_validators(request, route, body, headers), path)

    async def _stream(
        self, request: web.Request, route: Route, body: bytes, headers: dict[str, str], path: str
    ) -> web.StreamResponse:
        """The body in chunks with no Content-Length, ``route.drip`` seconds apart."""
        headers["Content-Type"] = route.content_type
        if route.content_encoding:
            headers["Content-Encoding"] = route.content_encoding
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        self.statuses[200] += 1
        size = route.chunk or 1
        view = memoryview(body)
        for start in range(0, len(body), size):
            if route.drip and start:
                await asyncio.sleep(route.drip)
            await response.write(bytes(view[start : start + size]))
            self.bytes_sent += min(size, len(body) - start)
            self.bytes_by_path[path] += min(size, len(body) - start)
        await response.write_eof()
        return response

    def _with_validators(
        self, request: web.Request, route: Route, body: bytes, headers: dict[str, str]
    ) -> web.Response:
        etag = route.etag
        if etag == "auto":
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if etag:
            headers["ETag"] = etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.honor_conditional:
            inm = request.headers.get("If-None-Match")
            ims = request.headers.get("If-Modified-Since")
            if (etag and inm == etag) or (
                not inm and route.last_modified and ims == route.last_modified
            ):
                return web.Response(status=304, headers=headers)
        if route.content_encoding:
            headers["Content-Encoding"] = route.content_encoding
        elif route.compress and "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Type"] = route.content_type
        return web.Response(body=body, headers=headers)

    def _answer(self, response: web.Response, path: str) -> web.Response:
        self.statuses[response.status] += 1
        body = len(response.body) if isinstance(response.body, bytes) else 0
        # status line, our headers, and what aiohttp adds (Date, Server, Content-Length): ~90
        head = 17 + sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 90
        self.bytes_sent += body
        self.bytes_by_path[path] += body + head
        return response

    def synth_body(self, n: int) -> bytes:
        version = self.synth_versions.get(n, 0)
        # each bump publishes three new items on top, the oldest fall off the end
        items = news_items(
            f"s{n}", self.synth_items, start=-3 * version, host=f"site{n % 50}.example.com"
        )
        return rss(items, title=f"Synthetic feed {n}")

    async def _synth(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if self.synth_latency:
            await asyncio.sleep(self.synth_latency)
        self.hits[f"/synth/{n}.xml"] += 1
        version = self.synth_versions.get(n, 0)
        route = Route(etag=f'"{n}-{version}"', last_modified=rss_date(EPOCH + version * 60))
        response = self._with_validators(request, route, self.synth_body(n), {})
        return self._answer(response, f"/synth/{n}.xml")

    async def _bump(self, request: web.Request) -> web.Response:
        share = float(request.query.get("share", "0.1"))
        count = int(request.query.get("feeds", "0"))
        rng = random.Random(request.query.get("seed", "0"))
        chosen = rng.sample(range(count), int(count * share)) if count else []
        for n in chosen:
            self.synth_versions[n] = self.synth_versions.get(n, 0) + 1
        return web.json_response({"bumped": sorted(chosen)})

    async def _stats(self, request: web.Request) -> web.Response:
        stats = {
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "bytes_by_path": dict(self.bytes_by_path),
            "hits": dict(self.hits),
        }
        if request.query.get("reset"):
            self.reset_counters()
        return web.json_response(stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=1, help="listen on 127.0.0.1..N")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per /synth answer")
    args = parser.parse_args()
    server = FeedServer(synth_items=args.items, synth_latency=args.latency)
    server.port = args.port
    loop = asyncio.new_event_loop()
    loop.run_until_complete(server._serve(args.port, hosts=args.hosts))
    print(f"PORT {server.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        loop.run_forever()


if __name__ == "__main__":
    main()

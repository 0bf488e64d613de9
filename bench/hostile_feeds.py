"""The poller against hostile feeds: time, peak memory and outcome per case, then all at once.

    PYTHONPATH=. .venv/bin/python bench/hostile_feeds.py [--case NAME ...] [--feed-deadline S]
                                                        [--read-timeout S] [--skip-alone]

The feed server (tests/feedserver.py) runs in a process of its own and serves every case on a
host of its own (127.0.0.2, 127.0.0.3, ...), beside five normal feeds. The poller is the real
one (FeedPoller, PoliteClient.for_feeds, the memory store) with the default poller settings
unless overridden.

- alone: each case is polled in a fresh spawned process, after a warm-up poll of a normal feed
  (imports, first connection). "RSS growth" is that process's peak RSS (``ru_maxrss``) after
  the case minus its peak before it: the memory the case cost at its worst, parsing included.
- together: one fresh process polls every feed at once, each in its own task as the worker
  does (``FeedPoller.poll_one``, with its ``poller.feed_deadline``). It prints when each feed's
  poll ended and when the normal feeds' entries were emitted: they must not wait for the
  hostile ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from feedserver import FeedServer, Route, billion_laughs, gzip_bomb, news_items, rss  # noqa: E402

from streams.feed_state import MemoryFeedStore  # noqa: E402
from streams.feeds import Feed  # noqa: E402
from streams.http import PoliteClient  # noqa: E402
from streams.poller import FeedPoller, PollOutcome, PollStatus  # noqa: E402
from streams.records import FeedEntry  # noqa: E402
from streams.settings import PollerSettings  # noqa: E402

MB = 1024 * 1024
NORMAL = 5
JSON_TYPE = "application/feed+json"


def _big_rss(size: int) -> bytes:
    """A valid RSS document of about ``size`` bytes (items repeated, guids distinct)."""
    head = rss([]).split(b"</channel>")[0]
    item = rss(news_items("big", 1))
    item = item[item.index(b"<item>") : item.index(b"</item>") + 7]
    count = max(1, (size - len(head)) // (len(item) + 8))
    items = b"".join(
        item.replace(b"big-0", b"big-%d" % i).replace(b"/big/0.html", b"/big/%d.html" % i)
        for i in range(count)
    )
    return head + items + b"</channel></rss>\n"


def _invalid_utf8() -> bytes:
    """Broken bytes in one item's title; another item has accented letters to keep."""
    items = news_items("utf8", 5)
    items[0]["title"] = "Città di Köln — già approvato il bilancio"
    body = rss(items)
    return body.replace(b"utf8 story number 2", b"utf8 \xff\xfe\x80 story \xc3\x28 \xed\xa0\x80")


def _wrong_types() -> bytes:
    """Four bad items between two good ones: int title, list url, dict date, 10k-deep value."""
    items: list[dict[str, object]] = [
        {"id": "ok1", "url": "https://j.example/1", "title": "A good item"},
        {"id": "t", "url": "https://j.example/t", "title": 42},
        {"id": "u", "url": ["https://j.example/u"], "title": "list url"},
        {"id": "d", "url": "https://j.example/d", "date_published": {"when": "today"}},
        {"id": "n", "url": "https://j.example/n", "title": "deep", "content_text": "DEEP"},
        {"id": "ok2", "url": "https://j.example/2", "title": "Another good item"},
    ]
    text = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": "wrong types", "items": items}
    )
    deep = "[" * 10_000 + '"bottom"' + "]" * 10_000  # json.dumps would recurse: by hand
    return text.replace('"DEEP"', deep, 1).encode()


def _redirect_loop(path: str) -> Route:
    other = path + "-b" if not path.endswith("-b") else path[:-2]
    return Route(status=302, location=other)


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    route: Callable[[], Route]
    extra: dict[str, Callable[[], Route]] | None = None  # more paths on the same host


CASES = [
    Case("gzip bomb (1 GiB inflated)", "/bomb.xml", lambda: Route(body=gzip_bomb(1024),
         content_encoding="gzip")),
    Case("100 MB feed, Content-Length", "/big.xml", lambda: Route(body=_big_rss(100 * MB))),
    Case("100 MB feed, chunked", "/big-chunked.xml",
         lambda: Route(body=_big_rss(100 * MB), chunk=64 * 1024)),
    Case("9 MB feed (under the cap)", "/nine.xml", lambda: Route(body=_big_rss(9 * MB))),
    Case("slowloris, 1 byte/s", "/slow.xml",
         lambda: Route(body=rss(news_items("slow", 3)), chunk=1, drip=1.0)),
    Case("billion laughs", "/lol.xml", lambda: Route(body=billion_laughs())),
    Case("redirect loop", "/loop", lambda: _redirect_loop("/loop"),
         {"/loop-b": lambda: _redirect_loop("/loop-b")}),
    Case("invalid UTF-8 in RSS", "/utf8.xml", lambda: Route(body=_invalid_utf8())),
    Case("JSON Feed, wrong types", "/types.json",
         lambda: Route(body=_wrong_types(), content_type=JSON_TYPE)),
]  # fmt: skip
BY_NAME = {c.name: c for c in CASES}


# --- the server process ------------------------------------------------------------------------


def _serve(conn: Connection) -> None:
    """In the server process: every case on its own host, normal feeds after them."""
    server = FeedServer(hosts=len(CASES) + NORMAL + 1)
    where: dict[str, tuple[str, str]] = {}  # name -> (path, host)
    for i, case in enumerate(CASES):
        server.set(case.path, case.route())
        for path, route in (case.extra or {}).items():
            server.set(path, route())
        where[case.name] = case.path, f"127.0.0.{2 + i}"
    for n in range(NORMAL):
        path = f"/normal{n}.xml"
        server.set(path, Route(body=rss(news_items(f"normal{n}", 20), title=f"Normal {n}")))
        where[f"normal feed {n}"] = path, f"127.0.0.{2 + len(CASES) + n}"
    server.start()
    conn.send({name: server.url(path, host=host) for name, (path, host) in where.items()})
    conn.recv()  # stop
    server.stop()


# --- the poller processes ----------------------------------------------------------------------


def _describe(outcome: PollOutcome) -> str:
    if outcome.status in (PollStatus.FAILED, PollStatus.DISABLED):
        return f"refused: {outcome.error}"
    text = f"read, {len(outcome.entries)} items"
    if outcome.skipped:
        reasons = sorted({s.reason for s in outcome.skipped})
        text += f", {len(outcome.skipped)} skipped ({', '.join(reasons)})"
    if outcome.bozo_reason:
        text += f"; not well-formed: {outcome.bozo_reason}"
    return text


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


async def _alone(settings: PollerSettings, url: str, warm_url: str) -> tuple[float, int, str]:
    async def emit(entries: list[FeedEntry]) -> None:
        return None

    async with PoliteClient.for_feeds(settings) as client:
        warm = FeedPoller(settings, client, MemoryFeedStore())
        await warm.poll_one(Feed(url=warm_url, name="warm-up"), emit)
    before = _max_rss()
    async with PoliteClient.for_feeds(settings) as client:
        poller = FeedPoller(settings, client, MemoryFeedStore())
        started = time.perf_counter()
        outcome = await poller.poll_one(Feed(url=url, name="case"), emit)
        seconds = time.perf_counter() - started
    return seconds, _max_rss() - before, _describe(outcome)


def _quiet() -> None:
    """The poller's warnings repeat the outcome column: keep the table readable."""
    logging.getLogger("streams").setLevel(logging.ERROR)


def _run_alone(conn: Connection, settings: PollerSettings, url: str, warm_url: str) -> None:
    _quiet()
    conn.send(asyncio.run(_alone(settings, url, warm_url)))


async def _together(
    settings: PollerSettings, urls: dict[str, str]
) -> dict[str, tuple[float, float | None, str]]:
    """Every feed at once; name -> (poll ended at, first entries emitted at, outcome)."""
    by_url = {url: name for name, url in urls.items()}
    emitted: dict[str, float] = {}
    started = time.perf_counter()

    async def emit(entries: list[FeedEntry]) -> None:
        emitted.setdefault(by_url[entries[0].feed_url], time.perf_counter() - started)

    async def timed(poller: FeedPoller, name: str) -> tuple[str, float, PollOutcome]:
        outcome = await poller.poll_one(Feed(url=urls[name], name=name), emit)
        return name, time.perf_counter() - started, outcome

    async with PoliteClient.for_feeds(settings) as client:
        poller = FeedPoller(settings, client, MemoryFeedStore())
        done = await asyncio.gather(*(timed(poller, name) for name in urls))
    return {name: (ended, emitted.get(name), _describe(o)) for name, ended, o in done}


def _run_together(conn: Connection, settings: PollerSettings, urls: dict[str, str]) -> None:
    _quiet()
    conn.send(asyncio.run(_together(settings, urls)))


def _in_process(target: Callable[..., None], *args: object) -> object:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(child, *args), daemon=True)
    proc.start()
    child.close()
    try:
        return parent.recv()
    finally:
        proc.join(10)


def _short(text: str, width: int = 78) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(BY_NAME))
    parser.add_argument("--feed-deadline", type=float, help="poller.feed_deadline (default: 90)")
    parser.add_argument("--read-timeout", type=float, help="poller.read_timeout (default: 20)")
    parser.add_argument("--skip-alone", action="store_true", help="only the combined run")
    args = parser.parse_args()
    overrides: dict[str, float] = {}
    if args.feed_deadline:
        overrides["feed_deadline"] = args.feed_deadline
    if args.read_timeout:
        overrides["read_timeout"] = args.read_timeout
    settings = PollerSettings(**overrides)  # type: ignore[arg-type]
    cases = args.case or [c.name for c in CASES]

    ctx = mp.get_context("spawn")
    control, server_end = ctx.Pipe()
    server = ctx.Process(target=_serve, args=(server_end,), daemon=True)
    server.start()
    urls: dict[str, str] = control.recv()
    try:
        print(
            f"poller: max_body_bytes {settings.max_body_bytes / MB:g} MiB, connect/read timeouts"
            f" {settings.connect_timeout:g}/{settings.read_timeout:g} s (whole exchange"
            f" {settings.connect_timeout + 2 * settings.read_timeout:g} s),"
            f" max_redirects {settings.max_redirects}, feed_deadline {settings.feed_deadline:g} s"
        )
        if not args.skip_alone:
            print("\nalone: a fresh process per case; RSS growth = peak RSS after - peak before")
            print(f"{'case':<28} {'time':>9} {'RSS growth':>11}  outcome")
            for name in cases:
                seconds, growth, outcome = _in_process(  # type: ignore[misc]
                    _run_alone, settings, urls[name], urls["normal feed 0"]
                )
                print(f"{name:<28} {seconds:>7.2f} s {growth / MB:>8.1f} MB  {_short(outcome)}")
        print(f"\ntogether: {len(cases)} hostile and {NORMAL} normal feeds polled at once")
        chosen = {n: u for n, u in urls.items() if n in cases or n.startswith("normal")}
        results: dict[str, tuple[float, float | None, str]] = _in_process(  # type: ignore[assignment]
            _run_together, settings, chosen
        )
        print(f"{'feed':<28} {'poll ended':>10} {'emitted':>9}  outcome")
        for name, (ended, emitted, outcome) in results.items():
            at = f"{emitted:>7.2f} s" if emitted is not None else f"{'-':>9}"
            print(f"{name:<28} {ended:>8.2f} s {at}  {_short(outcome, 60)}")
        normal = [r for n, r in results.items() if n.startswith("normal")]
        hostile = [r[0] for n, r in results.items() if not n.startswith("normal")]
        last_normal = max((r[1] or r[0]) for r in normal)
        print(
            f"\nnormal feeds: all {sum(r[1] is not None for r in normal)} emitted by"
            f" {last_normal:.2f} s; the hostile ones ended between {min(hostile):.2f} and"
            f" {max(hostile):.2f} s"
        )
    finally:
        control.send("stop")
        server.join(15)
        if server.is_alive():
            server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

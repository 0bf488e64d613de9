"""The fetch fence against a hostile feed, end to end over real HTTP on the loopback.

The feed server listens on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (one port). The hostile feed is
on 127.0.0.2; its items link to 127.0.0.1 in every spelling, through a redirect, through names
that resolve there, and with decoy credentials. The server records the address each request
arrived on, so "never fetched" is checked where it counts: nothing reached 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from feedserver import FeedServer, Route, rss

from agents.fetch import fetch_article
from streams.errors import LinkRefused
from streams.feed_state import MemoryFeedStore
from streams.feeds import Feed
from streams.fence import FetchFence
from streams.http import PoliteClient, TransferError, TransferErrorKind
from streams.poller import FeedPoller, PollStatus
from streams.records import FeedEntry, TextSource
from streams.settings import FetchSettings, PollerSettings, Settings, load_settings

PAGE = (
    "<html><body><article><h1>Council approves the budget</h1>"
    + "".join(
        f"<p>Paragraph {i}: the regional council approved the new budget on Tuesday after a"
        f" debate of {i + 3} hours, with {20 + i} votes in favour.</p>"
        for i in range(6)
    )
    + "</article></body></html>"
).encode()
FEED_HOST, TARGET, ALLOWED = "127.0.0.2", "127.0.0.1", "127.0.0.3"


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(hosts=3) as srv:
        yield srv


async def fake_resolver(host: str, port: int) -> Sequence[str]:
    """Stands in for DNS: names an attacker controls, and one in the allowed network."""
    table = {"rebind.test": [TARGET], "mixed.test": ["93.184.216.34", TARGET]}
    table["intranet.test"] = [ALLOWED]
    if host == "localhost":
        return [TARGET, "::1"]
    return table[host]


def hostile_links(port: int) -> dict[str, str]:
    p = port
    return {
        "loopback": f"http://127.0.0.1:{p}/s/plain.html",
        "decimal": f"http://2130706433:{p}/s/decimal.html",
        "octal": f"http://0177.0.0.1:{p}/s/octal.html",
        "hex": f"http://0x7f000001:{p}/s/hex.html",
        "short": f"http://127.1:{p}/s/short.html",
        "mapped": f"http://[::ffff:127.0.0.1]:{p}/s/mapped.html",
        "ipv6": f"http://[::1]:{p}/s/ipv6.html",
        "localhost": f"http://localhost:{p}/s/localhost.html",
        "dns": f"http://rebind.test:{p}/s/dns.html",
        "dns_mixed": f"http://mixed.test:{p}/s/mixed.html",
        "scheme_relative": f"//127.0.0.1:{p}/s/relative.html",  # resolved against the feed URL
        "credentials": f"http://{FEED_HOST}:{p}@127.0.0.1:{p}/s/userinfo.html",
        "redirect": f"http://{FEED_HOST}:{p}/own/redirect.html",  # own host, 302 -> 127.0.0.1
        "port_of_own_host": f"http://{FEED_HOST}:{p + 1 if p < 65535 else p - 1}/s/port.html",
    }


def fetch_settings() -> Settings:
    return load_settings().model_copy(
        update={
            "fetch": FetchSettings(
                timeout=2.0,
                politeness_delay=0.0,
                allow_hosts=[ALLOWED],
                allow_networks=[f"{ALLOWED}/32"],  # type: ignore[list-item]
            )
        }
    )


async def poll(server: FeedServer, path: str, items: list[dict[str, str]]) -> list[FeedEntry]:
    url = server.set(path, Route(body=rss(items)), host=FEED_HOST)
    feed_url = server.url(path, host=FEED_HOST)
    assert url  # set() answers for 127.0.0.1; the feed is polled on its own host
    settings = PollerSettings(politeness_delay=0.0, connect_timeout=2.0, read_timeout=2.0)
    async with PoliteClient.for_feeds(settings) as client:
        poller = FeedPoller(settings, client, MemoryFeedStore())
        emitted: list[FeedEntry] = []

        async def emit(entries: list[FeedEntry]) -> None:
            emitted.extend(entries)

        outcome = await poller.poll_feed(Feed(url=feed_url, name="hostile"), emit)  # type: ignore[call-arg]
    assert outcome.status == PollStatus.NEW, outcome.error
    return emitted


async def test_hostile_links_are_refused_and_never_fetched(server: FeedServer) -> None:
    server.set("/own/redirect.html", Route(status=302, location=server.url("/s/redirected.html")))
    for path in ("/own/page.html", "/ok/allowed.html", "/ok/network.html", "/s/plain.html"):
        server.set(path, Route(body=PAGE, content_type="text/html"))
    links = hostile_links(server.port)
    links["own_host"] = server.url("/own/page.html", host=FEED_HOST)
    links["allow_listed_host"] = server.url("/ok/allowed.html", host=ALLOWED)
    links["allowed_network"] = f"http://intranet.test:{server.port}/ok/network.html"
    items = [
        {"title": f"Item {name}", "link": link, "description": name} for name, link in links.items()
    ]
    entries = await poll(server, "/hostile.xml", items)
    by_name = {e.summary: e for e in entries}
    assert set(by_name) == set(links)

    settings = fetch_settings()
    fence = FetchFence.from_settings(settings.fetch, resolver=fake_resolver)
    server.reset_counters()
    refused: dict[str, str] = {}
    fetched: dict[str, str] = {}
    async with PoliteClient.for_pages(
        settings.fetch, user_agent=settings.poller.user_agent, fence=fence
    ) as client:
        for name, entry in by_name.items():
            try:
                article = await fetch_article(entry, client, settings)
            except LinkRefused as exc:
                refused[name] = exc.reason
            else:
                fetched[name] = article.fetch_error or article.text_source

    expected_reasons = {name: "loopback" for name in hostile_links(server.port)}
    expected_reasons["credentials"] = "credentials"
    assert refused == expected_reasons
    assert fetched == {
        "own_host": TextSource.PAGE.value,
        "allow_listed_host": TextSource.PAGE.value,
        "allowed_network": TextSource.PAGE.value,
    }
    # nothing reached 127.0.0.1, robots.txt included; the allowed pages did arrive
    assert [k for k in server.arrivals if k[0] == TARGET] == []
    assert server.arrivals[(FEED_HOST, "/own/redirect.html")] == 1  # the hop on its own host
    assert server.hits["/s/redirected.html"] == 0
    assert server.arrivals[(ALLOWED, "/ok/network.html")] == 1  # the address that was checked
    assert server.last_headers["/ok/network.html"]["Host"] == f"intranet.test:{server.port}"


async def test_non_http_links_are_never_stored_as_url(server: FeedServer) -> None:
    items = [
        {"title": "Script", "link": "javascript:alert(document.cookie)", "guid": "urn:x:js"},
        {"title": "Data", "link": "data:text/html,<script>alert(1)</script>", "guid": "urn:x:d"},
        {"title": "File", "link": "file:///etc/passwd", "guid": "javascript:alert(2)"},
        {"title": "Tag", "link": "file:///etc/shadow", "guid": "tag:example.org,2026:7"},
    ]
    for item in items:
        item["description"] = f"{item['title']} lead paragraph."
    entries = await poll(server, "/schemes.xml", items)
    assert len(entries) == 4
    for entry in entries:
        assert entry.url.startswith(("urn:", "tag:")), entry.url
    assert sorted(e.url for e in entries)[-1] == "urn:x:js"  # an inert GUID stands in
    assert any(e.url == "tag:example.org,2026:7" for e in entries)
    settings = fetch_settings()
    async with PoliteClient.for_pages(settings.fetch, user_agent="t/1") as client:
        article = await fetch_article(entries[0], client, settings)
    assert article.text_source == TextSource.FEED.value
    assert article.fetch_error == "the entry has no article URL"


async def test_a_feeds_redirect_to_another_host_is_fenced(server: FeedServer) -> None:
    server.set("/_cat/indices", Route(body=b"green open news-000001", content_type="text/plain"))
    server.set("/moved.xml", Route(status=302, location=server.url("/_cat/indices")))
    server.set("/moved-home.xml", Route(status=301, location="/home.xml"))
    server.set("/home.xml", Route(body=rss([{"title": "t", "link": "https://x.example/1"}])))
    server.reset_counters()
    settings = PollerSettings(politeness_delay=0.0, connect_timeout=2.0, read_timeout=2.0)
    async with PoliteClient.for_feeds(settings) as client:
        with pytest.raises(TransferError) as caught:
            await client.get(server.url("/moved.xml", host=FEED_HOST))
        same_host = await client.get(server.url("/moved-home.xml", host=FEED_HOST))
    assert caught.value.kind == TransferErrorKind.REFUSED and caught.value.refusal == "loopback"
    assert not caught.value.retriable
    assert server.hits["/_cat/indices"] == 0
    assert same_host.status == 200 and same_host.redirects == 1  # its own host: not fenced

"""A polite HTTP client for feeds and article pages.

Polite to the servers (a User-Agent that says who we are, conditional GETs, at most
``per_host_concurrency`` requests at once per host and ``politeness_delay`` seconds between their
starts, or the host's robots.txt Crawl-delay up to a cap: :meth:`PoliteClient.set_crawl_delay`)
and safe for us (connect/read timeouts plus an overall deadline, a cap on the *decoded* body
size, so a gzip bomb costs at most ``max_body_bytes`` of memory, and a limit on redirects).

Safe for the network behind us too: every URL that comes from a third party (a link in a feed,
any redirect to another host) goes through the fetch fence (:mod:`streams.fence`), which refuses
loopback, private and other non-public addresses at connection time. The URL a client is asked
for is third-party unless the client is for feeds (``for_feeds``: the operator chose the feed
URL); ``linked_from`` names the feed a link came from, whose own host is not fenced.

Usage::

    async with PoliteClient.for_feeds(settings.poller) as client:
        result = await client.get(url, validators=Validators(etag='"abc"'))
        if result.not_modified: ...

Every failure is a :class:`TransferError` whose ``kind`` says what went wrong (``refused``, with
``refusal`` set, when the fence said no); callers map it to their own error (a feed error for the
poller, a fetch error or a refused link for the article fetcher).
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from enum import StrEnum
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from streams.errors import NewsstreamError
from streams.fence import FenceRefusal, FetchFence, RefusalReason
from streams.settings import FetchSettings, PollerSettings

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
CHUNK = 64 * 1024


class TransferErrorKind(StrEnum):
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TOO_LARGE = "too_large"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    HTTP_STATUS = "http_status"
    BAD_ENCODING = "bad_encoding"
    INVALID_URL = "invalid_url"
    REFUSED = "refused"  # the fetch fence refused the URL: never retried


class TransferError(NewsstreamError):
    """A URL could not be downloaded; ``status`` and ``retry_after`` when the server said so."""

    def __init__(
        self,
        url: str,
        kind: TransferErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        refusal: RefusalReason | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.refusal = refusal
        self.retriable = refusal is None and not (
            status is not None and status in (400, 401, 403, 404, 410)
        )


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server told us last time, sent back so it can answer 304 Not Modified."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(slots=True)
class Response:
    """The outcome of one GET after redirects; ``body`` is decoded (gzip/deflate undone)."""

    requested_url: str
    url: str  # the final URL
    status: int
    headers: httpx.Headers
    body: bytes = b""
    wire_bytes: int = 0  # bytes received on the wire (compressed), headers excluded
    permanent_redirect: str | None = None  # set when every hop was 301/308
    redirects: int = 0
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def validators(self) -> Validators:
        return Validators(
            etag=self.headers.get("etag"), last_modified=self.headers.get("last-modified")
        )

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


@dataclass(slots=True)
class _Host:
    """Per-host politeness: a semaphore, the time the last request to it started, and the
    host's robots.txt Crawl-delay (capped; 0 when it has none)."""

    slots: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = 0.0
    crawl_delay: float = 0.0


class _BoundedDecoder:
    """Undoes gzip/deflate incrementally, refusing to produce more than ``limit`` bytes.

    ``max_length`` on each ``decompress`` call keeps memory bounded however extreme the
    compression ratio is (a 10 MB gzip bomb inflates to 10 GB; we stop at the cap).
    """

    def __init__(self, encoding: str, limit: int) -> None:
        encoding = encoding.strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise ValueError(f"unsupported content-encoding {encoding!r}")
        self.encoding = encoding
        self.limit = limit
        self.size = 0
        self._d: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def feed(self, data: bytes) -> bytes:
        if self.encoding in ("", "identity"):
            out = data
        else:
            if self._d is None:  # deflate: zlib-wrapped per the RFC, raw from some servers
                zlib_header = (
                    len(data) >= 2
                    and (data[0] & 0x0F) == 8
                    and ((data[0] << 8) | data[1]) % 31 == 0
                )
                self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
            buf = bytearray()
            pending = data
            while pending:
                room = self.limit - self.size - len(buf) + 1
                # in steps, so buf never sits beside a whole second copy of itself
                buf += self._d.decompress(pending, max(min(room, 4 * CHUNK), 1))
                if self.size + len(buf) > self.limit:
                    raise OverflowError  # before copying buf: a bomb costs the cap, not twice
                pending = self._d.unconsumed_tail
            out = bytes(buf)
        self.size += len(out)
        if self.size > self.limit:
            raise OverflowError
        return out

    def flush(self) -> bytes:
        if self._d is None:
            return b""
        out = self._d.flush()
        self.size += len(out)
        if self.size > self.limit:
            raise OverflowError
        return out


class PoliteClient:
    """An ``httpx.AsyncClient`` wrapped with per-host limits, size caps and manual redirects.

    Two connection pools: one for the hosts the fence exempts (the operator's feed URL, a feed's
    own host, allow-listed hosts) and one whose connections the fence checks, so a connection
    opened for an exempt host is never reused by a fenced request.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout: float,
        read_timeout: float,
        max_body_bytes: int,
        max_redirects: int = 5,
        per_host_concurrency: int = 2,
        politeness_delay: float = 1.0,
        concurrency: int = 64,
        max_crawl_delay: float = 60.0,
        total_timeout: float | None = None,
        fence: FetchFence | None = None,
        trust_requested_origin: bool = False,
    ) -> None:
        if per_host_concurrency < 1 or concurrency < 1:
            raise ValueError("concurrency limits must be >= 1")
        self.user_agent = user_agent
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.per_host_concurrency = per_host_concurrency
        self.politeness_delay = politeness_delay
        self.max_crawl_delay = max_crawl_delay
        self.total_timeout = total_timeout or (connect_timeout + 2 * read_timeout)
        self.fence = fence or FetchFence()
        # for feeds: the requested URL's origin is the operator's choice, its redirects are not
        self.trust_requested_origin = trust_requested_origin
        self._hosts: dict[str, _Host] = {}
        timeout = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=None
        )
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
        self._direct = httpx.AsyncClient(
            timeout=timeout, limits=limits, follow_redirects=False, headers=headers
        )
        self._fenced = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            headers=headers,
            transport=self.fence.transport(limits=limits),
        )

    @classmethod
    def for_feeds(cls, settings: PollerSettings, **overrides: object) -> PoliteClient:
        kwargs: dict[str, object] = {
            "user_agent": settings.user_agent,
            "connect_timeout": settings.connect_timeout,
            "read_timeout": settings.read_timeout,
            "max_body_bytes": settings.max_body_bytes,
            "max_redirects": settings.max_redirects,
            "per_host_concurrency": settings.per_host_concurrency,
            "politeness_delay": settings.politeness_delay,
            "concurrency": settings.concurrency,
            "trust_requested_origin": True,
        }
        kwargs.update(overrides)
        return cls(**kwargs)  # type: ignore[arg-type]

    @classmethod
    def for_pages(
        cls,
        settings: FetchSettings,
        *,
        user_agent: str,
        max_redirects: int = 5,
        **overrides: object,
    ) -> PoliteClient:
        kwargs: dict[str, object] = {
            "user_agent": user_agent,
            "connect_timeout": min(10.0, settings.timeout),
            "read_timeout": settings.timeout,
            "total_timeout": settings.timeout,
            "max_body_bytes": settings.max_body_bytes,
            "max_redirects": max_redirects,
            "per_host_concurrency": settings.per_host_concurrency,
            "politeness_delay": settings.politeness_delay,
            "concurrency": settings.concurrency,
            "max_crawl_delay": settings.max_crawl_delay,
            "fence": FetchFence.from_settings(settings),
        }
        kwargs.update(overrides)
        return cls(**kwargs)  # type: ignore[arg-type]

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._direct.aclose()
        await self._fenced.aclose()

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc.lower()
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host_concurrency))
        return host

    def set_crawl_delay(self, url: str, seconds: float | None) -> float:
        """Space later requests to ``url``'s host by its robots.txt Crawl-delay when that is
        longer than ``politeness_delay``; returns the spacing now in force for the host.

        Why: Crawl-delay is the site's own word on how often it may be hit, so it wins over our
        default. Why capped at ``max_crawl_delay``: it is also the site's word alone, and a
        hostile or mistyped ``Crawl-delay: 100000`` would park the host, and every fetch queued
        for it, for a day per request. A capped host is fetched every ``max_crawl_delay``
        seconds, more often than it asked, and a warning says so. ``None`` (no Crawl-delay, or
        a new robots.txt without one) puts the host back on ``politeness_delay``.
        """
        wanted = max(0.0, seconds or 0.0)
        host = self._host(url)
        host.crawl_delay = min(wanted, self.max_crawl_delay)
        if wanted > self.max_crawl_delay:
            log.warning(
                "robots.txt of %s asks for Crawl-delay %gs: capped at fetch.max_crawl_delay=%gs,"
                " so the host is fetched more often than it asked",
                urlsplit(url).netloc,
                wanted,
                self.max_crawl_delay,
            )
        return max(self.politeness_delay, host.crawl_delay)

    async def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        accept: str = "*/*",
        max_body_bytes: int | None = None,
        linked_from: str | None = None,
    ) -> Response:
        """GET ``url`` following redirects; raises :class:`TransferError` on any failure.

        A 304 is a success (``not_modified``); any other status outside 2xx is an error, with
        ``retry_after`` filled in for 429 and 503. ``linked_from`` is the URL of the feed that
        links to ``url``: hops to that feed's own host and port are not fenced.
        """
        return await self._get(url, validators, accept, max_body_bytes, linked_from)

    async def _get(
        self,
        url: str,
        validators: Validators | None,
        accept: str,
        max_body_bytes: int | None,
        linked_from: str | None,
    ) -> Response:
        started = time.monotonic()
        limit = max_body_bytes or self.max_body_bytes
        own = _parsed(url if self.trust_requested_origin else linked_from)
        current = url
        all_permanent = True
        wire = 0
        for hop in range(self.max_redirects + 1):
            headers = {"Accept": accept}
            if validators is not None:
                headers.update(validators.headers())
            client = self._client_for(current, own, requested=hop == 0)
            status, resp_headers, body, hop_wire = await self._one(client, current, headers, limit)
            wire += hop_wire
            if status in REDIRECT_STATUSES:
                location = resp_headers.get("location")
                if not location:
                    raise TransferError(
                        url,
                        TransferErrorKind.HTTP_STATUS,
                        f"HTTP {status} without a Location",
                        status=status,
                    )
                all_permanent = all_permanent and status in PERMANENT_REDIRECTS
                current = urljoin(current, location)
                continue
            response = Response(
                requested_url=url,
                url=current,
                status=status,
                headers=resp_headers,
                body=body,
                wire_bytes=wire,
                permanent_redirect=current if hop and all_permanent else None,
                redirects=hop,
                elapsed=time.monotonic() - started,
            )
            if status == 304 or 200 <= status < 300:
                return response
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(resp_headers.get("retry-after"))
            raise TransferError(
                url,
                TransferErrorKind.HTTP_STATUS,
                f"HTTP {status}",
                status=status,
                retry_after=retry_after,
            )
        raise TransferError(
            url,
            TransferErrorKind.TOO_MANY_REDIRECTS,
            f"more than {self.max_redirects} redirects (last: {current})",
        )

    def _client_for(self, url: str, own: httpx.URL | None, *, requested: bool) -> httpx.AsyncClient:
        """The client a hop goes through: fenced unless its host is exempt; raises
        :class:`TransferError` (``refused``) for what the fence refuses without connecting."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise TransferError(url, TransferErrorKind.INVALID_URL, f"not an http(s) URL: {url}")
        if requested and self.trust_requested_origin:
            return self._direct  # the operator's feed URL, credentials and all
        try:
            try:
                parsed = httpx.URL(url)
            except httpx.InvalidURL as exc:
                self.fence.inspect_host(urlsplit(url).hostname or "")
                raise TransferError(url, TransferErrorKind.INVALID_URL, str(exc)) from exc
            self.fence.inspect(parsed)
        except FenceRefusal as exc:
            raise _refused(url, exc) from exc
        return self._direct if self.fence.exempts(parsed, own=own) else self._fenced

    async def _one(
        self, client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int
    ) -> tuple[int, httpx.Headers, bytes, int]:
        """One request, no redirects: (status, headers, decoded body, wire bytes)."""
        host = self._host(url)
        async with host.slots:
            spacing = max(self.politeness_delay, host.crawl_delay)
            if spacing > 0:
                async with host.lock:
                    wait = host.last_start + spacing - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    host.last_start = time.monotonic()
            try:
                # The deadline covers the exchange only, not the wait for a turn at the host,
                # and catches a server that drips bytes just fast enough for the read timeout.
                async with (
                    asyncio.timeout(self.total_timeout),
                    client.stream("GET", url, headers=headers) as resp,
                ):
                    if (
                        resp.status_code in REDIRECT_STATUSES
                        or resp.status_code == 304
                        or (resp.status_code >= 400)
                    ):
                        return resp.status_code, resp.headers, b"", 0
                    declared = resp.headers.get("content-length")
                    encoding = resp.headers.get("content-encoding", "")
                    if declared and declared.isdigit() and not encoding and int(declared) > limit:
                        raise TransferError(
                            url,
                            TransferErrorKind.TOO_LARGE,
                            f"body of {int(declared)} bytes exceeds the cap of {limit}",
                        )
                    try:
                        decoder = _BoundedDecoder(encoding, limit)
                    except ValueError as exc:
                        raise TransferError(url, TransferErrorKind.BAD_ENCODING, str(exc)) from exc
                    parts: list[bytes] = []
                    wire = 0
                    try:
                        async for chunk in resp.aiter_raw(CHUNK):
                            wire += len(chunk)
                            parts.append(decoder.feed(chunk))
                        parts.append(decoder.flush())
                    except OverflowError as exc:
                        raise TransferError(
                            url,
                            TransferErrorKind.TOO_LARGE,
                            f"decoded body exceeds the cap of {limit} bytes"
                            f" (after {wire} bytes on the wire)",
                        ) from exc
                    except zlib.error as exc:
                        raise TransferError(
                            url, TransferErrorKind.BAD_ENCODING, f"corrupt {encoding} body: {exc}"
                        ) from exc
                    return resp.status_code, resp.headers, b"".join(parts), wire
            except FenceRefusal as exc:  # raised while connecting: nothing was sent
                raise _refused(url, exc) from exc
            except TimeoutError as exc:
                raise TransferError(
                    url,
                    TransferErrorKind.TIMEOUT,
                    f"no complete answer within {self.total_timeout:g}s",
                ) from exc
            except httpx.TimeoutException as exc:
                raise TransferError(
                    url, TransferErrorKind.TIMEOUT, f"{type(exc).__name__} for {url}"
                ) from exc
            except httpx.InvalidURL as exc:
                raise TransferError(url, TransferErrorKind.INVALID_URL, str(exc)) from exc
            except httpx.HTTPError as exc:
                raise TransferError(
                    url, TransferErrorKind.CONNECTION, f"{type(exc).__name__}: {exc}"
                ) from exc


def _parsed(url: str | None) -> httpx.URL | None:
    if not url:
        return None
    try:
        return httpx.URL(url)
    except httpx.InvalidURL:
        return None


def _refused(url: str, exc: FenceRefusal) -> TransferError:
    return TransferError(url, TransferErrorKind.REFUSED, str(exc), refusal=exc.reason)

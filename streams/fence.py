"""The fetch fence: a link from a third party never reaches an address on our side of the network.

A feed URL is the operator's choice; the links inside a feed and every redirect are not. Without a
fence, an item link to ``http://127.0.0.1:9200/_cat/indices`` (or ``http://2130706433:9200/``, or
a name that resolves to 10.0.0.5, or a 302 to any of them) makes the pipeline fetch our own
services and index what they answer.

:class:`FetchFence` is the one entry point. Its :meth:`~FetchFence.transport` makes connections
through a network backend that resolves a host once, refuses it when any of its addresses is not
public (loopback, private, link-local, multicast, unspecified, reserved; IPv4 in every encoding a
resolver accepts, IPv6 with an IPv4 address inside: mapped, NAT64, 6to4, Teredo) and connects to
the very addresses it checked. The check and the connection are one step, so a DNS answer that
changes between them (rebinding) cannot slip through, and a redirect is checked when it connects
like any other hop. Hosts the fence exempts (a feed's own origin, the ``fetch.allow_hosts``
setting) use an ordinary connection pool of their own, so a connection opened for an exempt host
is never reused for a fenced request.

Usage::

    fence = FetchFence.from_settings(settings.fetch)
    fence.inspect(url)                        # scheme and credentials: raises FenceRefusal
    if not fence.exempts(url, own=feed_url):  # else: the fenced transport's client
        ...
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

import httpcore
import httpx

from streams.errors import NewsstreamError

if TYPE_CHECKING:
    from streams.settings import FetchSettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses a connection would go to; injectable so tests need no DNS
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, local use
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


class RefusalReason(StrEnum):
    """Why a URL was refused; the label of ``newsstream_fetch_refused``."""

    SCHEME = "scheme"  # not http or https
    CREDENTIALS = "credentials"  # user@host: never in an article link, often a decoy
    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link_local"  # includes 169.254.169.254, the cloud metadata service
    MULTICAST = "multicast"
    UNSPECIFIED = "unspecified"
    RESERVED = "reserved"  # reserved, or not globally routable (100.64/10, 240/4, ...)


class FenceRefusal(NewsstreamError):
    """The fence refused to connect; ``reason`` says what the address or URL is."""

    retriable = False

    def __init__(self, target: str, reason: RefusalReason, detail: str) -> None:
        super().__init__(f"refused ({reason.value}): {detail}")
        self.target = target
        self.reason = reason
        self.detail = detail


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, which is where its packets end up."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, which are themselves
        return ipaddress.IPv4Address(int(ip))
    return None


def address_refusal(ip: IPAddress) -> RefusalReason | None:
    """Why ``ip`` is no address a third-party link may reach; None for a public address.

    >>> address_refusal(ipaddress.ip_address("::ffff:169.254.169.254"))
    <RefusalReason.LINK_LOCAL: 'link_local'>
    """
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return address_refusal(inner)
        if ip in _NAT64_LOCAL or ip.is_site_local:
            return RefusalReason.PRIVATE
    if ip.is_unspecified:
        return RefusalReason.UNSPECIFIED
    if ip.is_loopback:
        return RefusalReason.LOOPBACK
    if ip.is_link_local:
        return RefusalReason.LINK_LOCAL
    if ip.is_multicast:
        return RefusalReason.MULTICAST
    if ip.is_reserved:
        return RefusalReason.RESERVED
    if ip.is_private:
        return RefusalReason.PRIVATE
    if not ip.is_global:
        return RefusalReason.RESERVED
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address a host denotes by itself, read as a resolver reads it; None for a name.

    IPv4 follows ``inet_aton``, as ``getaddrinfo`` and browsers do: ``127.1``, ``2130706433``,
    ``0x7f000001`` and ``0177.0.0.1`` are all 127.0.0.1. IPv6 may come in brackets.
    """
    text = host.strip().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    if not _NUMERIC_HOST.fullmatch(text):
        return None  # inet_aton would also accept "1.2.3.4 anything": names never get there
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def origin_of(url: httpx.URL) -> tuple[str, int | None]:
    """(host, port) with literal addresses in one spelling, for "is this the same host?"."""
    host = url.host.lower().rstrip(".")
    literal = literal_address(host)
    return (str(literal) if literal is not None else host), url.port or DEFAULT_PORTS.get(
        url.scheme
    )


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system gives for ``host``."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class FetchFence:
    """Which hosts a third-party URL may reach, and the transport that enforces it.

    ``allow_hosts`` (names or literal addresses, any port) and ``allow_networks`` (addresses
    that resolved names may have) are let through although they are not public: an intranet
    news site, a local test server.
    """

    def __init__(
        self,
        *,
        allow_hosts: Iterable[str] = (),
        allow_networks: Iterable[str | IPNetwork] = (),
        resolver: Resolver | None = None,
    ) -> None:
        self.allow_hosts = frozenset(
            origin_of(httpx.URL(scheme="http", host=h.strip("[]")))[0] for h in allow_hosts
        )
        self.allow_networks = tuple(ipaddress.ip_network(n) for n in allow_networks)
        self.resolver = resolver or system_resolver

    @classmethod
    def from_settings(
        cls, settings: FetchSettings, *, resolver: Resolver | None = None
    ) -> FetchFence:
        return cls(
            allow_hosts=settings.allow_hosts,
            allow_networks=settings.allow_networks,
            resolver=resolver,
        )

    def __repr__(self) -> str:
        return (
            f"FetchFence(allow_hosts={sorted(self.allow_hosts)!r},"
            f" allow_networks={[str(n) for n in self.allow_networks]!r})"
        )

    def inspect(self, url: httpx.URL) -> None:
        """Refuse what no address check is needed for: a scheme but http(s), credentials."""
        if url.scheme not in ALLOWED_SCHEMES:
            raise FenceRefusal(str(url), RefusalReason.SCHEME, f"not an http(s) URL: {url}")
        if url.userinfo:
            raise FenceRefusal(
                str(url), RefusalReason.CREDENTIALS, f"credentials before the host in {url}"
            )

    def inspect_host(self, host: str) -> None:
        """Refuse a host that is itself a non-public address, however it is spelt.

        For URLs httpx will not parse (``0177.0.0.1``: it reads dotted quads strictly): they
        are never fetched, but the refusal says what they pointed at.
        """
        ip = literal_address(host)
        reason = None if ip is None else self.refusal(ip)
        if ip is not None and reason is not None:
            raise FenceRefusal(host, reason, f"{host} ({ip}) is a {reason.value} address")

    def exempts(self, url: httpx.URL, *, own: httpx.URL | None) -> bool:
        """True for the origin ``own`` (the feed's own host and port) and allow-listed hosts."""
        origin = origin_of(url)
        return origin[0] in self.allow_hosts or (own is not None and origin == origin_of(own))

    def refusal(self, ip: IPAddress) -> RefusalReason | None:
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return None
        return address_refusal(ip)

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """Resolve ``host`` once and check every address; refuses if any one is not public.

        One non-public answer refuses the host: a name that resolves to 8.8.8.8 and 127.0.0.1
        means to reach the second.
        """
        literal = literal_address(host)
        if literal is not None:
            found: list[IPAddress] = [literal]
        else:
            try:
                answers = await self.resolver(host, port)
            except OSError as exc:  # gaierror: the name does not resolve
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
            found = [ipaddress.ip_address(a) for a in dict.fromkeys(answers)]
            if not found:
                raise httpcore.ConnectError(f"cannot resolve {host}: no address")
        for ip in found:
            reason = self.refusal(ip)
            if reason is not None:
                named = host if host == str(ip) else f"{host} ({ip})"
                raise FenceRefusal(host, reason, f"{named} is a {reason.value} address")
        return found

    def transport(self, *, limits: httpx.Limits) -> httpx.AsyncBaseTransport:
        """An httpx transport whose every connection goes through :meth:`addresses`."""
        return _FencedTransport(self, limits)


class _FencedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the addresses the fence checked, never re-resolving the name.

    TLS still verifies the certificate against the name: httpcore passes the URL's host as
    the server name, not the address we connected to.
    """

    def __init__(self, fence: FetchFence) -> None:
        self.fence = fence
        self.inner: httpcore.AsyncNetworkBackend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.fence.addresses(host, port)
        error: Exception | None = None
        for ip in addresses:  # each one checked; the first that answers is used
            try:
                return await self.inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("the fetch fence makes no unix socket connections")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _FencedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with the connection pool built on :class:`_FencedBackend`.

    httpx takes no network backend, so the pool it built is replaced by an equal one that has
    ours. No proxy: through a proxy the fence could not see where a connection goes.
    """

    def __init__(self, fence: FetchFence, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_FencedBackend(fence),
        )

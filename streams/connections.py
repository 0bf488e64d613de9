"""Connecting to the services: the Elasticsearch client built from the settings, and the one
boundary where a client's connection failure becomes a one-line :class:`NewsstreamError`.

Every part of newsstream that talks to Elasticsearch gets its client from
:func:`elasticsearch_client`, so credentials, the CA file and timeouts are set in one place::

    es = elasticsearch_client(settings.elasticsearch)
    try:
        await es.count(index=settings.elasticsearch.alias)
    finally:
        await es.close()

A command wraps its work in :func:`service_errors`, which turns "connection refused", a TLS
failure or a 401 from either service into :class:`Unreachable` with what to do about it (like
httpx's ``map_httpcore_exceptions``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaError
from elastic_transport import ConnectionError as EsConnectionError
from elastic_transport import TlsError
from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    AuthenticationException,
    AuthorizationException,
    NotFoundError,
)

from streams.errors import ConfigError, NewsstreamError, Unreachable
from streams.settings import ElasticsearchSettings, Settings, redact_url

START_HINT = "start it with `newsstream services up`"


def elasticsearch_client(
    settings: ElasticsearchSettings, *, request_timeout: float | None = None
) -> AsyncElasticsearch:
    """The AsyncElasticsearch for ``settings``: URL, credentials, CA file, timeout.

    The caller closes it (``await es.close()``): an unclosed client leaves an aiohttp session
    that asyncio reports at exit.
    """
    options: dict[str, Any] = {
        "request_timeout": request_timeout or settings.request_timeout,
    }
    if settings.url.lower().startswith("https://"):
        options["verify_certs"] = settings.verify_certs
        if not settings.verify_certs:
            options["ssl_show_warn"] = False  # chosen in the settings; no warning per request
        if settings.ca_certs is not None:
            ca_file = settings.ca_certs.expanduser()
            if not ca_file.is_file():
                raise ConfigError(
                    f"elasticsearch.ca_certs: no CA certificate file at {ca_file} "
                    "(NEWSSTREAM_ELASTICSEARCH__CA_CERTS)"
                )
            options["ca_certs"] = str(ca_file)
    if settings.api_key is not None:
        options["api_key"] = settings.api_key.get_secret_value()
    elif settings.username:
        password = settings.password.get_secret_value() if settings.password else ""
        options["basic_auth"] = (settings.username, password)
    return AsyncElasticsearch(settings.url, **options)


def _squash(text: object) -> str:
    return " ".join(str(text).split())


def elasticsearch_error(settings: ElasticsearchSettings, exc: Exception) -> NewsstreamError:
    """What an Elasticsearch client error means for the person running a command."""
    url = redact_url(settings.url)
    if isinstance(exc, TlsError):
        return Unreachable(
            "elasticsearch",
            url,
            f"TLS to Elasticsearch at {url} failed ({_squash(exc.message)}): set "
            "elasticsearch.ca_certs to the CA that signed its certificate",
        )
    if isinstance(exc, EsConnectionError):
        return Unreachable(
            "elasticsearch",
            url,
            f"Elasticsearch is not reachable at {url}: {START_HINT}, "
            "or set elasticsearch.url (NEWSSTREAM_ELASTICSEARCH__URL)",
        )
    if isinstance(exc, AuthenticationException):
        return Unreachable(
            "elasticsearch",
            url,
            f"Elasticsearch at {url} refused the credentials (HTTP 401): set "
            "elasticsearch.username and elasticsearch.password, or elasticsearch.api_key",
        )
    if isinstance(exc, AuthorizationException):
        return Unreachable(
            "elasticsearch",
            url,
            f"Elasticsearch at {url}: the user may not do this (HTTP 403): "
            f"{_squash(exc.message)}; give its role the privileges on {settings.index_pattern}",
        )
    if isinstance(exc, NotFoundError):
        return NewsstreamError(
            f"Elasticsearch at {url}: {_squash(exc.message)}: "
            f"create the index with `newsstream init`"
        )
    assert isinstance(exc, ApiError)
    return NewsstreamError(
        f"Elasticsearch at {url} answered HTTP {exc.status_code}: {_squash(exc.message)}"
    )


def kafka_error(bootstrap_servers: str, exc: KafkaError) -> NewsstreamError:
    """What a Kafka client error means for the person running a command."""
    if isinstance(exc, KafkaConnectionError):
        return Unreachable(
            "kafka",
            bootstrap_servers,
            f"Kafka is not reachable at {bootstrap_servers}: {START_HINT}, "
            "or set kafka.bootstrap_servers (NEWSSTREAM_KAFKA__BOOTSTRAP_SERVERS)",
        )
    return NewsstreamError(f"Kafka at {bootstrap_servers}: {_squash(exc) or type(exc).__name__}")


@contextmanager
def service_errors(settings: Settings) -> Iterator[None]:
    """Raise the clients' connection, TLS and HTTP errors as one-line NewsstreamErrors."""
    try:
        yield
    except (EsConnectionError, ApiError) as exc:
        raise elasticsearch_error(settings.elasticsearch, exc) from exc
    except KafkaError as exc:
        raise kafka_error(settings.kafka.bootstrap_servers, exc) from exc


async def preflight(settings: Settings) -> list[str]:
    """Before a long-running command starts its worker: Kafka must answer and hold the
    pipeline's topics (the worker cannot start without them and would end in a traceback or
    ERROR lines), so their absence raises; Elasticsearch may come later (the index agent waits
    for it), so its absence is returned as a warning."""
    from aiokafka.admin import AIOKafkaAdminClient

    kafka = settings.kafka
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
    except KafkaError as exc:
        raise kafka_error(kafka.bootstrap_servers, exc) from exc
    finally:
        await admin.close()
    # a worker's first request would have the broker create them, with one partition
    missing = [t for t in kafka.topics.model_dump().values() if t not in existing]
    if missing:
        raise NewsstreamError(
            f"Kafka at {kafka.bootstrap_servers} has no topic {', '.join(missing)}: "
            "create them with `newsstream init` first"
        )
    warnings = []
    es = elasticsearch_client(settings.elasticsearch, request_timeout=5.0)
    try:
        # not info() (GET /): the rest-root module that serves it is missing from the
        # integ-test distribution that `newsstream services` runs, which answers it with a 405
        await es.cluster.health()
    except (EsConnectionError, ApiError) as exc:
        warnings.append(
            f"{elasticsearch_error(settings.elasticsearch, exc)}; the index agent waits for it"
        )
    finally:
        await es.close()
    return warnings

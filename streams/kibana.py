"""Kibana: load the analysts' saved objects (config/kibana/*.ndjson) into a running Kibana.

Kibana answers HTTP long before it can store anything (it first migrates its own indices in
Elasticsearch), so :func:`import_saved_objects` waits for ``GET /api/status`` to report the overall
level ``available`` and only then posts the file to ``/api/saved_objects/_import?overwrite=true``.
Kibana's answer lists what it created or overwrote and, per object, why it refused the others;
:class:`ImportReport` says both in plain words.

    report = import_saved_objects("http://127.0.0.1:5601", DEFAULT_SAVED_OBJECTS, timeout=300)
    print(report.summary())
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from streams.errors import KibanaError
from streams.settings import CONFIG_DIR, redact_url

log = logging.getLogger(__name__)

DEFAULT_SAVED_OBJECTS = CONFIG_DIR / "kibana" / "newsstream.ndjson"
DEFAULT_TIMEOUT = 300.0  # a first start migrates Kibana's system indices: minutes, not seconds
POLL_INTERVAL = 5.0
REQUEST_TIMEOUT = 60.0

__all__ = [
    "DEFAULT_SAVED_OBJECTS",
    "ImportFailure",
    "ImportReport",
    "ImportedObject",
    "KibanaError",
    "import_saved_objects",
    "parse_import_response",
    "wait_until_available",
]


@dataclass(frozen=True, slots=True)
class ImportedObject:
    type: str
    id: str
    title: str
    overwritten: bool


@dataclass(frozen=True, slots=True)
class ImportFailure:
    type: str
    id: str
    title: str
    reason: str  # Kibana's error type: conflict, missing_references, unsupported_type, unknown
    message: str  # in plain words

    def __str__(self) -> str:
        return f"{self.type} {self.id}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    """What one import did: Kibana's ``success``/``successCount``, the objects, the failures."""

    success: bool
    success_count: int
    imported: list[ImportedObject] = field(default_factory=list)
    errors: list[ImportFailure] = field(default_factory=list)
    kibana_version: str = ""

    @property
    def ok(self) -> bool:
        return self.success and not self.errors

    @property
    def created(self) -> list[ImportedObject]:
        return [o for o in self.imported if not o.overwritten]

    @property
    def overwritten(self) -> list[ImportedObject]:
        return [o for o in self.imported if o.overwritten]

    def summary(self) -> str:
        """Several lines for a person: counts, then every object, then every error."""
        version = f" into Kibana {self.kibana_version}" if self.kibana_version else ""
        lines = [
            f"imported {self.success_count} saved objects{version}: "
            f"{len(self.created)} created, {len(self.overwritten)} overwritten, "
            f"{len(self.errors)} failed"
        ]
        lines += [f"  created     {o.type} {o.id} ({o.title})" for o in self.created]
        lines += [f"  overwritten {o.type} {o.id} ({o.title})" for o in self.overwritten]
        lines += [f"  error       {e}" for e in self.errors]
        return "\n".join(lines)


def _failure_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", "unknown"))
    if kind == "missing_references":
        missing = ", ".join(
            f"{r.get('type')} {r.get('id')}" for r in error.get("references", []) or []
        )
        return f"refers to objects that exist neither in the file nor in Kibana: {missing}"
    if kind == "conflict":
        return "an object with this id already exists (import without overwrite)"
    if kind == "ambiguous_conflict":
        ids = ", ".join(str(d.get("id")) for d in error.get("destinations", []) or [])
        return f"matches several existing objects ({ids}); Kibana cannot tell which to replace"
    if kind == "unsupported_type":
        return "this Kibana does not know or cannot import objects of this type"
    message = str(error.get("message") or error.get("error") or kind)
    status = error.get("statusCode") or error.get("status_code")
    return f"{message} (HTTP {status})" if status else message


def parse_import_response(payload: dict[str, Any]) -> ImportReport:
    """Turn the ``_import`` API's JSON answer into an :class:`ImportReport`."""
    imported = [
        ImportedObject(
            type=str(item.get("type", "")),
            id=str(item.get("destinationId") or item.get("destination_id") or item.get("id", "")),
            title=str((item.get("meta") or {}).get("title", "")),
            overwritten=bool(item.get("overwrite", False)),
        )
        for item in payload.get("successResults", []) or []
    ]
    errors = []
    for item in payload.get("errors", []) or []:
        error = item.get("error") or {}
        errors.append(
            ImportFailure(
                type=str(item.get("type", "")),
                id=str(item.get("id", "")),
                title=str((item.get("meta") or {}).get("title") or item.get("title") or ""),
                reason=str(error.get("type", "unknown")),
                message=_failure_message(error),
            )
        )
    return ImportReport(
        success=bool(payload.get("success", False)),
        success_count=int(payload.get("successCount", len(imported))),
        imported=imported,
        errors=errors,
    )


def _status(response: httpx.Response) -> tuple[bool, str]:
    """Whether Kibana can take an import now, and its status in words.

    Ready means the overall level is ``available``; or ``degraded`` while the two services an
    import needs, Elasticsearch and saved objects, are ``available`` (some plugins stay degraded
    for good on a minimal deployment, which must not block the import).
    """
    try:
        body = response.json()
    except ValueError:
        return False, f"HTTP {response.status_code}: {response.text.strip()[:200]}"
    if not isinstance(body, dict):
        return False, f"HTTP {response.status_code}: {str(body)[:200]}"
    status = body.get("status")
    status = status if isinstance(status, dict) else {}
    overall = status.get("overall") or {}
    level = overall.get("level")
    if level is None:
        return False, f"HTTP {response.status_code}: {str(body)[:200]}"
    summary = overall.get("summary")
    words = f"{level} ({summary})" if summary and level != "available" else str(level)
    core = status.get("core") or {}
    core_ready = all(
        (core.get(service) or {}).get("level") == "available"
        for service in ("elasticsearch", "savedObjects")
    )
    ready = response.status_code == 200 and (
        level == "available" or (level == "degraded" and core_ready)
    )
    return ready, words


def wait_until_available(
    client: httpx.Client, url: str, *, timeout: float, poll_interval: float = POLL_INTERVAL
) -> str:
    """Poll ``/api/status`` until Kibana can take an import; return Kibana's version.

    Connection errors and 503s are what a starting Kibana answers, so they are waited out; after
    ``timeout`` seconds a :class:`KibanaError` names the last status seen.
    """
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    shown = redact_url(url)
    while True:
        try:
            response = client.get(f"{url}/api/status")
            if response.status_code == 401:  # waiting longer will not help
                raise KibanaError(
                    shown,
                    f"Kibana at {shown} refused the credentials (HTTP 401): set "
                    "elasticsearch.username and elasticsearch.password (Kibana's users are "
                    "Elasticsearch's), or elasticsearch.api_key",
                )
            ready, last = _status(response)
            if ready:
                if last != "available":
                    log.warning("Kibana at %s is %s; its saved objects are available", shown, last)
                return str((response.json().get("version") or {}).get("number", ""))
        except httpx.TransportError as exc:
            last = f"cannot connect ({exc.__class__.__name__}: {exc})"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KibanaError(
                shown,
                f"Kibana at {shown} was not available after {timeout:.0f}s; last status: {last}",
                retriable=True,
            )
        log.info("waiting for Kibana at %s: %s", shown, last)
        time.sleep(min(poll_interval, remaining))


def import_saved_objects(
    url: str,
    ndjson_path: Path = DEFAULT_SAVED_OBJECTS,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    poll_interval: float = POLL_INTERVAL,
    request_timeout: float = REQUEST_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    auth: tuple[str, str] | None = None,
    api_key: str | None = None,
) -> ImportReport:
    """Wait for Kibana at ``url``, then import ``ndjson_path`` with overwrite.

    ``timeout`` bounds the wait for Kibana to become available; ``transport`` replaces the HTTP
    transport (tests). With Elasticsearch security on, Kibana wants a user: ``auth`` (user,
    password) or an Elasticsearch ``api_key``. Raises :class:`KibanaError` when Kibana stays
    unavailable or refuses the whole request; per-object refusals are in the report's ``errors``.
    """
    url = url.rstrip("/")
    shown = redact_url(url)
    try:
        payload = ndjson_path.read_bytes()
    except OSError as exc:
        raise KibanaError(shown, f"cannot read the saved objects {ndjson_path}: {exc}") from exc
    headers = {"Authorization": f"ApiKey {api_key}"} if api_key else {}
    with httpx.Client(
        timeout=request_timeout, transport=transport, auth=auth, headers=headers
    ) as client:
        version = wait_until_available(client, url, timeout=timeout, poll_interval=poll_interval)
        try:
            response = client.post(
                f"{url}/api/saved_objects/_import",
                params={"overwrite": "true"},
                headers={"kbn-xsrf": "true"},
                files={"file": (ndjson_path.name, payload, "application/ndjson")},
            )
        except httpx.TransportError as exc:
            message = f"import request to {shown} failed: {exc}"
            raise KibanaError(shown, message, retriable=True) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        detail = body.get("message") if isinstance(body, dict) else response.text.strip()[:300]
        raise KibanaError(
            shown,
            f"Kibana refused the import of {ndjson_path.name}: HTTP {response.status_code}: "
            f"{detail}",
            retriable=response.status_code >= 500,
        )
    report = parse_import_response(body)
    report.kibana_version = version
    return report

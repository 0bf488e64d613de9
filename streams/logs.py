"""Logging, set up once per process: readable lines on a terminal, one JSON object per line
otherwise (a service manager, a pipe, a file), or as ``log_format`` / ``--log-format`` says."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["auto", "json", "text"]

# LogRecord attributes that are not "extra" fields passed by the caller
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``21:03:24 WARNING streams.poller: feed ...: ConnectError ... article_id=ab12``: the
    time of day, the level, who says it, what, and the extra fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        if not extras:
            return line
        head, sep, tail = line.partition("\n")  # a traceback stays below the line
        return f"{head} {extras}{sep}{tail}"


def resolve_format(fmt: LogFormat, *, tty: bool) -> Literal["json", "text"]:
    if fmt == "auto":
        return "text" if tty else "json"
    return fmt


def configure_logging(level: str = "INFO", fmt: LogFormat = "auto") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if resolve_format(fmt, tty=sys.stderr.isatty()) == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Connection retries to a broker that is still starting are expected, not news.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # One line per HTTP request drowns what matters; keep their warnings and errors.
    for chatty in ("httpx", "elastic_transport.transport"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    # Faust's start-up says "Starting..." for each of its services and draws recovery tables:
    # some ninety lines before the first of ours. Its warnings and errors still show;
    # log_level DEBUG shows everything.
    for framework in ("faust", "mode"):
        logging.getLogger(framework).setLevel(max(logging.WARNING, root.level))

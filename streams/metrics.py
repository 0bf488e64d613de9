"""Prometheus metrics and agent health, in a registry of their own (no process-wide globals).

``Metrics`` is created once per process by the command that runs the pipeline and handed to
each stage; its ``health`` board says what each agent is doing (:mod:`streams.health`).
``serve`` exposes both over HTTP: ``/metrics`` for Prometheus, ``/healthz`` for a service
manager or load balancer (200 healthy, 503 not, JSON either way); ``newsstream status`` reads
the same endpoints.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from streams.health import AgentHealth
from streams.settings import HealthSettings, MetricsSettings


class Metrics:
    def __init__(self, health: HealthSettings | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.feeds_polled = Counter(
            "newsstream_feeds_polled", "Feed polls, by outcome", ["outcome"], registry=r
        )
        self.not_modified = Counter(
            "newsstream_feeds_not_modified", "Polls answered 304 Not Modified", registry=r
        )
        self.articles = Counter(
            "newsstream_articles", "Records that left a stage", ["stage"], registry=r
        )
        self.deadlettered = Counter(
            "newsstream_deadlettered", "Records parked in news.deadletter", ["stage"], registry=r
        )
        self.fetch_refused = Counter(
            "newsstream_fetch_refused",
            "Item links the fetch fence refused (dead-lettered, never fetched), by reason",
            ["reason"],
            registry=r,
        )
        self.items_skipped = Counter(
            "newsstream_feed_items_skipped",
            "Feed items skipped as malformed (the rest of the feed goes on), by reason",
            ["reason"],
            registry=r,
        )
        self.enrich_over_budget = Counter(
            "newsstream_enrich_over_budget",
            "Articles dead-lettered because extraction exceeded its time budget",
            registry=r,
        )
        self.enrich_truncated = Counter(
            "newsstream_enrich_truncated",
            "Articles cut to nlp.max_chars for extraction",
            registry=r,
        )
        self.enrich_seconds = Histogram(
            "newsstream_enrich_batch_seconds", "Time to enrich one batch", ["lane"], registry=r
        )
        self.bulk_seconds = Histogram(
            "newsstream_bulk_seconds", "Elasticsearch bulk request latency", registry=r
        )
        self.bulk_retries = Counter(
            "newsstream_bulk_retries",
            "Bulk requests tried again because Elasticsearch was away or overloaded",
            registry=r,
        )
        self.consumer_lag = Gauge(
            "newsstream_consumer_lag", "Records not yet consumed, by topic", ["topic"], registry=r
        )
        self.health = AgentHealth(health, r)
        self._server: ThreadingHTTPServer | None = None

    def serve(self, settings: MetricsSettings) -> str:
        """Start the HTTP endpoint in a daemon thread; returns the metrics URL."""
        self._server = ThreadingHTTPServer((settings.host, settings.port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, name="newsstream-metrics", daemon=True
        ).start()
        return f"http://{settings.host}:{settings.port}/metrics"

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        metrics = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, CONTENT_TYPE_LATEST, generate_latest(metrics.registry))
                elif path in ("/healthz", "/health"):
                    report = metrics.health.report()
                    body = json.dumps(report, indent=1).encode()
                    self._answer(200 if report["healthy"] else 503, "application/json", body)
                else:
                    self._answer(404, "text/plain", b"try /metrics or /healthz\n")

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # scrapes every few seconds are not news

        return Handler

"""Prometheus metrics, in a registry of their own (no process-wide globals).

``Metrics`` is created once per process by the command that runs the pipeline and handed to
each stage; ``serve`` exposes it over HTTP for Prometheus, and ``newsstream status`` reads the
same endpoint.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from streams.settings import MetricsSettings


class Metrics:
    def __init__(self) -> None:
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
        self.consumer_lag = Gauge(
            "newsstream_consumer_lag", "Records not yet consumed, by topic", ["topic"], registry=r
        )

    def serve(self, settings: MetricsSettings) -> str:
        """Start the HTTP endpoint; returns its URL."""
        start_http_server(settings.port, addr=settings.host, registry=self.registry)
        return f"http://{settings.host}:{settings.port}/metrics"

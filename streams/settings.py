"""One settings object for the whole of newsstream.

Values come, highest priority first, from: keyword arguments, environment variables
(``NEWSSTREAM_`` prefix, ``__`` between section and field: ``NEWSSTREAM_KAFKA__PARTITIONS=4``),
the YAML file named by ``NEWSSTREAM_CONFIG`` (or passed to :func:`load_settings`), and the project
defaults in ``config/newsstream.yaml``. Nothing else in newsstream reads the environment: the
settings are built once at the entry point and passed down.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULTS_FILE = CONFIG_DIR / "newsstream.yaml"


class TopicNames(BaseModel):
    entries: str = "news.entries"
    articles: str = "news.articles"
    enriched: str = "news.enriched"
    deadletter: str = "news.deadletter"
    replay: str = "news.replay"  # re-enrichment lane, so replays never queue ahead of live articles


class KafkaSettings(BaseModel):
    bootstrap_servers: str = "127.0.0.1:9092"
    partitions: int = Field(default=8, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    topics: TopicNames = TopicNames()
    max_message_bytes: int = 16 * 1024 * 1024


class ElasticsearchSettings(BaseModel):
    url: str = "http://127.0.0.1:9200"
    alias: str = "news"
    index_pattern: str = "news-*"
    first_index: str = "news-000001"
    request_timeout: float = 30.0
    bulk_max_docs: int = 500
    bulk_max_retries: int = 5


class ServicesSettings(BaseModel):
    """The real Kafka and Elasticsearch servers that ``newsstream services up`` runs locally."""

    home: Path = Path("~/.cache/newsstream")
    maven_repo: Path | None = None  # where downloads are kept; None = <home>/m2
    host: str = "127.0.0.1"
    kafka_version: str = "3.9.1"
    kafka_scala: str = "2.13"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_heap: str = "1g"
    elasticsearch_version: str = "9.2.4"
    elasticsearch_port: int = 9200
    elasticsearch_transport_port: int = 9300
    elasticsearch_heap: str = "1g"
    elasticsearch_user: str = "newsstream"  # ES refuses root; used when started as root
    java_home: Path | None = None  # for Kafka; None = the JVM on PATH
    elasticsearch_java_home: Path | None = None  # ES 9 needs Java 21+; None = search for one
    start_timeout: float = 240.0

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    def resolved_maven_repo(self) -> Path:
        return (self.maven_repo or self.home / "m2").expanduser().resolve()


class PollerSettings(BaseModel):
    feeds_file: Path = CONFIG_DIR / "feeds.yaml"
    user_agent: str = "newsstream/0.1 (+https://github.com/newsstream/newsstream)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    min_interval: float = 120.0
    default_interval: float = 600.0
    max_interval: float = 6 * 3600.0
    max_failures: int = 8
    backoff_base: float = 60.0
    concurrency: int = 64
    per_host_concurrency: int = 2
    politeness_delay: float = 1.0
    seen_retention_days: int = 30
    max_entries_per_feed: int = 20_000


class FetchSettings(BaseModel):
    """Downloading article pages for their full text."""

    enabled: bool = True
    timeout: float = 20.0
    max_body_bytes: int = 5 * 1024 * 1024
    per_host_concurrency: int = 2
    politeness_delay: float = 1.0
    respect_robots: bool = True
    concurrency: int = 16


class NlpSettings(BaseModel):
    languages: list[str] = ["it", "en", "fr", "de", "es"]
    fallback_language: str = "en"
    # language -> an installed spaCy package name or a model directory; absent = spacy.blank(lang)
    models: dict[str, str] = {}
    # longer texts are cut for extraction (a long news article is some 30,000 characters), and
    # the enriched record says so (truncated)
    max_chars: int = Field(default=100_000, ge=1)


class WorkerSettings(BaseModel):
    app_id: str = "newsstream"
    data_dir: Path = Path("~/.cache/newsstream/faust")
    web_port: int = 6066
    enrich_batch: int = 32
    enrich_within: float = 2.0
    enrich_concurrency: int = 2  # batches in flight per worker: the pool never waits on Kafka
    enrich_processes: int = 1  # worker processes for the CPU-bound extraction
    # one article's time budget in the pool: over it, the article is dead-lettered and its
    # process replaced (news takes well under a second; this bounds hostile text)
    enrich_article_timeout: float = Field(default=30.0, gt=0)
    index_batch: int = 200
    index_within: float = 2.0


class KibanaSettings(BaseModel):
    url: str = "http://127.0.0.1:5601"
    wait_timeout: float = 300.0  # how long `kibana import` waits for Kibana to be available


class MetricsSettings(BaseModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9464


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSSTREAM_", env_nested_delimiter="__", extra="ignore"
    )

    kafka: KafkaSettings = KafkaSettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    services: ServicesSettings = ServicesSettings()
    poller: PollerSettings = PollerSettings()
    fetch: FetchSettings = FetchSettings()
    nlp: NlpSettings = NlpSettings()
    worker: WorkerSettings = WorkerSettings()
    metrics: MetricsSettings = MetricsSettings()
    kibana: KibanaSettings = KibanaSettings()
    log_level: str = "INFO"
    log_format: str = "json"  # json | text

    # the YAML files read, lowest priority first; load_settings() binds its own
    _yaml_files: ClassVar[list[Path]] = [DEFAULTS_FILE]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        existing = [p for p in cls._yaml_files if p.is_file()]
        yaml_sources = [
            YamlConfigSettingsSource(settings_cls, yaml_file=p) for p in reversed(existing)
        ]
        return (init_settings, env_settings, *yaml_sources)


def namespaced(settings: Settings, prefix: str, *, partitions: int | None = None) -> Settings:
    """The same settings with topics, index alias and consumer group of their own.

    Used by the tests and benchmarks to run beside a live pipeline on the same servers without
    seeing its records; also a way to run two pipelines on one cluster.
    """
    kafka = settings.kafka
    es = settings.elasticsearch
    topics = kafka.topics.model_copy(
        update={name: f"{prefix}.{value}" for name, value in kafka.topics.model_dump().items()}
    )
    return settings.model_copy(
        update={
            "kafka": kafka.model_copy(
                update={"topics": topics, "partitions": partitions or kafka.partitions}
            ),
            "elasticsearch": es.model_copy(
                update={
                    "alias": f"{prefix}-{es.alias}",
                    "index_pattern": f"{prefix}-{es.index_pattern}",
                    "first_index": f"{prefix}-{es.first_index}",
                }
            ),
            "worker": settings.worker.model_copy(
                update={"app_id": f"{settings.worker.app_id}-{prefix}"}
            ),
        }
    )


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults, then ``config_file`` (or ``$NEWSSTREAM_CONFIG``), then env."""
    # The one place the environment is read outside pydantic-settings: which file to load.
    path = config_file or (
        Path(os.environ["NEWSSTREAM_CONFIG"]) if os.environ.get("NEWSSTREAM_CONFIG") else None
    )
    files = [DEFAULTS_FILE]
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        files.append(path)
    # A subclass per call carries its files, so no load changes what another sees.
    bound = type("Settings", (Settings,), {"_yaml_files": files, "__module__": __name__})
    return bound(**overrides)

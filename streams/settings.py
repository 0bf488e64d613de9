"""One settings object for the whole of newsstream.

Values come, highest priority first, from: keyword arguments, environment variables
(``NEWSSTREAM_`` prefix, ``__`` between section and field: ``NEWSSTREAM_KAFKA__PARTITIONS=4``),
the YAML file named by ``NEWSSTREAM_CONFIG`` (or passed to :func:`load_settings`), and the project
defaults in ``config/newsstream.yaml``. Nothing else in newsstream reads the environment: the
settings are built once at the entry point and passed down.

Values are checked here, once, so a wrong one stops the command with one line naming the field
(:func:`load_settings` raises :class:`~streams.errors.ConfigError`) instead of failing later, deep
in a client. Secrets are ``SecretStr`` (printed as ``**********``) and a URL is shown through
:func:`redact_url`, so neither a password nor an API key reaches a terminal or a log.
"""

from __future__ import annotations

import ipaddress
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from streams.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
DEFAULTS_FILE = CONFIG_DIR / "newsstream.yaml"


def redact_url(url: str) -> str:
    """``url`` as it may be printed or logged: a password in it becomes ``***``.

    >>> redact_url("https://elastic:s3cret@es.example:9200/")
    'https://elastic:***@es.example:9200/'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<an unparsable URL>" if "@" in url else url
    if parts.password is None and "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name, colon, _ = user.partition(":")
    shown = f"{name}:***@{host}" if colon else f"{user}@{host}"
    return urlunsplit(parts._replace(netloc=shown))


def check_http_url(value: str) -> str:
    """An http(s) URL with a host and nothing a client would choke on later (spaces)."""
    value = value.strip()
    shown = redact_url(value)
    if any(ch.isspace() for ch in value):
        raise ValueError(f"a URL has no spaces: {shown!r}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is no number or out of range)
    except ValueError as exc:
        raise ValueError(f"not a URL: {shown!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"the URL must start with http:// or https://: {shown!r}")
    if not parts.hostname:
        raise ValueError(f"the URL has no host: {shown!r}")
    return value


_LANG_CODE = re.compile(r"[a-z]{2,3}")


def language_code(value: str) -> str:
    """A 2-3 letter ISO 639 code, lower-cased ("it", "EN" -> "en", "ast")."""
    code = value.strip().lower()
    if not _LANG_CODE.fullmatch(code):
        raise ValueError(f"not a language code (2 or 3 letters, like it or en): {value!r}")
    return code


def check_bootstrap_servers(value: str) -> str:
    """``host:port[,host:port...]``: what Kafka clients take."""
    for server in value.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"expected host:port[,host:port...], got {value!r}")
    return value


HttpUrl = Annotated[str, AfterValidator(check_http_url)]
LangCode = Annotated[str, AfterValidator(language_code)]


def loopback_host(value: str) -> str:
    """The local servers run with security off, so they may listen on loopback only."""
    try:
        loopback = value == "localhost" or ipaddress.ip_address(value).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"the local services have security off and listen on loopback only, not {value!r}; "
            "use 127.0.0.1, or the Docker Compose deployment (security on)"
        )
    return value


Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0)]  # a timeout or interval: zero or less would never wait


class AnswerKind(StrEnum):
    """The answers indexed one per document beside the articles (their own alias each)."""

    CLAIMS = "claims"
    FIGURES = "figures"


class TopicNames(BaseModel):
    entries: str = "news.entries"
    articles: str = "news.articles"
    enriched: str = "news.enriched"
    deadletter: str = "news.deadletter"
    replay: str = "news.replay"  # re-enrichment lane, so replays never queue ahead of live articles
    # the story stage: enriched articles queued in one partition (the order stories are made
    # in), then passed on with their story id to the index agent
    story_queue: str = "news.story-queue"
    storied: str = "news.storied"


class KafkaSettings(BaseModel):
    bootstrap_servers: Annotated[str, AfterValidator(check_bootstrap_servers)] = "127.0.0.1:9092"
    partitions: int = Field(default=8, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    topics: TopicNames = TopicNames()
    max_message_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    # How long the broker waits for a silent consumer before it gives its partitions to the
    # others. A SIGKILLed worker's partitions wait this long for its restart; Faust's 60 s
    # default made a killed `run` idle for a minute. Heartbeats come from the consumer's own
    # thread, so a busy event loop does not make a live worker miss them.
    session_timeout: Seconds = 20.0


class ElasticsearchSettings(BaseModel):
    """Where Elasticsearch is and how to prove who we are to it.

    Credentials: ``api_key`` (preferred for a service), or ``username`` and ``password``; a
    user:password in ``url`` works too and is never printed. ``ca_certs`` is the CA that signed
    the cluster's certificate (Docker Compose: the ``certs`` volume's ``ca/ca.crt``).
    ``streams.elastic.elasticsearch_client`` builds the one client from these.
    """

    url: HttpUrl = "http://127.0.0.1:9200"
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    ca_certs: Path | None = None
    verify_certs: bool = True
    alias: str = "news"
    index_pattern: str = "news-*"
    first_index: str = "news-000001"
    request_timeout: Seconds = 30.0
    bulk_max_docs: int = Field(default=500, ge=1)
    # How often the live index makes new documents searchable (index.refresh_interval, set by
    # `newsstream init`). A refresh opens a new segment: 1 s (Elasticsearch's default) adds up
    # to a second to every article's wait; a quarter second keeps breaking news under a second
    # end to end while a few hundred articles/s still cost little in segment merges.
    refresh_interval: Seconds = 0.25
    bulk_max_retries: int = Field(default=5, ge=0)  # per-document 429s, within one try
    # While Elasticsearch is away the index agent holds its batch and tries again, waiting
    # twice as long each time up to this, for as long as it takes (no offset moves meanwhile).
    retry_backoff_max: Seconds = 30.0

    def answers_alias(self, kind: AnswerKind) -> str:
        """The alias of one claim or figure per document: ``news-claims`` beside ``news``."""
        return f"{self.alias}-{kind.value}"

    def answers_index_pattern(self, kind: AnswerKind) -> str:
        return f"{self.answers_alias(kind)}-*"

    def answers_first_index(self, kind: AnswerKind) -> str:
        return f"{self.answers_alias(kind)}-000001"

    @property
    def stories_alias(self) -> str:
        """The alias of one document per story: ``news-stories`` beside ``news``."""
        return f"{self.alias}-stories"

    @property
    def stories_index_pattern(self) -> str:
        return f"{self.stories_alias}-*"

    @property
    def stories_first_index(self) -> str:
        return f"{self.stories_alias}-000001"


class ServicesSettings(BaseModel):
    """The real Kafka and Elasticsearch servers that ``newsstream services up`` runs locally."""

    home: Path = Path("~/.cache/newsstream")
    maven_repo: Path | None = None  # where downloads are kept; None = <home>/m2
    host: Annotated[str, AfterValidator(loopback_host)] = "127.0.0.1"
    kafka_version: str = "3.9.1"
    kafka_scala: str = "2.13"
    kafka_port: Port = 9092
    kafka_controller_port: Port = 9093
    kafka_heap: str = "1g"
    elasticsearch_version: str = "9.2.4"
    elasticsearch_port: Port = 9200
    elasticsearch_transport_port: Port = 9300
    elasticsearch_heap: str = "1g"
    elasticsearch_user: str = "newsstream"  # ES refuses root; used when started as root
    java_home: Path | None = None  # for Kafka; None = the JVM on PATH
    elasticsearch_java_home: Path | None = None  # ES 9 needs Java 21+; None = search for one
    start_timeout: Seconds = 240.0

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    def resolved_maven_repo(self) -> Path:
        return (self.maven_repo or self.home / "m2").expanduser().resolve()


class PollerSettings(BaseModel):
    # The user's feed list. Until it exists the poller reads default_feeds_file (the tracked
    # seed); the first `feeds add|remove|rename|import-opml` copies the seed there, comments too.
    feeds_file: Path = Field(default=Path("~/.config/newsstream/feeds.yaml"), validate_default=True)
    default_feeds_file: Path = CONFIG_DIR / "feeds.yaml"
    user_agent: str = "newsstream/0.1 (+https://github.com/newsstream/newsstream)"
    connect_timeout: Seconds = 10.0
    read_timeout: Seconds = 20.0
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    min_interval: float = Field(default=120.0, ge=1)  # seconds between two polls of one feed
    default_interval: Seconds = 600.0
    max_interval: Seconds = 6 * 3600.0
    max_failures: int = Field(default=8, ge=1)
    backoff_base: Seconds = 60.0
    concurrency: int = Field(default=64, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    politeness_delay: float = Field(default=1.0, ge=0)
    seen_retention_days: int = Field(default=30, ge=1)
    max_entries_per_feed: int = Field(default=20_000, ge=1)
    # One poll of one feed, redirects and the wait for its host's turn included: a host that
    # drips its answer holds only its own feeds, and only this long.
    feed_deadline: Seconds = 90.0

    @field_validator("feeds_file", "default_feeds_file")
    @classmethod
    def _expand_user(cls, value: Path) -> Path:
        return value.expanduser()


class FetchSettings(BaseModel):
    """Downloading article pages for their full text."""

    enabled: bool = True
    timeout: Seconds = 20.0
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    per_host_concurrency: int = Field(default=2, ge=1)
    politeness_delay: float = Field(default=1.0, ge=0)
    respect_robots: bool = True
    # A host's robots.txt Crawl-delay spaces its requests when longer than politeness_delay, up
    # to this: a longer one is capped (and logged), so a hostile robots.txt cannot park a host.
    max_crawl_delay: float = Field(default=60.0, ge=0)
    concurrency: int = Field(default=16, ge=1)
    # The fetch fence (streams/fence.py) refuses links and redirects to loopback, private and
    # other non-public addresses, except to the linking feed's own host and to these: hosts by
    # name or address (any port), and networks their names may resolve into.
    allow_hosts: list[str] = []
    allow_networks: list[IPvAnyNetwork] = []


class NlpSettings(BaseModel):
    languages: list[LangCode] = ["it", "en", "fr", "de", "es"]
    fallback_language: LangCode = "en"
    # language -> an installed spaCy package name or a model directory; absent = spacy.blank(lang)
    models: dict[str, str] = {}
    # longer texts are cut for extraction (a long news article is some 30,000 characters), and
    # the enriched record says so (truncated)
    max_chars: int = Field(default=100_000, ge=1)


class WorkerSettings(BaseModel):
    app_id: str = "newsstream"
    data_dir: Path = Path("~/.cache/newsstream/faust")
    web_port: Port = 6066
    # Every batching stage (the enrich and index agents' take_events windows, the enrichment
    # batch, the bulk request, the Kafka producer's linger) sends what it holds when its batch
    # is full or when this deadline has passed since its first record, whichever comes first:
    # under load batches fill and keep the throughput, a lone breaking article waits at most
    # this long per stage instead of for a batch to fill.
    batch_deadline: Seconds = 0.1
    enrich_batch: int = Field(default=32, ge=1)
    # batches in flight per worker: the pool never waits on Kafka
    enrich_concurrency: int = Field(default=2, ge=1)
    enrich_processes: int = Field(default=1, ge=1)  # worker processes for the CPU-bound extraction
    # one article's time budget in the pool: over it, the article is dead-lettered and its
    # process replaced (news takes well under a second; this bounds hostile text)
    enrich_article_timeout: Seconds = 30.0
    index_batch: int = Field(default=200, ge=1)
    stop_timeout: Seconds = 30.0  # a stop (SIGTERM, a crashed agent) ends the process within this


class StorySettings(BaseModel):
    """The story stage (agents.story): when an article joins a story, when a story closes.

    The clusterer's knobs are agents.stories.cluster.ClustererSettings'; defaults are the ones
    measured on the story set (bench/stories.py).
    """

    enabled: bool = False  # off: the index agent reads news.enriched directly, no story ids
    threshold: float = Field(default=0.05, gt=0, le=1)  # similarity an article needs to join
    quiet_days: int = Field(default=3, ge=0)  # a story no article joined for longer closes
    max_open: int = Field(default=5000, ge=1)  # and at most this many stay open
    time_decay_days: Seconds = 7.0
    top: int = Field(default=10, ge=1)  # entities and speakers a story document lists
    batch: int = Field(default=200, ge=1)  # articles per batch (one bulk request of stories)


class KibanaSettings(BaseModel):
    url: HttpUrl = "http://127.0.0.1:5601"
    wait_timeout: Seconds = 300.0  # how long `kibana import` waits for Kibana to be available


class HealthSettings(BaseModel):
    """When the health endpoint (``/healthz`` beside ``/metrics``) says the process is unwell."""

    max_wait: Seconds = 30.0  # an agent waiting this long for its service is a problem
    max_record_age: Seconds = 300.0  # and so is a record held this long without being passed on
    lag_interval: Seconds = 15.0  # how often a worker measures its consumer group's lag
    # an agent that takes nothing this long while records wait on its topic has stalled: the
    # process stops (exit 70) so that a fresh one reads on. Well above any batch window.
    max_idle: Seconds = 60.0


class MetricsSettings(BaseModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: Port = 9464


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
    health: HealthSettings = HealthSettings()
    kibana: KibanaSettings = KibanaSettings()
    stories: StorySettings = StorySettings()
    log_level: str = "INFO"
    # auto: readable text on a terminal, JSON lines otherwise (a service manager, a pipe)
    log_format: Literal["auto", "json", "text"] = "auto"

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


_SECRET_FIELDS = ("password", "api_key")


def describe_validation_error(exc: ValidationError, *, env_prefix: str = "") -> str:
    """One line per problem joined by "; ": the field, what is wrong, the value (secrets never).

    ``env_prefix`` ("NEWSSTREAM_") adds the environment variable that sets the field.
    """
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        field = ".".join(loc) or "value"
        message = str(err["msg"]).removeprefix("Value error, ")
        value = err.get("input")
        shown = ""
        if not any(secret in loc for secret in _SECRET_FIELDS) and isinstance(
            value, (str, int, float)
        ):
            text = redact_url(value) if isinstance(value, str) else str(value)
            shown = f", got {text!r}" if text not in message else ""
        env = f" ({env_prefix}{'__'.join(loc).upper()})" if env_prefix and loc else ""
        problems.append(f"{field}{env}: {message[:1].lower()}{message[1:]}{shown}")
    return "; ".join(problems)


def _check_yaml(path: Path) -> None:
    """A settings file that is no YAML mapping, named with the line where it goes wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}: {exc.problem}") from None
    except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of sections (kafka:, elasticsearch: ...)")


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults, then ``config_file`` (or ``$NEWSSTREAM_CONFIG``), then env.

    Raises ``FileNotFoundError`` for a missing file and :class:`ConfigError` (one line) for a
    file that is no YAML or a value that cannot work.
    """
    # The one place the environment is read outside pydantic-settings: which file to load.
    path = config_file or (
        Path(os.environ["NEWSSTREAM_CONFIG"]) if os.environ.get("NEWSSTREAM_CONFIG") else None
    )
    files = [DEFAULTS_FILE]
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"config file not found: {path}")
        files.append(path)
    for file in files:
        _check_yaml(file)
    # A subclass per call carries its files, so no load changes what another sees.
    bound = type("Settings", (Settings,), {"_yaml_files": files, "__module__": __name__})
    try:
        return bound(**overrides)
    except ValidationError as exc:
        where = f"{path} or the environment" if path else "a config file or the environment"
        raise ConfigError(
            f"{describe_validation_error(exc, env_prefix='NEWSSTREAM_')} (fix it in {where})"
        ) from None

"""newsstream's errors, by what they mean to the caller.

    NewsstreamError
    ├── ConfigError           a settings file, the feed list or an option holds a wrong value
    ├── InputError            a file given to a command is not what it should be (an article)
    ├── Unreachable           Kafka or Elasticsearch did not answer, or refused (TLS, credentials)
    ├── ServiceError          a local Kafka/Elasticsearch server could not be installed or started
    ├── FeedError             one feed could not be polled or parsed (the others go on)
    ├── FetchError            an article page could not be had (the feed's own text is used)
    ├── LinkRefused           the fetch fence refused an item's link (dead-lettered, never fetched)
    ├── ExtractionError       enrichment failed for one article (dead-lettered)
    │   └── ExtractionTimeout   ... because it ran over its time budget
    ├── IndexingError         Elasticsearch rejected a document (dead-lettered)
    ├── KibanaError           Kibana was not available in time, or refused an import
    └── RecordInvalid         a record on a topic does not match its model (dead-lettered)

``retriable`` says whether trying the same thing again later may succeed; the stage that catches
the error uses it to choose between retrying and parking the record in ``news.deadletter``.
Context (URLs, ids) is kept as attributes, not only in the message. The messages of the first
three are one line that says what to do: the CLI prints them as they are (``streams.cli.fail``).
"""

from __future__ import annotations


class NewsstreamError(Exception):
    retriable: bool = False


class ConfigError(NewsstreamError, ValueError):
    """A value newsstream was given cannot work; the message names it and says what to change.

    A ``ValueError`` too, so code that validated with ``ValueError`` before keeps catching it.
    """


class InputError(NewsstreamError):
    """A file given to a command cannot be read as what it should be."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class Unreachable(NewsstreamError):
    """A service a command needs did not answer, or refused the connection or the credentials.

    ``address`` is shown with any password redacted (``streams.settings.redact_url``).
    """

    retriable = True

    def __init__(self, service: str, address: str, message: str) -> None:
        super().__init__(message)
        self.service = service
        self.address = address


class ServiceError(NewsstreamError):
    """A local service failed; ``log_excerpt`` holds the lines of its own log that say why."""

    def __init__(self, service: str, message: str, *, log_excerpt: str = "") -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.log_excerpt = log_excerpt


class FeedError(NewsstreamError):
    def __init__(self, feed_url: str, message: str, *, retriable: bool = True) -> None:
        super().__init__(message)
        self.feed_url = feed_url
        self.retriable = retriable


class FetchError(NewsstreamError):
    retriable = True

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url


class LinkRefused(NewsstreamError):
    """An item's link (or a redirect from it) points where the fetch fence refuses to go.

    Not retriable, and never answered with the feed's own text: a feed that links to our own
    services is hostile or broken, and the record says so in news.deadletter.
    """

    def __init__(self, url: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason


class ExtractionError(NewsstreamError):
    def __init__(self, article_id: str, message: str) -> None:
        super().__init__(message)
        self.article_id = article_id


class ExtractionTimeout(ExtractionError):
    """The article's extraction ran over ``worker.enrich_article_timeout``; the same text would
    run over it again, so it is not retriable."""


class IndexingError(NewsstreamError):
    def __init__(self, article_id: str, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.article_id = article_id
        self.retriable = retriable


class RecordInvalid(NewsstreamError):
    def __init__(self, topic: str, message: str) -> None:
        super().__init__(message)
        self.topic = topic


class KibanaError(NewsstreamError):
    """Kibana could not be reached in time, or refused the import as a whole."""

    def __init__(self, url: str, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.url = url
        self.retriable = retriable

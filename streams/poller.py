"""Feed polling: every feed polled when it is due, every new entry produced exactly once.

One poll of one feed (:meth:`FeedPoller.poll_feed`):

1. a conditional GET with the validators the feed gave last time (unless it lied about them);
2. 304, or a body whose hash equals the last one, is "unchanged": nothing is parsed;
3. otherwise the body is parsed; items whose article id was produced before (by this feed or
   another, within ``seen_retention_days``) are skipped before normalisation; syndicated copies
   are marked with ``duplicate_of``;
4. the feed's next poll time moves between ``min_interval`` and ``max_interval``
   (:mod:`streams.scheduling`); failures back off exponentially, ``max_failures`` in a row or a
   410 disable the feed.

Feed state and the seen ids live in a :class:`~streams.feed_state.FeedStore`. In the Faust worker
the store is Faust tables; the feed tables' changelogs are partitioned by feed URL, so each worker
polls the feeds of the partitions it owns and a restart resumes (:func:`register_poller`).
``newsstream poll --once`` (:func:`poll_once`) reads and writes the same changelog topics
directly, so both modes share one state.

A poll works on a copy of the feed's state and commits it (validators, content hash, seen ids)
only after ``emit`` returned, that is after Kafka acknowledged every new entry. Any failure in
between leaves the stored state as it was, so the next poll reads the feed again and produces
the entries again with the same keys, which the downstream stages overwrite (exactly-once
effect). Nothing is ever marked as seen that was not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import faust
from aiokafka import AIOKafkaProducer

from streams.entries import entry_identity, normalise_entry
from streams.feed_parser import FeedParseError, ParsedFeed, SkippedItem, parse_feed
from streams.feed_state import (
    ARTICLE_TABLE,
    CLUSTER_TABLE,
    SEEN_TABLE,
    STATE_TABLE,
    ChangelogFeedStore,
    FeedState,
    FeedStore,
    TableFeedStore,
    changelog_topic,
    ensure_topics,
    partition_for,
    store_tables,
)
from streams.feeds import Feed, list_feeds
from streams.fence import FetchFence
from streams.http import PoliteClient, TransferError, Validators
from streams.metrics import Metrics
from streams.records import FeedEntry, Stage
from streams.scheduling import cache_max_age, schedule_failure, schedule_success
from streams.settings import PollerSettings, Settings

log = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9,"
    " text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
THREAD_PARSE_BYTES = 128 * 1024  # bigger documents are parsed off the event loop
UNCHANGED_200S_BEFORE_DISTRUST = 3


class PollStatus(StrEnum):
    NEW = "new"  # the feed changed and had new entries
    CHANGED = "changed"  # the feed changed, but every entry was seen before
    NOT_MODIFIED = "not_modified"  # 304
    UNCHANGED = "unchanged"  # 200 with the same body as last time
    FAILED = "failed"
    DISABLED = "disabled"  # disabled now (410, too many failures) or before
    NOT_DUE = "not_due"


@dataclass(slots=True)
class PollOutcome:
    feed_url: str
    status: PollStatus
    http_status: int | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    error: str | None = None
    wire_bytes: int = 0
    moved_to: str | None = None
    bozo_reason: str | None = None
    skipped: list[SkippedItem] = field(default_factory=list)  # bad items; the rest went on


@dataclass(slots=True)
class SeenMarks:
    """What a poll will record once its entries are acknowledged (and only then)."""

    articles: list[str] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)  # fingerprint -> first article id


NETWORK_ERRORS = ("ConnectError", "ConnectTimeout")
"""How a poll error starts when no HTTP answer came: DNS, refused, unreachable, timed out."""


@dataclass(slots=True)
class PollReport:
    outcomes: list[PollOutcome]

    def count(self, status: PollStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def entries_produced(self) -> int:
        return sum(len(o.entries) for o in self.outcomes)

    @property
    def wire_bytes(self) -> int:
        return sum(o.wire_bytes for o in self.outcomes)

    @property
    def items_skipped(self) -> int:
        return sum(len(o.skipped) for o in self.outcomes)

    @property
    def errors(self) -> list[PollOutcome]:
        return [o for o in self.outcomes if o.error]

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {o.status.value}: {o.feed_url}: {o.error}" for o in self.errors]
        hint = self.network_hint()
        if hint:
            lines.append(hint)
        return "\n".join(lines)

    def network_hint(self) -> str | None:
        """A plain hint when every feed polled failed before any HTTP answer (a name that does
        not resolve, a connection refused or timed out): the network is the likelier cause."""
        polled = [o for o in self.outcomes if o.status == PollStatus.FAILED]
        if not polled or len(polled) < sum(
            1 for o in self.outcomes if o.status not in (PollStatus.NOT_DUE, PollStatus.DISABLED)
        ):
            return None
        if not all(o.error and o.error.startswith(NETWORK_ERRORS) for o in polled):
            return None
        return (
            f"no feed could be reached ({len(polled)} failed to resolve or connect): no network? "
            "Check this machine's DNS and internet access; to try newsstream offline, serve feeds "
            "on this machine and add them: newsstream feeds add http://127.0.0.1:8000/rss.xml"
        )

    def summary(self) -> str:
        polled = [o for o in self.outcomes if o.status != PollStatus.NOT_DUE]
        counts = ", ".join(
            f"{s.value}={self.count(s)}" for s in PollStatus if self.count(s) and s != "not_due"
        )
        skipped = f" {self.items_skipped} bad items skipped;" if self.items_skipped else ""
        return (
            f"{len(polled)} feeds polled ({counts}); {self.entries_produced} new entries;"
            f"{skipped} {self.wire_bytes} bytes received"
        )


# --- polling ---------------------------------------------------------------------------------


EmitFn = Callable[[list[FeedEntry]], Awaitable[None]]


def interleave_by_host(feeds: Iterable[Feed]) -> list[Feed]:
    """Round-robin over hosts, so the global concurrency slots are not all taken by feeds
    queueing for the same host's per-host limit while other hosts wait."""
    by_host: dict[str, list[Feed]] = {}
    for feed in feeds:
        by_host.setdefault(urlsplit(feed.url).netloc.lower(), []).append(feed)
    queues = list(by_host.values())
    out: list[Feed] = []
    for i in range(max((len(q) for q in queues), default=0)):
        out.extend(q[i] for q in queues if i < len(q))
    return out


class FeedPoller:
    """Polls feeds with a :class:`PoliteClient` and keeps their state in a :class:`FeedStore`.

    Usage::

        async with PoliteClient.for_feeds(settings.poller) as client:
            poller = FeedPoller(settings.poller, client, MemoryFeedStore())
            report = await poller.poll_due(feeds, emit)
    """

    def __init__(
        self,
        settings: PollerSettings,
        client: PoliteClient,
        store: FeedStore,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.store = store
        self.clock = clock
        self._slots = asyncio.Semaphore(settings.concurrency)
        # Article ids that a poll of some feed is sending right now: another feed polled at the
        # same time skips them instead of sending them twice.
        self._in_flight: set[str] = set()

    def state_for(self, feed: Feed) -> FeedState:
        """A working copy of the feed's state: stores may hand out the stored object itself, and
        nothing may change there before the poll commits."""
        state = self.store.state(feed.url)
        if state is None:
            return FeedState(
                feed_url=feed.url, url=feed.url, interval=self.settings.default_interval
            )
        return FeedState(**state.asdict())

    def is_due(self, feed: Feed, now: float) -> bool:
        state = self.store.state(feed.url)
        return state is None or (not state.disabled and state.next_poll_at <= now)

    async def poll_due(
        self, feeds: Iterable[Feed], emit: EmitFn, *, force: bool = False
    ) -> PollReport:
        """Poll every due feed (every enabled one with ``force``) concurrently; emit new entries.

        ``emit`` is awaited with each feed's new entries before they are marked as seen.
        One feed's failure never stops the others.
        """
        now = self.clock()
        tasks = []
        outcomes: list[PollOutcome] = []
        for feed in interleave_by_host(dict((f.url, f) for f in feeds).values()):
            state = self.store.state(feed.url)
            if state is not None and state.disabled:
                outcomes.append(
                    PollOutcome(feed.url, PollStatus.DISABLED, error=state.disabled_reason)
                )
            elif force or self.is_due(feed, now):
                tasks.append(self.poll_one(feed, emit))
            else:
                outcomes.append(PollOutcome(feed.url, PollStatus.NOT_DUE))
        outcomes.extend(await asyncio.gather(*tasks))
        return PollReport(outcomes)

    async def poll_one(self, feed: Feed, emit: EmitFn) -> PollOutcome:
        """:meth:`poll_feed` within the concurrency limit and the feed's deadline; never raises
        (but for cancellation): whatever goes wrong is the outcome's error."""
        async with self._slots:
            try:
                async with asyncio.timeout(self.settings.feed_deadline):
                    return await self.poll_feed(feed, emit)
            except TimeoutError:
                return self._not_committed(
                    feed, f"no complete poll within {self.settings.feed_deadline:g}s"
                )
            except Exception as exc:  # a bug for one feed must not stop the round
                log.exception("poll of %s failed unexpectedly", feed.url)
                return PollOutcome(
                    feed.url,
                    PollStatus.FAILED,
                    error=f"internal error: {type(exc).__name__}: {exc}",
                )

    async def poll_feed(self, feed: Feed, emit: EmitFn) -> PollOutcome:
        """Poll one feed now, emit its new entries, update its state."""
        state = self.state_for(feed)
        now = self.clock()
        state.polls += 1
        state.last_polled_at = now
        sent_validators = state.trust_validators and bool(state.etag or state.last_modified)
        validators = (
            Validators(etag=state.etag, last_modified=state.last_modified)
            if sent_validators
            else None
        )
        try:
            resp = await self.client.get(state.url, validators=validators, accept=FEED_ACCEPT)
        except TransferError as exc:
            return self._failed(feed, state, now, exc)

        outcome = PollOutcome(
            feed.url, PollStatus.NOT_MODIFIED, http_status=resp.status, wire_bytes=resp.wire_bytes
        )
        state.last_status = resp.status
        if resp.permanent_redirect and resp.permanent_redirect != state.url:
            log.info("feed %s moved permanently to %s", state.url, resp.permanent_redirect)
            state.url = resp.permanent_redirect
            outcome.moved_to = state.url
        max_age = cache_max_age(resp.headers)
        if resp.not_modified:
            state.not_modified += 1
            schedule_success(state, self.settings, now=now, new_count=0, max_age=max_age)
            self.store.put_state(state)
            return outcome

        body_hash = hashlib.sha256(resp.body).hexdigest()
        new_validators = resp.validators
        if (
            sent_validators
            and state.etag
            and new_validators.etag == state.etag
            and body_hash != state.content_hash
        ):
            state.trust_validators = False
            state.validator_note = "same ETag for different content: relying on content hashes"
            log.warning("feed %s: %s", feed.url, state.validator_note)
        state.etag, state.last_modified = new_validators.etag, new_validators.last_modified

        if body_hash == state.content_hash:
            if sent_validators:
                state.unchanged_200s += 1
                if state.unchanged_200s >= UNCHANGED_200S_BEFORE_DISTRUST:
                    state.trust_validators = False
                    state.validator_note = "never answers 304: relying on content hashes"
            outcome.status = PollStatus.UNCHANGED
            schedule_success(state, self.settings, now=now, new_count=0, max_age=max_age)
            self.store.put_state(state)
            return outcome
        state.unchanged_200s = 0

        retention = self.settings.seen_retention_days * 86400.0
        seen = self.store.seen(feed.url)
        known = frozenset(k for k, at in seen.items() if now - at <= retention)
        try:
            parsed, ids, entries = await self._parse(
                resp.body, resp.url, resp.content_type, feed, now, known
            )
        except FeedParseError as exc:
            return self._failed(
                feed, state, now, exc, http_status=resp.status, wire_bytes=resp.wire_bytes
            )
        state.bozo_reason = outcome.bozo_reason = parsed.bozo_reason
        outcome.skipped = parsed.skipped
        if parsed.skipped:
            first = "; ".join(str(s) for s in parsed.skipped[:3])
            log.warning("feed %s: %d bad items skipped (%s)", feed.url, len(parsed.skipped), first)
        state.hint_interval = parsed.interval_hint
        state.content_hash = body_hash

        fresh, marks = self._new_entries(entries, now)
        reserved = {e.article_id for e in fresh}
        self._in_flight |= reserved
        try:
            if fresh:
                await emit(fresh)  # returns once Kafka acknowledged every entry
        except Exception as exc:
            log.warning("feed %s: %d entries not sent: %s", feed.url, len(fresh), exc)
            return self._not_committed(feed, f"entries not sent: {type(exc).__name__}: {exc}")
        finally:
            self._in_flight -= reserved
        # Sent and acknowledged: now, and only now, remember them.
        for article_id in marks.articles:
            self.store.put_article_seen(article_id, now)
        for fingerprint, article_id in marks.clusters.items():
            self.store.put_cluster_first(fingerprint, article_id, now)
        self._mark_seen(feed.url, seen, ids, now)
        state.entries_produced += len(fresh)
        outcome.entries = fresh
        outcome.status = PollStatus.NEW if fresh else PollStatus.CHANGED
        recent = sum(
            1
            for raw in parsed.entries
            if raw.published_utc is not None and 0 <= now - raw.published_utc <= 86400
        )
        schedule_success(
            state,
            self.settings,
            now=now,
            new_count=len(fresh),
            max_age=max_age,
            recent_per_hour=recent / 24.0,
        )
        self.store.put_state(state)
        return outcome

    def _not_committed(self, feed: Feed, error: str) -> PollOutcome:
        """The poll failed after the feed was read: keep everything it learnt uncommitted, so
        the next poll reads the feed again (no validators or hash of this body were stored), and
        retry soon. It is not the feed's fault, so it does not count towards disabling it."""
        now = self.clock()
        stored = self.store.state(feed.url)
        state = (
            FeedState(**stored.asdict())
            if stored is not None
            else FeedState(feed_url=feed.url, url=feed.url, interval=self.settings.default_interval)
        )
        state.last_error = error
        state.next_poll_at = now + self.settings.min_interval
        with contextlib.suppress(Exception):  # the store may be what failed: then it stays due
            self.store.put_state(state)
        return PollOutcome(feed.url, PollStatus.FAILED, error=error)

    async def _parse(
        self,
        body: bytes,
        url: str,
        content_type: str,
        feed: Feed,
        now_ts: float,
        known: frozenset[str],
    ) -> tuple[ParsedFeed, list[str], list[FeedEntry]]:
        args = (body, url, content_type, feed, now_ts, known)
        if len(body) > THREAD_PARSE_BYTES:
            return await asyncio.to_thread(self._parse_sync, *args)
        return self._parse_sync(*args)

    def _parse_sync(
        self,
        body: bytes,
        url: str,
        content_type: str,
        feed: Feed,
        now_ts: float,
        known: frozenset[str],
    ) -> tuple[ParsedFeed, list[str], list[FeedEntry]]:
        """Parse, then normalise only the items this feed has not given before.

        Returns the document, the ids of all its items, and the unseen items as entries.
        """
        parsed = parse_feed(
            body, url=url, content_type=content_type, max_entries=self.settings.max_entries_per_feed
        )
        now = datetime.fromtimestamp(now_ts, UTC)
        lang = feed.lang or (parsed.language or "").split("-")[0].lower() or None
        ids: list[str] = []
        entries: list[FeedEntry] = []
        for index, raw in enumerate(parsed.entries):
            try:  # each item alone: one bad item never fails its feed
                article_id = entry_identity(raw, feed.url)[0]
                entry = None
                if article_id not in known:
                    entry = normalise_entry(
                        raw,
                        feed_url=feed.url,
                        feed_name=feed.name,
                        lang=lang,
                        feed_tags=feed.tags,
                        now=now,
                    )
            except Exception as exc:  # not marked seen: a fixed normaliser will produce it
                parsed.skipped.append(SkippedItem.of(index, exc))
                continue
            ids.append(article_id)
            if entry is not None:
                entries.append(entry)
        if parsed.entries and not ids:
            why = f" (not well-formed: {parsed.bozo_reason})" if parsed.bozo_reason else ""
            first = f"; {parsed.skipped[0]}" if parsed.skipped else ""
            raise FeedParseError(f"no usable entry{why}{first}")
        return parsed, ids, entries

    def _new_entries(
        self, entries: list[FeedEntry], now: float
    ) -> tuple[list[FeedEntry], SeenMarks]:
        """Entries no feed has given before; syndicated copies get ``duplicate_of``.

        Nothing is written here: the marks are stored by the caller once the entries are sent.
        """
        retention = self.settings.seen_retention_days * 86400.0
        fresh: list[FeedEntry] = []
        marks = SeenMarks()
        batch: set[str] = set()
        for entry in entries:
            if entry.article_id in batch or entry.article_id in self._in_flight:
                continue
            batch.add(entry.article_id)
            elsewhere = self.store.article_seen(entry.article_id)
            if elsewhere is not None and now - elsewhere <= retention:
                continue  # the same article (same canonical URL) came through another feed
            marks.articles.append(entry.article_id)
            if entry.fingerprint:
                first = self.store.cluster_first(entry.fingerprint)
                in_batch = marks.clusters.get(entry.fingerprint)
                if in_batch is not None:
                    entry.duplicate_of = in_batch
                elif (
                    first is not None
                    and first[0] != entry.article_id
                    and now - first[1] <= retention
                ):
                    entry.duplicate_of = first[0]
                else:
                    marks.clusters[entry.fingerprint] = entry.article_id
            fresh.append(entry)
        return fresh, marks

    def _mark_seen(self, feed_url: str, seen: dict[str, float], ids: list[str], now: float) -> None:
        """Remember the ids still in the feed (refreshed) and forget those past retention."""
        retention = self.settings.seen_retention_days * 86400.0
        for article_id in ids:
            seen[article_id] = now
        seen = {k: t for k, t in seen.items() if now - t <= retention}
        cap = 2 * self.settings.max_entries_per_feed
        if len(seen) > cap:
            seen = dict(sorted(seen.items(), key=lambda kv: kv[1])[-cap:])
        self.store.put_seen(feed_url, seen)

    def _failed(
        self,
        feed: Feed,
        state: FeedState,
        now: float,
        exc: TransferError | FeedParseError,
        *,
        http_status: int | None = None,
        wire_bytes: int = 0,
    ) -> PollOutcome:
        status = exc.status if isinstance(exc, TransferError) else http_status
        retry_after = exc.retry_after if isinstance(exc, TransferError) else None
        error = str(exc)
        if isinstance(exc, TransferError) and exc.status == 410:
            disable: str | None = "gone (HTTP 410): the publisher removed this feed"
        else:
            disable = None
        if retry_after is not None:
            error = f"{error} (retry after {retry_after:g}s)"
        state.last_status = status
        schedule_failure(
            state, self.settings, now=now, error=error, retry_after=retry_after, disable=disable
        )
        self.store.put_state(state)
        log.warning("feed %s: %s", feed.url, error)
        return PollOutcome(
            feed.url,
            PollStatus.DISABLED if state.disabled else PollStatus.FAILED,
            http_status=status,
            error=state.disabled_reason if state.disabled else error,
            wire_bytes=wire_bytes,
        )


def feed_client(settings: Settings) -> PoliteClient:
    """The poller's HTTP client: a feed's redirects to another host are fenced like any link,
    with the operator's allow-list (``fetch.allow_hosts``, ``fetch.allow_networks``)."""
    return PoliteClient.for_feeds(settings.poller, fence=FetchFence.from_settings(settings.fetch))


def entries_producer(settings: Settings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka.bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        max_request_size=settings.kafka.max_message_bytes,
        linger_ms=20,
    )


async def poll_once(
    settings: Settings,
    *,
    feeds: list[Feed] | None = None,
    force: bool = False,
    client: PoliteClient | None = None,
) -> PollReport:
    """Poll every due feed once, produce new entries to news.entries, flush, return.

    For ``newsstream poll --once`` (cron, tests). State comes from, and goes back to, the
    poller tables' changelog topics. ``force`` polls feeds that are not yet due (not disabled).
    """
    feeds = list_feeds(settings) if feeds is None else feeds
    topic = settings.kafka.topics.entries
    await ensure_topics(settings, {topic: False})
    store = ChangelogFeedStore(settings)
    await store.load()
    store.expire(time.time())
    producer = entries_producer(settings)
    await producer.start()
    own_client = client is None
    http = client or feed_client(settings)
    try:

        async def emit(entries: list[FeedEntry]) -> None:
            sent = [
                await producer.send(
                    topic, key=entry.article_id.encode(), value=entry.dumps(serializer="json")
                )
                for entry in entries
            ]
            await asyncio.gather(*sent)  # acknowledged, before the feed's state may move on

        report = await FeedPoller(settings.poller, http, store).poll_due(feeds, emit, force=force)
        await producer.flush()  # entries durable first, then the ids that say they were sent
        await store.flush(producer)
        return report
    finally:
        if own_client:
            await http.aclose()
        await producer.stop()


async def feed_statuses(settings: Settings) -> list[tuple[Feed, FeedState | None]]:
    """Each listed feed with its poller state (for ``newsstream feeds list``)."""
    store = ChangelogFeedStore(settings)
    await store.load()
    return [(feed, store.state(feed.url)) for feed in list_feeds(settings)]


async def reset_feed_state(settings: Settings, feed_url: str) -> bool:
    """Forget what the poller learned about a feed: re-enables a disabled one, clears backoff.

    Seen article ids are kept, so nothing is produced twice. A running ``newsstream poll``
    worker sees the change after its next restart or rebalance (it reads its tables' changelogs
    then). False when the poller had no state for the feed.
    """
    store = ChangelogFeedStore(settings)
    await store.load()
    if store.state(feed_url) is None:
        return False
    store.forget_state(feed_url)
    producer = entries_producer(settings)
    await producer.start()
    try:
        await store.flush(producer)
    finally:
        await producer.stop()
    return True


def register_poller(
    app: faust.App,
    topics: Any,
    settings: Settings,
    metrics: Metrics | None = None,
    *,
    tick: float = 5.0,
) -> TableFeedStore:
    """Define the poller's tables and a timer that starts a poll of each due feed every ``tick``.

    A feed belongs to the worker that owns its partition of the ``feed_state`` changelog, so
    adding workers spreads the feeds with no other coordination. Each feed is polled in a task
    of its own: a slow host holds its own feeds (up to ``poller.feed_deadline``), never the
    round, so the other feeds keep their schedule.
    """
    partitions = settings.kafka.partitions

    def table(name: str, value_type: Any = None) -> Any:
        return app.Table(
            name,
            key_type=str,
            value_type=value_type,
            partitions=partitions,
            use_partitioner=True,
            default=None,
        )

    store = TableFeedStore(
        table(STATE_TABLE, FeedState),
        table(SEEN_TABLE),
        table(CLUSTER_TABLE),
        table(ARTICLE_TABLE),
    )
    state_topic = changelog_topic(settings, STATE_TABLE)
    changelogs = [changelog_topic(settings, t) for t in store_tables()]
    shared: dict[str, Any] = {}
    health = metrics.health if metrics is not None else None
    running: dict[str, asyncio.Task[PollOutcome]] = {}
    finished: list[PollOutcome] = []

    def owned_partitions() -> set[int]:
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == state_topic}

    async def make_changelogs_known() -> None:
        """A table write picks its partition from the producer's metadata. On a fresh cluster
        the changelog topics are new, the producer has not seen them yet and aiokafka's
        partitioner fails (until its next metadata refresh, minutes later): make sure they
        exist and are known before the first write."""
        await ensure_topics(settings, dict.fromkeys(changelogs, True))
        producer = app.producer._ensure_producer()  # type: ignore[attr-defined]
        for name in changelogs:
            await producer.partitions_for(name)

    async def emit(entries: list[FeedEntry]) -> None:
        sent = [await topics.entries.send(key=e.article_id, value=e) for e in entries]
        await asyncio.gather(*sent)  # acknowledged, before the feed's state may move on

    def on_done(task: asyncio.Task[PollOutcome]) -> None:
        url = task.get_name()
        running.pop(url, None)
        if task.cancelled():
            return
        outcome = task.result()
        finished.append(outcome)
        if metrics is not None:
            metrics.feeds_polled.labels(outcome.status.value).inc()
            if outcome.status == PollStatus.NOT_MODIFIED:
                metrics.not_modified.inc()
            metrics.articles.labels(Stage.POLL.value).inc(len(outcome.entries))
            for item in outcome.skipped:
                metrics.items_skipped.labels(item.reason).inc()

    @app.timer(interval=tick, name="newsstream.poll_feeds")
    async def poll_feeds() -> None:
        if finished:
            report = PollReport(finished[:])
            log.info("polls finished: %s", report.summary())
            hint = report.network_hint()
            if hint:
                log.warning(hint)
            finished.clear()
        if app.rebalancing or app.in_recovery:
            return
        if "poller" not in shared:
            try:
                await make_changelogs_known()
            except Exception as exc:  # Kafka not there yet: try again on the next tick
                if health is not None:
                    health.waiting("poller", f"Kafka: {type(exc).__name__}: {exc}")
                log.warning("poller not started, trying again in %gs: %s", tick, exc)
                return
            client = shared["client"] = feed_client(settings)
            shared["poller"] = FeedPoller(settings.poller, client, store)
            if health is not None:
                health.running("poller")
        poller: FeedPoller = shared["poller"]
        owned = owned_partitions()
        now = time.time()
        for feed in list_feeds(settings):
            if feed.url in running or partition_for(feed.url, partitions) not in owned:
                continue
            if poller.is_due(feed, now):
                task = asyncio.create_task(poller.poll_one(feed, emit), name=feed.url)
                running[feed.url] = task
                task.add_done_callback(on_done)

    async def cancel_polls() -> None:
        tasks = list(running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def stop_polls_on_revoke(app: Any, revoked: Any, **kwargs: Any) -> None:
        # The feeds may now belong to another worker; what was not committed is polled again.
        await cancel_polls()

    @app.on_before_shutdown.connect  # type: ignore[arg-type]
    async def close_client(app: Any, **kwargs: Any) -> None:
        await cancel_polls()
        client = shared.pop("client", None)
        shared.pop("poller", None)
        if client is not None:
            await client.aclose()

    return store

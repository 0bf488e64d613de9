"""When to poll a feed next: adaptive intervals on success, exponential backoff on failure."""

from __future__ import annotations

import zlib
from typing import Any

from streams.feed_state import FeedState
from streams.settings import PollerSettings


def cache_max_age(headers: Any) -> float | None:
    """``max-age`` of a Cache-Control header, in seconds."""
    value = headers.get("cache-control", "") if headers is not None else ""
    for part in value.split(","):
        name, _, arg = part.strip().partition("=")
        if name.lower() == "max-age" and arg.strip().isdigit():
            return float(arg.strip())
    return None


def _jitter(url: str) -> float:
    """A stable factor in [0.95, 1.05) so feeds listed together do not stay in lockstep."""
    return 0.95 + (zlib.crc32(url.encode()) % 1000) / 10_000


def schedule_success(
    state: FeedState,
    settings: PollerSettings,
    *,
    now: float,
    new_count: int,
    max_age: float | None,
    recent_per_hour: float | None = None,
) -> None:
    """Set ``interval`` and ``next_poll_at`` after a successful poll.

    The target is the expected time between two new items (1 / observed rate), so a busy wire
    is polled often and a weekly column rarely; the feed's own hints are a floor (it asked us
    not to come back sooner); the result is clamped to [min_interval, max_interval].
    """
    if state.last_success_at is not None:
        hours = max((now - state.last_success_at) / 3600.0, 1e-6)
        observed = new_count / hours
        previous = state.rate_per_hour
        state.rate_per_hour = observed if previous is None else 0.6 * previous + 0.4 * observed
    elif recent_per_hour is not None:
        state.rate_per_hour = recent_per_hour  # first poll: from the items' own dates
    rate = state.rate_per_hour
    if rate is not None and rate > 0:
        target = 3600.0 / rate
    else:
        previous_interval = state.interval or settings.default_interval
        target = previous_interval * 1.5 if rate is not None else settings.default_interval
    hints = [h for h in (state.hint_interval, max_age) if h]
    if hints:
        target = max(target, max(hints))
    interval = min(max(target, settings.min_interval), settings.max_interval)
    state.interval = interval
    state.next_poll_at = now + interval * _jitter(state.feed_url)
    state.failures = 0
    state.last_error = None
    state.last_success_at = now


def schedule_failure(
    state: FeedState,
    settings: PollerSettings,
    *,
    now: float,
    error: str,
    retry_after: float | None = None,
    disable: str | None = None,
) -> None:
    """Exponential backoff; Retry-After when the server gave one; disable after N failures."""
    state.failures += 1
    state.last_error = error
    if disable is None and state.failures >= settings.max_failures:
        disable = f"{state.failures} consecutive failures (last: {error})"
    if disable is not None:
        state.disabled = True
        state.disabled_reason = disable
        return
    delay = min(settings.backoff_base * 2 ** (state.failures - 1), settings.max_interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, 24 * 3600.0))
    state.next_poll_at = now + delay

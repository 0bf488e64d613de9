"""`newsstream replay` and `newsstream status` against the real broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pipeline_helpers import read_topic
from test_pipeline_worker import make_article, send_articles

from streams.records import Article
from streams.replay import replay
from streams.settings import Settings
from streams.status import collect_status, format_status

pytestmark = pytest.mark.integration


async def test_replay_copies_articles_since_a_date_onto_the_replay_lane(
    pipeline_settings: Settings,
) -> None:
    articles = [make_article(i, "en") for i in range(12)]
    await send_articles(pipeline_settings, articles)
    progress: list[tuple[int, int]] = []

    copied = await replay(
        pipeline_settings,
        datetime.now(UTC) - timedelta(hours=1),
        lambda d, t: progress.append((d, t)),
    )
    assert copied == 12
    assert progress[-1] == (12, 12)
    assert sorted(
        a.article_id
        for a in await read_topic(pipeline_settings, pipeline_settings.kafka.topics.replay, Article)
    ) == sorted(a.article_id for a in articles)
    # nothing was produced after a future date
    assert await replay(pipeline_settings, datetime.now(UTC) + timedelta(hours=1)) == 0


async def test_status_reports_topic_sizes_and_index_count(pipeline_settings: Settings) -> None:
    await send_articles(pipeline_settings, [make_article(i, "de") for i in range(3)])
    status = await collect_status(pipeline_settings)
    sizes = {t.name: t.records for t in status.topics}
    assert sizes[pipeline_settings.kafka.topics.articles] == 3
    assert sizes[pipeline_settings.kafka.topics.entries] == 0
    assert status.indexed == 0
    text = format_status(status)
    assert pipeline_settings.kafka.topics.articles in text and "documents indexed: 0" in text

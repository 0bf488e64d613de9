"""``newsstream replay --since DATE``: re-enrich and re-index articles already in Kafka.

The articles of news.articles published to Kafka since DATE are copied, unchanged, onto the
news.replay topic. The enrich agent consumes that topic in a consumer of its own, so live
articles never wait behind a replay. The index then overwrites each document by its id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from streams.provision import partition_counts
from streams.settings import Settings


async def replay(
    settings: Settings, since: datetime, progress: Callable[[int, int], None] | None = None
) -> int:
    """Copy news.articles records from ``since`` onto the replay topic; returns how many."""
    kafka = settings.kafka
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        counts = await partition_counts(admin, [kafka.topics.articles])
    finally:
        await admin.close()
    # created once the broker answered: a client never started is reported unclosed at exit
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        enable_auto_commit=False,
        max_partition_fetch_bytes=kafka.max_message_bytes,
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers,
        max_request_size=kafka.max_message_bytes,
        acks="all",
    )
    copied = 0
    try:
        await consumer.start()
        await producer.start()
        tps = [
            TopicPartition(kafka.topics.articles, p)
            for p in range(counts.get(kafka.topics.articles, 0))
        ]
        consumer.assign(tps)
        starts = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
        ends = await consumer.end_offsets(tps)
        todo: dict[TopicPartition, int] = {}
        for tp in tps:
            found = starts.get(tp)
            if found is None:  # nothing that recent in this partition
                continue
            consumer.seek(tp, found.offset)
            todo[tp] = ends[tp]
        total = sum(ends[tp] - starts[tp].offset for tp in todo)
        while todo:
            batch = await consumer.getmany(*todo, timeout_ms=1000, max_records=500)
            sends = []
            for tp, messages in batch.items():
                for msg in messages:
                    if msg.offset >= todo.get(tp, 0):
                        continue
                    sends.append(
                        await producer.send(kafka.topics.replay, key=msg.key, value=msg.value)
                    )
            for fut in sends:
                await fut
            copied += len(sends)
            for tp in list(todo):
                if await consumer.position(tp) >= todo[tp]:
                    del todo[tp]
            if progress:
                progress(copied, total)
    finally:
        await producer.stop()
        await consumer.stop()
    return copied

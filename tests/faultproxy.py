"""A TCP relay in front of a real server, for fault tests: cut it, or make it answer a status.

The tests point a client at the proxy instead of the real Elasticsearch (or Kafka), then:

- ``cut()``: stop listening and drop every connection, as a stopped server does (connection
  refused); ``restore()`` listens again on the same port;
- ``answer(429)``: answer every HTTP request with that status and a JSON error body, as an
  overloaded Elasticsearch does; ``relay()`` goes back to passing bytes through.

The proxy runs its own event loop in a thread, so a test that blocks does not stall it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Iterator


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        with socket.socket() as probe:
            probe.bind((host, 0))
            self.port = probe.getsockname()[1]
        self.status: int | None = None  # None: relay; else answer every request with it
        self.requests_answered = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def cut(self) -> None:
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def answer(self, status: int) -> None:
        self.status = status

    def relay(self) -> None:
        self.status = None

    @contextlib.contextmanager
    def answering(self, status: int) -> Iterator[None]:
        self.answer(status)
        try:
            yield
        finally:
            self.relay()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._client, self.host, self.port, reuse_address=True
            )

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.status is not None:
                await self._answer(reader, writer, self.status)
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                return
            self._writers.add(up_writer)
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, status: int
    ) -> None:
        """Read one HTTP request and answer it with ``status``, then close."""
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        body = json.dumps(
            {"error": {"type": "fault_injected", "reason": f"proxy answers {status}"}}
        ).encode()
        writer.write(
            f"HTTP/1.1 {status} Fault\r\nContent-Type: application/json\r\n"
            f"X-Elastic-Product: Elasticsearch\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        self.requests_answered += 1

"""The real Kafka and Elasticsearch servers, run locally without Docker.

``LocalStack(settings).up()`` fetches Apache Kafka's jars and Elasticsearch's integ-test-zip
from Maven Central once, then starts one KRaft broker+controller and one single-node
Elasticsearch, both bound to loopback, under ``services.home``::

    <home>/
      m2/                       Maven's local repository (the downloads, reused)
      kafka/lib/                the broker's jars         kafka/data, kafka/logs, kafka/kafka.pid
      elasticsearch/dist/       the unpacked server       elasticsearch/{config,data,logs}, es.pid

Pid files name exactly the processes ``up`` started, and ``down`` stops those and nothing else.
Each server runs in a session of its own, so ``down`` can stop a launcher together with its
children. Elasticsearch refuses to run as root: when we are root it runs as an unprivileged user.

Security is off here (no passwords, no TLS), unlike the Docker Compose deployment: these servers
are one developer's, without Docker, and listen on loopback only (``services.host`` must be a
loopback address; the settings refuse any other), so nothing off this machine can reach them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from streams.errors import ServiceError
from streams.settings import CONFIG_DIR, ServicesSettings

_LOG_CAUSE_MARKERS = ("ERROR", "FATAL", "Exception", "error:", "refused", "BindException")


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    name: str
    running: bool
    healthy: bool
    pid: int | None
    address: str
    version: str
    data_dir: Path
    log_file: Path
    detail: str = ""


def _run(cmd: list[str], *, what: str, service: str, env: dict[str, str] | None = None) -> None:
    """Run a set-up step; on failure raise with the tail of its own output, not a traceback."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        raise ServiceError(
            service, f"{what} failed (exit {proc.returncode})", log_excerpt="\n".join(out[-25:])
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive for our purposes
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _pid_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def log_excerpt(path: Path, lines: int = 15) -> str:
    """The last lines of a log that look like the cause of a failure (or just the last lines)."""
    if not path.is_file():
        return ""
    tail = path.read_text(errors="replace").splitlines()[-400:]
    causes = [line for line in tail if any(m in line for m in _LOG_CAUSE_MARKERS)]
    return "\n".join((causes or tail)[-lines:])


class LocalService:
    """One server process that we install, start, health-check and stop."""

    name: str = ""
    pid_file_name: str = ""
    cmdline_marker: str = ""  # a string our process's command line contains (guards pid reuse)

    def __init__(self, settings: ServicesSettings) -> None:
        self.settings = settings
        self.home = settings.resolved_home()
        self.root = self.home / self.name
        self.pid_file = self.root / self.pid_file_name
        self.log_dir = self.root / "logs"
        self.data_dir = self.root / "data"

    # -- overridden per service ----------------------------------------------------------------
    @property
    def version(self) -> str:
        raise NotImplementedError

    @property
    def address(self) -> str:
        raise NotImplementedError

    @property
    def log_file(self) -> Path:
        raise NotImplementedError

    def install(self) -> None:
        raise NotImplementedError

    def _launch(self) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def check_health(self) -> tuple[bool, str]:
        raise NotImplementedError

    # -- shared lifecycle ------------------------------------------------------------------------
    def pid(self) -> int | None:
        """The pid from our pid file, if that process is alive and still ours."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if _pid_alive(pid) and self.cmdline_marker in _pid_cmdline(pid):
            return pid
        return None

    def status(self) -> ServiceStatus:
        pid = self.pid()
        healthy, detail = self.check_health()
        if pid is None and healthy:
            detail = f"answering, but not started by newsstream ({detail})"
        return ServiceStatus(
            name=self.name,
            running=pid is not None,
            healthy=healthy,
            pid=pid,
            address=self.address,
            version=self.version,
            data_dir=self.data_dir,
            log_file=self.log_file,
            detail=detail,
        )

    def start(self) -> bool:
        """Start unless ours is already running; True when this call started it."""
        if self.pid() is not None:
            return False
        healthy, _ = self.check_health()
        if healthy:
            # Someone else's server on our port: reuse it rather than fail to bind.
            return False
        self.install()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        proc = self._launch()
        self.pid_file.write_text(f"{proc.pid}\n")
        return True

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        detail = ""
        while time.monotonic() < deadline:
            healthy, detail = self.check_health()
            if healthy:
                return
            pid = self.pid()
            if pid is None:
                raise ServiceError(
                    self.name, "exited during start-up", log_excerpt=log_excerpt(self.log_file)
                )
            time.sleep(1.0)
        raise ServiceError(
            self.name,
            f"not healthy after {timeout:.0f}s ({detail})",
            log_excerpt=log_excerpt(self.log_file),
        )

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the process group we started; True when there was one to stop."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._group_alive(pid):
            time.sleep(0.5)
        if self._group_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    @staticmethod
    def _group_alive(pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        # killpg(…, 0) succeeds for zombies too: look for a live member of the group
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError):
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    return True
        return False

    def tail(self, lines: int = 50) -> Iterator[str]:
        if self.log_file.is_file():
            yield from self.log_file.read_text(errors="replace").splitlines()[-lines:]


def kraft_cluster_id(draw: Callable[[], bytes] = lambda: uuid.uuid4().bytes) -> str:
    """A new KRaft cluster id: 16 random bytes in unpadded URL-safe base64.

    Like Kafka's own ``Uuid.randomUuid``, it draws again when the id would start with "-":
    the storage tool's argument parser reads such an id as an option and refuses to format
    (one draw in 64 does).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(draw()).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _maven(args: list[str], *, m2: Path, service: str, what: str) -> None:
    if shutil.which("mvn") is None:
        raise ServiceError(
            service, "Maven (mvn) is not installed; it fetches the servers from Maven Central"
        )
    _run(["mvn", "-q", "-B", f"-Dmaven.repo.local={m2}", *args], what=what, service=service)


class KafkaService(LocalService):
    """Apache Kafka in KRaft mode: one process that is both broker and controller."""

    name = "kafka"
    pid_file_name = "kafka.pid"
    cmdline_marker = "kafka.Kafka"

    @classmethod
    def dedicated(cls, main: ServicesSettings, home: Path) -> KafkaService:
        """A second, empty broker under ``home`` on free ports (tests and benchmarks that need
        a broker of their own); the jars are ``main``'s installation, linked when complete, so
        nothing is downloaded again. Not started."""
        ports = []
        for _ in range(4):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                ports.append(int(s.getsockname()[1]))
        own = ServicesSettings(
            home=home,
            maven_repo=main.resolved_maven_repo(),
            kafka_port=ports[0],
            kafka_controller_port=ports[1],
            elasticsearch_port=ports[2],
            elasticsearch_transport_port=ports[3],
            kafka_heap="256m",
            start_timeout=120,
        )
        kafka = cls(own)
        shared_lib = cls(main).lib_dir
        if (shared_lib / ".complete").exists():
            kafka.lib_dir.parent.mkdir(parents=True, exist_ok=True)
            kafka.lib_dir.symlink_to(shared_lib, target_is_directory=True)
        return kafka

    @property
    def version(self) -> str:
        return self.settings.kafka_version

    @property
    def address(self) -> str:
        return f"{self.settings.host}:{self.settings.kafka_port}"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "server.log"

    @property
    def lib_dir(self) -> Path:
        return self.root / "lib" / f"{self.settings.kafka_scala}-{self.version}"

    @property
    def config_file(self) -> Path:
        return self.root / "config" / "server.properties"

    def _java(self) -> str:
        if self.settings.java_home:
            return str(self.settings.java_home / "bin" / "java")
        java = shutil.which("java")
        if java is None:
            raise ServiceError(self.name, "no java on PATH; set services.java_home")
        return java

    def install(self) -> None:
        marker = self.lib_dir / ".complete"
        if not marker.exists():
            self.lib_dir.mkdir(parents=True, exist_ok=True)
            _maven(
                [
                    "-f",
                    str(CONFIG_DIR / "kafka" / "pom.xml"),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={self.lib_dir}",
                    f"-Dkafka.version={self.version}",
                    f"-Dscala.binary={self.settings.kafka_scala}",
                ],
                m2=self.settings.resolved_maven_repo(),
                service=self.name,
                what=f"fetching Kafka {self.version} from Maven Central",
            )
            marker.touch()
        self._write_config()
        if not (self.data_dir / "meta.properties").exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            cluster_id = kraft_cluster_id()
            _run(
                [
                    *self._java_cmd(),
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.config_file),
                ],
                what="formatting the KRaft storage",
                service=self.name,
            )

    def _write_config(self) -> None:
        s = self.settings
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            "\n".join(
                [
                    "# written by `newsstream services up`; edit config/newsstream.yaml instead",
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@{s.host}:{s.kafka_controller_port}",
                    f"listeners=PLAINTEXT://{s.host}:{s.kafka_port},CONTROLLER://{s.host}:{s.kafka_controller_port}",
                    f"advertised.listeners=PLAINTEXT://{s.host}:{s.kafka_port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    f"log.dirs={self.data_dir}",
                    "num.partitions=1",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=true",
                    "message.max.bytes=16777216",
                    "replica.fetch.max.bytes=16777216",
                    "",
                ]
            )
        )
        (self.root / "config" / "log4j.properties").write_text(
            "\n".join(
                [
                    "log4j.rootLogger=INFO, file",
                    "log4j.appender.file=org.apache.log4j.RollingFileAppender",
                    f"log4j.appender.file.File={self.log_file}",
                    "log4j.appender.file.MaxFileSize=20MB",
                    "log4j.appender.file.MaxBackupIndex=3",
                    "log4j.appender.file.layout=org.apache.log4j.PatternLayout",
                    "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n",
                    "log4j.logger.kafka=INFO",
                    "log4j.logger.org.apache.kafka=INFO",
                    "",
                ]
            )
        )

    def _java_cmd(self) -> list[str]:
        return [
            self._java(),
            f"-Xms{self.settings.kafka_heap}",
            f"-Xmx{self.settings.kafka_heap}",
            f"-Dlog4j.configuration=file:{self.root / 'config' / 'log4j.properties'}",
            f"-Dkafka.logs.dir={self.log_dir}",
            "-cp",
            f"{self.lib_dir}/*",
        ]

    def _launch(self) -> subprocess.Popen[bytes]:
        out = open(self.log_dir / "kafka.out", "ab")  # noqa: SIM115 - handed to the child
        return subprocess.Popen(
            [*self._java_cmd(), "kafka.Kafka", str(self.config_file)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.root,
        )

    def check_health(self) -> tuple[bool, str]:
        return asyncio.run(kafka_metadata_ok(self.address))


async def kafka_metadata_ok(bootstrap: str, timeout: float = 5.0) -> tuple[bool, str]:
    """Whether the broker answers a metadata request (what a client needs before anything else)."""
    from aiokafka import AIOKafkaClient  # a heavy import; only needed here

    # aiokafka logs every refused connection as an error; while the broker is still starting,
    # a closed port is the expected answer, so ask the socket first.
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as exc:
        return False, f"{bootstrap}: {exc.strerror or exc}"
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        brokers = client.cluster.brokers()
        return bool(brokers), f"{len(brokers)} broker(s)"
    except Exception as exc:  # any failure means "not healthy", with why
        return False, f"{type(exc).__name__}: {exc}".strip()
    finally:
        with contextlib.suppress(Exception):
            await client.close()


class ElasticsearchService(LocalService):
    """Elasticsearch's integ-test-zip: the real server, minus most plugins (see DESIGN.md)."""

    name = "elasticsearch"
    pid_file_name = "es.pid"
    cmdline_marker = "elasticsearch"

    @property
    def version(self) -> str:
        return self.settings.elasticsearch_version

    @property
    def address(self) -> str:
        return f"http://{self.settings.host}:{self.settings.elasticsearch_port}"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "newsstream.log"  # <cluster.name>.log

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist" / f"elasticsearch-{self.version}"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    def java_home(self) -> Path:
        """ES 9 needs Java 21 or newer; the integ-test-zip ships none."""
        if self.settings.elasticsearch_java_home:
            return self.settings.elasticsearch_java_home
        candidates = (
            sorted(Path("/usr/lib/jvm").glob("*"), reverse=True)
            if Path("/usr/lib/jvm").is_dir()
            else []
        )
        for home in candidates:
            release = home / "release"
            if not release.is_file():
                continue
            for line in release.read_text().splitlines():
                if line.startswith("JAVA_VERSION="):
                    major = int(line.split("=", 1)[1].strip('"').split(".")[0])
                    if major >= 21:
                        return home
        raise ServiceError(
            self.name,
            "Elasticsearch 9 needs Java 21+; none found in /usr/lib/jvm "
            "(set services.elasticsearch_java_home)",
        )

    def _run_as(self) -> pwd.struct_passwd | None:
        """The unprivileged account to run as when we are root (created if missing)."""
        if os.geteuid() != 0:
            return None
        user = self.settings.elasticsearch_user
        try:
            return pwd.getpwnam(user)
        except KeyError:
            _run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                what=f"creating the user {user!r} that runs Elasticsearch",
                service=self.name,
            )
            return pwd.getpwnam(user)

    def install(self) -> None:
        if not (self.dist_dir / "bin" / "elasticsearch").exists():
            downloads = self.home / "downloads"
            downloads.mkdir(parents=True, exist_ok=True)
            artifact = (
                f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{self.version}:zip"
            )
            zip_path = downloads / f"elasticsearch-{self.version}.zip"
            if not zip_path.exists():
                _maven(
                    ["dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={downloads}"],
                    m2=self.settings.resolved_maven_repo(),
                    service=self.name,
                    what=f"fetching Elasticsearch {self.version} (integ-test-zip) "
                    "from Maven Central",
                )
            staging = self.root / "dist.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            with zipfile.ZipFile(zip_path) as zf:
                zf.extractall(staging)
            # zipfile drops the executable bits that the launch scripts need
            for path in (staging / f"elasticsearch-{self.version}").rglob("*"):
                if path.is_file() and "bin" in path.parent.parts:
                    path.chmod(path.stat().st_mode | 0o755)
            self.dist_dir.parent.mkdir(parents=True, exist_ok=True)
            (staging / f"elasticsearch-{self.version}").rename(self.dist_dir)
            shutil.rmtree(staging, ignore_errors=True)
        self._write_config()
        account = self._run_as()
        if account is not None:
            self._hand_over(account)

    def _write_config(self) -> None:
        s = self.settings
        self.config_dir.mkdir(parents=True, exist_ok=True)
        for name in ("jvm.options", "log4j2.properties"):
            src = self.dist_dir / "config" / name
            if src.exists() and not (self.config_dir / name).exists():
                shutil.copy(src, self.config_dir / name)
        (self.config_dir / "jvm.options.d").mkdir(exist_ok=True)
        (self.config_dir / "jvm.options.d" / "heap.options").write_text(
            f"-Xms{s.elasticsearch_heap}\n-Xmx{s.elasticsearch_heap}\n"
        )
        (self.config_dir / "elasticsearch.yml").write_text(
            "\n".join(
                [
                    "# written by `newsstream services up`; edit config/newsstream.yaml instead",
                    "cluster.name: newsstream",
                    "node.name: newsstream-1",
                    f"path.data: {self.data_dir}",
                    f"path.logs: {self.log_dir}",
                    f"network.host: {s.host}",
                    f"http.port: {s.elasticsearch_port}",
                    f"transport.port: {s.elasticsearch_transport_port}",
                    "discovery.type: single-node",
                    # The integ-test-zip carries x-pack security, which would otherwise turn on
                    # TLS and passwords at first start: this server is loopback-only.
                    "xpack.security.enabled: false",
                    # a shared dev machine's disk may be fuller than ES's default watermarks allow
                    "cluster.routing.allocation.disk.threshold_enabled: false",
                    "action.destructive_requires_name: true",
                    "",
                ]
            )
        )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def _hand_over(self, account: pwd.struct_passwd) -> None:
        """Let the unprivileged account reach and own what Elasticsearch writes."""
        # It must traverse every directory above its files (a root home is usually 0700).
        for parent in reversed(self.root.parents):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
        for path in (self.root, self.config_dir, self.data_dir, self.log_dir):
            os.chown(path, account.pw_uid, account.pw_gid)
        for directory in (self.config_dir, self.data_dir, self.log_dir):
            for path in directory.rglob("*"):
                os.chown(path, account.pw_uid, account.pw_gid)
        for path in [self.dist_dir, *self.dist_dir.rglob("*")]:
            mode = path.stat().st_mode
            path.chmod(mode | 0o004 | (0o001 if path.is_dir() or mode & 0o100 else 0))

    def _launch(self) -> subprocess.Popen[bytes]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(self.java_home()),
            "ES_PATH_CONF": str(self.config_dir),
            "LANG": "C.UTF-8",
        }
        account = self._run_as()
        out = open(self.log_dir / "elasticsearch.out", "ab")  # noqa: SIM115 - handed to the child
        if account is not None:
            os.chown(self.log_dir / "elasticsearch.out", account.pw_uid, account.pw_gid)
            env["HOME"] = str(self.root)
        return subprocess.Popen(
            [str(self.dist_dir / "bin" / "elasticsearch")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.root,
            start_new_session=True,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
        )

    def check_health(self) -> tuple[bool, str]:
        try:
            resp = httpx.get(f"{self.address}/_cluster/health", timeout=3.0)
            status = resp.json().get("status", "unknown")
        except (httpx.HTTPError, ValueError) as exc:
            return False, f"{type(exc).__name__}"
        return status in ("yellow", "green"), f"cluster {status}"

    def tail(self, lines: int = 50) -> Iterator[str]:
        path = self.log_file if self.log_file.is_file() else self.log_dir / "elasticsearch.out"
        if path.is_file():
            yield from path.read_text(errors="replace").splitlines()[-lines:]


class LocalStack:
    """Kafka and Elasticsearch together, as ``newsstream services`` manages them."""

    def __init__(self, settings: ServicesSettings) -> None:
        self.kafka = KafkaService(settings)
        self.elasticsearch = ElasticsearchService(settings)
        self.services: tuple[LocalService, ...] = (self.kafka, self.elasticsearch)
        self.settings = settings

    def up(self) -> list[str]:
        """Start what is not running, wait until all are healthy; the names this call started."""
        started = [svc.name for svc in self.services if svc.start()]
        try:
            for svc in self.services:
                svc.wait_healthy(self.settings.start_timeout)
        except ServiceError:
            for svc in self.services:
                if svc.name in started:
                    svc.stop()
            raise
        return started

    def down(self) -> list[str]:
        return [svc.name for svc in reversed(self.services) if svc.stop()]

    def status(self) -> list[ServiceStatus]:
        return [svc.status() for svc in self.services]

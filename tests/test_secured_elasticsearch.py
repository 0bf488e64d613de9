"""The app against an Elasticsearch with security on, as docker-compose.yml runs it: TLS on HTTP
with a CA of our own, no anonymous access, the elastic user's password from a keystore.

No Docker engine is needed: a second node of the same real server (the local services'
distribution) is started with the security settings that docker-compose.yml gives its
``elasticsearch`` service. The app must then connect with the CA file and a user or an API key
(the settings docker-compose.yml passes to the ``app`` service), refuse a server it cannot verify,
say in one line when the credentials are wrong, and print none of them.

API keys are not tried here: they live in the ``.security`` index, whose mapping needs the
analysis-common module that the local distribution (the integ-test-zip) leaves out; the elastic
user's password comes from the keystore and needs no index.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pipeline_helpers import cli, free_port
from test_secrets import as_environment

from streams.services import ElasticsearchService, LocalStack
from streams.settings import ServicesSettings, Settings

PASSWORD = "Sec-7fQ2-never-printed"


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a node certificate for 127.0.0.1, as the compose file's ``certs`` job makes."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt = directory / "node.key", directory / "node.csr", directory / "node.crt"
    ext = directory / "node.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    new_key = ("openssl", "req", "-newkey", "rsa:2048", "-nodes")
    ca_subject = ("-x509", "-days", "2", "-subj", "/CN=newsstream test CA")
    sign = ("openssl", "x509", "-req", "-CAcreateserial", "-days", "2", "-extfile", str(ext))
    steps = [
        [*new_key, *ca_subject, "-keyout", str(ca_key), "-out", str(ca_crt)],
        [*new_key, "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr)],
        [*sign, "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-out", str(crt)],
    ]
    for step in steps:
        subprocess.run(step, check=True, capture_output=True)
    return ca_crt, crt, key


class SecuredElasticsearch(ElasticsearchService):
    """The local server's distribution, started with docker-compose.yml's security settings."""

    def __init__(self, settings: ServicesSettings, dist_dir: Path) -> None:
        super().__init__(settings)
        self._dist_dir = dist_dir

    @property
    def dist_dir(self) -> Path:
        return self._dist_dir

    @property
    def address(self) -> str:
        return f"https://{self.settings.host}:{self.settings.elasticsearch_port}"

    def _write_config(self) -> None:
        super()._write_config()
        certs = self.config_dir / "certs"
        if not (certs / "ca.crt").is_file():
            make_certificates(certs)
        config = self.config_dir / "elasticsearch.yml"
        text = config.read_text().replace("xpack.security.enabled: false\n", "")
        config.write_text(
            text
            + "\n".join(
                [
                    "xpack.security.enabled: true",
                    "xpack.security.http.ssl.enabled: true",
                    "xpack.security.http.ssl.key: certs/node.key",
                    "xpack.security.http.ssl.certificate: certs/node.crt",
                    "xpack.security.http.ssl.certificate_authorities: certs/ca.crt",
                    "xpack.security.transport.ssl.enabled: true",
                    "xpack.security.transport.ssl.key: certs/node.key",
                    "xpack.security.transport.ssl.certificate: certs/node.crt",
                    "xpack.security.transport.ssl.certificate_authorities: certs/ca.crt",
                    "",
                ]
            )
        )
        keystore = self.config_dir / "elasticsearch.keystore"
        if not keystore.is_file():
            tool = str(self.dist_dir / "bin" / "elasticsearch-keystore")
            env = {
                "PATH": "/usr/bin:/bin",
                "ES_JAVA_HOME": str(self.java_home()),
                "ES_PATH_CONF": str(self.config_dir),
            }
            subprocess.run([tool, "create"], check=True, capture_output=True, env=env)
            subprocess.run(
                [tool, "add", "-x", "bootstrap.password"],
                input=PASSWORD.encode(),
                check=True,
                capture_output=True,
                env=env,
            )

    def check_health(self) -> tuple[bool, str]:
        try:
            resp = httpx.get(
                f"{self.address}/_cluster/health",
                auth=("elastic", PASSWORD),
                verify=ssl.create_default_context(cafile=self.config_dir / "certs" / "ca.crt"),
                timeout=3.0,
            )
            status = resp.json().get("status", "unknown")
        except (httpx.HTTPError, ValueError, OSError) as exc:
            return False, type(exc).__name__
        return status in ("yellow", "green"), f"cluster {status}"


@pytest.fixture(scope="module")
def secured(services: LocalStack) -> Iterator[Path]:
    """A secured node on ports of its own; yields its CA file.

    Its home is a directory of its own rather than pytest's tmp_path, which another pytest
    session on the same machine may rotate away while the node still writes there."""
    plain = services.elasticsearch
    home = Path(tempfile.mkdtemp(prefix="newsstream-secured-es-"))
    node = SecuredElasticsearch(
        plain.settings.model_copy(
            update={
                "home": home,
                "elasticsearch_port": free_port(),
                "elasticsearch_transport_port": free_port(),
                "elasticsearch_heap": "512m",
            }
        ),
        plain.dist_dir,
    )
    node.start()
    try:
        node.wait_healthy(timeout=180)
        yield node.config_dir / "certs" / "ca.crt"
    finally:
        node.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def secured_env(secured: Path, unprovisioned_settings: Settings) -> Iterator[dict[str, str]]:
    port = _port_of(secured)
    yield {
        **as_environment(unprovisioned_settings),
        "NEWSSTREAM_ELASTICSEARCH__URL": f"https://127.0.0.1:{port}",
        "NEWSSTREAM_ELASTICSEARCH__USERNAME": "elastic",
        "NEWSSTREAM_ELASTICSEARCH__PASSWORD": PASSWORD,
        "NEWSSTREAM_ELASTICSEARCH__CA_CERTS": str(secured),
    }


def _port_of(ca_file: Path) -> int:
    config = ca_file.parents[1] / "elasticsearch.yml"
    for line in config.read_text().splitlines():
        if line.startswith("http.port:"):
            return int(line.split(":", 1)[1])
    raise AssertionError(f"no http.port in {config}")


def test_anonymous_and_plain_http_requests_are_refused(secured: Path) -> None:
    url = f"https://127.0.0.1:{_port_of(secured)}"
    trusted = ssl.create_default_context(cafile=secured)
    assert httpx.get(url, verify=trusted, timeout=10).status_code == 401
    with pytest.raises(httpx.HTTPError):
        httpx.get(url.replace("https:", "http:"), timeout=10).raise_for_status()


def test_init_and_search_work_with_the_ca_and_a_user_and_print_no_secret(
    secured_env: dict[str, str],
) -> None:
    init = cli("init", env=secured_env, timeout=180)
    assert init.returncode == 0, init.stderr
    found = cli("search", "anything", env=secured_env)
    assert found.returncode == 0, found.stderr
    for result in (init, found):
        assert PASSWORD not in result.stdout + result.stderr


def test_a_server_the_ca_does_not_vouch_for_is_refused(secured_env: dict[str, str]) -> None:
    env = {k: v for k, v in secured_env.items() if "CA_CERTS" not in k}
    refused = cli("search", "anything", env=env)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "certificate" in (refused.stdout + refused.stderr).lower()


def test_a_wrong_password_is_one_line_that_says_so(secured_env: dict[str, str]) -> None:
    wrong = {**secured_env, "NEWSSTREAM_ELASTICSEARCH__PASSWORD": "not-the-password"}
    refused = cli("search", "anything", env=wrong)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    said = (refused.stdout + refused.stderr).lower()
    assert "401" in said or "credential" in said or "authentic" in said, said

"""Where fetches may go, and for how long (issue 16.7 and 16.8).

Every test server is on 127.0.0.1, so a loopback server plays a public publisher through an
injected ``AddressPolicy`` that counts its port as public: the policy is the configuration
point, not a mock of our code. Everything else on loopback stays private.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from digest.config import PollConfig, load_config
from digest.errors import FetchError
from digest.pipeline import poll_configured
from digest.sources.fetch import Fetcher
from digest.sources.netguard import AddressPolicy, AddressRefused, IPAddress, system_resolver
from digest.store.core import Store
from tests.conftest import LoopbackServer, Route, _loopback_server
from tests.support import Clock
from tests.support import rss_document as _rss

# Names the injected resolver answers; anything else goes to the system's resolver.
NAMES = {
    "public.test": ["93.184.215.14"],  # only ever resolved here, never connected to
    "metadata.test": ["169.254.169.254"],
    "intranet.test": ["10.20.30.40"],
    "sneaky.test": ["93.184.215.14", "127.0.0.1"],
}


def _resolve(host: str, port: int) -> Sequence[str]:
    return NAMES.get(host) or system_resolver(host, port)


class ServedLocallyAsPublic(AddressPolicy):
    """The usual policy, except that loopback ``public_ports`` count as public hosts."""

    def __init__(self, *public_ports: int) -> None:
        super().__init__(resolver=_resolve)
        self.public_ports = set(public_ports)

    def is_private(self, address: IPAddress, port: int) -> bool:
        if address.is_loopback and port in self.public_ports:
            return False
        return super().is_private(address, port)


def _port(server: LoopbackServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.fixture
def internal() -> Iterator[LoopbackServer]:
    """A second loopback server: the admin page nobody outside may read."""
    with _loopback_server(None) as server:
        server.routes["/internal-admin"] = Route(
            b"<html><body><article><p>Norwich North admin console. SECRET-ADMIN-TOKEN "
            + b"lives here and must never reach a digest. " * 20
            + b"</p></article></body></html>",
            content_type="text/html",
        )
        server.routes["/feed"] = Route(_rss())
        yield server


PRIVATE_URLS = [
    "http://127.0.0.1/x",
    "http://127.9.9.9/x",
    "http://localhost/x",
    "http://[::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://10.0.0.1/x",
    "http://172.16.5.4/x",
    "http://172.31.255.255/x",
    "http://192.168.1.1/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/x",
    "http://[fc00::1]/x",
    "http://[fd12:3456::1]/x",
    "http://[fe80::1]/x",
    "http://metadata.test/x",
    "http://intranet.test/x",
    "http://sneaky.test/x",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_a_public_source_may_not_reach_private_addresses(url: str) -> None:
    policy = AddressPolicy(resolver=_resolve)
    with (
        Fetcher(PollConfig(connect_timeout_seconds=1), policy=policy) as fetcher,
        pytest.raises(AddressRefused) as caught,
    ):
        fetcher.fetch(url, origin="http://public.test/feed.xml")
    assert str(caught.value).startswith(f"{url}: refused to connect to ")
    assert "a private address" in str(caught.value)


def test_policy_ranges() -> None:
    policy = AddressPolicy()
    for text in ("93.184.215.14", "2a00:1450:4009::1"):
        assert not policy.is_private(ipaddress.ip_address(text), 80)
    for text in ("100.64.0.1", "224.0.0.1", "192.0.2.1"):  # shared, multicast, documentation
        assert policy.is_private(ipaddress.ip_address(text), 80)


def test_teaser_pages_on_private_addresses_are_not_fetched(
    tmp_path: Path,
    http_server: LoopbackServer,
    internal: LoopbackServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = internal.url("/internal-admin")
    links = [
        admin,
        admin.replace("127.0.0.1", "localhost"),
        admin.replace("127.0.0.1", "intranet.test"),
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.test/latest/meta-data/",
    ]
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        + "".join(
            f"<item><guid>t{i}</guid><title>Norwich North buses, part {i}</title>"
            f"<link>{link}</link><description>Residents fight to keep evening buses "
            f"in part {i}... Read more</description></item>"
            for i, link in enumerate(links)
        )
        + "</channel></rss>"
    ).encode()
    http_server.routes["/teasers"] = Route(feed)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n[poll]\nconnect_timeout_seconds = 1\n'
        f'[[sources]]\nname = "teasers"\nkind = "feed"\n'
        f'location = "{http_server.url("/teasers")}"\nfull_text = "auto"\n',
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.sqlite3")
    with caplog.at_level(logging.WARNING, logger="digest.sources.page"):
        settings = load_config(config)
        report = poll_configured(
            settings,
            store,
            clock=Clock(),
            policy=ServedLocallyAsPublic(_port(http_server)),
        )
    assert report.added == len(links) and not report.failed  # the teasers are the stories
    assert internal.requests == []
    texts = [
        row[0]
        for row in sqlite3.connect(tmp_path / "s.sqlite3").execute("select text from articles")
    ]
    assert texts and not any("SECRET-ADMIN-TOKEN" in text for text in texts)
    assert (
        f"full text: could not fetch {admin}: {admin}: refused to connect to 127.0.0.1"
        in caplog.text
    )
    assert "refused to connect to metadata.test (169.254.169.254)" in caplog.text


def test_operator_may_allow_private_addresses(
    http_server: LoopbackServer, internal: LoopbackServer
) -> None:
    config = PollConfig(allow_private_addresses=True)
    with Fetcher(config, policy=ServedLocallyAsPublic(_port(http_server))) as fetcher:
        result = fetcher.fetch(internal.url("/internal-admin"), origin=http_server.url("/f"))
    assert result.content is not None and b"SECRET-ADMIN-TOKEN" in result.content


def test_a_local_source_may_reach_its_own_network(internal: LoopbackServer) -> None:
    with Fetcher(PollConfig(), policy=AddressPolicy(resolver=_resolve)) as fetcher:
        result = fetcher.fetch(internal.url("/internal-admin"), origin=internal.url("/feed"))
    assert result.status == 200


def test_permanent_redirect_to_a_private_address_does_not_move_the_source(
    tmp_path: Path, http_server: LoopbackServer, internal: LoopbackServer
) -> None:
    http_server.routes["/feed"] = Route(status=301, location=internal.url("/feed"))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[store]\npath = "{tmp_path / "s.sqlite3"}"\n'
        f'[[sources]]\nname = "moved"\nkind = "feed"\nlocation = "{http_server.url("/feed")}"\n'
        "full_text = false\n",
        encoding="utf-8",
    )
    settings = load_config(config)
    store = Store.open(tmp_path / "s.sqlite3")
    policy = ServedLocallyAsPublic(_port(http_server))
    for _ in range(2):
        report = poll_configured(
            settings,
            store,
            clock=Clock(),
            policy=policy,
            force=True,
        )
        error = report.failed[0].error or ""
        assert error.startswith(f"{http_server.url('/feed')}: refused to connect to 127.0.0.1")
    status = store.sources.statuses()["moved"]
    assert status.url is None and status.last_error == error
    assert http_server.hits("/feed") == 2  # both polls asked the configured address
    assert internal.requests == []


@pytest.fixture
def trickling_headers() -> Iterator[str]:
    """A server that sends its response headers one byte every 20 ms, for up to 40 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 2000 + b"\r\n"
            try:
                for byte in head:
                    if stop.wait(0.02):
                        return
                    connection.sendall(bytes([byte]))
                body = _rss()
                connection.sendall(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                return  # the client hung up: what the test wants

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
    stop.set()
    listener.close()
    thread.join()


def test_total_timeout_covers_slow_headers(trickling_headers: str) -> None:
    config = PollConfig(total_timeout_seconds=0.5, timeout_seconds=5)
    with Fetcher(config) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(trickling_headers)
    assert str(caught.value) == (
        f"{trickling_headers}: still downloading after 0.5s ([poll] total_timeout_seconds); aborted"
    )

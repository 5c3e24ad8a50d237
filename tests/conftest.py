"""Shared fixtures: a clean environment, the ../shared material, configs and a loopback server."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest
import trustme

from digest.models import Evidence, EvidenceKind, PreparedArticle, Role, SeatTag
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the rendered sample digests (tests/test_golden.py).",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DIGEST_*/SEATWATCH_* settings, proxies or trust stores leak in from the developer's
    shell."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("DIGEST_", "SEATWATCH_")) or upper in {
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        }:
            monkeypatch.delenv(name, raising=False)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test saying why."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the third-party material in ../shared is not checked out")
    return path


@pytest.fixture
def seeds_dir() -> Path:
    """The two seed articles the product was conceived from."""
    return shared_path("seeds")


@dataclass
class Route:
    """What the loopback server answers on one path."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    brotli: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    location: str | None = None  # for redirects
    delay: float = 0.0  # seconds before the status line
    trickle: float = 0.0  # seconds between body chunks (no Content-Length)
    endless: bool = False  # keep sending until the client hangs up
    conditional: bool = True  # answer 304 to a matching If-None-Match


@dataclass
class LoopbackServer:
    """A real HTTP server on 127.0.0.1 with configurable routes and a request log."""

    base_url: str
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]
    in_flight: dict[str, int] = field(default_factory=lambda: {"now": 0, "max": 0})
    bodies: list[bytes] = field(default_factory=list)  # POST bodies, in order
    clients: list[tuple[str, int]] = field(default_factory=list)  # each request's client end

    @property
    def connections(self) -> int:
        """How many TCP connections the requests so far came over."""
        return len(set(self.clients))

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    with _loopback_server(None) as server:
        yield server


@dataclass
class TlsLoopback:
    """The loopback server over TLS, and the throwaway CA its certificate comes from."""

    server: LoopbackServer
    ca_file: Path  # the CA's certificate: trust it (SSL_CERT_FILE) to accept the server


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[TlsLoopback]:
    """The loopback server over TLS, with a certificate no default trust store accepts."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "loopback-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with _loopback_server(context) as server:
        yield TlsLoopback(server, ca_file)


@contextmanager
def _loopback_server(tls: ssl.SSLContext | None) -> Iterator[LoopbackServer]:
    routes: dict[str, Route] = {}
    requests: list[tuple[str, dict[str, str]]] = []
    in_flight = {"now": 0, "max": 0}
    bodies: list[bytes] = []
    lock = threading.Lock()

    clients: list[tuple[str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        # Headers and body go out in separate writes: with Nagle's algorithm on, the body
        # waits for the client's delayed ACK (40 ms on Linux), a stall no real server has.
        disable_nagle_algorithm = True
        counted = False

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with lock:
                in_flight["now"] += 1
                in_flight["max"] = max(in_flight["max"], in_flight["now"])
            self.counted = True
            try:
                self._answer()
            finally:
                self._leave()

        def _leave(self) -> None:
            """Stop counting this request before its first byte goes out: a client that has
            its whole answer may send its next request before this thread runs again, and
            counting until the handler returns would see both at once."""
            if self.counted:
                self.counted = False
                with lock:
                    in_flight["now"] -= 1

        def send_response(self, code: int, message: str | None = None) -> None:
            self._leave()
            super().send_response(code, message)

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            self._leave()
            super().send_error(code, message, explain)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            bodies.append(self.rfile.read(length))
            self.do_GET()

        def _answer(self) -> None:
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            clients.append(self.client_address)
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            if route.delay:
                time.sleep(route.delay)
            etag = route.etag or '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if (
                route.status == 200
                and route.conditional
                and self.headers.get("If-None-Match") == etag
            ):
                self.send_response(304)
                self.send_header("ETag", etag)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            if route.brotli:
                body = brotli.compress(route.body)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if not (route.trickle or route.endless):
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")  # the body ends when the socket does
                self.close_connection = True
            if route.status == 200:
                self.send_header("ETag", etag)
            if route.location:
                self.send_header("Location", route.location)
            if route.gzip or route.brotli:
                self.send_header("Content-Encoding", "gzip" if route.gzip else "br")
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                if route.endless:
                    chunk = b"<item>" + b"x" * 65_536 + b"</item>"
                    for _ in range(2_000):  # 128 MiB at most, far beyond any cap under test
                        self.wfile.write(chunk)
                elif route.trickle:
                    for start in range(0, len(body), 64):
                        self.wfile.write(body[start : start + 64])
                        self.wfile.flush()
                        time.sleep(route.trickle)
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackServer(
            f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}",
            routes,
            requests,
            in_flight,
            bodies,
            clients,
        )
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpTestServer]:
    """A real SMTP server on loopback with STARTTLS and AUTH (see tests/smtp_server.py)."""
    server = SmtpTestServer(tmp_path, "starttls")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The shipped config.toml, feeds/ and templates/ copied into a scratch folder."""
    target = tmp_path / "project"
    target.mkdir()
    shutil.copy(ROOT / "config.toml", target / "config.toml")
    shutil.copytree(ROOT / "feeds", target / "feeds")
    return target


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config file into tmp_path and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


ARTICLE_NORWICH = """Norwich North MP backs bus campaign

Norwich North MP Alice Macdonald backed residents campaigning to keep Sprowston's buses.

The operator wants to end services after 7pm, saying passenger numbers have not recovered.

Ms Macdonald said she had written to the operator asking for a review before any decision is taken.
"""


# Page furniture that must never reach a title, a summary or a digest.
FURNITURE = (
    "Become a Supporter",
    "Most Read",
    "You may also want to watch",
    "Picture:",
    "Pic:",
    "Credit:",
)


def norwich_folder_toml(folder: Path) -> str:
    """Write the Norwich article into ``folder/articles``; return the [store] and
    [[sources]] tables of a config in ``folder`` that reads it."""
    articles = folder / "articles"
    articles.mkdir(exist_ok=True)
    (articles / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    return (
        '[store]\npath = "state.sqlite3"\n'
        '[[sources]]\nname = "Local"\nkind = "folder"\nlocation = "articles"\n'
    )


def norwich_north_article(guid: str, source: str, title: str, text: str) -> PreparedArticle:
    """A prepared article tagged primary for Norwich North (2024 set), ready to store."""
    tag = SeatTag(
        "E14001408",
        "Norwich North",
        "2024",
        Role.PRIMARY,
        0.9,
        (Evidence(0, 13, "Norwich North", EvidenceKind.SEAT),),
    )
    return PreparedArticle(
        source_name=source,
        guid=guid,
        url=f"https://example.org/{guid}",
        canonical_url=f"https://example.org/{guid}",
        content_hash=guid,
        title=title,
        text=text,
        published=None,
        boundary_set="2024",
        tags=(tag,),
    )

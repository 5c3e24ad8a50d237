"""Shared fixtures: a clean environment, the ../shared material, configs and a loopback server."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DIGEST_*/SEATWATCH_* settings or proxies leak in from the developer's shell."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith(("DIGEST_", "SEATWATCH_")) or upper in {
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
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

    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoopbackServer:
    """A real HTTP server on 127.0.0.1 with configurable routes and a request log."""

    base_url: str
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]]

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    routes: dict[str, Route] = {}
    requests: list[tuple[str, dict[str, str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            etag = route.etag or '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = gzip.compress(route.body) if route.gzip else route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            for name, value in route.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LoopbackServer(f"http://127.0.0.1:{server.server_address[1]}", routes, requests)
    finally:
        server.shutdown()
        server.server_close()


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

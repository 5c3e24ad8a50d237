"""What the daemon reports about itself: Prometheus metrics and a health check over HTTP.

``[daemon] http_port`` (0: off) serves, on 127.0.0.1 only:

- ``/metrics``: Prometheus text format (prometheus-client), with the metrics below;
- ``/healthz``: JSON with the last successful poll and send; 200 while polling is fresh
  (a successful poll within three poll intervals, or the daemon started less than that
  ago) and the last send job did not fail as a whole, 503 otherwise, so a supervisor or
  load balancer can tell a stuck daemon or one that cannot send at all.

Each daemon has its own registry (no process-wide globals), so tests can run several.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class DaemonMetrics:
    """The counters the poll and send jobs update, and the health they imply."""

    def __init__(self, poll_every_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.registry = CollectorRegistry()
        self.poll_every_seconds = poll_every_seconds
        self.clock = clock  # injectable: tests move time without sleeping
        self.started = clock()
        registry = self.registry
        self.items_polled = Counter(
            "seatwatch_items_polled", "Feed items and files read by polls.", registry=registry
        )
        self.articles_added = Counter(
            "seatwatch_articles_added", "New articles stored by polls.", registry=registry
        )
        self.sources_failed = Counter(
            "seatwatch_source_failures", "Source polls that failed.", registry=registry
        )
        self.stories = Counter(
            "seatwatch_stories_sent", "Stories in digests sent.", registry=registry
        )
        self.digests_sent = Counter(
            "seatwatch_digests_sent",
            "Digests accepted by the backend.",
            ["backend"],
            registry=registry,
        )
        self.digests_failed = Counter(
            "seatwatch_digests_failed",
            "Digests not delivered, by backend and kind (temporary or permanent).",
            ["backend", "kind"],
            registry=registry,
        )
        self.poll_seconds = Histogram(
            "seatwatch_poll_duration_seconds", "Wall time of a poll job.", registry=registry
        )
        self.send_seconds = Histogram(
            "seatwatch_send_duration_seconds", "Wall time of a send job.", registry=registry
        )
        self.last_poll_success = Gauge(
            "seatwatch_last_poll_success_timestamp_seconds",
            "When a poll job last finished without a store error (Unix time).",
            registry=registry,
        )
        self.last_send = Gauge(
            "seatwatch_last_send_timestamp_seconds",
            "When a send job last finished (Unix time).",
            registry=registry,
        )

        self.send_jobs_failed = Counter(
            "seatwatch_send_job_failures",
            "Send jobs that stopped as a whole (store, sender setup, rendering).",
            registry=registry,
        )

        self._last_poll = 0.0
        self._last_send = 0.0
        self._send_error = ""  # why the last send job failed; "" once one succeeds

    def polled(self, items: int, added: int, failed: int, seconds: float) -> None:
        """A poll job finished (without a store error)."""
        self.items_polled.inc(items)
        self.articles_added.inc(added)
        self.sources_failed.inc(failed)
        self.poll_seconds.observe(seconds)
        self._last_poll = self.clock()
        self.last_poll_success.set(self._last_poll)

    def sent(
        self, backend: str, sent: int, stories: int, temporary: int, permanent: int, seconds: float
    ) -> None:
        """A send job finished."""
        self.digests_sent.labels(backend).inc(sent)
        self.stories.inc(stories)
        self.digests_failed.labels(backend, "temporary").inc(temporary)
        self.digests_failed.labels(backend, "permanent").inc(permanent)
        self.send_seconds.observe(seconds)
        self._last_send = self.clock()
        self.last_send.set(self._last_send)
        self._send_error = ""

    def send_failed(self, error: str) -> None:
        """A send job stopped as a whole: counted, and unhealthy until one succeeds."""
        self.send_jobs_failed.inc()
        self._send_error = error

    def health(self) -> tuple[bool, dict[str, object]]:
        """Whether polling is fresh, and the figures behind the verdict."""
        now = self.clock()
        last_poll, last_send = self._last_poll, self._last_send
        limit = 3 * self.poll_every_seconds
        fresh = (last_poll and now - last_poll <= limit) or now - self.started <= limit
        sending = not self._send_error
        status = "ok" if fresh and sending else "stale" if not fresh else "send failing"
        return bool(fresh) and sending, {
            "status": status,
            "send_error": self._send_error or None,
            "last_poll_success": last_poll or None,
            "last_send": last_send or None,
            "poll_fresh_within_seconds": limit,
            "uptime_seconds": round(now - self.started, 1),
        }

    def serve(self, port: int) -> ThreadingHTTPServer:
        """Serve /metrics and /healthz on 127.0.0.1:``port`` from a daemon thread."""
        metrics = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/metrics":
                    body = generate_latest(metrics.registry)
                    self._answer(200, CONTENT_TYPE_LATEST, body)
                elif self.path == "/healthz":
                    healthy, figures = metrics.health()
                    body = json.dumps(figures).encode()
                    self._answer(200 if healthy else 503, "application/json", body)
                else:
                    self._answer(404, "text/plain", b"not found: try /metrics or /healthz\n")

            def _answer(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Scrapes every few seconds would drown the daemon's own log."""

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        return server

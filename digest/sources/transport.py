"""The HTTP client and transport a ``Fetcher`` uses: no cookie jar, connections checked by
``netguard``, and the CA bundle loaded only when an https source needs it."""

from __future__ import annotations

import ssl
import threading

import httpcore
import httpx

from digest.sources.netguard import GuardedBackend


class NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing.

    Feeds and article pages need no session, and a cookie one publisher sets must not follow
    the poller to another request; and httpx's jar is a measurable part of a conditional GET.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class CookielessClient(httpx.Client):
    """An ``httpx.Client`` whose cookie jar is always empty (see ``NoCookies``)."""

    _jar = NoCookies()

    @property  # type: ignore[misc]
    def cookies(self) -> httpx.Cookies:
        return self._jar


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose every connection is ``GuardedBackend``'s.

    httpx offers no way to hand its transport a network backend, so the pool is built here
    the way ``HTTPTransport.__init__`` builds it, with ours; everything else (request and
    response mapping, error translation) is httpx's own.
    """

    def __init__(
        self, limits: httpx.Limits, verify: ssl.SSLContext | bool, backend: GuardedBackend
    ) -> None:
        # No super().__init__(): it would only build the pool we replace (and load the CA
        # bundle a second time).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class TransportPerScheme(httpx.BaseTransport):
    """Plain http through one connection pool, https through another made on first need.

    Loading the CA bundle that certificates are checked against is a noticeable part of a
    poll of unchanged feeds (bench/RESULTS.md): a poll whose sources are all plain http (a
    local mirror, the loopback benchmark) never pays it, and any other pays it once, at its
    first https request. The https pool checks certificates against certifi's bundle, or
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, as httpx's default transport does.
    """

    def __init__(self, limits: httpx.Limits, backend: GuardedBackend) -> None:
        self._limits = limits
        self._backend = backend
        # A bare TLS context, never used: no https request reaches this pool, and were one
        # to, a context without CA certificates refuses every certificate (fails closed).
        self._plain = GuardedTransport(limits, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), backend)
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            return self._plain.handle_request(request)
        with self._lock:
            if self._tls is None:
                self._tls = GuardedTransport(self._limits, True, self._backend)
        return self._tls.handle_request(request)

    def close(self) -> None:
        self._plain.close()
        if self._tls is not None:
            self._tls.close()

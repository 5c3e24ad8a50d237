"""Where a fetch may connect, and for how long: checked on the resolved address, at connect time.

A feed names article pages and may redirect anywhere. Left alone, a hostile or compromised
feed could make the poller fetch ``http://169.254.169.254/`` (cloud metadata) or an admin page
on the poller's own network and put the answer in a digest. So every TCP connection goes
through ``GuardedBackend``, an httpcore network backend that resolves the host name itself,
checks every address it resolves to against an ``AddressPolicy``, and connects to the checked
address (never resolving twice, so a name cannot answer "public" to the check and "private"
to the connection). A source whose own configured address is private (a local mirror, an
intranet feed) may go on fetching private addresses; so may every source when the operator
sets ``[poll] allow_private_addresses = true``.

The same streams hold each exchange to its total deadline: every connect, read and write is
given at most the time left, so a server trickling its headers a byte a second is cut off at
``[poll] total_timeout_seconds`` like one trickling its body.

What applies to the exchange in progress (its deadline, whether private addresses are
allowed) travels in a context variable set by ``Fetcher`` around each request: httpx's sync
client runs the request in the calling thread, and pooled connections serve many exchanges.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

from digest.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

# Named for the operator's benefit; ``AddressPolicy.is_private`` also refuses everything
# else Python does not count as globally routable (shared 100.64/10, documentation ranges).
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


class AddressRefused(FetchError):
    """A connection to a private address that this fetch may not make."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, through the system's resolver."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in found))


class AddressPolicy:
    """Which addresses count as private, and how host names become addresses.

    Subclass it (or pass another ``resolver``) to change either; tests use that to make a
    loopback test server count as a public host.
    """

    def __init__(self, resolver: Resolver = system_resolver) -> None:
        self.resolver = resolver

    def is_private(self, address: IPAddress, port: int) -> bool:
        """True for an address a public source's pages and redirects must not reach."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in PRIVATE_NETWORKS):
            return True
        return not address.is_global or address.is_multicast

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        """``host`` as addresses: itself when it is one, else what the resolver says."""
        host = host.strip("[]")
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            return [ipaddress.ip_address(a.split("%")[0]) for a in self.resolver(host, port)]

    def is_local(self, host: str, port: int) -> bool:
        """True when ``host`` resolves to any private address (a local source)."""
        try:
            return any(self.is_private(a, port) for a in self.addresses(host, port))
        except (httpcore.ConnectError, ValueError):
            return False


@dataclass(frozen=True, slots=True)
class Exchange:
    """What applies to the request in progress: its deadline and where it may connect."""

    deadline: float
    clock: Callable[[], float]
    allow_private: bool

    def time_left(self, timeout: float | None) -> float:
        """``timeout`` shortened to what is left before the deadline; raise when none is."""
        left = self.deadline - self.clock()
        if left <= 0:
            raise httpcore.ReadTimeout("total time for the exchange used up")
        return left if timeout is None else min(timeout, left)


_EXCHANGE: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "seatwatch_exchange", default=None
)


@contextmanager
def exchange(current: Exchange) -> Iterator[Exchange]:
    """Make ``current`` the exchange for the connections used in this block."""
    token = _EXCHANGE.set(current)
    try:
        yield current
    finally:
        _EXCHANGE.reset(token)


def _time_left(timeout: float | None) -> float | None:
    current = _EXCHANGE.get()
    return timeout if current is None else current.time_left(timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the exchange's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(ssl_context, server_hostname, _time_left(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend, connecting only to addresses the policy allows."""

    def __init__(self, policy: AddressPolicy, allow_private: bool = False) -> None:
        self.policy = policy
        self.allow_private = allow_private
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        current = _EXCHANGE.get()
        addresses = self.policy.addresses(host, port)
        allowed = self.allow_private or (current is not None and current.allow_private)
        if not allowed:
            refused = [a for a in addresses if self.policy.is_private(a, port)]
            if refused:
                # Any private answer refuses the name: it is the publisher's to fix.
                raise AddressRefused(
                    f"refused to connect to {host} ({refused[0]}): a private address; "
                    "article pages and redirects go only to public addresses unless the "
                    "source's own address is local or [poll] allow_private_addresses = true"
                )
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(
                    str(address), port, _time_left(timeout), local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("seatwatch fetches over TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)

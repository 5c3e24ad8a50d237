"""The contract every registered mail backend keeps, run against each one.

The backends come from the ``seatwatch.backends`` entry points, not from a list kept here,
so a new backend is tested as soon as it is registered, and fails this suite until it has a
harness in ``HARNESSES``: a function that builds it against the far side it talks to (the
SMTP server in ``tests/smtp_server.py``, a loopback HTTP server standing in for the
provider's API, a temporary folder, nothing at all) and says how to make that far side
refuse. The contract (``digest/delivery/backends/base.py``):

- ``from_config`` validates at construction: an unknown option is a ``ConfigError`` naming it;
- the backend works as a context manager, and again after it was closed;
- ``send`` returns a ``SendResult`` carrying the provider's message id, never a failure value;
- a temporary failure raises ``TemporarySendError``, a refused recipient
  ``PermanentSendError`` (and the batch goes on), refused credentials ``SenderSetupError``,
  wherever the transport can express them;
- ``concurrency`` is at least 1.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from digest.delivery.backends import MailBackend, create_backend
from digest.delivery.backends import memory as memory_backend
from digest.delivery.backends.base import ENTRY_POINT_GROUP
from digest.errors import (
    ConfigError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import OutgoingEmail, SendResult
from tests.conftest import LoopbackServer, Route
from tests.mail_apis import API_KEY_ENV, HOOK_SECRET_ENV, MESSAGE, PROVIDER_APIS, api_options
from tests.smtp_server import PASSWORD, USER, SmtpTestServer


def addressed(to: str) -> OutgoingEmail:
    """``MESSAGE`` for another reader: a digest of its own."""
    return replace(
        MESSAGE,
        to=to,
        digest_key=f"2026-11-22-{to}",
        message_bytes=MESSAGE.message_bytes.replace(MESSAGE.to.encode(), to.encode()),
    )


REFUSED = addressed("refused@example.org")
SECOND = addressed("second@example.org")


@dataclass
class Fault:
    """One way the far side refuses: ``arrange`` sets it up for the next send."""

    label: str
    arrange: Callable[[], None]


@dataclass
class Harness:
    """A backend's far side, and how to make it fail in each way the contract names."""

    options: dict[str, Any]
    base_dir: Path
    provider_id: str  # the id ``send(MESSAGE)`` must report
    delivered: Callable[[], list[str]]  # recipients the far side has taken, in order
    reset: Callable[[], None]  # back to accepting everything
    temporary: list[Fault] = field(default_factory=list)
    recipient: list[Fault] = field(default_factory=list)
    setup: list[Fault] = field(default_factory=list)
    # Kinds of failure the transport has no way to express, each with the reason.
    inexpressible: dict[str, str] = field(default_factory=dict)


HarnessFactory = Callable[[str, pytest.FixtureRequest], Iterator[Harness]]
HARNESSES: dict[str, HarnessFactory] = {}


def harness(*names: str) -> Callable[[HarnessFactory], HarnessFactory]:
    """Register a harness factory for the backends called ``names``."""

    def register(factory: HarnessFactory) -> HarnessFactory:
        for name in names:
            HARNESSES[name] = factory
        return factory

    return register


@harness("memory")
def _memory(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    memory_backend.clear_outbox()
    yield Harness(
        options={},
        base_dir=request.getfixturevalue("tmp_path"),
        provider_id=MESSAGE.message_id,
        delivered=lambda: [m.to for m in memory_backend.outbox],
        reset=lambda: None,
        inexpressible={
            "temporary": "the memory backend keeps every message; it has no far side to fail",
            "recipient": "the memory backend keeps every message; it refuses nobody",
            "setup": "the memory backend has no credentials",
        },
    )
    memory_backend.clear_outbox()


@harness("file")
def _file(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    out = tmp_path / "previews"

    def delivered() -> list[str]:
        written = sorted(out.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [
            str(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"])
            for p in written
        ]

    yield Harness(
        options={"out_dir": "previews"},
        base_dir=tmp_path,
        provider_id=MESSAGE.message_id,
        delivered=delivered,
        reset=lambda: None,
        inexpressible={
            "temporary": "a folder has no temporary refusal: a write fails or it does not",
            "recipient": "a folder takes every recipient",
            "setup": "a folder has no credentials",
        },
    )


@harness("smtp")
def _smtp(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    tmp_path: Path = request.getfixturevalue("tmp_path")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("CONTRACT_SMTP_PASSWORD", PASSWORD)
    server = SmtpTestServer(tmp_path, "starttls")
    server.start()
    received = server.received

    def reset() -> None:
        received.refuse.clear()
        received.data_faults.clear()
        received.refuse_sender = None

    def refuse(address: str) -> Callable[[], None]:
        return lambda: received.refuse.__setitem__(address, "550 5.1.1 no such mailbox")

    try:
        yield Harness(
            options={
                "host": "127.0.0.1",
                "port": server.port,
                "security": "starttls",
                "username": USER,
                "password_env": "CONTRACT_SMTP_PASSWORD",
                "ca_file": str(server.ca_file),
                "timeout_seconds": 10,
            },
            base_dir=tmp_path,
            provider_id=MESSAGE.message_id,
            delivered=lambda: [to for _, tos, _ in received.messages for to in tos],
            reset=reset,
            temporary=[
                Fault("451 at DATA", lambda: received.data_faults.append("451 4.3.0 try later"))
            ],
            recipient=[Fault("550 at RCPT TO", refuse(REFUSED.to))],
            setup=[
                Fault(
                    "553 at MAIL FROM",
                    lambda: setattr(received, "refuse_sender", "553 5.7.1 not your address"),
                ),
                Fault(
                    "a wrong password",
                    lambda: monkeypatch.setenv("CONTRACT_SMTP_PASSWORD", "wrong"),
                ),
            ],
        )
    finally:
        server.stop()


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@harness(*PROVIDER_APIS)
def _http_api(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    api = PROVIDER_APIS[name]
    server: LoopbackServer = request.getfixturevalue("http_server")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv(API_KEY_ENV, "secret-key")
    monkeypatch.setenv(HOOK_SECRET_ENV, "hook-secret")
    options = api_options(name, server)
    accepted = (
        Route(b"", status=202, headers={"X-Message-Id": api.provider_id})
        if api.answer is None
        else Route(json.dumps(api.answer).encode(), content_type="application/json")
    )

    def reset() -> None:
        server.routes[api.path] = accepted
        options.update(api_options(name, server))

    def answer(status: int, body: str = "{}", **headers: str) -> Callable[[], None]:
        route = Route(
            body.encode(), status=status, headers=headers, content_type="application/json"
        )
        return lambda: server.routes.__setitem__(api.path, route)

    def unreachable() -> None:
        nowhere = LoopbackServer(f"http://127.0.0.1:{_closed_port()}", {}, [])
        options.update(api_options(name, nowhere))

    def delivered() -> list[str]:
        # Every request here reached the API while it accepted: the ones a fault answered
        # are sent by the failure tests, which do not read this.
        addresses = (MESSAGE.to, SECOND.to, REFUSED.to)
        return [to for body in server.bodies for to in addresses if to.encode() in body]

    reset()
    refusal = '{"ErrorCode": 406, "Message": "Inactive recipient", "message": "refused"}'
    yield Harness(
        options=options,
        base_dir=request.getfixturevalue("tmp_path"),
        provider_id=api.provider_id,
        delivered=delivered,
        reset=reset,
        temporary=[
            Fault("429 with Retry-After", answer(429, **{"Retry-After": "30"})),
            Fault("500", answer(500)),
            Fault("503", answer(503)),
            Fault("nothing listening", unreachable),
        ],
        recipient=[Fault("400", answer(400, refusal)), Fault("422", answer(422, refusal))],
        setup=[Fault("401", answer(401)), Fault("403", answer(403))],
    )


def registered_backends() -> list[str]:
    """Every backend name registered in the ``seatwatch.backends`` entry-point group."""
    return sorted(entry.name for entry in entry_points(group=ENTRY_POINT_GROUP))


def harness_for(name: str) -> HarnessFactory:
    """The harness of ``name``, or a failure telling the author of a new backend what to add."""
    if name not in HARNESSES:
        pytest.fail(
            f"backend {name!r} is registered in the {ENTRY_POINT_GROUP!r} entry points but "
            "has no contract harness: add one to HARNESSES in tests/test_backend_contract.py "
            "(see docs/adding-backends.md)",
            pytrace=False,
        )
    return HARNESSES[name]


@pytest.fixture(params=registered_backends())
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def far_side(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from harness_for(name)(name, request)


def _build(name: str, far_side: Harness) -> MailBackend:
    return create_backend(name, dict(far_side.options), far_side.base_dir)


def test_the_suite_covers_every_registered_backend() -> None:
    assert "memory" in registered_backends() and "smtp" in registered_backends()
    with pytest.raises(pytest.fail.Exception, match="add one to HARNESSES"):
        harness_for("carrier-pigeon")


def test_an_unknown_option_is_a_config_error_naming_it(name: str, far_side: Harness) -> None:
    options = {**far_side.options, "colour_scheme": "blue"}
    with pytest.raises(ConfigError) as caught:
        create_backend(name, options, far_side.base_dir)
    assert caught.value.key == f"delivery.{name}.colour_scheme"
    assert "colour_scheme" in str(caught.value)


def test_options_are_checked_when_the_backend_is_built(name: str, far_side: Harness) -> None:
    """No options at all either builds a working backend or is refused at once: never an
    exception of another kind, and never a backend that fails at its first send."""
    try:
        backend = create_backend(name, {}, far_side.base_dir)
    except ConfigError as exc:
        assert exc.key and exc.key.startswith(f"delivery.{name}")
        return
    assert isinstance(backend, MailBackend)


def test_send_returns_the_provider_id(name: str, far_side: Harness) -> None:
    backend = _build(name, far_side)
    with backend as entered:
        assert entered is backend
        result = backend.send(MESSAGE)
    assert isinstance(result, SendResult) and result
    assert result.backend == name
    assert result.message_id == far_side.provider_id
    assert far_side.delivered() == [MESSAGE.to]


def test_a_closed_backend_opens_again(name: str, far_side: Harness) -> None:
    backend = _build(name, far_side)
    for message in (MESSAGE, SECOND):
        with backend:
            assert backend.send(message).message_id
    backend.close()  # closing twice is harmless
    assert sorted(far_side.delivered()) == sorted([MESSAGE.to, SECOND.to])


def test_concurrency_is_at_least_one(name: str, far_side: Harness) -> None:
    concurrency = _build(name, far_side).concurrency
    assert isinstance(concurrency, int) and concurrency >= 1


def _faults(name: str, far_side: Harness, kind: str) -> list[Fault]:
    """The harness's faults of ``kind``; for a backend that says it cannot fail that way,
    none, after checking the claim: it takes the message and delivers it."""
    faults: list[Fault] = getattr(far_side, kind)
    if not faults:
        if kind not in far_side.inexpressible:
            pytest.fail(
                f"the harness gives no {kind} failure and does not say why it cannot: add a "
                f"Fault to its {kind} list, or a reason to inexpressible[{kind!r}]",
                pytrace=False,
            )
        far_side.reset()
        with _build(name, far_side) as backend:
            backend.send(MESSAGE)
        assert MESSAGE.to in far_side.delivered(), far_side.inexpressible[kind]
    return faults


def test_a_temporary_failure_is_temporary(name: str, far_side: Harness) -> None:
    for fault in _faults(name, far_side, "temporary"):
        far_side.reset()
        fault.arrange()
        with _build(name, far_side) as backend, pytest.raises(SendError) as caught:
            backend.send(MESSAGE)
        error = caught.value
        assert isinstance(error, TemporarySendError), fault.label
        assert not isinstance(error, SenderSetupError | UnknownOutcomeError), fault.label
        assert str(error), fault.label


def test_a_refused_recipient_is_permanent_and_the_batch_goes_on(
    name: str, far_side: Harness
) -> None:
    for fault in _faults(name, far_side, "recipient"):
        far_side.reset()
        fault.arrange()
        with _build(name, far_side) as backend:
            with pytest.raises(SendError) as caught:
                backend.send(REFUSED)
            assert type(caught.value) is PermanentSendError, fault.label
            far_side.reset()
            # The same open backend sends the next message of the batch.
            assert backend.send(MESSAGE).message_id == far_side.provider_id, fault.label


def test_refused_credentials_stop_the_run(name: str, far_side: Harness) -> None:
    for fault in _faults(name, far_side, "setup"):
        far_side.reset()
        fault.arrange()
        with _build(name, far_side) as backend, pytest.raises(SendError) as caught:
            backend.send(MESSAGE)
        assert isinstance(caught.value, SenderSetupError), fault.label
        assert str(caught.value), fault.label

"""The HTTP layer shared by mail-API backends: one httpx client, errors mapped once.

A provider module writes only its endpoint, its auth header, ``build_request`` (the
provider's documented fields, explicitly) and ``parse_success`` (the provider's message id).
This base class maps everything else onto the error tree, once:

- 401/403 (and whatever ``is_setup_refusal`` adds for a provider, e.g. Postmark's sender
  signature codes): ``SenderSetupError``, naming the key to fix; every message would fail
  the same way;
- 429 and 5xx, and transport failures before the request was sent in full: temporary
  (retry later, honouring ``Retry-After``);
- no answer after the request was sent in full (a read timeout, a dropped connection): the
  provider may have accepted the message, so ``UnknownOutcomeError``, unless the provider
  takes an idempotency key (``idempotent = True``): then a retry with the same key cannot
  deliver a second copy, and it stays temporary;
- any other 4xx is permanent, with the provider's own message.
"""

from __future__ import annotations

import os
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field

from digest.delivery.backends.base import MailBackend, parse_options
from digest.errors import (
    ConfigError,
    PermanentSendError,
    SendError,
    SenderSetupError,
    TemporarySendError,
    UnknownOutcomeError,
)
from digest.models import OutgoingEmail, SendResult
from digest.web import parse_retry_after


class HttpOptions(BaseModel):
    """Options every HTTP mail API takes; providers add their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key_env: str = Field(min_length=1)
    base_url: str | None = None  # the provider's documented endpoint unless overridden
    timeout_seconds: float = Field(default=30.0, gt=0)
    # Requests in flight at once (one shared connection pool); providers rate-limit per
    # account, and a 429 is retried later like any temporary error.
    concurrent_requests: int = Field(default=4, ge=1, le=64)


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One HTTP POST to a provider: a JSON body, raw bytes, or multipart form fields."""

    url: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    content: bytes | None = None
    form: list[tuple[str, str]] | None = None  # sent as multipart/form-data fields
    auth: tuple[str, str] | None = None


class RateLimited(TemporarySendError):
    """The provider asked us to slow down; ``retry_after`` seconds when it said."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# Raised after the whole request went out, while waiting for the answer: the provider may
# have taken the message. (A failure while connecting or writing is raised as ConnectError,
# ConnectTimeout, PoolTimeout, WriteError or WriteTimeout: the request was not complete, so
# the provider cannot have acted on it.)
ANSWER_LOST = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


class HttpMailBackend(MailBackend):
    """Base for mail APIs reached over HTTPS."""

    options_model: ClassVar[type[HttpOptions]] = HttpOptions
    default_base_url: ClassVar[str]
    # True only if the provider documents an idempotency key and the request carries one
    # that is the same on every attempt at a message: then a request left unanswered may be
    # sent again safely.
    idempotent: ClassVar[bool] = False

    def __init__(
        self, options: HttpOptions, api_key: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.options = options
        self.api_key = api_key
        self.base_url = (options.base_url or self.default_base_url).rstrip("/")
        self.transport = transport
        self._client: httpx.Client | None = None

    @property
    def concurrency(self) -> int:
        """httpx's client is thread-safe: several requests share its pool."""
        return self.options.concurrent_requests

    @classmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """Validate ``[delivery.<name>]`` and read the API key from ``api_key_env``."""
        parsed = parse_options(cls.options_model, options, cls.name)
        api_key = os.environ.get(parsed.api_key_env, "").strip()
        if not api_key:
            raise ConfigError(
                f"environment variable {parsed.api_key_env} is not set",
                key=f"delivery.{cls.name}.api_key_env",
                hint=f"export {parsed.api_key_env}=<your {cls.name} key> before starting",
            )
        return cls(parsed, api_key)

    def open(self) -> None:
        """One client (one connection pool) for the whole batch."""
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.options.timeout_seconds, transport=self.transport
            )

    def close(self) -> None:
        """Close the connection pool."""
        if self._client is not None:
            self._client.close()
            self._client = None

    @abstractmethod
    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The provider's documented request for ``message``."""

    @abstractmethod
    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """The provider's id for an accepted message (raise ``PermanentSendError`` if none)."""

    def error_text(self, response: httpx.Response) -> str:
        """The provider's own words about a refusal, for the log and ``digest status``."""
        try:
            body = response.json()
        except ValueError:
            return response.text[:300]
        if isinstance(body, dict):
            for key in ("Message", "message", "errors", "error"):
                if key in body:
                    return str(body[key])[:300]
        return str(body)[:300]

    def is_setup_refusal(self, response: httpx.Response) -> bool:
        """Whether a 4xx refuses our credentials or sender, not this message or recipient.

        401 and 403 always do; a provider overrides this to add its own error codes.
        """
        return response.status_code in (401, 403)

    def setup_hint(self, response: httpx.Response) -> str:
        """What the operator should check after a setup refusal."""
        return (
            f"check the key in ${self.options.api_key_env} ([delivery.{self.name}] "
            "api_key_env), its permissions, and that [digest] from_address is a sender "
            f"{self.name} lets this key use"
        )

    def refusal(self, response: httpx.Response) -> SendError:
        """The error-tree exception for a non-2xx answer."""
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            return RateLimited(
                f"{self.name}: rate limited (429): {self.error_text(response)}", wait
            )
        if status >= 500:
            return TemporarySendError(f"{self.name}: HTTP {status}: {self.error_text(response)}")
        if self.is_setup_refusal(response):
            return SenderSetupError(
                f"{self.name}: HTTP {status}, the sender's credentials or address were refused: "
                f"{self.error_text(response)}; {self.setup_hint(response)}"
            )
        return PermanentSendError(f"{self.name}: HTTP {status}: {self.error_text(response)}")

    def send(self, message: OutgoingEmail) -> SendResult:
        """POST the message; map the answer onto sent or the error tree."""
        self.open()
        assert self._client is not None
        request = self.build_request(message)
        try:
            response = self._client.post(
                request.url,
                headers=request.headers,
                json=request.json,
                content=request.content,
                # (None, value) makes httpx send a plain form field inside multipart/form-data.
                files=[(name, (None, value)) for name, value in request.form]
                if request.form is not None
                else None,
                auth=request.auth if request.auth is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except ANSWER_LOST as exc:
            what = (
                f"{self.name}: no answer after the request was sent ({type(exc).__name__}: {exc})"
            )
            if self.idempotent:
                raise TemporarySendError(f"{what}; retried with the same idempotency key") from exc
            raise UnknownOutcomeError(
                f"{what}; it may have been delivered, so it is not sent again in this run"
            ) from exc
        except httpx.HTTPError as exc:
            raise TemporarySendError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise self.refusal(response)
        return SendResult(backend=self.name, message_id=self.parse_success(response, message))

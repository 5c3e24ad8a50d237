"""Mailgun: ``POST https://api.mailgun.net/v3/{domain}/messages`` (EU: api.eu.mailgun.net).

HTTP Basic auth with user ``api`` and the API key; the body is ``multipart/form-data`` as
Mailgun's OpenAPI document requires (``../shared/mail-apis/mailgun``): from, to, subject,
text, html, ``h:<Header>`` for each custom header, ``v:digest`` and ``o:tag``. Success is 200
with ``{"id", "message"}``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import httpx
from pydantic import Field

from digest.delivery.backends.http import ApiRequest, HttpMailBackend, HttpOptions
from digest.errors import PermanentSendError
from digest.models import OutgoingEmail

REGIONS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}


class MailgunOptions(HttpOptions):
    """``[delivery.mailgun]``."""

    domain: str = Field(min_length=3)
    region: Literal["us", "eu"] = "us"
    tag: str | None = None


class MailgunBackend(HttpMailBackend):
    """Sends through Mailgun's Messages API."""

    name = "mailgun"
    options_model: ClassVar[type[HttpOptions]] = MailgunOptions
    default_base_url = REGIONS["us"]

    def __init__(
        self, options: HttpOptions, api_key: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        assert isinstance(options, MailgunOptions)
        if options.base_url is None:
            options = options.model_copy(update={"base_url": REGIONS[options.region]})
        super().__init__(options, api_key, transport)

    def build_request(self, message: OutgoingEmail) -> ApiRequest:
        """The documented multipart form."""
        options = self.options
        assert isinstance(options, MailgunOptions)
        form = [
            ("from", message.sender),
            ("to", message.to),
            ("subject", message.subject),
            ("text", message.text),
            ("html", message.html),
            *((f"h:{name}", value) for name, value in message.headers),
            ("v:digest", message.digest_key),
        ]
        if options.tag:
            form.append(("o:tag", options.tag))
        return ApiRequest(
            url=f"{self.base_url}/v3/{options.domain}/messages",
            headers={"Accept": "application/json"},
            form=form,
            auth=("api", self.api_key),
        )

    def setup_hint(self, response: httpx.Response) -> str:
        """The key, and the domain and region it belongs to."""
        options = self.options
        assert isinstance(options, MailgunOptions)
        return (
            f"check the key in ${options.api_key_env} ([delivery.mailgun] api_key_env) and that "
            f"it belongs to domain {options.domain!r} in region {options.region!r}"
        )

    def parse_success(self, response: httpx.Response, message: OutgoingEmail) -> str:
        """``id`` from the 200."""
        identifier = response.json().get("id")
        if not identifier:
            raise PermanentSendError("mailgun: accepted, but the answer carried no id")
        return str(identifier)

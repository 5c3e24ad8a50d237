"""Preview files: one set per digest, even when addresses differ only in punctuation or case."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from digest.delivery.backends.file import FileBackend
from digest.models import OutgoingEmail

ADDRESSES = ["a.b@example.org", "a-b@example.org", "A.B@example.org", "a_b@example.org"]


def _message(to: str) -> OutgoingEmail:
    raw = (
        f"From: d@example.org\r\nTo: {to}\r\nSubject: S\r\nMessage-ID: <{to}>\r\n"
        "Content-Type: text/plain\r\n\r\nhello\r\n"
    ).encode()
    return OutgoingEmail(
        to=to,
        sender="seatwatch <d@example.org>",
        subject="S",
        html=f"<p>{to}</p>",
        text=to,
        message_bytes=raw,
        message_id=f"<{to}>",
        digest_key=f"2026-11-22-{to}",
    )


def test_addresses_that_slug_alike_get_files_of_their_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FileBackend(out) as backend:
        results = [backend.send(_message(address)) for address in ADDRESSES]
    emls = sorted(out.glob("*.eml"))
    assert len(emls) == len(ADDRESSES)
    assert len({result.detail for result in results}) == len(ADDRESSES)
    # Each file holds its own recipient's message, and its name still says whose it is.
    for address, result in zip(ADDRESSES, results, strict=True):
        eml = Path(result.detail)
        assert eml.name.startswith("2026-11-22-a-b-example-org-")
        parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert parsed["To"] == address
        assert eml.with_suffix(".txt").read_text() == address
        assert eml.with_suffix(".html").read_text() == f"<p>{address}</p>"
    index = (out / "index.html").read_text()
    for eml in emls:
        assert f'href="{eml.with_suffix(".html").name}"' in index


def test_a_digest_previewed_again_replaces_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with FileBackend(out) as backend:
        first = backend.send(_message("a.b@example.org"))
    with FileBackend(out) as backend:
        again = backend.send(_message("a.b@example.org"))
    assert first.detail == again.detail
    assert len(list(out.glob("*.eml"))) == 1

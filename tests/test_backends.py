"""Backends: the registry and the file (dry-run) backend."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from digest.delivery.backends import available_backends, create_backend
from digest.delivery.backends.file import FileBackend
from digest.errors import ConfigError
from digest.models import OutgoingEmail


def _message(key: str = "2026-11-22-a@example.org") -> OutgoingEmail:
    raw = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: S\r\nMessage-ID: <1@example.org>\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n"
    )
    return OutgoingEmail(
        to="b@example.org",
        sender="seatwatch <a@example.org>",
        subject="S",
        html='<p class="story">x</p>',
        text="hello",
        message_bytes=raw,
        message_id="<1@example.org>",
        digest_key=key,
        story_count=3,
    )


def test_file_backend_is_registered() -> None:
    assert available_backends()["file"] is FileBackend


def test_unknown_backend_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        create_backend("carrier-pigeon", {}, tmp_path)
    assert caught.value.key == "delivery.backend"
    assert "file" in str(caught.value)


def test_file_backend_options_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="out_dir"):
        FileBackend.from_config({"outdir": "x"}, tmp_path)
    backend = FileBackend.from_config({"out_dir": "previews"}, tmp_path)
    assert backend.out_dir == tmp_path / "previews"


def test_file_backend_writes_three_files_and_an_index(tmp_path: Path) -> None:
    backend = FileBackend(tmp_path / "out")
    with backend:
        result = backend.send(_message())
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [
        "2026-11-22-a-example-org-3f2b1f8f52.eml",
        "2026-11-22-a-example-org-3f2b1f8f52.html",
        "2026-11-22-a-example-org-3f2b1f8f52.txt",
        "index.html",
    ]
    assert result.backend == "file" and result.message_id == "<1@example.org>"
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="2026-11-22-a-example-org-3f2b1f8f52.html"' in index
    assert "b<wbr>@example.<wbr>org" in index  # the address, with places it may wrap
    assert '<td data-label="Stories">3</td>' in index
    parsed = email.message_from_bytes(
        (tmp_path / "out" / "2026-11-22-a-example-org-3f2b1f8f52.eml").read_bytes(),
        policy=email.policy.default,
    )
    assert parsed["Message-ID"] == "<1@example.org>"

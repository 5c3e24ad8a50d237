"""``scripts/spamcheck``: SpamAssassin (offline) over digest messages, failing on any rule
above half a point, as .ci/run runs it on the sample digests (issue 19)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from digest.models import Subscriber
from digest.render.message import list_unsubscribe
from digest.render.renderer import DigestRenderer, recipient_for
from tests.conftest import ROOT
from tests.support import sample_digest

SPAMCHECK = ROOT / "scripts" / "spamcheck"
NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
UNSUBSCRIBE = "https://seatwatch.example.org/unsubscribe?token=t"


def _digest_message() -> bytes:
    """A digest as a subscriber's mail server receives it."""
    renderer = DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
    rendered = renderer.render(sample_digest())
    template = renderer.message_template(
        rendered, from_address="seatwatch <digest@example.org>", date=NOW, list_id="l.example.org"
    )
    subscriber = Subscriber("a@example.org", "Alice", ("Norwich North",))
    header = list_unsubscribe(UNSUBSCRIBE, "t")
    return template.fill(recipient_for(subscriber, "<abc@example.org>", UNSUBSCRIBE, header))


def _with_preheader_in_background_colour(raw: bytes) -> bytes:
    """``raw`` with its preheader hidden the way spam filters score: drawn in the body's
    background colour (as the digest did before issue 19)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if isinstance(part, EmailMessage) and part.get_content_type() == "text/html":
            html = part.get_content()
            hidden = re.sub(
                r'(<div class="preheader" style=")[^"]*"',
                r"\1display:none; font-size:1px; line-height:1px; color:#f3f4f6; "
                r'background-color:#f3f4f6"',
                html,
            )
            assert hidden != html
            part.set_content(hidden, subtype="html", cte="quoted-printable")
    return message.as_bytes()


def _spamcheck(*arguments: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = None if path is None else {"PATH": path}
    return subprocess.run(
        [sys.executable, str(SPAMCHECK), *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )


def test_without_spamassassin_it_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "digest.eml").write_bytes(_digest_message())
    empty = tmp_path / "bin"
    empty.mkdir()
    done = _spamcheck(str(tmp_path), path=str(empty))
    assert done.returncode == 2
    assert "spamassassin is not installed" in done.stderr
    assert "apt-get install spamassassin" in done.stderr


def _need_spamassassin() -> None:
    """Skip on a developer's machine without SpamAssassin; fail in CI, which installs it
    (``.ci/run`` sets CI_REQUIRE_SPAMASSASSIN), so the check can never pass unrun."""
    if shutil.which("spamassassin") is not None:
        return
    if os.environ.get("CI_REQUIRE_SPAMASSASSIN"):
        pytest.fail("spamassassin is required here but not installed")
    pytest.skip("spamassassin is not installed (apt-get install spamassassin)")


def test_a_folder_without_messages_is_an_error_not_a_pass(tmp_path: Path) -> None:
    _need_spamassassin()
    done = _spamcheck(str(tmp_path))
    assert done.returncode == 2
    assert "no .eml files" in done.stderr


def test_a_rule_above_half_a_point_fails_and_is_named_with_its_file(tmp_path: Path) -> None:
    _need_spamassassin()
    raw = _digest_message()
    (tmp_path / "digest.eml").write_bytes(raw)
    (tmp_path / "hidden-text.eml").write_bytes(_with_preheader_in_background_colour(raw))
    done = _spamcheck(str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    failures = done.stderr.split("FAILED", 1)[1]
    assert "hidden-text.eml: HTML_FONT_LOW_CONTRAST scored +0.7" in failures
    assert "digest.eml" not in failures.replace("hidden-text.eml", "")
    # Both were scored, each with the rules that fired.
    assert "digest.eml  (" in done.stdout and "hidden-text.eml  (" in done.stdout

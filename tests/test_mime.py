"""Messages built once per digest and filled per recipient decode to each recipient's copy."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

from digest.models import Subscriber
from digest.render.message import list_unsubscribe
from digest.render.renderer import DigestRenderer, recipient_for
from tests.support import sample_digest as _digest

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def _filled(subscriber: Subscriber, unsubscribe: str, mailto: str = "") -> tuple[bytes, str, str]:
    renderer = DigestRenderer(title="seatwatch", subject_template="{title}: news for {seats}")
    rendered = renderer.render(_digest())
    template = renderer.message_template(
        rendered, from_address="seatwatch <digest@example.org>", date=NOW, list_id="l.example.org"
    )
    header = list_unsubscribe(unsubscribe, "tok", mailto)
    raw = template.fill(recipient_for(subscriber, "<abc@example.org>", unsubscribe, header))
    copy = renderer.personalise(rendered, subscriber, unsubscribe)
    return raw, copy.html, copy.text


def test_filled_message_decodes_to_the_personalised_copy() -> None:
    long_url = "https://seatwatch.example.org/unsubscribe?token=" + "x=y&" * 40
    subscriber = Subscriber("zoe@example.org", "Zoë Ó Briain <admin>", ())
    raw, html, text = _filled(subscriber, long_url)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert not parsed.defects
    plain, rich = parsed.iter_parts()
    # Parsed from the wire, lines end in CRLF (as with any message email builds).
    assert plain.get_content().replace("\r\n", "\n") == text + "\n"
    assert rich.get_content().replace("\r\n", "\n") == html + "\n"
    assert "Hello Zoë Ó Briain &lt;admin&gt;," in rich.get_content()
    assert long_url.replace("&", "&amp;") in rich.get_content()
    assert parsed["To"].addresses[0].display_name == "Zoë Ó Briain <admin>"
    assert parsed["List-Unsubscribe"] == f"<{long_url}>"
    assert parsed["Message-ID"] == "<abc@example.org>"
    assert parsed["X-Seatwatch-Digest"] == "abc@example.org"
    # Quoted-printable lines stay within 76 characters, however long a filled-in value is.
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    assert b"seatwatch-hole" not in raw and b"@@SEATWATCH" not in raw


def test_a_name_cannot_add_headers() -> None:
    raw, _, _ = _filled(Subscriber("a@example.org", "Eve\r\nBcc: victim@example.org", ()), "u")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and b'To: "Eve Bcc: victim@example.org"' in headers


def test_copies_differ_only_in_recipient_parts() -> None:
    alice, _, _ = _filled(Subscriber("alice@example.org", "Alice", ()), "https://x/u?t=1")
    bob, _, _ = _filled(Subscriber("bob@example.org", "", ()), "https://x/u?t=2")
    a = email.message_from_bytes(alice, policy=email.policy.default)
    b = email.message_from_bytes(bob, policy=email.policy.default)
    assert a["Subject"] == b["Subject"] and a["Date"] == b["Date"]
    assert a["To"] == "Alice <alice@example.org>" and b["To"] == "bob@example.org"
    a_text = a.get_body(("plain",)).get_content()
    b_text = b.get_body(("plain",)).get_content()
    assert (
        a_text.replace("Hello Alice,", "Hello,").replace("alice@", "bob@").replace("t=1", "t=2")
        == b_text
    )


def test_list_unsubscribe_offers_mail_and_web_links() -> None:
    raw, _, _ = _filled(
        Subscriber("a@example.org", "", ()),
        "https://x/u?token=tok",
        mailto="unsubscribe@example.org",
    )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["List-Unsubscribe"] == (
        "<mailto:unsubscribe@example.org?subject=unsubscribe%20tok>, <https://x/u?token=tok>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

"""Digest messages built once per distinct digest, with holes for each recipient's parts.

The standard library's ``email`` package is slow to build and serialise a digest-sized
message (header parsing and folding, quoted-printable in Python): once per subscriber, it
would be most of a large send. Subscribers following the same seats get the
same message except for a handful of values (address, greeting, unsubscribe link, Message-
ID), so the message is built once with ``email`` (headers, MIME structure) and its bodies
quoted-printable encoded in C (``binascii``), leaving each per-recipient value as a hole on
a line of its own between soft line breaks. Filling a copy is then joining bytes.

Quoted-printable decoders drop a soft line break (``=`` at the end of a line), so a value
spliced between two of them decodes as if it had always been in the text, and because each
value is encoded on its own lines no line exceeds 76 characters, whatever its length.

A hole is marked ``@@SEATWATCH-<mark>:<name>@@`` where ``mark`` is random per renderer
(``new_mark``): text from a feed is in the bodies too, and a headline that happened to
contain a marker must neither fill a hole (a publisher's link receiving each recipient's
address and unsubscribe link) nor name one that does not exist. Nobody outside the process
knows the mark, so only the template's own slots are ever filled.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import quote

from digest.errors import RenderError


def new_mark() -> str:
    """A fresh secret for the hole markers of one renderer (see the module docstring)."""
    return secrets.token_hex(8)


def placeholder(mark: str, name: str) -> str:
    """The marker of hole ``name`` in text rendered with ``mark``."""
    return f"@@SEATWATCH-{mark}:{name}@@"


def hole_pattern(mark: str) -> re.Pattern[str]:
    """Finds the holes made with ``mark`` (and only those)."""
    return re.compile(rf"@@SEATWATCH-{re.escape(mark)}:(\w+)@@")


# Header values filled per recipient, as stand-ins the email package accepts and never folds.
_HEADER_HOLES = {
    "to": "seatwatch-hole-to@seatwatch.invalid",
    "message_id": "<seatwatch-hole-message-id@seatwatch.invalid>",
    "unsubscribe": "<https://seatwatch.invalid/seatwatch-hole-unsubscribe>",
    "digest_id": "seatwatch-hole-digest-id@seatwatch.invalid",
}
_SOFT_BREAK = b"=\r\n"


def _qp(text: str) -> bytes:
    """Quoted-printable, CRLF line ends, lines of at most 76 characters (binascii, C)."""
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True)
    return encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _one_line(value: str) -> str:
    """No CR or LF in a header value: nothing a subscriber's name holds can add a header."""
    return " ".join(value.split())


def _address(name: str, address: str) -> str:
    """``Name <address>``, the name RFC 2047-encoded when it is not ASCII."""
    return formataddr((name, address), charset="utf-8") if name else address


@dataclass(frozen=True, slots=True)
class Recipient:
    """What differs between two copies of one digest."""

    name: str
    email: str
    message_id: str
    list_unsubscribe: str  # the whole List-Unsubscribe value (render.list_unsubscribe)
    body_values: dict[str, str]  # hole name -> plain text (escaped for the HTML part here)


@dataclass(frozen=True, slots=True)
class MessageTemplate:
    """A serialised message in pieces: bytes, and the names of the holes between them."""

    pieces: tuple[bytes | tuple[str, str], ...]  # (part, hole name) for a hole

    def fill(self, recipient: Recipient) -> bytes:
        """One recipient's complete message."""
        headers = {
            "to": _one_line(_address(recipient.name, recipient.email)),
            "message_id": _one_line(recipient.message_id),
            "unsubscribe": _one_line(recipient.list_unsubscribe),
            "digest_id": _one_line(recipient.message_id).strip("<>"),
        }
        out = []
        for piece in self.pieces:
            if isinstance(piece, bytes):
                out.append(piece)
                continue
            part, name = piece
            if part == "header":
                out.append(headers[name].encode("utf-8"))
            else:
                value = recipient.body_values.get(name)
                if value is None:  # a template naming a slot we do not fill
                    raise RenderError(f"the template has a slot {name!r} with no value")
                out.append(_qp(html.escape(value) if part == "html" else value))
        return b"".join(out)


def build_template(
    *,
    from_address: str,
    subject: str,
    date: datetime,
    list_id: str,
    html_body: str,
    text_body: str,
    mark: str,
) -> MessageTemplate:
    """The message shared by every recipient of one digest (multipart/alternative, text first)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = from_address
    message["To"] = _HEADER_HOLES["to"]
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = _HEADER_HOLES["message_id"]
    message["List-Id"] = f"<{list_id}>"
    message["List-Unsubscribe"] = _HEADER_HOLES["unsubscribe"]
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "bulk"
    message["Auto-Submitted"] = "auto-generated"
    # Carries the digest's identity so a bounce can be matched to subscriber and period.
    message["X-Seatwatch-Digest"] = _HEADER_HOLES["digest_id"]
    bodies = {}
    for subtype, body in (("plain", text_body), ("html", html_body)):
        marker = f"seatwatch-body-{subtype}"
        bodies[marker] = (subtype, body)
        if subtype == "plain":
            message.set_content(marker, subtype="plain", charset="utf-8", cte="quoted-printable")
        else:
            message.add_alternative(marker, subtype="html", charset="utf-8", cte="quoted-printable")
    raw = message.as_bytes()
    pieces: list[bytes | tuple[str, str]] = []
    # Split the serialised skeleton at the header stand-ins and the body markers.
    stand_ins = {value.encode(): name for name, value in _HEADER_HOLES.items()}
    markers = {marker.encode(): body for marker, body in bodies.items()}
    pattern = re.compile(b"|".join(re.escape(k) for k in [*stand_ins, *markers]))
    position = 0
    for found in pattern.finditer(raw):
        pieces.append(raw[position : found.start()])
        key = found.group(0)
        if key in stand_ins:
            pieces.append(("header", stand_ins[key]))
        else:
            subtype, body = markers[key]
            part = "html" if subtype == "html" else "text"
            pieces.extend(_body_pieces(part, body, hole_pattern(mark)))
        position = found.end()
    pieces.append(raw[position:])
    return MessageTemplate(tuple(p for p in pieces if p != b""))


def _body_pieces(part: str, body: str, holes: re.Pattern[str]) -> list[bytes | tuple[str, str]]:
    """A body's static text encoded, each hole on lines of its own between soft breaks."""
    pieces: list[bytes | tuple[str, str]] = []
    position = 0
    for found in holes.finditer(body):
        pieces.append(_qp(body[position : found.start()]) + _SOFT_BREAK)
        pieces.append((part, found.group(1)))
        pieces.append(_SOFT_BREAK)
        position = found.end()
    pieces.append(_qp(body[position:]))
    return pieces


def list_unsubscribe(unsubscribe_url: str, token: str = "", mailto: str = "") -> str:
    """The List-Unsubscribe value: the mailto link first (with the token in its subject)
    when there is a mailbox, then the https link that RFC 8058 one-click POSTs go to."""
    links = [f"<{unsubscribe_url}>"]
    if mailto:
        links.insert(0, f"<mailto:{mailto}?subject={quote(f'unsubscribe {token}')}>")
    return ", ".join(links)


def list_headers(
    message_id: str, list_id: str, list_unsubscribe_value: str
) -> tuple[tuple[str, str], ...]:
    """The headers every digest carries besides From, To, Subject and Date."""
    return (
        ("Message-ID", message_id),
        ("List-Id", f"<{list_id}>"),
        ("List-Unsubscribe", list_unsubscribe_value),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
        ("Auto-Submitted", "auto-generated"),
        # Carries the digest's identity so a bounce can be matched to subscriber and period.
        ("X-Seatwatch-Digest", message_id.strip("<>")),
    )


MAX_SUBJECT_CHARS = 150


def safe_subject(subject: str) -> str:
    """A subject on one line (no CR/LF to inject headers with), at most 150 characters."""
    flat = " ".join(subject.split())
    return flat if len(flat) <= MAX_SUBJECT_CHARS else flat[: MAX_SUBJECT_CHARS - 1] + "…"


def message_id_for(key: str, from_address: str) -> str:
    """A Message-ID derived from the digest's identity, so a retry reuses it."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "seatwatch.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"

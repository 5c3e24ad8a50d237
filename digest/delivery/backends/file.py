"""The dry-run backend: writes each message as .html, .txt and .eml, plus an index.html.

Used by ``digest preview`` and by operators who want to look before sending. The files are
exactly what a mail client would get: the .eml is the complete message a real backend sends.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, ConfigDict, Field

from digest.delivery.backends.base import MailBackend, parse_options
from digest.errors import PermanentSendError
from digest.models import OutgoingEmail, SendResult

if TYPE_CHECKING:
    from markupsafe import Markup


class FileOptions(BaseModel):
    """``[delivery.file]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    out_dir: str = Field(default="previews", min_length=1)


@dataclass(frozen=True, slots=True)
class PreviewFiles:
    """The files written for one message (kept for the index: a few short strings each,
    the folder shared, so a preview of 100,000 digests stays small)."""

    to: str
    subject: str
    stories: int
    folder: Path
    stem: str

    @property
    def html(self) -> Path:
        return self.folder / f"{self.stem}.html"

    @property
    def text(self) -> Path:
        return self.folder / f"{self.stem}.txt"

    @property
    def eml(self) -> Path:
        return self.folder / f"{self.stem}.eml"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "digest"


def preview_stem(digest_key: str) -> str:
    """The file name (without extension) of a digest's preview: readable, and unique.

    The readable part folds every other character into "-", so ``a.b@example.org`` and
    ``a-b@example.org`` (or two addresses differing in case, on a case-insensitive disk)
    would share it and one preview overwrite the other; a short hash of the exact key
    tells them apart.
    """
    digest = hashlib.sha256(digest_key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{_slug(digest_key)}-{digest}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FileBackend(MailBackend):
    """Writes previews to a folder instead of sending."""

    name = "file"

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.written: list[PreviewFiles] = []

    @classmethod
    def from_config(cls, options: dict[str, Any], base_dir: Path) -> Self:
        """``[delivery.file] out_dir`` (default ``previews``, relative to the config file)."""
        path = Path(parse_options(FileOptions, options, cls.name).out_dir).expanduser()
        return cls(path if path.is_absolute() else base_dir / path)

    def open(self) -> None:
        """Create the folder."""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PermanentSendError(f"cannot create {self.out_dir}: {exc.strerror}") from exc

    def send(self, message: OutgoingEmail) -> SendResult:
        """Write the three files of ``message``."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stem = preview_stem(message.digest_key)
        paths = {ext: self.out_dir / f"{stem}.{ext}" for ext in ("html", "txt", "eml")}
        try:
            write_atomically(paths["html"], message.html.encode("utf-8"))
            write_atomically(paths["txt"], message.text.encode("utf-8"))
            write_atomically(paths["eml"], message.message_bytes)
        except OSError as exc:
            raise PermanentSendError(f"cannot write preview in {self.out_dir}: {exc}") from exc
        self.written.append(
            PreviewFiles(
                to=message.to,
                subject=message.subject,
                stories=message.story_count,
                folder=self.out_dir,
                stem=stem,
            )
        )
        return SendResult(
            backend=self.name, message_id=message.message_id, detail=str(paths["eml"])
        )

    def close(self) -> None:
        """Write ``index.html`` linking every message written in this batch."""
        if self.written:
            self.write_index()

    def write_index(
        self,
        title: str = "seatwatch",
        screenshots: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    ) -> Path:
        """The index page of this batch's previews; ``screenshots`` maps a preview's .html
        file name to (label, PNG file name) pairs to list with it (``--screenshots``)."""
        from digest.render.environment import (  # Jinja2 on use
            default_templates_dir,
            make_environment,
        )

        env = make_environment(default_templates_dir().resolve())
        entries = [
            {
                "to": breakable_address(f.to),
                "subject": f.subject,
                "stories": f.stories,
                "html": f.html.name,
                "text": f.text.name,
                "eml": f.eml.name,
                "screenshots": list((screenshots or {}).get(f.html.name, ())),
            }
            for f in self.written
        ]
        page = env.get_template("preview_index.html.j2").render(
            title=title,
            entries=entries,
            generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        )
        index = self.out_dir / "index.html"
        write_atomically(index, page.encode("utf-8"))
        return index


def breakable_address(address: str) -> Markup:
    """An address that a narrow column (the index on a phone) wraps before its "@" or after
    a dot, never in the middle of a name: "jane.doe@" / "example.org" can be read back,
    "jane.d" / "oe@example.org" cannot."""
    from markupsafe import Markup, escape

    pieces = re.split(r"(?<=[.])|(?=@)", address)
    return Markup("<wbr>").join(escape(piece) for piece in pieces)

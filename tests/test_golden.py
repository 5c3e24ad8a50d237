"""The rendered sample digests, byte for byte, against the files in tests/golden/.

The shipped config.toml and feeds/ (what the README's ``digest preview`` reads) go through
the same stages as that command (poll, compose, render, deliver) with the clock pinned,
the unsubscribe secret fixed and no network (every sample source has ``full_text = false``),
so the output is the same on every run. For each subscriber three files are kept: the
plain-text part, the HTML part (CSS inlined) and the MIME headers of the message and its
parts. Normalised: the MIME boundary (drawn at random by ``email``), line endings, and the
unsubscribe token (signed at the wall-clock time: see ``_TOKEN``).

A change to a template, a summary, the seat tagging or a header shows up here as a diff in
review. When the change is meant, regenerate the files and commit them with it:

    .venv/bin/python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import difflib
import email
import email.policy
import os
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from pathlib import Path

import pytest

from digest.config import load_config
from digest.delivery.backends import memory
from digest.delivery.backends.memory import MemoryBackend
from digest.delivery.tokens import verify_token
from digest.pipeline import compose_all, deliver_all, poll_configured, renderer_for
from digest.seats.follows import resolve_subscribers
from digest.seats.gazetteer import load_gazetteer
from digest.store.core import Store
from digest.subscribers import all_subscribers

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = ".venv/bin/python -m pytest tests/test_golden.py --update-golden"

# The morning after the sample articles' dates (19 to 21 November 2026).
NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
# The folder source dates an article by its file's modification time, which a checkout sets
# to whenever it happened: pinned to the evening before NOW, a minute apart in name order.
# (Equal dates would leave the order of those stories, and the inbox preview line naming the
# latest, to the order the poll's threads happened to store them in.)
ARTICLES_FROM = NOW - timedelta(hours=12)
SECRET = "golden-files-secret-not-for-any-real-use-0123456789"

_BOUNDARY = re.compile(r'boundary="[^"]+"')
# The unsubscribe token carries the moment it was signed, and the send loop signs it with
# the wall clock rather than the run's ``now`` (digest/delivery/send.py), so it is checked
# (it must verify for its subscriber) and then replaced.
_TOKEN = re.compile(r"token=([A-Za-z0-9_=-]+)")
TOKEN_STAND_IN = "token=UNSUBSCRIBE-TOKEN"


def render_sample(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The golden files' names and contents for the sample content copied into ``project``."""
    for position, path in enumerate(sorted((project / "feeds").rglob("*"))):
        stamp = (ARTICLES_FROM + timedelta(minutes=position)).timestamp()
        os.utime(path, (stamp, stamp))
    settings = load_config(project / "config.toml")
    # One source at a time, in config order. The sources of one batch are stored with the
    # same first-seen time, and a story reported by two of them is led by the article stored
    # first: with the poll's threads racing, the sample's Sprowston story was led by either
    # outlet's article from one run to the next.
    settings = settings.model_copy(
        update={"poll": settings.poll.model_copy(update={"concurrency": 1})}
    )
    monkeypatch.setenv(settings.digest.secret_env, SECRET)
    fetching = [s.name for s in settings.sources if s.full_text is not False]
    assert not fetching, f"sample sources must not fetch pages in the golden run: {fetching}"
    memory.clear_outbox()
    store = Store.open(settings.resolve(settings.store.path))
    try:
        report = poll_configured(settings, store, clock=lambda: NOW)
        assert not report.failed, report.failed
        everyone = all_subscribers(list(settings.subscribers), store.subscribers.all())
        subscribers = resolve_subscribers(load_gazetteer(), everyone, path=settings.config_path)
        digests = compose_all(settings, store, subscribers, NOW)
        deliveries = deliver_all(
            digests,
            settings.digest,
            settings.delivery,
            store,
            MemoryBackend(),
            renderer=renderer_for(settings),
            kind="preview",
            now=NOW,
        )
    finally:
        store.close()
    assert not [d.error for d in deliveries if d.error]
    files: dict[str, str] = {}
    for message in memory.outbox:
        parsed = email.message_from_bytes(message.message_bytes, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        files[f"{message.to}.headers"] = _headers(parsed)
        for subtype, suffix in (("plain", "txt"), ("html", "html")):
            part = parsed.get_body(preferencelist=(subtype,))
            assert part is not None, f"{message.to}: no text/{subtype} part"
            files[f"{message.to}.{suffix}"] = part.get_content()
    for name, text in files.items():
        files[name] = _normalised(text, name.rsplit(".", 1)[0])
    memory.clear_outbox()
    return files


def _normalised(text: str, address: str) -> str:
    """``text`` with one line ending and the unsubscribe tokens (each verified) replaced."""
    for token in _TOKEN.findall(text):
        assert verify_token(SECRET, token, legacy=False) == address, f"{address}: bad {token}"
    return _TOKEN.sub(TOKEN_STAND_IN, text.replace("\r\n", "\n"))


def _headers(message: Message) -> str:
    """Every header of the message and of each of its parts, boundaries normalised."""
    lines: list[str] = []
    for number, part in enumerate(message.walk()):
        if number:
            lines.append(f"--- part {number}")
        for name, value in part.items():
            lines.append(f"{name}: " + _BOUNDARY.sub('boundary="BOUNDARY"', str(value)))
    return "\n".join(lines) + "\n"


def compare(rendered: dict[str, str], golden: Path) -> list[str]:
    """A unified diff for each golden file that differs from ``rendered``, is missing, or
    is left over from a subscriber the sample no longer has."""
    problems = []
    for name, text in sorted(rendered.items()):
        path = golden / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        if old != text:
            problems.append(
                "".join(
                    difflib.unified_diff(
                        old.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        f"tests/golden/{name}" if path.is_file() else "/dev/null",
                        f"rendered {name}",
                    )
                )
            )
    for path in sorted(golden.glob("*")):
        if path.name not in rendered and path.name != "README.md":
            problems.append(f"tests/golden/{path.name}: no subscriber renders it any more\n")
    return problems


def update(rendered: dict[str, str], golden: Path) -> None:
    """Rewrite ``golden`` to hold exactly ``rendered`` (the README stays)."""
    golden.mkdir(exist_ok=True)
    for path in golden.glob("*"):
        if path.name not in rendered and path.name != "README.md":
            path.unlink()
    for name, text in rendered.items():
        (golden / name).write_text(text, encoding="utf-8", newline="")


def failure_report(problems: list[str]) -> str:
    """What a failing run prints: every diff, then how to accept them."""
    return (
        "the rendered sample digests differ from tests/golden/:\n\n"
        + "\n".join(problems)
        + f"\nIf the change is meant, regenerate the golden files and commit them:\n"
        f"    {REGENERATE}\n"
    )


def test_rendered_sample_digests_match_the_golden_files(
    project_copy: Path, monkeypatch: pytest.MonkeyPatch, update_golden: bool
) -> None:
    rendered = render_sample(project_copy, monkeypatch)
    assert len(rendered) == 3 * 3  # three sample subscribers, three files each
    for name, text in rendered.items():
        assert "@@SEATWATCH-" not in text and "seatwatch-hole" not in text, name
    if update_golden:
        update(rendered, GOLDEN)
        return
    problems = compare(rendered, GOLDEN)
    if problems:
        pytest.fail(failure_report(problems), pytrace=False)


def test_a_difference_is_shown_as_a_diff_with_the_command_to_regenerate(
    tmp_path: Path,
) -> None:
    golden = tmp_path / "golden"
    rendered = {"a@example.org.txt": "Hello,\nNorwich North\n", "a@example.org.html": "<p>x</p>"}
    update(rendered, golden)
    (golden / "gone@example.org.txt").write_text("old", encoding="utf-8")
    assert compare({**rendered}, golden) == [
        "tests/golden/gone@example.org.txt: no subscriber renders it any more\n"
    ]
    changed = {**rendered, "a@example.org.txt": "Hello,\nNorwich South\n"}
    report = failure_report(compare(changed, golden))
    assert "-Norwich North\n+Norwich South\n" in report
    assert "--- tests/golden/a@example.org.txt" in report
    assert REGENERATE in report
    update(changed, golden)
    assert sorted(p.name for p in golden.iterdir()) == sorted(changed)
    assert compare(changed, golden) == []

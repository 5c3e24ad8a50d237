"""``digest subscribers``: stored subscribers, CSV import by line, merged with config.toml."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app
from digest.clock import utc_now
from digest.config import SubscriberConfig
from digest.store.core import Store
from tests.conftest import ARTICLE_NORWICH

runner = CliRunner()


def _config(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "state.sqlite3"\n'
        '[[sources]]\nname = "Local"\nkind = "folder"\nlocation = "articles"\n'
        '[delivery.file]\nout_dir = "out"\n'
        '[[subscribers]]\nemail = "config@example.org"\nseats = ["Colchester"]\n',
        encoding="utf-8",
    )
    return config


def _listed(config: Path) -> dict[str, dict[str, object]]:
    result = runner.invoke(app, ["subscribers", "list", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return {s["email"]: s for s in json.loads(result.output)["subscribers"]}


def test_add_list_remove_and_preview(tmp_path: Path) -> None:
    config = _config(tmp_path)
    added = runner.invoke(
        app,
        [
            "subscribers",
            "add",
            "Desk@Example.org",
            "--seat",
            "Norwich North",
            "--name",
            "Desk",
            "--config",
            str(config),
        ],
    )
    assert added.exit_code == 0, added.output
    listed = _listed(config)
    assert listed["desk@example.org"]["origin"] == "store"
    assert listed["desk@example.org"]["seats"] == ["Norwich North"]
    assert listed["config@example.org"]["origin"] == "config"
    preview = runner.invoke(app, ["preview", "--config", str(config)])
    assert preview.exit_code == 0, preview.output
    written = sorted(p.name for p in (tmp_path / "out").glob("*.html") if p.name != "index.html")
    # The stored subscriber gets a digest; the configured one follows a seat with no news.
    assert len(written) == 1 and re.search(r"-desk-example-org-[0-9a-f]+\.html$", written[0])
    assert (
        runner.invoke(
            app, ["subscribers", "remove", "desk@example.org", "--config", str(config)]
        ).exit_code
        == 0
    )
    assert "desk@example.org" not in _listed(config)
    refused = runner.invoke(
        app, ["subscribers", "remove", "config@example.org", "--config", str(config)]
    )
    assert refused.exit_code == 2 and "listed in config.toml" in refused.output


def test_bad_additions_are_refused(tmp_path: Path) -> None:
    config = _config(tmp_path)
    bad_seat = runner.invoke(
        app,
        ["subscribers", "add", "a@example.org", "--seat", "Norwich Nroth", "--config", str(config)],
    )
    assert bad_seat.exit_code == 2 and "'Norwich North'" in bad_seat.output
    bad_address = runner.invoke(
        app,
        ["subscribers", "add", "not-an-address", "--seat", "Colchester", "--config", str(config)],
    )
    assert bad_address.exit_code == 2
    assert "EMAIL: 'not-an-address' is not a valid email address" in bad_address.output
    assert "must have an @-sign" in " ".join(bad_address.output.split())


CSV = """email,name,seats
one@example.org,One,Norwich North
two@example.org,Two,Norwich South; E14001176
broken-address,Three,Colchester
four@example.org,Four,Atlantis North
five@example.org,Five,
"""


def test_import_reports_bad_rows_by_line_and_reimport_changes_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "subscribers.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    first = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert first.exit_code == 1  # some rows were rejected
    text = " ".join(first.output.split())
    assert "2 added, 0 updated, 0 unchanged, 3 rejected" in text
    assert "line 4: 'broken-address' is not a valid email address" in text
    assert "line 5: no Westminster seat is called 'Atlantis North'" in text
    assert "line 6: no seats" in text
    listed = _listed(config)
    assert listed["two@example.org"]["seats"] == ["Norwich South", "E14001176"]
    again = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert "0 added, 0 updated, 2 unchanged" in " ".join(again.output.split())
    exported = runner.invoke(app, ["subscribers", "export", "--config", str(config)])
    assert exported.output.splitlines() == [
        "email,name,seats,frequency,timezone,status",
        "one@example.org,One,Norwich North,daily,,active",
        "two@example.org,Two,Norwich South; E14001176,daily,,active",
    ]


def test_import_needs_the_columns(tmp_path: Path) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("address,seat\nx@example.org,Colchester\n", encoding="utf-8")
    result = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert result.exit_code == 2 and "no 'email' column" in result.output


def test_frequency_time_zone_and_status_are_imported_validated_and_respected(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "subscribers.csv"
    csv_file.write_text(
        "email,name,seats,frequency,timezone,status\n"
        "weekly@example.org,W,Norwich North,weekly,America/New_York,active\n"
        "paused@example.org,P,Norwich North,daily,,paused\n"
        "bad-zone@example.org,B,Norwich North,daily,Mars/Olympus,active\n"
        "bad-freq@example.org,F,Norwich North,hourly,,active\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    text = " ".join(result.output.split())
    assert result.exit_code == 1 and "2 added" in text and "2 rejected" in text
    assert "line 4: unknown time zone 'Mars/Olympus'" in text
    assert "line 5: frequency 'hourly'" in text and 'write "daily" or "weekly"' in text
    listed = _listed(config)
    assert listed["weekly@example.org"]["frequency"] == "weekly"
    assert listed["weekly@example.org"]["timezone"] == "America/New_York"
    assert listed["paused@example.org"]["status"] == "paused"
    # Paused subscribers get nothing; the weekly one gets a digest for this ISO week.
    sent = runner.invoke(app, ["send", "--dry-run", "--config", str(config)])
    assert sent.exit_code == 0, sent.output
    previews = sorted(p.name for p in (tmp_path / "out").glob("*.eml"))
    assert [name for name in previews if "paused" in name] == []
    assert any("weekly" in name and "-w" in name for name in previews), previews


def test_export_prefixes_formula_cells_and_import_reads_them_back(tmp_path: Path) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,name,seats\n"
        '=cmd|\'/Ccalc\'!A0@example.org,"=HYPERLINK(""http://evil.example/"")",Norwich North\n'
        "plus@example.org,+44 Desk,Norwich North\n"
        "at@example.org,@Desk,Norwich North\n"
        "dash@example.org,-Desk,Norwich North\n"
        "plain@example.org,O'Brien,Norwich North\n",
        encoding="utf-8",
    )
    imported = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert imported.exit_code == 0, imported.output
    exported = runner.invoke(app, ["subscribers", "export", "--config", str(config)])
    assert exported.exit_code == 0, exported.output
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(exported.output))}
    assert rows["'=cmd|'/ccalc'!a0@example.org"] == '\'=HYPERLINK("http://evil.example/")'
    assert rows["plus@example.org"] == "'+44 Desk"
    assert rows["at@example.org"] == "'@Desk"
    assert rows["dash@example.org"] == "'-Desk"
    assert rows["plain@example.org"] == "O'Brien"
    # The export imports back unchanged: the prefixes are taken off again.
    again_file = tmp_path / "again.csv"
    again_file.write_text(exported.output, encoding="utf-8")
    again = runner.invoke(app, ["subscribers", "import", str(again_file), "--config", str(config)])
    assert "0 added, 0 updated, 5 unchanged, 0 rejected" in " ".join(again.output.split())
    assert _listed(config)["=cmd|'/ccalc'!a0@example.org"]["name"] == (
        '=HYPERLINK("http://evil.example/")'
    )
    # Names starting with a tab or CR (an import strips them; an older store may hold them).
    store = Store.open(tmp_path / "state.sqlite3")
    for email, name in (("tab@example.org", "\tDesk"), ("cr@example.org", "\rDesk")):
        store.subscribers.upsert(
            SubscriberConfig(email=email, name=name, seats=["Norwich North"]), utc_now()
        )
    store.close()
    exported = runner.invoke(app, ["subscribers", "export", "--config", str(config)])
    rows = {row[0]: row[1] for row in csv.reader(io.StringIO(exported.output))}
    assert rows["tab@example.org"] == "'\tDesk"
    assert rows["cr@example.org"] == "'\rDesk"


def test_import_says_which_rows_were_merged_with_an_earlier_one(tmp_path: Path) -> None:
    config = _config(tmp_path)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "email,name,seats\n"
        "Jo@Example.org,Jo,Norwich North\n"
        "other@example.org,Other,Norwich North\n"
        "jo@example.org,Jo again,Norwich South\n"
        "plain@пример.рф,P,Norwich North\n"
        "PLAIN@xn--e1afmkfd.xn--p1ai,P2,Norwich North\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["subscribers", "import", str(csv_file), "--config", str(config)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "3 added, 0 updated, 0 unchanged, 0 rejected, 2 merged with an earlier row" in text
    assert (
        "line 4 (jo@example.org) merged with line 2 (Jo@Example.org): both are "
        "jo@example.org; line 4's values kept" in text
    )
    assert (
        "line 6 (PLAIN@xn--e1afmkfd.xn--p1ai) merged with line 5 (plain@пример.рф): both are "
        "plain@xn--e1afmkfd.xn--p1ai; line 6's values kept" in text
    )
    listed = _listed(config)
    assert listed["jo@example.org"]["name"] == "Jo again"
    assert listed["jo@example.org"]["seats"] == ["Norwich South"]

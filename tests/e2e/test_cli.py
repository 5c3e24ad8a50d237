"""Whole runs of the ``digest`` command, checked the way a user would check them."""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from digest.cli import app
from tests.conftest import ARTICLE_NORWICH, FURNITURE, ROOT

runner = CliRunner()


def _digest_files(folder: Path, suffix: str) -> list[Path]:
    return sorted(p for p in folder.glob(f"*{suffix}") if p.name != "index.html")


def _story_titles(html: str) -> list[str]:
    return re.findall(r'class="story-title"[^>]*>(?:<a [^>]*>)?([^<]+)<', html)


def test_default_config_writes_inlined_previews(project_copy: Path) -> None:
    result = runner.invoke(app, ["preview", "--config", str(project_copy / "config.toml")])
    assert result.exit_code == 0, result.output
    out = project_copy / "previews"
    assert (out / "index.html").is_file()
    assert str(out) in result.output.replace("\n", "")
    htmls = _digest_files(out, ".html")
    assert len(htmls) == 3
    for html_path in htmls:
        html = html_path.read_text()
        assert 'style="' in html
        style_blocks = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
        assert style_blocks and all("@media" in block for block in style_blocks)
        eml = html_path.with_suffix(".eml")
        parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert parsed.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
        assert html_path.with_suffix(".txt").read_text().strip()
    norwich = next(p for p in htmls if "norwich-campaign" in p.name)
    html = norwich.read_text()
    assert "Norwich North" in html and "Norwich South" in html
    # The bus story came from the folder and the RSS feed: one story, two outlets. Sources are
    # polled concurrently, so either outlet's headline may be the one first seen.
    titles = _story_titles(html)
    bus = [
        t
        for t in titles
        if t
        in (
            "Norwich North MP Alice Macdonald backs campaign to save Sprowston bus routes",
            "Sprowston residents fight to keep evening buses",
        )
    ]
    assert len(bus) == 1
    assert "Also reported by" in html
    for phrase in FURNITURE:
        assert phrase not in html


def _seed_titles_and_text(out: Path) -> tuple[list[str], str]:
    htmls = _digest_files(out, ".html")
    assert len(htmls) == 1
    html = htmls[0].read_text()
    return _story_titles(html), html


def test_seed_preview_for_norwich_north(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "preview",
            "--config",
            str(ROOT / "config.toml"),
            "--source",
            str(seeds_dir),
            "--seat",
            "Norwich North",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    titles, html = _seed_titles_and_text(out)
    assert sorted(titles) == [
        "Jeremy Corbyn accused of 'doing Norwich down' after he attacks city's public services",
        "Jeremy Corbyn says Labour to push hard for Chloe Smith’s Norwich North Seat",
    ]
    assert '<h2 class="seat-name"' in html and ">Norwich North</h2>" in html
    summaries = re.findall(r'class="summary"[^>]*>([^<]+)<', html)
    assert len(summaries) == 4
    for text in titles + summaries:
        for phrase in FURNITURE:
            assert phrase not in text
    # The temporary store left nothing behind in the project.
    assert not (ROOT / "var" / "preview.sqlite3").exists()


def test_digest_summaries_are_what_the_summarise_command_gives(
    seeds_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["preview", "--config", str(ROOT / "config.toml"), "--source", str(seeds_dir)]
    result = runner.invoke(app, [*args, "--seat", "Norwich North", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _, page = _seed_titles_and_text(out)
    shown = [html.unescape(s) for s in re.findall(r'class="summary"[^>]*>([^<]+)<', page)]
    expected = []
    for seed in sorted(seeds_dir.glob("*.txt")):
        payload = json.loads(runner.invoke(app, ["summarise", str(seed), "--json"]).output)
        expected.extend(payload["sentences"])
    assert sorted(shown) == sorted(expected)
    for sentence in shown:
        assert sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")
        for phrase in FURNITURE:
            assert phrase not in sentence


def test_seed_config_rerun_adds_nothing(seeds_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[store]
path = "state.sqlite3"
[[sources]]
name = "Seeds"
kind = "folder"
location = "{seeds_dir}"
[delivery.file]
out_dir = "out"
[[subscribers]]
email = "nn@example.org"
seats = ["Norwich North"]
""",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["poll", "--config", str(config)]).exit_code == 0
    first = runner.invoke(app, ["preview", "--config", str(config)])
    assert first.exit_code == 0, first.output
    titles_first, _ = _seed_titles_and_text(tmp_path / "out")
    assert runner.invoke(app, ["poll", "--config", str(config)]).exit_code == 0
    second = runner.invoke(app, ["preview", "--config", str(config)])
    assert second.exit_code == 0
    titles_second, _ = _seed_titles_and_text(tmp_path / "out")
    assert len(titles_first) == 2 and titles_second == titles_first
    status = runner.invoke(app, ["status", "--config", str(config), "--json"])
    payload = json.loads(status.output)
    assert payload["articles"] == 2
    # Four polls (poll, preview, poll, preview) saw the two files each time; two were new.
    assert payload["sources"][0]["items_seen"] == 8 and payload["sources"][0]["articles_added"] == 2


def test_broken_source_is_reported_and_others_still_make_the_digest(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "bus.txt").write_text(ARTICLE_NORWICH, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        """
[store]
path = "state.sqlite3"
[[sources]]
name = "Gone"
kind = "folder"
location = "no-such-folder"
[[sources]]
name = "Broken feed"
kind = "feed"
location = "broken.xml"
[[sources]]
name = "Local"
kind = "folder"
location = "articles"
[delivery.file]
out_dir = "out"
[[subscribers]]
email = "nn@example.org"
seats = ["Norwich North"]
""",
        encoding="utf-8",
    )
    (tmp_path / "broken.xml").write_bytes(b"<html><p>not a feed")
    result = runner.invoke(app, ["preview", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "2 failed ('Gone', 'Broken feed')" in result.output
    titles, _ = _seed_titles_and_text(tmp_path / "out")
    assert titles == ["Norwich North MP backs bus campaign"]
    status = json.loads(runner.invoke(app, ["status", "--config", str(config), "--json"]).output)
    errors = {s["name"]: s["last_error"] for s in status["sources"]}
    assert "is not a folder" in errors["Gone"]
    assert (
        "not a readable feed" in errors["Broken feed"] or "no RSS or Atom" in errors["Broken feed"]
    )
    assert errors["Local"] is None


def test_every_source_failing_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[sources]]\nname = "Gone"\nkind = "folder"\nlocation = "nowhere"\n'
        '[[subscribers]]\nemail = "a@example.org"\nseats = ["Norwich North"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["preview", "--config", str(config)])
    assert result.exit_code == 1
    assert "every source failed" in result.output


def test_bad_config_exits_2_naming_file_key_and_fix(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[digest]\nmax_stories = 5\n", encoding="utf-8")
    result = runner.invoke(app, ["preview", "--config", str(config)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert str(config) in text
    assert "digest.max_stories" in text
    assert "did you mean 'max_stories_per_seat'" in text


def test_missing_config_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_unknown_seat_lists_closest_matches(seeds_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "preview",
            "--config",
            str(ROOT / "config.toml"),
            "--source",
            str(seeds_dir),
            "--seat",
            "Norwich Nrth",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert "--seat: no Westminster seat is called 'Norwich Nrth'" in result.output
    assert "'Norwich North'" in result.output


def _tag_json(path: Path, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["tag", str(path), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_tag_seed_000_json(seeds_dir: Path) -> None:
    payload = _tag_json(seeds_dir / "000_d6c45dbcd63467b4.txt", "--date", "2017-10-01")
    assert payload["boundary_set"] == "2010"
    seats = {s["name"]: s for s in payload["seats"]}  # type: ignore[attr-defined]
    assert seats["Norwich North"]["role"] == "primary"
    assert seats["Norwich North"]["boundary_set"] == "2010"
    assert seats["Norwich North"]["code"] == "E14000863"
    for name in ("Rochford and Southend East", "Colchester", "North Norfolk"):
        assert seats[name]["role"] == "mentioned"
    assert seats.get("Islington North", {}).get("role") != "primary"
    assert seats.get("Uxbridge and South Ruislip", {}).get("role") != "primary"
    evidence = seats["Norwich North"]["evidence"][0]
    assert set(evidence) == {"start", "end", "text", "kind"}
    assert 0 <= seats["Norwich North"]["score"] <= 1


def test_tag_seed_001_json(seeds_dir: Path) -> None:
    payload = _tag_json(seeds_dir / "001_67cba1041c4c5355.txt", "--date", "2019-09-01")
    seats = {s["name"]: s for s in payload["seats"]}  # type: ignore[attr-defined]
    assert seats["Norwich North"]["role"] == "primary"
    assert seats["Norwich South"]["role"] == "mentioned"
    assert [n for n, s in seats.items() if s["role"] == "primary"] == ["Norwich North"]


def test_tag_without_date_uses_2024_set(seeds_dir: Path) -> None:
    payload = _tag_json(seeds_dir / "001_67cba1041c4c5355.txt")
    assert payload["boundary_set"] == "2024"


def test_tag_reads_stdin_and_rejects_bad_dates() -> None:
    result = runner.invoke(
        app, ["tag", "-", "--json", "--date", "2025-02-01"], input=ARTICLE_NORWICH
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["seats"][0]["name"] == "Norwich North"
    bad = runner.invoke(app, ["tag", "-", "--date", "yesterday"], input=ARTICLE_NORWICH)
    assert bad.exit_code == 2


def test_tag_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tag", str(tmp_path / "none.txt")])
    assert result.exit_code == 2


def test_summarise_json(seeds_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["summarise", str(seeds_dir / "000_d6c45dbcd63467b4.txt"), "--json", "--sentences", "3"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload["sentences"]) == 3
    assert payload["title"].startswith("Jeremy Corbyn says Labour")
    assert not any("Picture:" in s for s in payload["sentences"])


def test_seats_search() -> None:
    result = runner.invoke(app, ["seats", "search", "norwich", "--json"])
    assert result.exit_code == 0
    names = {(r["name"], r["boundary_set"]) for r in json.loads(result.output)["results"]}
    assert ("Norwich North", "2010") in names and ("Norwich South", "2024") in names
    by_mp = json.loads(runner.invoke(app, ["seats", "search", "Chloe Smith", "--json"]).output)
    assert any(r["kind"] == "mp" and r["name"] == "Norwich North" for r in by_mp["results"])
    human = runner.invoke(app, ["seats", "search", "Norfolk North"])
    assert "North Norfolk" in human.output


def search_json(text: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["seats", "search", text, "--json"])
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.output)["results"]
    return found


def test_seats_search_forgives_typos_in_mps_names() -> None:
    found = search_json("Cloe Smith")
    assert found[0]["kind"] == "mp" and found[0]["mp"] == "Chloe Smith"
    assert (found[0]["name"], found[0]["from"], found[0]["to"]) == (
        "Norwich North",
        "2009-10-14",
        "2024-05-30",
    ), "one row for her whole time in the seat"


def test_seats_search_finds_places_and_the_seats_they_lie_in() -> None:
    hellesdon = [r for r in search_json("Hellesdon") if r["kind"] == "place"]
    assert (hellesdon[0]["place"], hellesdon[0]["name"], hellesdon[0]["score"]) == (
        "Hellesdon",
        "Norwich North",
        1.0,
    )
    rochford = [r for r in search_json("Rochford") if r["kind"] == "place"]
    counties = {r["county"] for r in rochford if r["place"] == "Rochford"}
    assert counties == {"Essex", "Worcestershire"}, "both places called Rochford are shown"
    assert "Ford" not in {r["place"] for r in rochford}, "a part of a word is not a match"
    split = {r["name"]: r["share"] for r in search_json("norwich") if r.get("place") == "Norwich"}
    assert set(split) == {"Norwich North", "Norwich South"} and 0.4 < split["Norwich North"] < 0.6


def test_seats_search_says_when_nothing_matches() -> None:
    result = runner.invoke(app, ["seats", "search", "Qxzqxz"])
    assert result.exit_code == 1
    assert "nothing matches 'Qxzqxz'" in result.output


def test_python_dash_m_digest_runs() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "digest", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0
    for command in ("preview", "poll", "status", "tag", "summarise", "seats"):
        assert command in completed.stdout


@pytest.mark.parametrize("command", ["preview", "poll", "status", "tag", "summarise", "seats"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_unknown_seat_in_config_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[sources]]\nname = "a"\nkind = "folder"\nlocation = "."\n'
        '[[subscribers]]\nemail = "a@example.org"\nseats = ["Norwich North", "Colchestre"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["preview", "--config", str(config)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"{config}: subscribers[0].seats: no Westminster seat is called 'Colchestre'" in text
    assert "'Colchester'" in text


def test_seats_show_norwich_north() -> None:
    result = runner.invoke(app, ["seats", "show", "Norwich North"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "E14000863, 2010 boundaries" in text and "E14001408, 2024 boundaries" in text
    assert "MP: Chloe Smith (Conservative), 2010-05-06 to 2024-05-30" in text
    assert "MP: Alice Macdonald (Labour), 2024-07-04 to now" in text
    assert "2017: Chloe Smith, Conservative, majority 507 over Labour" in text
    payload = json.loads(runner.invoke(app, ["seats", "show", "E14000899", "--json"]).output)
    names = [(s["name"], s["boundary_set"]) for s in payload["seats"]]
    assert names == [
        ("Rochford and Southend East", "2010"),
        ("Southend East and Rochford", "2024"),
    ]
    unknown = runner.invoke(app, ["seats", "show", "Atlantis North"])
    assert unknown.exit_code == 2


def test_json_log_format_writes_one_object_per_line(tmp_path: Path) -> None:
    from tests.conftest import norwich_folder_toml

    config = tmp_path / "config.toml"
    config.write_text(norwich_folder_toml(tmp_path), encoding="utf-8")
    command = ["--log-format", "json", "-v", "poll", "--config", str(config)]
    completed = subprocess.run(
        [sys.executable, "-m", "digest", *command],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    # Log records are JSON lines; the command's own summary stays plain text.
    lines = completed.stderr.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records and {"time", "level", "logger", "message"} <= set(records[0])
    assert any(
        r["logger"] == "digest.polling" and "1 new" in r["message"] and r["level"] == "INFO"
        for r in records
    ), records

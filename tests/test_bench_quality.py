"""bench/quality.py's scoring on small hand-made labels, and one run over ../shared's set.

The figures in bench/RESULTS.md are only as good as this scoring: optional seats must count
neither way, a decoy is a wrong tag, a role mix-up costs both roles, and furniture is found
in a summary sentence without every sentence that starts with "News" counting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.quality import TagScores, _pair_figures, furniture_hits, furniture_kind, seat_key
from digest.models import Role, SeatTag
from tests.conftest import shared_path

ROOT = Path(__file__).resolve().parent.parent


def test_optional_seats_count_neither_way_and_decoys_are_wrong_tags() -> None:
    scores = TagScores()
    label = {
        "primary": ["Bishop Auckland"],
        "mentioned": ["Darlington"],
        "member": [],
        "optional": ["Richmond (Yorks)"],
    }
    scores.add(
        "001",
        {"Bishop Auckland": "primary", "Richmond (Yorks)": "member", "Dover": "mentioned"},
        label,
    )
    assert (scores.shown.true_positives, scores.shown.false_positives) == (1, 1)
    assert scores.shown.false_negatives == 1  # Darlington
    assert scores.roles["member"].false_positives == 0  # Richmond is optional
    assert [what for _, _, what in scores.errors] == [
        "missed: Darlington (labelled mentioned)",
        "wrong tag: Dover (mentioned)",
    ]


def test_a_role_mix_up_is_right_for_shown_tags_but_wrong_in_both_roles() -> None:
    scores = TagScores()
    label = {"primary": ["Tamworth"], "mentioned": [], "member": [], "optional": []}
    scores.add("036", {"Tamworth": "mentioned"}, label)
    assert scores.shown.precision == scores.shown.recall == 1.0
    assert scores.roles["primary"].recall == 0.0
    assert scores.roles["mentioned"].precision == 0.0
    assert scores.errors == [
        ("036", "Tamworth", "role: Tamworth tagged mentioned, labelled primary")
    ]


def test_a_seat_of_the_other_boundary_set_is_another_seat_unless_optional() -> None:
    label = {"boundary_set": "2024", "optional": ["Hackney North and Stoke Newington"]}
    old = SeatTag("E14000998", "Tottenham", "2010", Role.MEMBER, 1.0, ())
    now = SeatTag("E14001553", "Tottenham", "2024", Role.PRIMARY, 2.0, ())
    leader = SeatTag("E14000720", "Hackney North and Stoke Newington", "2010", Role.MEMBER, 1.0, ())
    assert seat_key(old, label) == "Tottenham [2010 set]"
    assert seat_key(now, label) == "Tottenham"
    assert seat_key(leader, label) == "Hackney North and Stoke Newington"


def test_furniture_is_found_glued_or_whole_but_short_words_do_not_match_content() -> None:
    lines = ["News", "Published", "The MP at the count on Friday (Image: Staff)"]
    summary = [
        "News of the count reached the town hall before midnight.",
        "Published10 February 2023 The council met on Monday to set the budget.",
        "The MP at the count on Friday (Image: Staff)The MP thanked the voters.",
    ]
    hits = furniture_hits(summary, lines, [" date 2023-02-10 "])
    assert [line for _, line in hits] == [
        "Published",
        "The MP at the count on Friday (Image: Staff)",
    ]
    assert furniture_hits(["date 2023-02-10 The council met on Monday."], [], [" date 2023-02-10 "])


def test_furniture_lines_are_sorted_into_the_issue_kinds() -> None:
    assert furniture_kind("Tamworth castleImage source, Getty Images") == "image label"
    assert furniture_kind("  • Published") == "published / dateline"
    assert furniture_kind("5 min read") == "read time / views"
    assert furniture_kind("READ MORE: Council tax to rise") == "read more / related"
    assert furniture_kind("Veteran MP will retire (Jane Doe/PA)") == "credit"
    assert furniture_kind("Andrew Bowie MP has retained his seat") == "caption or other"


def test_pairs_are_counted_by_relation() -> None:
    pairs = [
        {"relation": "cross_outlet_same_event", "same": True, "alone": True},
        {"relation": "cross_outlet_same_event", "same": True, "alone": False},
        {"relation": "same_page_two_captures", "same": True, "alone": True},
        {"relation": "related_not_same", "same": False, "alone": True},
    ]
    figures = _pair_figures(pairs, "alone")
    assert figures["same_event_joined"] == [1, 2]
    assert figures["different_story_joined"] == [1, 1]
    assert figures["copies_vs_different"] == {"precision": 0.5, "recall": 1.0}


def test_the_script_prints_the_table_over_local_dev() -> None:
    shared_path("eval", "local-dev", "labels.jsonl")
    script = ROOT / "bench" / "quality.py"
    run = [sys.executable, str(script), "--set", "local-dev"]
    table = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "seat tags shown (primary + mentioned + member): P / R" in table
    assert "reproduce: .venv/bin/python bench/quality.py" in table
    found = json.loads(subprocess.run([*run, "--json"], capture_output=True, check=True).stdout)
    assert found["local-dev"]["pages"] == 63
    assert found["local-dev"]["pairs"]["alone"]["same_event_joined"][1] == 16

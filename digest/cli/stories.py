"""``digest stories FILE...``: how the pipeline would group some articles into stories, and why."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from digest.cli.article_files import parse_day, read_article
from digest.cli.common import JsonOption, app, console, run
from digest.config import load_config
from digest.models import Role

if TYPE_CHECKING:
    from digest.stories.verdict import Similarity


def _evidence(similarity: Similarity) -> dict[str, Any]:
    """A verdict's event evidence, as ``--json`` gives it: what the two reports share of an
    event (quote, figures, other names), its score, how much of each lead the other tells,
    and the days between them."""
    from digest.stories.event_evidence import QUOTE_WORDS

    found = similarity.evidence
    return {
        "score": found.score,
        "quote_words": found.quote_runs + QUOTE_WORDS - 1 if found.quote_runs else 0,
        "figures": list(found.numbers),
        "names": list(found.names),
        "lede": round(similarity.lede, 3),
        "lede_other": round(similarity.lede_other, 3),
        "days_apart": similarity.days_apart,
    }


@app.command()
def stories(
    files: list[str] = typer.Argument(..., help="Article text files (title on line 1)."),
    day: str | None = typer.Option(
        None, "--date", help="The articles' date, YYYY-MM-DD (default: today)."
    ),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="Take the [stories] thresholds from this config file."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Group article files into stories exactly as the digest would, showing every pair's
    similarity and why it was joined or kept apart."""
    # Imported here: numpy is a slow import that every other command would pay for.
    from digest.seats.tagger import tag_text
    from digest.stories.fingerprints import fingerprint
    from digest.stories.grouping import StoryInput, StoryRules, compare, group_stories

    when = parse_day(day) or date.today()
    rules = run(lambda: load_config(config)).stories if config else StoryRules()
    published = datetime(when.year, when.month, when.day, tzinfo=UTC)
    items = []
    for file in files:
        title, body = run(lambda file=file: read_article(file))  # type: ignore[misc]
        _, tags = tag_text(title, body, when)
        seats = frozenset(t.code for t in tags if t.role is not Role.MEMBER)
        items.append(StoryInput(file, title, body, published, seats))
    groups = group_stories(items, rules)
    prints = {item.key: fingerprint(item.title, item.text) for item in items}
    pairs: list[dict[str, Any]] = []
    for a, b in combinations(items, 2):
        similarity = compare(a, prints[a.key], b, prints[b.key], rules)
        pairs.append(
            {
                "a": a.key,
                "b": b.key,
                "phrases": round(similarity.phrases, 3),
                "containment": round(similarity.containment, 3),
                "words": round(similarity.words, 3),
                "names": round(similarity.names, 3),
                "same_story": similarity.same_story,
                "reason": similarity.reason,
                "basis": similarity.basis,
                "evidence": _evidence(similarity),
            }
        )
    payload: dict[str, Any] = {
        "stories": [
            {
                "title": group.members[0].title,
                "members": [{"file": m.key, "title": m.title} for m in group.members],
                "joined_by": [
                    {
                        "a": a,
                        "b": b,
                        "reason": similarity.reason,
                        "basis": similarity.basis,
                        "evidence": _evidence(similarity),
                    }
                    for a, b, similarity in group.links
                ],
            }
            for group in groups
        ],
        "pairs": pairs,
    }
    if as_json:
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    noun = "story" if len(groups) == 1 else "stories"
    console.print(f"{len(items)} articles, {len(groups)} {noun}", highlight=False)
    for number, story in enumerate(payload["stories"], 1):
        console.print(f"\n{number}. {story['title']}", style="bold", highlight=False)
        for member in story["members"]:
            console.print(f"   {member['file']}: {member['title']}", highlight=False)
        for link in story["joined_by"]:
            console.print(f"   joined {link['a']} + {link['b']}: {link['reason']}", highlight=False)
    if pairs:
        table = Table(title="Every pair")
        columns = ("A", "B", "Phrases", "Contained", "Words", "Names", "Lead", "Event", "Verdict")
        for column in columns:
            table.add_column(column, overflow="fold")
        for p in pairs:
            table.add_row(
                Path(str(p["a"])).name,
                Path(str(p["b"])).name,
                f"{p['phrases']:.0%}",
                f"{p['containment']:.0%}",
                f"{p['words']:.0%}",
                f"{p['names']:.0%}",
                f"{p['evidence']['lede']:.0%}",
                f"{p['evidence']['score']:g}",
                str(p["reason"]),
            )
        console.print(table)

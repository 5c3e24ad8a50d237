"""Commands over one article or the gazetteer: ``tag``, ``summarise``, ``seats search``.

Every command's start imports this module; what reads articles (cleaning, tagging,
summarising) is imported by the commands that use it, so ``send`` does not pay for it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.table import Table

from digest.cli.article_files import parse_day, read_article, read_dated_article
from digest.cli.common import JsonOption, app, console, errors, run, seats_app
from digest.config import check_area
from digest.models import Seat, SeatTag
from digest.seats.gazetteer import Gazetteer, load_gazetteer


@app.command()
def tag(
    file: str = typer.Argument(..., help="An article text file (title on line 1), or - for stdin."),
    day: str | None = typer.Option(
        None,
        "--date",
        help="The article's date, YYYY-MM-DD (default: the date it prints, else today).",
    ),
    area: str = typer.Option(
        "", "--area", help="The county or district of the article's source, as in config."
    ),
    as_json: bool = JsonOption,
) -> None:
    """The Westminster seats an article is about (primary) or mentions."""
    when = parse_day(day)
    if area:
        run(lambda: check_area(area, key="--area"))
    title, body, printed = run(lambda: read_dated_article(file))
    when = when or printed
    from digest.seats.tagger import explain_text

    found = explain_text(title, body, when, area=area)
    boundary_set, tags = found.boundary_set, found.tags

    def seat_fields(t: SeatTag) -> dict[str, Any]:
        return {
            "code": t.code,
            "name": t.name,
            "boundary_set": t.boundary_set,
            "role": t.role.value,
            "score": t.score,
            "evidence": [
                {"start": e.start, "end": e.end, "text": e.text, "kind": e.kind.value}
                for e in t.evidence
            ],
        }

    payload = {
        "file": file,
        "title": title,
        "date": (when or date.today()).isoformat(),
        "boundary_set": boundary_set,
        "seats": [seat_fields(t) for t in tags],
        # Added for issue 18: areas holding several seats (not tags), and every matched name
        # that was not counted, with the reason.
        "areas": [seat_fields(t) for t in found.areas],
        "rejected": [
            {
                "start": r.start,
                "end": r.end,
                "text": r.text,
                "kind": r.kind.value,
                "reason": r.reason,
            }
            for r in found.rejected
        ],
    }
    if as_json:
        console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    console.print(f"{title}\nboundary set {boundary_set}, date {payload['date']}", highlight=False)
    if tags:
        table = Table()
        for column in ("Seat", "Code", "Set", "Role", "Score", "Evidence"):
            table.add_column(column)
        for t in tags:
            evidence = ", ".join(sorted({e.text for e in t.evidence}))
            table.add_row(t.name, t.code, t.boundary_set, t.role.value, f"{t.score:.3f}", evidence)
        console.print(table)
    else:
        console.print("No seat tagged.", highlight=False)
    if found.areas:
        named = sorted({e.text for t in found.areas for e in t.evidence})
        seats = ", ".join(t.name for t in found.areas)
        console.print(
            f"Areas named (not tags, they hold several seats): {', '.join(named)} ({seats})",
            highlight=False,
        )
    if found.rejected:
        console.print("Names seen but not counted:", highlight=False)
        seen: set[tuple[str, str]] = set()
        for r in found.rejected:
            if (r.text, r.reason) not in seen:
                seen.add((r.text, r.reason))
                console.print(f"  {r.text!r} ({r.kind.value}): {r.reason}", highlight=False)
    elif not tags and not found.areas:
        console.print("No seat, place or MP name found in the text.", highlight=False)


@app.command()
def summarise(
    file: str = typer.Argument(..., help="An article text file (title on line 1), or - for stdin."),
    sentences: int = typer.Option(
        2, "--sentences", "-n", min=1, max=10, help="How many sentences."
    ),
    as_json: bool = JsonOption,
) -> None:
    """The summary sentences of one article."""
    title, body = run(lambda: read_article(file))
    from digest.stories.live import coverage_kind, coverage_summary
    from digest.stories.summarise import summarise_text

    kind = coverage_kind(title, body)
    chosen = coverage_summary(kind) if kind else summarise_text(body, sentences, title=title)
    if as_json:
        console.print_json(
            json.dumps(
                {"file": file, "title": title, "sentences": list(chosen)}, ensure_ascii=False
            )
        )
        return
    console.print(title, style="bold", highlight=False)
    for sentence in chosen:
        console.print(f"- {sentence}", highlight=False)


@seats_app.command("search")
def seats_search(
    text: str = typer.Argument(
        ..., help="A seat name (or part of one), a code, an MP's name or a place."
    ),
    limit: int = typer.Option(10, "--limit", min=1, help="At most this many of each kind."),
    as_json: bool = JsonOption,
) -> None:
    """Find seats by name (both boundary sets), by their MPs' names, or by places in them.

    Exact names rank first, then names holding the words typed, then near misses (typos).
    """
    from digest.seats.search import search  # rapidfuzz: only this command needs it

    found = search(load_gazetteer(), text, limit=limit)
    results: list[dict[str, Any]] = [
        {
            "kind": "seat",
            "code": m.seat.code,
            "name": m.seat.name,
            "boundary_set": m.seat.boundary_set,
            "county": m.seat.county,
            "region": m.seat.region,
            "score": m.score,
        }
        for m in found.seats
    ]
    results += [
        {
            "kind": "mp",
            "code": p.term.seat_code,
            "name": p.term.seat_name,
            "boundary_set": p.term.boundary_set,
            "mp": p.term.name,
            "party": p.term.party,
            "from": p.term.start.isoformat(),
            "to": p.term.end.isoformat() if p.term.end else None,
            "score": p.score,
        }
        for p in found.people
    ]
    results += [
        {
            "kind": "place",
            "code": p.seat.code,
            "name": p.seat.name,
            "boundary_set": p.seat.boundary_set,
            "place": p.place.name,
            "place_type": p.place.place_type,
            "district": p.place.district,
            "county": p.place.county,
            "share": p.share,
            "score": p.score,
        }
        for p in found.places
    ]
    kinds = {"seat": 0, "mp": 1, "place": 2}
    results.sort(key=lambda r: (-r["score"], kinds[r["kind"]]))
    if as_json:
        console.print_json(json.dumps({"query": text, "results": results}, ensure_ascii=False))
        return
    if not results:
        errors.print(f"nothing matches {text!r}")
        raise typer.Exit(1)
    table = Table()
    for column in ("Seat", "Code", "Set", "Match"):
        table.add_column(column)
    for r in results:
        if r["kind"] == "mp":
            match = f"MP {r['mp']} ({r['party']}, {r['from']} to {r['to'] or 'now'})"
        elif r["kind"] == "place":
            where = ", ".join(x for x in (r["district"], r["county"]) if x and x != r["place"])
            match = f"place {r['place']}" + (f" ({where})" if where else "")
            match += f", {r['share']:.0%} of its people"
        else:
            match = "seat name"
        table.add_row(r["name"], r["code"], r["boundary_set"], f"{match}; score {r['score']:.2f}")
    console.print(table)


@seats_app.command("show")
def seats_show(
    seat: str = typer.Argument(..., help="A seat name (either boundary set, any variant) or code."),
    as_json: bool = JsonOption,
) -> None:
    """One seat in both boundary sets: MPs over time, results and majorities, successors."""
    gazetteer = load_gazetteer()
    seats = gazetteer.find_seats(seat)
    if not seats:
        close = gazetteer.closest_names(seat)
        errors.print(
            f"no seat is called {seat!r}" + (f"; did you mean {', '.join(close)}?" if close else "")
        )
        raise typer.Exit(2)
    # A name in one set also shows its main counterparts in the other.
    shown = list(seats)
    for found in seats:
        for other in gazetteer.counterparts(found):
            if other not in shown:
                shown.append(other)
    shown.sort(key=lambda s: (s.boundary_set, s.name))
    payload = [_seat_json(gazetteer, s) for s in shown]
    # Added for issue 18: a seat abolished or renamed in 2024 says so, with its successors.
    notes = [note for s in seats if (note := gazetteer.abolished_note(s))]
    if as_json:
        console.print_json(
            json.dumps({"query": seat, "seats": payload, "notes": notes}, ensure_ascii=False)
        )
        return
    for found in seats:
        note = gazetteer.abolished_note(found)
        if note:
            covered = ", ".join(s.name for s in gazetteer.counterparts(found)) or "no 2024 seat"
            console.print(
                f"{note}. A subscriber following it gets the stories of {covered}.\n",
                highlight=False,
            )
    for entry in payload:
        valid = f"{entry['valid_from']} to {entry['valid_to'] or 'now'}"
        console.print(
            f"[bold]{entry['name']}[/] ({entry['code']}, {entry['boundary_set']} boundaries, "
            f"{valid}); {entry['county'] or entry['region']}",
            highlight=False,
        )
        for mp in entry["mps"]:
            console.print(
                f"  MP: {mp['name']} ({mp['party']}), {mp['from']} to {mp['to'] or 'now'}",
                highlight=False,
            )
        for result in entry["results"]:
            console.print(f"  {result['summary']}", highlight=False)
        for link in entry["links"]:
            console.print(
                f"  {link['relation']}: {link['name']} ({link['code']}, "
                f"{link['share']:.0%} of the population)",
                highlight=False,
            )
        console.print()


def _seat_json(gazetteer: Gazetteer, seat: Seat) -> dict[str, Any]:
    relation = "successor" if seat.boundary_set == "2010" else "predecessor"
    other_set = "2024" if seat.boundary_set == "2010" else "2010"
    links = gazetteer.successors.get(f"{seat.boundary_set}:{seat.code}", [])
    return {
        "code": seat.code,
        "name": seat.name,
        "boundary_set": seat.boundary_set,
        "county": seat.county,
        "region": seat.region,
        "valid_from": seat.valid_from.isoformat(),
        "valid_to": seat.valid_to.isoformat() if seat.valid_to else None,
        "mps": [
            {
                "name": first.name,
                "party": first.party,
                "from": first.elected.isoformat(),
                "to": last.end.isoformat() if last.end else None,
            }
            for first, last in gazetteer.members(seat)
        ],
        "results": [
            {
                "date": r.day.isoformat(),
                "kind": r.kind,
                "winner": r.winner or None,
                "winner_party": r.winner_party,
                "majority": r.majority,
                "runner_up": r.runner_up or None,
                "runner_up_party": r.runner_up_party,
                "summary": r.describe(),
            }
            for r in gazetteer.results.get((seat.code, seat.boundary_set), ())
        ],
        "links": [
            {
                "relation": relation,
                "code": code,
                "name": gazetteer.seat(code, other_set).name,
                "share": share,
            }
            for code, share in sorted(links, key=lambda link: -link[1])
            if (code, other_set) in gazetteer.seats
        ],
    }

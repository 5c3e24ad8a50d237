#!/usr/bin/env python3
"""Editorial quality on real local news (issue 18): seat tags, furniture in summaries, stories.

Reads the real pages in ../shared/eval (the texts stay there):

* ``local-dev``: 63 labelled local-news pages (``labels.jsonl``: seats by role, furniture
  lines and fragments, dates; ``pairs.jsonl``: 40 labelled pairs). Prints the issue's table:
  the seat tags a subscriber is shown (primary + mentioned + member) and each role,
  precision/recall micro-averaged over pages (``optional`` seats count neither way; decoys are
  simply tags that should not be there); pages whose summary holds a labelled furniture line;
  pairs joined into one story: other outlets' reports of one event, different stories on one
  seat, and re-published copies of one page against those different stories.
* ``articles``: 66 real BBC (2004-05) and Guardian (2013) texts with no labels. Prints what
  can be checked without labels: tags shown per role, pages given no seat, summaries holding a
  line of a furniture kind the issue names (captions credits, "Published", "Image source",
  read-time lines ...), and stories joined among them (listed with ``--errors`` for review).

Every article goes through the commands' own code: ``digest tag``'s reading and cleaning and
``tag_text`` (dated by the label's date, else by the corpus's date from its SOURCES.md),
``digest summarise``'s ``summarise_text`` at the pipeline's default length, and
``group_stories`` as ``digest stories`` uses it (seats from the tags other than ``member``),
each article published on its own date. Summaries against reference summaries (ROUGE) are
``bench/summaries.py``; the written dedupe pairs are ``bench/dedupe.py``.

    .venv/bin/python bench/quality.py [--set local-dev|articles] [--errors] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dedupe import score as pair_score  # noqa: E402
from bench.tagging import Score  # noqa: E402
from digest.cli.article_files import read_article  # noqa: E402  (what `digest tag` reads with)
from digest.config import SummariseConfig  # noqa: E402
from digest.models import Role, SeatTag  # noqa: E402
from digest.seats.tagger import default_matcher, tag_text  # noqa: E402
from digest.stories.grouping import StoryInput, group_stories  # noqa: E402
from digest.stories.summarise import summarise_text  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
LOCAL_DEV = EVAL / "local-dev"
ARTICLES = EVAL / "articles" / "texts"
ROLES = ("primary", "mentioned", "member")
# The unlabelled corpora's dates, from ../shared/eval/articles/SOURCES.md: BBC politics
# stories of Nov 2004 to Mar 2005 (the middle of that window), a Guardian feed of 9 Nov 2013.
CORPUS_DATES = {"bbc2005": date(2005, 1, 15), "guardian2013": date(2013, 11, 9)}
SAME_EVENT, COPIES, APART = "cross_outlet_same_event", "same_page_two_captures", "related_not_same"

# Furniture kinds as the issue names them. The strong kinds find furniture in unlabelled
# text; all of them (then "short line", then "caption or other") sort labelled lines.
STRONG_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date prefix", re.compile(r"^date \d{4}-\d{2}-\d{2}\b")),
    ("link marker", re.compile(r"^, external$")),
    ("image label", re.compile(r"image (source|caption|copyright)|^[\w &'’]+:$", re.I)),
    ("credit", re.compile(r"\bCredit:|\((Image|Picture|Photo)s?:|\bPicture:|/PA( Wire)?\)")),
    ("read time / views", re.compile(r"\b\d+\s*min(ute)?s? read\b|\b\d[\d,]* views\b", re.I)),
    (
        "published / dateline",
        re.compile(
            r"\b(Published|Posted On|Last updated?)\b|^\W*(\w+day,? )?\d{1,2}(st|nd|rd|th)? "
            r"\w+,? \d{4}\b|^\W*\w+ \d{1,2},? \d{4}\b"
        ),
    ),
    ("read more / related", re.compile(r"^\W*(read more|see also|related)\b", re.I)),
    ("byline", re.compile(r"^By [A-Z]\w+ [A-Z]")),
    (
        "promo / newsletter",
        re.compile(r"newsletter|subscribe|sign(ing)? up|inbox|commenting|\bapp\b", re.I),
    ),
)


SHORT_LINE = "short line (navigation, label)"


def furniture_kind(line: str) -> str:
    """The kind of a labelled furniture line, for counting what survives and why."""
    text = _normal(line)
    for name, pattern in STRONG_KINDS:
        if pattern.search(text):
            return name
    return SHORT_LINE if len(text.split()) <= 3 else "caption or other"


def strong_kind(sentence: str, title: str) -> str | None:
    """The furniture kind a summary sentence shows without labels, if any."""
    text = _normal(sentence)
    if title and text.startswith(_normal(title)):
        return "headline repeated"
    for name, pattern in STRONG_KINDS:
        if name != "promo / newsletter" and pattern.search(text):
            return name
    return None


def _normal(text: str) -> str:
    return " ".join(text.split())


def furniture_hits(
    sentences: Iterable[str], lines: Iterable[str], fragments: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(sentence, furniture line) for each summary sentence that holds labelled furniture.

    A long line (four words or more) counts anywhere in the sentence, and a sentence of four
    words or more counts inside a line (a part of a caption); a short line ("News",
    "Published") only as the whole sentence or glued to its start, so that "News" does not
    match every sentence beginning "News of". Fragments count anywhere.
    """
    wanted = [_normal(f) for f in lines if any(c.isalnum() for c in f)]
    parts = [_normal(f) for f in fragments if _normal(f)]
    hits = []
    for sentence in sentences:
        text = _normal(sentence)
        for line in wanted:
            if len(line.split()) >= 4:
                found = line in text or (len(text.split()) >= 4 and text in line)
            else:
                # Glued ("Published10 February") or a kind of its own ("- Published" before
                # the lede); a place name on a tag list ("Stone") only as the whole sentence.
                glued = text.startswith(line) and text[len(line) : len(line) + 1].isalnum()
                own_kind = text.startswith(line) and furniture_kind(line) != SHORT_LINE
                found = text == line or glued or own_kind
            if found:
                hits.append((sentence, line))
        hits.extend((sentence, part) for part in parts if part in text)
    return hits


@dataclass(frozen=True)
class Page:
    """One text with what the commands make of it."""

    id: str
    title: str
    body: str
    day: date
    tags: tuple[SeatTag, ...]
    summary: tuple[str, ...]
    label: Mapping[str, Any] = field(default_factory=dict)

    def story_input(self) -> StoryInput:
        """As ``digest stories`` builds it, published on the page's own date."""
        seats = frozenset(t.code for t in self.tags if t.role is not Role.MEMBER)
        published = datetime(self.day.year, self.day.month, self.day.day, 9, tzinfo=UTC)
        return StoryInput(self.id, self.title, self.body, published, seats)


def read_page(path: Path, day: date, label: Mapping[str, Any] | None = None) -> Page:
    """Tag and summarise one text exactly as ``digest tag`` and ``digest summarise`` do."""
    title, body = read_article(str(path))
    _, tags = tag_text(title, body, day)
    summary = summarise_text(body, SummariseConfig().sentences, title=title)
    return Page(path.stem, title, body, day, tags, summary, label or {})


@dataclass
class TagScores:
    """Micro-averaged tag scores over pages, and every disagreement."""

    shown: Score = field(default_factory=Score)
    roles: dict[str, Score] = field(default_factory=lambda: {r: Score() for r in ROLES})
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # page, seat, what

    def add(self, page_id: str, predicted: Mapping[str, str], label: Mapping[str, Any]) -> None:
        """Score one page: ``predicted`` maps seat name to role; labels as in labels.jsonl.

        Seats labelled ``optional`` are left out of both sides.
        """
        optional = set(label.get("optional", ()))
        guess = {name: role for name, role in predicted.items() if name not in optional}
        want = {name: role for role in ROLES for name in label.get(role, ())}
        self.shown.add(set(guess), set(want))
        for role in ROLES:
            self.roles[role].add(
                {n for n, r in guess.items() if r == role},
                {n for n, r in want.items() if r == role},
            )
        for name in sorted(set(guess) | set(want)):
            got, should = guess.get(name), want.get(name)
            if got == should:
                continue
            if should is None:
                what = f"wrong tag: {name} ({got})"
            elif got is None:
                what = f"missed: {name} (labelled {should})"
            else:
                what = f"role: {name} tagged {got}, labelled {should}"
            self.errors.append((page_id, name, what))


def seat_key(tag: SeatTag, label: Mapping[str, Any]) -> str:
    """The tag's seat as the page's labels name it; a seat of the other set is another seat.

    Labels name seats in the set in force on the page's date: a 2024 story tagged with the
    2010 "Tottenham" (through its MP's earlier term) is not the 2024 "Tottenham" a
    subscriber follows, so it stays apart as "Tottenham [2010 set]". A name labelled
    ``optional`` stays optional in either set.
    """
    if tag.boundary_set == label["boundary_set"] or tag.name in label.get("optional", ()):
        return tag.name
    return f"{tag.name} [{tag.boundary_set} set]"


def _figures(score: Score) -> dict[str, float | int]:
    return {
        "precision": round(score.precision, 3),
        "recall": round(score.recall, 3),
        "f1": round(score.f1, 3),
        "true_positives": score.true_positives,
        "false_positives": score.false_positives,
        "false_negatives": score.false_negatives,
    }


def _evidence(tag: SeatTag) -> str:
    return ", ".join(sorted({f"{e.text!r} {e.kind.value}" for e in tag.evidence}))


def stories_of(pages: Sequence[Page]) -> dict[Hashable, int]:
    """Story number of each page when all are grouped together, as one poll would hold them."""
    story_of: dict[Hashable, int] = {}
    for number, group in enumerate(group_stories([p.story_input() for p in pages])):
        for member in group.members:
            story_of[member.key] = number
    return story_of


def joined_alone(a: Page, b: Page) -> bool:
    """Whether ``digest stories a b`` makes the two one story."""
    return len(group_stories([a.story_input(), b.story_input()])) == 1


def evaluate_local_dev() -> tuple[dict[str, Any], list[str]]:
    """The issue's table over local-dev, and every error found."""
    labels = [
        json.loads(line)
        for line in (LOCAL_DEV / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    pages: dict[str, Page] = {}
    scores = TagScores()
    errors: list[str] = []
    furniture_pages: set[str] = set()
    unlabelled_pages: set[str] = set()  # what the furniture kinds find without the labels
    kinds: Counter[str] = Counter()
    for label in labels:
        path = LOCAL_DEV / label["file"]
        page = read_page(path, date.fromisoformat(label["date"]), label)
        pages[label["file"]] = page
        scores.add(page.id, {seat_key(t, label): t.role.value for t in page.tags}, label)
        if any(strong_kind(sentence, page.title) for sentence in page.summary):
            unlabelled_pages.add(page.id)
        hits = furniture_hits(page.summary, label["furniture"], label["furniture_fragments"])
        if hits:
            furniture_pages.add(page.id)
        for sentence, line in hits:
            kind = furniture_kind(line)
            kinds[kind] += 1
            errors.append(f"{page.id} furniture ({kind}): {line[:90]!r} in {sentence[:140]!r}")
    evidence = {(p.id, seat_key(t, p.label)): _evidence(t) for p in pages.values() for t in p.tags}
    for page_id, name, what in scores.errors:
        found = evidence.get((page_id, name))
        errors.append(f"{page_id} {what}" + (f"; evidence {found}" if found else ""))
    pairs = [
        json.loads(line)
        for line in (LOCAL_DEV / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    story_of = stories_of(list(pages.values()))
    for pair in pairs:
        a, b = pages[pair["a"]], pages[pair["b"]]
        pair["same"] = pair["relation"] != APART
        pair["alone"] = joined_alone(a, b)
        pair["together"] = story_of[a.id] == story_of[b.id]
        if pair["alone"] != pair["same"] or pair["together"] != pair["same"]:
            verdict = "kept apart" if pair["same"] else "joined"
            errors.append(
                f"{a.id}/{b.id} pair {pair['relation']} {verdict} "
                f"(alone: joined={pair['alone']}, all together: joined={pair['together']})"
            )
    result: dict[str, Any] = {
        "pages": len(pages),
        "tags_shown": _figures(scores.shown),
        "roles": {role: _figures(score) for role, score in scores.roles.items()},
        "summary_sentences": SummariseConfig().sentences,
        "furniture": {
            "pages_with_furniture": len(furniture_pages),
            "pages_with_labelled_furniture": sum(
                1 for lb in labels if lb["furniture"] or lb["furniture_fragments"]
            ),
            "hits_by_kind": dict(kinds.most_common()),
            "pages_with_a_furniture_kind": len(unlabelled_pages),
        },
        "pairs": {mode: _pair_figures(pairs, mode) for mode in ("alone", "together")},
    }
    return result, errors


def _pair_figures(pairs: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    def joined(relation: str) -> list[int]:
        rows = [p for p in pairs if p["relation"] == relation]
        return [sum(1 for p in rows if p[mode]), len(rows)]

    copies = [p for p in pairs if p["relation"] in (COPIES, APART)]
    copy_precision, copy_recall = pair_score([p[mode] for p in copies], copies)
    precision, recall = pair_score([p[mode] for p in pairs], pairs)
    return {
        "same_event_joined": joined(SAME_EVENT),
        "different_story_joined": joined(APART),
        "copies_joined": joined(COPIES),
        "copies_vs_different": {
            "precision": round(copy_precision, 3),
            "recall": round(copy_recall, 3),
        },
        "all_pairs": {"precision": round(precision, 3), "recall": round(recall, 3)},
    }


def evaluate_articles() -> tuple[dict[str, Any], list[str]]:
    """What can be checked on the unlabelled articles, and every finding to review."""
    pages = []
    for path in sorted(ARTICLES.glob("*.txt")):
        day = CORPUS_DATES.get(path.stem.split("-")[0], date(2005, 1, 15))
        pages.append(read_page(path, day))
    roles: Counter[str] = Counter()
    findings: list[str] = []
    kinds: Counter[str] = Counter()
    furniture_pages = set()
    for page in pages:
        roles.update(t.role.value for t in page.tags)
        for tag in page.tags:
            findings.append(
                f"{page.id} tag (unlabelled): {tag.name} ({tag.role.value}) {_evidence(tag)}"
            )
        for sentence in page.summary:
            kind = strong_kind(sentence, page.title)
            if kind:
                kinds[kind] += 1
                furniture_pages.add(page.id)
                findings.append(f"{page.id} furniture ({kind}): {sentence[:140]!r}")
    joined = [g for g in group_stories([p.story_input() for p in pages]) if len(g.members) > 1]
    for group in joined:
        findings.append(
            "joined (unlabelled): "
            + " + ".join(str(m.key) for m in group.members)
            + "; "
            + "; ".join(s.reason for _, _, s in group.links)
        )
    result = {
        "pages": len(pages),
        "tags_by_role": {role: roles.get(role, 0) for role in ROLES},
        "pages_without_tags": sum(1 for p in pages if not p.tags),
        "summary_sentences": SummariseConfig().sentences,
        "furniture": {"pages_with_furniture": len(furniture_pages), "by_kind": dict(kinds)},
        "stories_joined": [[str(m.key) for m in g.members] for g in joined],
    }
    return result, findings


def _row(measure: str, figure: str) -> None:
    print(f"{measure:56} {figure}")


def _pr(s: Mapping[str, Any]) -> str:
    return (
        f"{s['precision']:.2f} / {s['recall']:.2f}  (F1 {s['f1']:.2f}; {s['true_positives']} "
        f"right, {s['false_positives']} wrong, {s['false_negatives']} missed)"
    )


def print_local_dev(result: Mapping[str, Any]) -> None:
    """The issue's table for local-dev."""
    roles, furniture = result["roles"], result["furniture"]
    print(f"local-dev: {result['pages']} real local pages, labelled ({LOCAL_DEV})")
    _row("seat tags shown (primary + mentioned + member): P / R", _pr(result["tags_shown"]))
    for role in ROLES:
        _row(f"  {role}: P / R", _pr(roles[role]))
    _row("primary F1", f"{roles['primary']['f1']:.2f}")
    _row(
        f"summaries ({result['summary_sentences']} sentences) holding labelled furniture",
        f"{furniture['pages_with_furniture']} of {result['pages']} pages "
        f"({furniture['pages_with_labelled_furniture']} pages have labelled furniture)",
    )
    for kind, count in furniture["hits_by_kind"].items():
        _row(f"  furniture hits: {kind}", str(count))
    _row(
        "  summaries with a furniture kind (found without labels)",
        f"{furniture['pages_with_a_furniture_kind']} of {result['pages']} pages",
    )
    for mode, label in (("alone", "each pair alone"), ("together", "all pages grouped together")):
        p = result["pairs"][mode]
        print(f"pairs, {label} (the grouping of digest stories):")
        _row("  same event, other outlets: joined", "{} of {}".format(*p["same_event_joined"]))
        _row(
            "  different stories, same seat or MP: wrongly joined",
            "{} of {}".format(*p["different_story_joined"]),
        )
        copies = p["copies_vs_different"]
        _row(
            "  re-published copies: joined",
            "{} of {}".format(*p["copies_joined"])
            + f"; copies vs different stories P {copies['precision']:.2f} / "
            f"R {copies['recall']:.2f}",
        )
        every = p["all_pairs"]
        _row(
            "  every labelled pair, same story: P / R",
            f"{every['precision']:.2f} / {every['recall']:.2f}",
        )


def print_articles(result: Mapping[str, Any]) -> None:
    """What the unlabelled articles show."""
    print(f"articles: {result['pages']} real BBC and Guardian texts, no labels ({ARTICLES})")
    roles = result["tags_by_role"]
    _row("seat tags shown: primary / mentioned / member", " / ".join(str(roles[r]) for r in ROLES))
    _row("pages given no seat", str(result["pages_without_tags"]))
    furniture = result["furniture"]
    _row(
        f"summaries ({result['summary_sentences']} sentences) with a furniture kind",
        f"{furniture['pages_with_furniture']} of {result['pages']} pages"
        + "".join(f" ({k}: {n})" for k, n in furniture["by_kind"].items()),
    )
    _row("stories of several texts (review with --errors)", str(len(result["stories_joined"])))


REPRODUCE = ".venv/bin/python bench/quality.py [--set local-dev|articles] [--errors] [--json]"
SETS = {
    "local-dev": (LOCAL_DEV / "labels.jsonl", evaluate_local_dev, print_local_dev),
    "articles": (ARTICLES, evaluate_articles, print_articles),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--set", choices=sorted(SETS), help="one set only (default: both)")
    parser.add_argument("--errors", action="store_true", help="print every error with its page")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for name in [args.set] if args.set else list(SETS):
        needed, evaluate, show = SETS[name]
        if not needed.exists():
            print(
                f"skipped {name}: {needed} not found (the set is read from ../shared)",
                file=sys.stderr,
            )
            continue
        default_matcher()  # built once, before the first page
        result, errors = evaluate()
        if args.errors:
            result["errors"] = errors
        results[name] = result
        if not args.json:
            show(result)
            if args.errors:
                print(f"{name}: {len(errors)} errors and findings")
                print("\n".join(f"  {e}" for e in errors))
            print()
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(f"reproduce: {REPRODUCE}")


if __name__ == "__main__":
    main()

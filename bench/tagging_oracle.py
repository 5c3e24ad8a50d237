#!/usr/bin/env python3
"""Every tagging decision on a fixed corpus, written to JSON, so a speed-up can be shown to
change nothing.

Tags the texts ``bench/tagging.py`` times (the labelled fixtures, and the 600-word texts cut
from them), the labelled local texts in ``../shared/eval/local-dev`` and the unlabelled ones
in ``../shared/eval/articles`` (skipped when absent), on several dates and with and without
a source area. For each it records ``explain_text`` in full (tags, areas, rejected names with
reasons, scores, evidence) and checks that ``tag_text`` agrees with it. Every text is tagged
twice, the second time with the process's resolutions warm, and both must agree.

    .venv/bin/python bench/tagging_oracle.py record /tmp/oracle-before.json
    .venv/bin/python bench/tagging_oracle.py compare /tmp/oracle-before.json
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.models import SeatTag  # noqa: E402
from digest.seats.tagger import Explanation, default_matcher, explain_text, tag_text  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "tagging" / "articles.jsonl"
EVAL = ROOT.parent / "shared" / "eval"
# Dates on both sides of the 2024 boundary change, and one in the 2005 campaign.
DATES = (date(2005, 4, 20), date(2020, 1, 1), date(2024, 7, 10))
# Source areas: none, and two with many same-named villages elsewhere.
AREAS = ("", "Essex", "Leeds")

Case = tuple[str, str, str, date]  # label, title, body, date


def _cases() -> list[Case]:
    cases: list[Case] = []
    articles = [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines()]
    for a in articles:
        cases.append((f"fixture/{a['id']}", a["title"], a["body"], date.fromisoformat(a["date"])))
    # The throughput texts of bench/tagging.py, exactly as it cuts them.
    words = " ".join(f"{a['title']}. {a['body']}" for a in articles).split()
    texts = [" ".join(words[i : i + 600]) for i in range(0, len(words) - 600, 37)][:400]
    cases.extend((f"bench/{n}", "", t, date(2020, 1, 1)) for n, t in enumerate(texts))
    labels = {}
    if (EVAL / "local-dev" / "labels.jsonl").exists():
        for line in (EVAL / "local-dev" / "labels.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            labels[entry["file"]] = entry
    for folder in ("local-dev", "articles"):
        root = EVAL / folder
        if not root.is_dir():
            print(f"skipped {root}: absent", file=sys.stderr)
            continue
        for path in sorted((root / "texts").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            title, _, body = text.partition("\n\n")
            label = labels.get(f"texts/{path.name}") if folder == "local-dev" else None
            if label is not None:
                title, body = label["title"], text
                days = {date.fromisoformat(label["date"]), *DATES}
            else:
                days = set(DATES)
            cases.extend((f"{folder}/{path.name}", title, body, d) for d in sorted(days))
    return cases


def _tag(t: SeatTag) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "set": t.boundary_set,
        "role": t.role.value,
        "score": round(t.score, 6),
        "evidence": [[e.start, e.end, e.text, e.kind.value] for e in t.evidence],
    }


def _record(found: Explanation) -> dict[str, Any]:
    return {
        "set": found.boundary_set,
        "tags": [_tag(t) for t in found.tags],
        "areas": [_tag(t) for t in found.areas],
        "rejected": [[r.start, r.end, r.text, r.kind.value, r.reason] for r in found.rejected],
    }


def run() -> dict[str, Any]:
    """Every case tagged twice; the second pass must repeat the first."""
    matcher = default_matcher()
    matcher.forget_resolutions()
    results: dict[str, Any] = {}
    cases = _cases()
    for round_ in range(2):
        for label, title, body, day in cases:
            for area in AREAS:
                key = f"{label} {day.isoformat()} {area}".rstrip()
                found = explain_text(title, body, day, matcher, area)
                boundary_set, tags = tag_text(title, body, day, matcher, area)
                entry = _record(found)
                only_tags = [_tag(t) for t in tags]
                if boundary_set != found.boundary_set or only_tags != entry["tags"]:
                    raise SystemExit(f"{key}: tag_text differs from explain_text")
                if round_ == 0:
                    results[key] = entry
                elif results[key] != entry:
                    raise SystemExit(f"{key}: second pass differs from the first")
    return results


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("record", "compare"):
        raise SystemExit(__doc__)
    results = run()
    path = Path(sys.argv[2])
    if sys.argv[1] == "record":
        path.write_text(json.dumps(results, ensure_ascii=False, indent=0), encoding="utf-8")
        print(f"{len(results)} results written to {path}")
        return
    before = json.loads(path.read_text(encoding="utf-8"))
    after = json.loads(json.dumps(results, ensure_ascii=False))
    differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for key in differ[:20]:
        print(f"DIFFERS {key}\n  before {before.get(key)}\n  after  {after.get(key)}")
    print(f"{len(after)} results, {len(differ)} differ from {path}")
    if differ:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

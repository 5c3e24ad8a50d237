#!/usr/bin/env python3
"""Summary quality against the BBC News Summary reference summaries (ROUGE-1/2/L F1).

Reads ../shared/eval/summaries/bbc_news_summary.jsonl (2,225 BBC articles, five categories,
extractive reference summaries; the data stays there). Every method picks the same number
of sentences (``--sentences``, default 3, the length of the lead-3 baseline) from the same
sentence split, so only the choice differs:

* lead-3: the first sentences;
* TextRank: PageRank over sentence similarity (word overlap over log lengths, Mihalcea and
  Tarau 2004), the usual graph baseline;
* seatwatch: ``digest.stories.summarise.summarise_text``, as the digest uses it.

ROUGE by Google's rouge-score package (stemmed). Reference sentences are concatenated with no
space between them in the data set ("time.She said"): a space is put back first.

    .venv/bin/python bench/summaries.py [--sentences N] [--limit N] [--held-out]

The scorer's three constants (length preference, position prior, repeat overlap) were chosen
on every fourth article; ``--held-out`` scores the other three quarters only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.prepare.clean import clean_body  # noqa: E402
from digest.stories.summarise import candidate_sentences, summarise_text  # noqa: E402
from digest.text import STOPWORDS  # noqa: E402

DATA = ROOT.parent / "shared" / "eval" / "summaries" / "bbc_news_summary.jsonl"
_WORD = re.compile(r"[a-z0-9]+")
_GLUED = re.compile(r"([.!?][\"'”’]?)(?=[A-Z\"“‘])")

Method = Callable[[str, str, int], list[str]]


def lead(title: str, text: str, n: int) -> list[str]:
    return candidate_sentences(text)[:n]


def textrank(title: str, text: str, n: int) -> list[str]:
    sentences = candidate_sentences(text)
    if len(sentences) <= n:
        return sentences
    words = [set(_WORD.findall(s.lower())) - STOPWORDS for s in sentences]
    size = len(sentences)
    weights = np.zeros((size, size))
    for i in range(size):
        for j in range(i + 1, size):
            if len(words[i]) > 1 and len(words[j]) > 1:
                shared = len(words[i] & words[j])
                if shared:
                    w = shared / (math.log(len(words[i])) + math.log(len(words[j])))
                    weights[i, j] = weights[j, i] = w
    totals = weights.sum(axis=1)
    totals[totals == 0] = 1.0
    transition = weights / totals[:, None]
    rank = np.full(size, 1.0 / size)
    for _ in range(50):
        rank = 0.15 / size + 0.85 * transition.T @ rank
    chosen = sorted(np.argsort(-rank, kind="stable")[:n])
    return [sentences[i] for i in chosen]


def ours(title: str, text: str, n: int) -> list[str]:
    return list(summarise_text(text, n, title=title))


METHODS: dict[str, Method] = {"lead-3": lead, "TextRank": textrank, "seatwatch": ours}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="leave out every fourth article (0, 4, 8, ...), the ones the scorer was tuned on",
    )
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"{DATA} not found: this benchmark reads the BBC News Summary set from ../shared")
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    if args.held_out:
        records = [r for i, r in enumerate(records) if i % 4]
    if args.limit:
        records = records[: args.limit]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores: dict[str, dict[str, list[tuple[float, float, float]]]] = {
        m: defaultdict(list) for m in METHODS
    }
    seconds = dict.fromkeys(METHODS, 0.0)
    for record in records:
        body = record["article"].split("\n", 1)[1] if "\n" in record["article"] else ""
        text = clean_body(body, is_html=False)
        reference = _GLUED.sub(r"\1 ", record["reference_summary"])
        for name, method in METHODS.items():
            start = time.perf_counter()
            summary = " ".join(method(record["title"], text, args.sentences))
            seconds[name] += time.perf_counter() - start
            result = scorer.score(reference, summary)
            triple = tuple(result[k].fmeasure for k in ("rouge1", "rouge2", "rougeL"))
            scores[name][record["category"]].append(triple)  # type: ignore[arg-type]
            scores[name]["all"].append(triple)  # type: ignore[arg-type]
    categories = [*sorted({r["category"] for r in records}), "all"]
    print(f"{len(records)} articles, {args.sentences} sentences per summary, ROUGE F1 x 100")
    print(f"{'':10}" + "".join(f"{c:>22}" for c in categories))
    print(f"{'':10}" + "".join(f"{'R1    R2    RL':>22}" for _ in categories))
    for name in METHODS:
        cells = []
        for category in categories:
            rows = scores[name][category]
            means = [100 * statistics.fmean(r[i] for r in rows) for i in range(3)]
            cells.append(f"{means[0]:6.1f}{means[1]:6.1f}{means[2]:6.1f}")
        print(f"{name:10}" + "".join(f"{c:>22}" for c in cells))
    for name in METHODS:
        print(f"{name}: {1000 * seconds[name] / len(records):.2f} ms per article")
    print("reproduce: .venv/bin/python bench/summaries.py [--sentences N] [--held-out]")


if __name__ == "__main__":
    main()

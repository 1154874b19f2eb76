"""Choose how the hybrid retriever fuses its rankings, from labelled questions, one set left out at a time.

    python -m evals.tune_fusion evals/dev evals/heldout evals/fresh evals/fresh2 evals/real evals/real2 evals/real3

For each QA set (its single questions with expected articles) the retriever is opened without the
phrasings learned from that set, and three rankings are kept per question: keyword (BM25 with the
phrasing field), dense (the articles' text by meaning) and labelled questions by meaning
(index/phrasing_vectors.py). A grid of fusions is then scored by hit@1 without searching again:

- the weight of the labelled-question ranking (keyword and dense weigh 1.0);
- the rule for when the keyword ranking stands alone: ``confident`` (its first article outscores
  the second by the ratio), ``agree`` (confident, and the nearest labelled question names the
  same article), ``either`` (a ranking by meaning puts the same article first; no ratio);
  ``none`` (always fuse).

Every set is left out in turn: the setting with the best mean hit@1 over the other sets is scored
on it ("left out"). Beside it, the choice ``policy-assistant index`` makes (index/fusion_choice.py:
folds over the corpus's labelled questions) made again without the phrasings learned from the set,
scored on it ("index w/o"): what the index-time choice gives on questions it never saw. The
printout is each set's figure before labelled questions by meaning, under the fusion the index
stored (``deployed``; ``Fusion()`` when it stored none), under both choices, the macro means, and
the best settings over all sets. Never pass a blind set: its items steer the choice.

The fusion is scored as ``index.fusion_choice.ranked`` orders it (the hybrid's own order).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.factory import (
    learned_from,
    load_documents,
    make_embedder,
    make_store,
    open_retriever,
    searchable_phrasings,
)
from assistant.settings import Settings
from corpus.models import Document
from corpus.phrasings import by_article
from evals.qa_file import load_qa_file
from index.embedders import CachedQueries
from index.fusion_choice import Question, Setting, choose, hit_at_1, stored_fusion
from index.phrasing_vectors import cache_for
from index.retriever import PHRASINGS, Fusion, open_index

RULES = ("none", "confident", "agree", "either")


def grid() -> list[Setting]:
    settings = [Setting(0.0, "confident", r) for r in (1.2, 1.3, 1.5, 2.0)]
    for weight in (0.5, 1.0, 1.5, 2.0, 3.0):
        settings.append(Setting(weight, "none"))
        settings.append(Setting(weight, "either"))
        settings += [
            Setting(weight, rule, r) for rule in ("confident", "agree") for r in (1.2, 1.3, 1.5, 2.0)
        ]
    return settings


def rankings(folder: Path, settings: Settings, documents: list[Document], depth: int = 20) -> list[Question]:
    """The three rankings of every single question in ``folder`` with expected articles."""
    qa_file = folder / "qa.jsonl"
    retriever = open_retriever(settings, documents, fusion=Fusion(), held_out=[qa_file])
    if retriever.phrasings is None:
        raise SystemExit("no labelled questions in the corpus (corpus/documents/phrasings/)")
    doc_ids = [d.doc_id for d in documents]
    out = []
    for item in load_qa_file(qa_file).items:
        if not item.expected:
            continue
        keyword = retriever.bm25.search(item.question, depth)
        dense = retriever.dense.search(item.question, depth)
        vector = retriever.dense.embedder.embed_query(item.question)
        labelled = retriever.phrasings.rank(vector, depth)
        out.append(
            Question(
                frozenset((d, e.article) for e in item.expected for d in doc_ids if e.doc_id in (None, d)),
                [(h.key, h.score) for h in keyword],
                [(h.key, h.score) for h in dense],
                [(key, score) for key, score in labelled],
            )
        )
    return out


def index_choice_without(folder: Path, settings: Settings, documents: list[Document]) -> Setting:
    """The setting ``policy-assistant index`` would choose without the phrasings learned from ``folder``."""
    qa_file = folder / "qa.jsonl"
    rows = [p for p in searchable_phrasings(settings, documents) if not learned_from(p, [qa_file])]
    embedder = CachedQueries(make_embedder(settings))
    opened = open_index(settings.index_dir, make_store(settings), embedder, documents, by_article(rows))
    return choose(opened, rows, cache=cache_for(settings.index_dir)).setting


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="+", type=Path, help="QA set folders (read sets only)")
    args = parser.parse_args(argv)
    settings = Settings()
    documents = load_documents(settings).documents
    sets = {folder.name: rankings(folder, settings, documents) for folder in args.sets}
    by_index = {folder.name: index_choice_without(folder, settings, documents) for folder in args.sets}
    now = Setting.of(stored_fusion(settings.index_dir) or Fusion())
    default = Setting.of(Fusion())
    table = {
        s: {name: hit_at_1(qs, s) for name, qs in sets.items()}
        for s in dict.fromkeys([*grid(), default, now, *by_index.values()])
    }
    before = Setting(0.0, "confident", Fusion().confident_ratio or 1.3)
    print(f"deployed (the index's stored choice, else the default): {now}; default: {default}")
    print(
        f"{'set':10s} {'n':>4s} {'before':>7s} {'default':>8s} {'deployed':>9s} {'left out':>9s} {'index w/o':>10s}"
        "  chosen on the other sets | index choice without the set"
    )
    left_out, index_without = [], []
    for name in sets:
        chosen = max(grid(), key=lambda s: statistics.fmean(v for n, v in table[s].items() if n != name))
        left_out.append(table[chosen][name])
        index_without.append(table[by_index[name]][name])
        print(
            f"{name:10s} {len(sets[name]):4d} {table[before][name]:7.3f} {table[default][name]:8.3f} "
            f"{table[now][name]:9.3f} "
            f"{table[chosen][name]:9.3f} {table[by_index[name]][name]:10.3f}  {chosen} | {by_index[name]}"
        )
    macro = {s: statistics.fmean(v.values()) for s, v in table.items()}
    print(
        f"macro hit@1: before {macro[before]:.3f}, default {macro[default]:.3f}, deployed {macro[now]:.3f}, "
        f"left out {statistics.fmean(left_out):.3f}, index w/o {statistics.fmean(index_without):.3f}"
    )
    print("best settings over all sets:")
    for s in sorted(table, key=lambda s: -macro[s])[:8]:
        print(f"  {macro[s]:.3f}  {s}:  " + "  ".join(f"{n} {v:.3f}" for n, v in table[s].items()))
    print(f"(the labelled-question ranking is named {PHRASINGS!r} in a hit's ranks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

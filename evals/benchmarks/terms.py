"""Build the index with a chosen set of corpus-derived policy terms, to measure what they bring.

Run: ``POLICY_DATA_DIR=DIR .venv/bin/python -m evals.benchmarks.terms --terms none``, then
``POLICY_DATA_DIR=DIR policy-assistant eval evals/dev/qa.jsonl …`` on that index. ``--terms``:
``all`` (the product's choice), ``none``, or a comma list of kinds (index/text.py TERM_KINDS:
headings, quoted, compounds, measures). Everything else is as ``policy-assistant index`` builds it
(settings from the environment); ``--cache`` shares one embedding cache between variants.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from assistant.factory import load_documents, make_embedder, make_store
from assistant.settings import Settings
from evals.benchmarks.stard import parse_kinds
from index.builder import IndexBuilder
from index.embedding_cache import EmbeddingCache


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Index the corpus with chosen kinds of derived terms.")
    parser.add_argument("--terms", default="all", help="all, none, or e.g. headings,quoted,measures")
    parser.add_argument("--cache", type=Path, help="embedding cache file to share between variants")
    args = parser.parse_args(argv)
    settings = Settings()
    documents = load_documents(settings).documents
    builder = IndexBuilder(
        make_embedder(settings),
        make_store(settings),
        settings.index_dir,
        settings.chunk_tokens,
        cache=EmbeddingCache(args.cache) if args.cache else None,
        term_kinds=parse_kinds(args.terms),
    )
    report = builder.build(documents)
    print(
        f"{settings.index_dir}: {len(documents)} documents, {report.chunks_total} chunks, terms {args.terms}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

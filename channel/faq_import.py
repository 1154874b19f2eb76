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


#: the columns a row must have (``document`` may be called ``doc_id``)
REQUIRED = ("document", "question", "answer")
COLUMNS = (
    "document",
    "question",
    "phrasings",
    "answer",
    "articles",
    "source_title",
    "source_issuer",
    "source_reference",
    "source_date",
    "valid_until",
)


@dataclass(frozen=True)
class ImportReport:
    imported: tuple[int, ...]
    errors: tuple[tuple[int, str], ...]
    #: the rows not imported, in the file's own format (CSV with its header), to mend and import again
    rejected: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": len(self.imported),
            "ids": list(self.imported),
            "errors": [{"line": line, "error": error} for line, error in self.errors],
            "rejected": self.rejected,
        }


@dataclass(frozen=True)
class _Row:
    line: int
    value: dict[str, Any] | str  # the row, or why it cannot be read
    raw: str | dict[str, str]  # the line as written (JSONL) or the row's cells (CSV)


def read_upload(data: bytes, filename: str) -> tuple[str, str]:
    """(text, format) of an uploaded FAQ file: ``.jsonl``/``.json`` or ``.csv``, UTF-8 (with or
    without a BOM, as Excel writes it); a ChannelError in Chinese otherwise."""
    name = filename.lower()
    if name.endswith((".jsonl", ".json", ".ndjson")):
        format = "jsonl"
    elif name.endswith((".csv", ".txt")):
        format = "csv"
    else:
        raise ChannelError(422, "请上传 .jsonl 或 .csv 文件（每行一条审核答复）。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ChannelError(
            422,
            f"文件不是 UTF-8 编码（第 {line} 行起无法读取）："
            "请用「另存为 → CSV UTF-8」或 UTF-8 编码的文本保存后再导入。",
        ) from exc
    return text, format


def _rows(content: str, format: str) -> list[_Row]:
    rows: list[_Row] = []
    if format == "jsonl":
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                rows.append(_Row(number, "不是有效的 JSON", line))
                continue
            rows.append(_Row(number, value if isinstance(value, dict) else "每行应是一个 JSON 对象", line))
        return rows
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip() for h in reader.fieldnames or [] if isinstance(h, str)]
    missing = [c for c in REQUIRED if c not in header and not (c == "document" and "doc_id" in header)]
    if header and missing:
        raise ChannelError(
            422,
            f"CSV 第 1 行（表头）缺少列：{'、'.join(missing)}。表头应为：{','.join(COLUMNS)}"
            "（phrasings 起可选；document 也可写作 doc_id）。没有导入任何一行。",
        )
    for row in reader:
        cells = {k.strip(): v for k, v in row.items() if isinstance(k, str)}
        if None in row:  # more cells than the header has columns
            rows.append(_Row(reader.line_num, "这一行的列数比表头多（可能缺少引号）", cells))
            continue
        rows.append(_Row(reader.line_num, cells, cells))
    return rows


def _rejected(rows: list[_Row], format: str) -> str:
    if not rows:
        return ""
    if format == "jsonl":
        return "\n".join(str(r.raw) for r in rows) + "\n"
    names = list(dict.fromkeys(k for r in rows if isinstance(r.raw, dict) for k in r.raw))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow(r.raw if isinstance(r.raw, dict) else {})
    return out.getvalue()


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
    rejected: list[_Row] = []
    for row in rows:
        try:
            if isinstance(row.value, str):
                raise ChannelError(422, row.value)
            draft = _check(channel, row.value, actor)
        except ChannelError as exc:
            errors.append((row.line, str(exc)))
            rejected.append(row)
            continue
        imported.append(channel.store.publish(draft, actor))
    channel.store.audit(actor, "reviewed.import", detail={"imported": len(imported), "errors": len(errors)})
    return ImportReport(tuple(imported), tuple(errors), _rejected(rejected, format))


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
    # like a published reply: by default valid to the end of the document's period
    until = parse_day(str(row.get("valid_until") or "")) or channel.reviewed.default_until(document.doc_id)
    if until is not None and until < datetime.now(UTC).date():
        raise ChannelError(422, f"有效期 {until.isoformat()} 已过：请填写今天以后的日期")
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

"""Read QA sets: JSONL (questions or conversations) and CSV, with line-numbered errors.

A JSONL line is either one question::

    {"id": "q1", "question": "…", "expected_articles": ["（十三）"], "must_include": ["…"], "type": "subsidy"}

or one conversation, whose turns are asked in order in the same conversation::

    {"id": "c01", "turns": [{"question": "…", "expected_articles": […], "must_include": […], "type": "fact"}, …]}

A CSV file has the columns ``id, question, expected_articles, must_include, type`` with lists
``|``-separated (and optionally ``reviewed``).

An item or turn may name the reviewed answer (人工审核答复) expected beside its answer when the run
has reviewed answers (``eval run --reviewed FILE``): ``"reviewed": "<that answer's question, as
written in the import file>"``, or ``"reviewed": false`` for "no reviewed answer should be shown";
without the field the item is not scored for reviewed answers.

Every problem of a file is collected (not just the first) so a QA author can fix them all in one
pass.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from assistant.asks import KINDS
from corpus.labels import split_qualified

log = logging.getLogger(__name__)

TYPES = (
    "fact",
    "eligibility",
    "subsidy",
    "procedure",
    "multi",
    "english",
    "not_in_doc",
    "out_of_scope",
)
REFUSE_TYPE = "out_of_scope"
CSV_COLUMNS = ("id", "question", "expected_articles", "must_include", "type")
CSV_LIST_SEPARATOR = "|"
#: how a CSV cell of the optional ``reviewed`` column says "no reviewed answer should be shown"
#: (JSON: ``false``)
CSV_NO_REVIEWED = "false"
MAX_REVIEWED_CHARS = 500  # as a reviewed answer's question (channel/reviewed.py)


@dataclass(frozen=True)
class ExpectedArticle:
    """An article a question should be answered from; ``doc_id`` None matches any document."""

    doc_id: str | None
    article: str

    def matches(self, doc_id: str, article: str) -> bool:
        return self.article == article and (self.doc_id is None or self.doc_id == doc_id)

    def __str__(self) -> str:
        return f"{self.doc_id}#{self.article}" if self.doc_id else self.article


ASK_KINDS = KINDS  # the kinds of thing a question asks, as the assistant reads them (assistant/asks.py)


@dataclass(frozen=True)
class GoldAsk:
    """One thing a QA question asks, labelled from the document (optional ``asks`` field).

    ``stated``: the document answers it. ``answer_terms``: verbatim words any one of which an
    opening that answers it contains. ``grants``: for a stated yes/no, whether the document says yes.
    """

    kind: str
    stated: bool
    answer_terms: tuple[str, ...] = ()
    grants: bool | None = None


@dataclass(frozen=True)
class QAItem:
    """One question to ask; a conversation turn carries its conversation id and 1-based turn."""

    id: str
    question: str
    type: str
    expected: tuple[ExpectedArticle, ...] = ()
    must_include: tuple[str, ...] = ()
    line: int = 0
    conversation: str | None = None
    turn: int | None = None
    asks: tuple[GoldAsk, ...] = ()
    place: str = ""  # the other place a declined question asks about (绍兴, 成都 …)
    #: the reviewed answer expected beside the answer, by its question as in the import file;
    #: False: none should be shown; None: not labelled (not scored for reviewed answers)
    reviewed: str | Literal[False] | None = None

    @property
    def must_refuse(self) -> bool:
        return self.type == REFUSE_TYPE


@dataclass(frozen=True)
class Problem:
    """A malformed row: where it is and what is wrong (Chinese, shown to QA authors)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass(frozen=True)
class QASet:
    """The valid items of a file, in file order, and the rows that could not be used."""

    path: Path
    items: tuple[QAItem, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def conversations(self) -> int:
        return len({i.conversation for i in self.items if i.conversation})


class QAFileError(Exception):
    """The file cannot be used at all (missing, unknown format) or has malformed rows."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        listing = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}：{len(problems)} 处格式错误\n{listing}")


def load_qa_file(path: Path) -> QASet:
    """Parse a QA file. Malformed rows are listed in ``problems``; the caller decides to stop or skip."""
    if not path.is_file():
        raise QAFileError(path, [Problem(0, "文件不存在；需要 .jsonl 或 .csv 格式的问答集")])
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".json", ".ndjson"}:
        items, problems = _read_jsonl(path)
    elif suffix == ".csv":
        items, problems = _read_csv(path)
    else:
        raise QAFileError(
            path, [Problem(0, f"不支持的文件类型 {suffix or '（无扩展名）'}；需要 .jsonl 或 .csv")]
        )
    items, problems = _check_unique_ids(items, problems)
    if not items and not problems:
        problems.append(Problem(0, "文件中没有任何问题"))
    log.info("qa file loaded", extra={"path": str(path), "items": len(items), "problems": len(problems)})
    return QASet(path=path, items=tuple(items), problems=tuple(sorted(problems, key=lambda p: p.line)))


def _read_jsonl(path: Path) -> tuple[list[QAItem], list[Problem]]:
    items: list[QAItem] = []
    problems: list[Problem] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, f"不是合法的 JSON（{exc.msg}，第 {exc.colno} 列）"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(number, f"应为 JSON 对象；实际为 {type(row).__name__}"))
            continue
        if "turns" in row:
            found, errors = _conversation(row, number)
        else:
            item, errors = _item(row, number, default_id=f"L{number}")
            found = [item] if item else []
        items.extend(found)
        problems.extend(errors)
    return items, problems


def _conversation(row: dict[str, Any], line: int) -> tuple[list[QAItem], list[Problem]]:
    conv_id = row.get("id")
    if not isinstance(conv_id, str) or not conv_id.strip():
        return [], [Problem(line, "对话缺少 id（非空字符串）")]
    turns = row["turns"]
    if not isinstance(turns, list) or not turns:
        return [], [Problem(line, f"对话 {conv_id} 的 turns 应为非空列表")]
    items: list[QAItem] = []
    problems: list[Problem] = []
    for index, turn in enumerate(turns, start=1):
        where = f"对话 {conv_id} 第 {index} 轮："
        if not isinstance(turn, dict):
            problems.append(Problem(line, f"{where}应为 JSON 对象"))
            continue
        item, errors = _item(turn, line, default_id=f"{conv_id}.{index}", prefix=where)
        problems.extend(errors)
        if item:
            items.append(_as_turn(item, conv_id, index))
    # A conversation with a broken turn cannot be replayed faithfully: skip it whole.
    return ([] if problems else items), problems


def _as_turn(item: QAItem, conversation: str, turn: int) -> QAItem:
    return replace(item, id=f"{conversation}.{turn}", conversation=conversation, turn=turn)


def _item(
    row: dict[str, Any], line: int, default_id: str, prefix: str = ""
) -> tuple[QAItem | None, list[Problem]]:
    problems: list[str] = []
    raw_id = row.get("id", default_id)
    if not isinstance(raw_id, str | int) or not str(raw_id).strip():
        problems.append("id 应为非空字符串")
    question = row.get("question")
    if "question" not in row:
        problems.append("缺少 question 字段")
    elif not isinstance(question, str) or not question.strip():
        problems.append("question 应为非空字符串")
    qtype = row.get("type")
    if "type" not in row:
        problems.append(f"缺少 type 字段（可选：{', '.join(TYPES)}）")
    elif qtype not in TYPES:
        problems.append(f"未知的 type {qtype!r}（可选：{', '.join(TYPES)}）")
    expected_raw = _string_list(row, "expected_articles", problems)
    must_include = _string_list(row, "must_include", problems) or []
    expected = tuple(ExpectedArticle(*split_qualified(label)) for label in expected_raw or [])
    if qtype == REFUSE_TYPE and expected:
        problems.append("out_of_scope 问题应拒答，expected_articles 必须为空列表")
    needs_articles = qtype in TYPES and qtype not in {REFUSE_TYPE, "not_in_doc"}
    if needs_articles and expected_raw is not None and not expected:
        problems.append(f"{qtype} 问题需要至少一个 expected_articles")
    asks = _asks(row.get("asks"), problems)
    place = row.get("place", "")
    if not isinstance(place, str):
        problems.append("place 应为字符串")
    reviewed = _reviewed(row, qtype, problems)
    if problems:
        return None, [Problem(line, prefix + p) for p in problems]
    assert isinstance(question, str) and isinstance(qtype, str) and isinstance(place, str)
    return (
        QAItem(
            id=str(raw_id).strip(),
            question=question.strip(),
            type=qtype,
            expected=tuple(dict.fromkeys(expected)),
            must_include=tuple(must_include),
            line=line,
            asks=asks,
            place=place.strip(),
            reviewed=reviewed,
        ),
        [],
    )


def _reviewed(row: dict[str, Any], qtype: Any, problems: list[str]) -> str | Literal[False] | None:
    """The optional ``reviewed`` field: the expected reviewed answer's question, or false for none."""
    if "reviewed" not in row:
        return None
    value = row["reviewed"]
    if value is None:
        problems.append("reviewed 不能为 null：不应显示审核答复请写 false；不评这一项请去掉该字段")
        return None
    if value is False:
        return False
    if not isinstance(value, str) or not value.strip():
        shown = "空字符串" if isinstance(value, str) else f"{type(value).__name__} {value!r}"[:60]
        problems.append(
            "reviewed 应为期望显示的审核答复的问题原文（与导入文件 question 列一致的非空字符串），"
            f"或 false 表示不应显示审核答复；实际为 {shown}"
        )
        return None
    if len(value.strip()) > MAX_REVIEWED_CHARS:
        problems.append(
            f"reviewed 太长（{len(value.strip())} 字）：审核答复的问题最多 {MAX_REVIEWED_CHARS} 字"
        )
        return None
    if qtype == REFUSE_TYPE:
        problems.append("out_of_scope 问题应拒答，拒答不显示审核答复：reviewed 只能为 false")
        return None
    return value.strip()


def _asks(value: Any, problems: list[str]) -> tuple[GoldAsk, ...]:
    """The optional ``asks`` list: ``[{"kind", "stated", "answer_terms"?, "grants"?}, …]``."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"asks 应为列表；实际为 {type(value).__name__}")
        return ()
    out: list[GoldAsk] = []
    for n, ask in enumerate(value, start=1):
        where = f"asks 第 {n} 项"
        if not isinstance(ask, dict):
            problems.append(f"{where}应为 JSON 对象")
            continue
        kind, stated = ask.get("kind"), ask.get("stated")
        terms = ask.get("answer_terms", [])
        grants = ask.get("grants")
        if kind not in ASK_KINDS:
            problems.append(f"{where}：未知的 kind {kind!r}（可选：{', '.join(ASK_KINDS)}）")
        elif not isinstance(stated, bool):
            problems.append(f"{where}：stated 应为 true 或 false")
        elif not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            problems.append(f"{where}：answer_terms 应为非空字符串的列表")
        elif grants is not None and not isinstance(grants, bool):
            problems.append(f"{where}：grants 应为 true 或 false")
        else:
            out.append(GoldAsk(kind, stated, tuple(t.strip() for t in terms), grants))
    return tuple(out)


def _string_list(row: dict[str, Any], key: str, problems: list[str]) -> list[str] | None:
    """The stripped strings of a list field; None (and a problem) when it is not a list of strings."""
    value = row.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{key} 应为字符串列表；实际为 {type(value).__name__}")
        return None
    if not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} 的每一项都应为非空字符串")
        return None
    return [v.strip() for v in value]


def _read_csv(path: Path) -> tuple[list[QAItem], list[Problem]]:
    items: list[QAItem] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in ("question", "type") if c not in header]
        if missing:
            return [], [Problem(1, f"表头缺少列 {', '.join(missing)}（需要 {', '.join(CSV_COLUMNS)}）")]
        reader.fieldnames = header
        for row in reader:
            number = reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if None in row:
                problems.append(
                    Problem(number, f"列数多于表头（{len(header)} 列）；列表请用 | 分隔，不要用逗号")
                )
                continue
            record: dict[str, Any] = {k: (v or "").strip() for k, v in row.items()}
            if not record.get("id"):
                record.pop("id", None)
            for key in ("expected_articles", "must_include"):
                cell = record.get(key, "")
                record[key] = [p.strip() for p in cell.split(CSV_LIST_SEPARATOR) if p.strip()] if cell else []
            if not record.get("reviewed"):
                record.pop("reviewed", None)  # an empty cell: not labelled
            elif record["reviewed"] == CSV_NO_REVIEWED:
                record["reviewed"] = False
            item, errors = _item(record, number, default_id=f"L{number}")
            problems.extend(errors)
            if item:
                items.append(item)
    return items, problems


def _check_unique_ids(items: list[QAItem], problems: list[Problem]) -> tuple[list[QAItem], list[Problem]]:
    first: dict[str, int] = {}
    kept: list[QAItem] = []
    for item in items:
        if item.id in first:
            problems.append(Problem(item.line, f"id {item.id} 重复（第 {first[item.id]} 行已使用）"))
            continue
        first[item.id] = item.line
        kept.append(item)
    return kept, problems

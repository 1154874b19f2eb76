"""Importing reviewed answers from an FAQ file: good rows in, bad rows reported by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import Answer, Citation
from assistant.pipeline import Pipeline
from channel.faq_import import import_faq
from channel.service import ChannelError, ChannelService
from channel.store import ChannelStore

DOC = "sh-digital-talent-2024"
SOURCE = {
    "source_title": "上海市职业技能提升补贴目录",
    "source_issuer": "上海市人力资源和社会保障局",
    "source_reference": "沪人社规〔2024〕3号",
    "source_date": "2024-03-01",
}


@pytest.fixture()
def channel(tmp_path: Path, channel_pipeline: Pipeline) -> ChannelService:
    return ChannelService(ChannelStore(f"sqlite:///{tmp_path / 'db.sqlite3'}"), lambda: channel_pipeline)


def test_jsonl_import_reports_each_bad_line(channel: ChannelService) -> None:
    rows = [
        {
            "document": DOC,
            "question": "技能补贴标准是多少？",
            "phrasings": ["职业技能提升补贴标准是多少"],
            "answer": "标准见沪人社规〔2024〕3号。",
            "articles": ["（十三）"],
            **SOURCE,
            "valid_until": "2026-12-31",
        },
        {"document": "上海市居住证积分管理办法", "question": "q", "answer": "a", "articles": ["（十三）"]},
        {"document": DOC, "question": "", "answer": "a", "articles": ["（十三）"]},
        {"document": DOC, "question": "q", "answer": "a", "articles": ["（九十九）"]},
        {"document": DOC, "question": "q", "answer": "每人补贴5000元。", "articles": ["（十三）"]},
        {"document": DOC, "question": "q", "answer": "a"},
        {"document": DOC, "question": "q", "answer": "a", "source_title": "只有标题"},
        {"document": DOC, "question": "q", "answer": "a", "articles": ["（十三）"], "valid_until": "明年"},
    ]
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n[1, 2]\n"
    report = import_faq(channel, content, "jsonl", "li")
    assert len(report.imported) == 1
    errors = dict(report.errors)
    assert sorted(errors) == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert (
        "不是本服务收录的政策文件" in errors[2]
        and "缺少问题" in errors[3]
        and "没有第（九十九）条" in errors[4]
    )
    assert "5000" in errors[5] and "需要注明依据" in errors[6] and "外部来源缺少" in errors[7]
    assert "有效期应写作" in errors[8] and "不是有效的 JSON" in errors[9] and "JSON 对象" in errors[10]
    cite = Citation(DOC, "t", "（十三）", "q")
    asked = Answer(
        question="职业技能提升补贴的标准是多少钱？",
        text="…",
        refused=False,
        mode="extractive",
        citations=(cite,),
    )
    [shown] = channel.reviewed.matching(asked)
    assert (
        shown.sources[0]["reference"] == "沪人社规〔2024〕3号" and shown.citations[0]["article"] == "（十三）"
    )


def test_csv_import_and_empty_files(channel: ChannelService) -> None:
    header = (
        "document,question,phrasings,answer,articles,source_title,source_issuer,source_reference,source_date"
    )
    good = f"{DOC},首席技师怎么评？,首席技师评选|首席技师条件,见第（五）条。,（五）,,,,"
    bad = f"{DOC},没有依据的问题,,答复,,,,,"
    report = import_faq(channel, "\n".join([header, good, bad]), "csv", "li")
    assert len(report.imported) == 1 and report.errors == ((3, report.errors[0][1]),)
    assert channel.store.reviewed(report.imported[0]).phrasings == ("首席技师评选", "首席技师条件")  # type: ignore[union-attr]
    with pytest.raises(ChannelError, match="文件是空的"):
        import_faq(channel, "", "jsonl", "li")
    with pytest.raises(ChannelError, match="格式应为"):
        import_faq(channel, "x", "xml", "li")


def test_rejected_rows_come_back_to_mend_and_nothing_is_lost(channel: ChannelService) -> None:
    header = "document,question,answer,articles"
    rows = [
        f"{DOC},首席技师怎么评？,见第（五）条。,（五）",
        f'{DOC},"带逗号, 的问题",没有依据,',
        f"{DOC},多了一列,答复,（五）,多余",
    ]
    report = import_faq(channel, "\n".join([header, *rows]), "csv", "li")
    assert len(report.imported) == 1 and [line for line, _ in report.errors] == [3, 4]
    assert "列数比表头多" in report.errors[1][1]
    mended = report.rejected.splitlines()
    assert mended[0] == header and mended[1] == f'{DOC},"带逗号, 的问题",没有依据,' and len(mended) == 3
    lines = ['{"document": "x"', json.dumps({"document": DOC, "question": "q", "answer": "a"})]
    jsonl = import_faq(channel, "\n".join(lines), "jsonl", "li")
    assert jsonl.imported == () and jsonl.rejected.splitlines() == lines
    with pytest.raises(ChannelError, match="表头）缺少列：question、answer"):
        import_faq(channel, "document,问题,答复\nx,y,z\n", "csv", "li")


def test_uploads_are_read_as_utf8_with_a_clear_message_otherwise() -> None:
    from channel.faq_import import read_upload

    assert read_upload("\ufeffdocument,question\n".encode(), "faq.CSV") == ("document,question\n", "csv")
    assert read_upload(b"{}", "faq.jsonl")[1] == "jsonl"
    with pytest.raises(ChannelError, match="不是 UTF-8 编码（第 2 行起"):
        read_upload("a,b\n问题,答复\n".encode("gbk"), "faq.csv")
    with pytest.raises(ChannelError, match="请上传 .jsonl 或 .csv"):
        read_upload(b"x", "faq.xlsx")


def test_imported_answers_are_valid_to_the_end_of_the_documents_period(channel: ChannelService) -> None:
    from datetime import date

    header = "document,question,answer,articles,valid_until"
    rows = [
        f"{DOC},首席技师怎么评？,见第（五）条。,（五）,",
        f"{DOC},首席技师条件？,见第（五）条。,（五）,2026-12-20",
    ]
    report = import_faq(channel, "\n".join([header, *rows]), "csv", "li")
    found = [channel.store.reviewed(i) for i in report.imported]
    assert [r.valid_until for r in found if r] == [date(2026, 12, 31), date(2026, 12, 20)]
    expired = import_faq(channel, f"{header}\n{DOC},过期的？,见第（五）条。,（五）,2020-01-01", "csv", "li")
    assert expired.imported == () and "有效期 2020-01-01 已过" in expired.errors[0][1]

"""QA files: JSONL, CSV and conversations parse; malformed rows give line-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.qa_file import ExpectedArticle, QAFileError, load_qa_file

GOOD = '{"id": "q1", "question": "补贴有哪些？", "expected_articles": ["(十三)", "sh-digital-talent-2024#（一）"], "must_include": ["补贴"], "type": "subsidy"}'


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_item_labels_are_normalised(tmp_path: Path) -> None:
    qa = load_qa_file(_write(tmp_path, "a.jsonl", GOOD + "\n"))
    assert not qa.problems
    (item,) = qa.items
    assert item.expected == (
        ExpectedArticle(None, "（十三）"),
        ExpectedArticle("sh-digital-talent-2024", "（一）"),
    )
    assert item.must_include == ("补贴",) and item.line == 1


def test_jsonl_errors_are_line_numbered_and_all_listed(tmp_path: Path) -> None:
    lines = [
        GOOD,
        '{"id": "q2", "question": "缺右括号"',
        '{"id": "q3", "expected_articles": ["（一）"], "type": "fact"}',
        '{"id": "q4", "question": "天气？", "expected_articles": [], "type": "weather"}',
        '{"id": "q5", "question": "条件？", "expected_articles": "（一）", "type": "eligibility"}',
        "",
        '["not", "an", "object"]',
        '{"id": "q1", "question": "重复 id", "expected_articles": ["（一）"], "type": "fact"}',
        '{"id": "q9", "question": "拒答题不应有条款", "expected_articles": ["（一）"], "type": "out_of_scope"}',
    ]
    qa = load_qa_file(_write(tmp_path, "bad.jsonl", "\n".join(lines)))
    messages = {p.line: p.message for p in qa.problems}
    assert "不是合法的 JSON" in messages[2]
    assert "缺少 question" in messages[3]
    assert "未知的 type 'weather'" in messages[4]
    assert "expected_articles 应为字符串列表" in messages[5]
    assert "应为 JSON 对象" in messages[7]
    assert "id q1 重复（第 1 行已使用）" in messages[8]
    assert "out_of_scope" in messages[9]
    assert [i.id for i in qa.items] == ["q1"]
    assert str(qa.problems[0]).startswith("第 2 行：")


def test_conversations_become_ordered_turns(tmp_path: Path) -> None:
    conv = (
        '{"id": "c1", "turns": ['
        '{"question": "数字技术工程师是什么？", "expected_articles": ["（一）"], "must_include": [], "type": "fact"},'
        '{"question": "那有什么补贴？", "expected_articles": ["（十三）"], "must_include": [], "type": "subsidy"}]}'
    )
    qa = load_qa_file(_write(tmp_path, "c.jsonl", conv + "\n" + GOOD))
    assert [(i.id, i.conversation, i.turn) for i in qa.items] == [
        ("c1.1", "c1", 1),
        ("c1.2", "c1", 2),
        ("q1", None, None),
    ]
    assert qa.conversations == 1


def test_conversation_with_a_bad_turn_is_skipped_whole(tmp_path: Path) -> None:
    conv = '{"id": "c2", "turns": [{"question": "好", "expected_articles": ["（一）"], "type": "fact"}, {"question": "", "type": "fact"}]}'
    qa = load_qa_file(_write(tmp_path, "c.jsonl", conv))
    assert qa.items == ()
    assert [str(p) for p in qa.problems] == [
        "第 1 行：对话 c2 第 2 轮：question 应为非空字符串",
        "第 1 行：对话 c2 第 2 轮：fact 问题需要至少一个 expected_articles",
    ]


def test_csv_with_pipe_separated_lists(tmp_path: Path) -> None:
    text = (
        "id,question,expected_articles,must_include,type\n"
        'q1,"补贴有哪些？",(十三)|（一）,补贴|培训,subsidy\n'
        "q2,今天天气如何,,,out_of_scope\n"
    )
    qa = load_qa_file(_write(tmp_path, "a.csv", text))
    assert not qa.problems
    assert [e.article for e in qa.items[0].expected] == ["（十三）", "（一）"]
    assert qa.items[0].must_include == ("补贴", "培训")
    assert qa.items[1].must_refuse and qa.items[1].line == 3


def test_csv_errors_are_line_numbered(tmp_path: Path) -> None:
    text = (
        "id,question,expected_articles,must_include,type\n"
        "q1,,（一）,,fact\n"
        "q2,问题,（一）,,weather\n"
        "q3,问题,（一）,补贴,fact,extra\n"
        'q4,"跨两行的\n问题",,,fact\n'
    )
    qa = load_qa_file(_write(tmp_path, "bad.csv", text))
    messages = {p.line: p.message for p in qa.problems}
    assert "question 应为非空字符串" in messages[2]
    assert "未知的 type 'weather'" in messages[3]
    assert "列数多于表头" in messages[4]
    assert "fact 问题需要至少一个 expected_articles" in messages[6]  # the row ends on line 6
    assert qa.items == ()


def test_csv_without_question_column(tmp_path: Path) -> None:
    qa = load_qa_file(_write(tmp_path, "bad.csv", "id,text,type\nq1,x,fact\n"))
    assert [str(p) for p in qa.problems] == [
        "第 1 行：表头缺少列 question（需要 id, question, expected_articles, must_include, type）"
    ]


@pytest.mark.parametrize("name", ["missing.jsonl", "qa.txt"])
def test_unusable_file_raises(tmp_path: Path, name: str) -> None:
    if name.endswith(".txt"):
        _write(tmp_path, name, GOOD)
    with pytest.raises(QAFileError, match="jsonl"):
        load_qa_file(tmp_path / name)


def test_dev_set_loads_cleanly(dev_items: list) -> None:
    assert len(dev_items) >= 130
    assert any(i.conversation for i in dev_items)


REVIEWED_Q = "考取数字职业技能等级证书，能享受职业技能提升补贴吗？"


def test_reviewed_names_the_expected_answer_or_none(tmp_path: Path) -> None:
    lines = [
        GOOD.replace('"type"', f'"reviewed": " {REVIEWED_Q} ", "type"'),
        '{"id": "q2", "question": "线上平台做什么？", "expected_articles": ["（四）"], "type": "fact", "reviewed": false}',
        '{"id": "q3", "question": "今天天气？", "expected_articles": [], "type": "out_of_scope", "reviewed": false}',
        '{"id": "q4", "question": "没标注", "expected_articles": ["（四）"], "type": "fact"}',
        '{"id": "c1", "turns": [{"question": "创业有扶持吗", "expected_articles": ["（五）"], "type": "subsidy", "reviewed": "创业扶持？"}]}',
    ]
    qa = load_qa_file(_write(tmp_path, "r.jsonl", "\n".join(lines)))
    assert not qa.problems
    assert [i.reviewed for i in qa.items] == [REVIEWED_Q, False, False, None, "创业扶持？"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("true", "reviewed 应为期望显示的审核答复的问题原文"),
        ("3", "实际为 int 3"),
        ('"  "', "实际为 空字符串"),
        ('["a"]', "实际为 list"),
        ("null", "reviewed 不能为 null：不应显示审核答复请写 false"),
        ('"' + "长" * 501 + '"', "reviewed 太长（501 字）"),
    ],
)
def test_a_malformed_reviewed_value_is_reported_in_chinese(tmp_path: Path, value: str, message: str) -> None:
    line = GOOD.replace('"type"', f'"reviewed": {value}, "type"')
    qa = load_qa_file(_write(tmp_path, "r.jsonl", line))
    assert qa.items == ()
    (problem,) = qa.problems
    assert message in str(problem) and str(problem).startswith("第 1 行：")


def test_a_declined_question_cannot_expect_a_reviewed_answer(tmp_path: Path) -> None:
    line = '{"id": "q1", "question": "天气？", "expected_articles": [], "type": "out_of_scope", "reviewed": "天气？"}'
    qa = load_qa_file(_write(tmp_path, "r.jsonl", line))
    assert [p.message for p in qa.problems] == [
        "out_of_scope 问题应拒答，拒答不显示审核答复：reviewed 只能为 false"
    ]


def test_csv_reviewed_column(tmp_path: Path) -> None:
    text = (
        "id,question,expected_articles,must_include,type,reviewed\n"
        f"q1,拿证有补贴吗,（十三）,,subsidy,{REVIEWED_Q}\n"
        "q2,今天天气如何,,,out_of_scope,false\n"
        "q3,平台做什么,（四）,,fact,\n"
    )
    qa = load_qa_file(_write(tmp_path, "r.csv", text))
    assert not qa.problems
    assert [i.reviewed for i in qa.items] == [REVIEWED_Q, False, None]

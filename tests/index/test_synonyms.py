"""Everyday question words searched as the corpus's own words."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.synonyms import SYNONYMS_FILE, Synonyms, read_table


def test_the_shipped_table_reads() -> None:
    table = read_table(SYNONYMS_FILE)
    assert "集成电路" in table["芯片"]
    assert "创业" in table["开公司"]


def test_malformed_lines_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "synonyms.txt"
    bad.write_text("# ok\n芯片 => 集成电路\n没有箭头的一行\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"synonyms.txt:3"):
        read_table(bad)


def test_only_words_the_corpus_lacks_are_expanded_and_only_to_words_it_has() -> None:
    table = {"芯片": ("集成电路", "晶圆"), "工资": ("薪酬",), "开公司": ("创业",)}
    synonyms = Synonyms(table, vocabulary={"集成电路", "工资", "薪酬", "创业"})
    assert synonyms.expand(["芯片", "补贴"]) == ["集成电路"]  # 晶圆 is not in the corpus
    assert synonyms.expand(["工资"]) == []  # the corpus says 工资 itself
    # jieba cuts 开公司 into 开 / 公司: longer words are also found in the question text
    assert synonyms.expand(["开", "公司"], text="我想开公司") == ["创业"]


def test_bm25_finds_the_article_through_an_everyday_word(tmp_path: Path) -> None:
    from index.lexical import LexicalIndex
    from index.text import PolicyTokenizer

    texts = ["支持集成电路企业开展职工培训。", "鼓励人才在沪创业，享受创业担保贷款。"]
    index = LexicalIndex.build(["a", "b"], ["d", "d"], texts, PolicyTokenizer())
    assert "集成电路" in index.query_tokens("做芯片的公司")
    assert index.search("做芯片的公司", 2)[0][0] == "a"
    assert index.search("我想开公司", 2)[0][0] == "b"


def test_everyday_words_add_up_while_english_readings_are_alternatives() -> None:
    from index.models import QueryReading

    reading = QueryReading(
        words=("开", "公司", "plan"),
        everyday=(("开公司", ("创业", "创办", "企业")),),
        english=(("plan", ("方案", "规划", "企业")),),
    )
    # synonyms.txt lists equivalents: every document word of 开公司 counts
    assert reading.summed == ("开", "公司", "plan", "创业", "创办", "企业")
    # one of the dictionary's readings of "plan" is meant; 企业 is already counted
    assert reading.alternatives == (("方案", "规划"),)
    assert reading.searched == ("开", "公司", "plan", "创业", "创办", "企业", "方案", "规划")

"""Short forms of named measures (index/shortforms.py): 技能补贴 → 职业技能提升补贴."""

from __future__ import annotations

from index.shortforms import ShortForms

NAMES = [
    "职业技能提升补贴",
    "创业场地补贴",
    "创业担保贷款",
    "技能等级证书",
    "常设数字技能类项目",
    "数字技术工程师培育项目",
]
VOCABULARY = {"技能", "补贴", "创业", "证书", "数字", "项目", "培训补贴"}


def test_a_run_ending_in_a_measure_word_reads_as_the_names_it_shortens() -> None:
    forms = ShortForms(NAMES, VOCABULARY)
    assert forms.pairs(["技能", "补贴", "申请"]) == [("技能补贴", ("职业技能提升补贴",))]
    assert forms.pairs(["考", "技能", "证书"]) == [("技能证书", ("技能等级证书",))]
    assert forms.pairs(["创业", "补贴"]) == [("创业补贴", ("创业场地补贴",))]
    # the single character 类 narrows 数字…项目 to the one name that says it
    assert forms.pairs(["数字", "类", "项目"]) == [("数字类项目", ("常设数字技能类项目",))]


def test_no_short_form_without_a_telling_word_or_when_the_run_is_a_corpus_word() -> None:
    forms = ShortForms(NAMES, VOCABULARY)
    assert forms.pairs(["领", "补贴"]) == []  # one character says nothing
    assert forms.pairs(["培训", "补贴"]) == []  # 培训补贴 is the corpus's own word
    assert forms.pairs(["学徒", "补贴"]) == []  # no name has 学徒 before 补贴


def test_too_many_names_is_no_reading() -> None:
    names = [f"创业{x}补贴" for x in "甲乙丙丁戊己"]
    assert ShortForms(names, VOCABULARY, max_names=4).pairs(["创业", "补贴"]) == []

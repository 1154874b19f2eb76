from __future__ import annotations

import jieba

from corpus.models import Document
from index.text import Normalizer, PolicyTokenizer, derive_terms


def test_normalizer_simplifies_halfwidths_and_lowercases() -> None:
    normalize = Normalizer()
    assert normalize("數字技術工程師") == "数字技术工程师"
    assert normalize("ＡＩ（二）１２３") == "ai(二)123"


def test_terms_are_derived_from_the_corpus(notice: Document) -> None:
    tokenizer = PolicyTokenizer.from_corpus([notice.text], [a.heading for a in notice.articles])
    for term in ("数字技术工程师", "新八级工", "急需紧缺", "落实经费保障", "职业技能等级认定"):
        assert term in tokenizer.terms, term
    tokens = tokenizer("數字技術工程師培育項目有哪些補貼？")
    assert "数字技术工程师" in " ".join(tokens) or "数字技术工程师培育项目" in tokens
    assert "补贴" in tokens
    assert "哪些" not in tokens and "？" not in tokens


def test_private_tokenizer_leaves_global_jieba_alone(notice: Document) -> None:
    PolicyTokenizer.from_corpus([notice.text])
    assert "数字技术工程师培育项目" not in jieba.dt.FREQ


def test_frequent_compounds_need_repetition() -> None:
    text = "创业担保贷款可以申请。创业担保贷款按规定贴息。一次性出现的长短语不算。"
    terms = derive_terms([text])
    assert "创业担保贷款" in terms
    assert "长短语" not in terms


def test_named_measures_are_terms_even_when_said_once() -> None:
    text = "可按规定享受职业技能提升补贴，还可加大补贴支持力度。享受创业担保贷款及贴息、学术休假等政策。"
    terms = derive_terms([text])
    assert {"职业技能提升补贴", "创业担保贷款", "学术休假"} <= set(terms)
    assert "加大补贴" not in terms  # starts with a verb
    assert not any("及" in t for t in terms)  # two measures joined, not one name


def test_the_notice_s_policy_terms_stay_whole(notice: Document) -> None:
    tokenizer = PolicyTokenizer.from_corpus([notice.text], [a.heading for a in notice.articles])
    for term in ("数字技术工程师", "职业技能提升补贴", "创业担保贷款", "新八级工", "急需紧缺职业"):
        assert term in tokenizer(f"请问{term}是什么"), term
        assert term in tokenizer.terms


def test_stopwords_and_punctuation_only_give_no_tokens() -> None:
    assert PolicyTokenizer()("什么？怎么办呢！！") == []


def test_content_text_keeps_the_words_that_say_what_is_asked() -> None:
    tokenizer = PolicyTokenizer(["数字技术工程师"])
    content = tokenizer.content_text("請問，數字技術工程師的培訓和評價是怎么組織實施的？")
    assert content.startswith("数字技术工程师培训")
    assert "请问" not in content and "的" not in content and "？" not in content
    english = tokenizer.content_text("Can I get a subsidy for an AI course?")
    assert english == "subsidy ai course"
    assert tokenizer.content_text("什么？") == "什么？"  # nothing left: the question as asked


def test_a_derived_compound_never_hides_the_shorter_word_it_holds() -> None:
    """Issue 19: with 设立质权 and 解除劳动合同 as terms, 质权 and 劳动合同 are still searched."""
    plain = PolicyTokenizer()
    assert "质权" in plain("可以设立质权吗") and "劳动合同" in plain("怎么解除劳动合同")
    tokenizer = PolicyTokenizer(["设立质权", "解除劳动合同"])
    assert {"设立质权", "质权", "设立"} <= set(tokenizer("可以设立质权吗"))
    assert {"解除劳动合同", "劳动合同"} <= set(tokenizer("怎么解除劳动合同"))
    # an article that says only the shorter word meets the question that says the compound
    assert "质权" in tokenizer("质权自出质登记时设立")
    # parts beside the 2- and 3-character words cut_for_search gives are not counted twice
    assert tokenizer("数字技术工程师").count("工程师") == 1


def test_derived_term_kinds_can_be_chosen() -> None:
    text = "《创业担保贷款办法》规定创业担保贷款可以申请。创业担保贷款按规定贴息。"
    assert derive_terms([text], kinds=frozenset()) == []
    assert derive_terms([text], ["落实经费保障"], kinds=frozenset({"quoted"})) == ["创业担保贷款办法"]
    assert "落实经费保障" in derive_terms([text], ["落实经费保障"], kinds=frozenset({"headings"}))
    assert "创业担保贷款" in derive_terms([text], kinds=frozenset({"compounds"}))


def test_a_compound_of_the_corpus_inside_a_longer_one_is_not_added_again() -> None:
    tokenizer = PolicyTokenizer(["数字技术工程师", "数字技术工程师培育项目"])
    tokens = tokenizer("数字技术工程师培育项目给不给经费")
    assert "数字技术工程师培育项目" in tokens and "数字技术工程师" not in tokens

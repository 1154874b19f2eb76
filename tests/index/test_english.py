"""English questions searched with the corpus's Chinese words (index/english.py)."""

from __future__ import annotations

from index.cedict import cedict_entries
from index.english import EnglishBridge, forms, gloss_phrases, stems
from index.lexical import LexicalIndex
from index.text import PolicyTokenizer


def test_gloss_phrases_keep_short_phrases_abbreviations_and_place_names() -> None:
    assert gloss_phrases("to subsidize; allowance (pay)") == ["subsidize", "allowance"]
    assert gloss_phrases("artificial intelligence (AI)") == ["ai", "artificial intelligence"]
    assert gloss_phrases("Shanghai municipality, central east China, abbr. to 沪[Hu4]") == [
        "shanghai municipality",
        "shanghai",
        "central east china",
    ]
    assert gloss_phrases("CL:個|个[ge4],位[wei4]") == []
    assert gloss_phrases("a sentence of far more than three words") == []


def test_forms_cover_plurals_and_british_spelling() -> None:
    assert "subsidy" in forms("subsidies")
    assert "engineer" in forms("engineers")
    assert "recognized" in forms("recognised")
    assert "business" in forms("business")  # not cut to "busines" alone
    assert "apply" in forms("applied") and "issue" in forms("issued") and "train" in forms("training")
    assert forms("training")[0] == "training"  # the literal form is looked up first


def test_a_word_also_brings_the_words_of_the_word_it_derives_from() -> None:
    assert stems("annotation") == ["annotate", "annote"]
    assert stems("improvement") == ["improve"] and stems("vocational") == ["vocation"]
    assert stems("apprenticeship") == ["apprentice"]  # 学徒 glossed "apprentice"
    assert stems("subsidy") == [] and stems("ment") == []
    bridge = EnglishBridge({"annotation": ("注释",), "annotate": ("标注",), "vocation": ("职业",)})
    assert bridge.translate("data annotation") == ["注释", "标注"]
    assert bridge.translate("vocational training") == ["职业"]
    # a phrase is taken as written, without derived words
    bridge = EnglishBridge({"skill improvement": ("技能提升",), "improve": ("改进",)})
    assert bridge.translate("skill improvement") == ["技能提升"]


def test_translation_prefers_the_longest_phrase_and_skips_function_words() -> None:
    bridge = EnglishBridge(
        {"professional title": ("职称",), "professional": ("专业",), "title": ("标题",), "subsidy": ("补贴",)}
    )
    assert bridge.translate("can i get a professional title") == ["职称"]
    assert bridge.translate("what subsidies are there") == ["补贴"]
    assert bridge.translate("what is it") == []


def test_a_phrase_the_dictionary_lacks_is_composed_when_the_compound_is_a_corpus_word() -> None:
    bridge = EnglishBridge(
        {"talent": ("人才",), "level": ("层次",)},
        vocabulary=frozenset({"高层次人才", "人才", "层次", "八级"}),
        characters={"high": ("高",), "level": ("级", "层"), "eight": ("八",)},
    )
    assert bridge.translate("high-level talent") == ["高层次人才"]
    assert bridge.translate("eight-level") == ["八级"]
    # a compound that is no word of the corpus is not made up
    assert bridge.translate("high talent") == ["人才"]


def test_the_bundled_dictionary_composes_phrases_it_lacks() -> None:
    bridge = EnglishBridge.for_vocabulary({"高层次人才", "人才", "高层", "层次"})
    assert "高层次人才" in bridge.translate("high-level talent")


def test_english_words_the_corpus_uses_are_not_translated() -> None:
    bridge = EnglishBridge({"ai": ("人工智能",), "training": ("培训",)}, vocabulary=frozenset({"ai"}))
    assert bridge.translate("ai training") == ["培训"]


def test_the_bundled_dictionary_reaches_the_corpus_words() -> None:
    vocabulary = {"补贴", "工程师", "上海", "人工智能", "职称", "证书"}
    bridge = EnglishBridge.for_vocabulary(vocabulary)
    assert set(bridge.translate("subsidies for engineers in shanghai")) >= {"补贴", "工程师", "上海"}
    assert "人工智能" in bridge.translate("ai training")
    assert "证书" in bridge.translate("certificate")
    # only words of the vocabulary come out
    assert all(w in vocabulary for phrase in bridge.table.values() for w in phrase)
    assert sum(1 for _ in cedict_entries()) > 100_000


def test_bm25_answers_an_english_question_from_chinese_text() -> None:
    texts = ["对取得技能等级证书的职工给予职业技能提升补贴。", "推动长三角人力资源服务合作。"]
    index = LexicalIndex.build(["a", "b"], ["d", "d"], texts, PolicyTokenizer())
    assert "补贴" in index.query_tokens("Is there a subsidy for a skill certificate?")
    assert index.search("Is there a subsidy for a skill certificate?", 2)[0][0] == "a"
    assert index.search("Yangtze River Delta cooperation", 2)[0][0] == "b"
    # Chinese questions are not touched
    assert index.query_tokens("补贴") == ["补贴"]


def test_the_reading_names_each_english_phrase_and_its_words() -> None:
    texts = ["对取得技能等级证书的职工给予职业技能提升补贴。", "支持创业。"]
    index = LexicalIndex.build(["a", "b"], ["d", "d"], texts, PolicyTokenizer())
    reading = index.read("subsidy for a skill certificate")
    assert ("subsidy", ("补贴",)) in reading.english
    assert dict(reading.english)["certificate"] == ("证书",)
    assert reading.searched[: len(reading.words)] == reading.words
    assert index.query_tokens("subsidy") == list(reading.words[:1]) + ["补贴"]


def test_the_words_standing_for_one_english_word_are_alternatives_not_a_sum() -> None:
    # "plan" reads as 方案、规划、计划: an article saying all three must not outrank the one
    # that says 上海 and 方案
    texts = ["制定规划和计划，形成方案。", "上海市实施方案。", "其他内容。", "还有内容。"]
    index = LexicalIndex.build(["many", "shanghai", "c", "d"], ["d"] * 4, texts, PolicyTokenizer())
    reading = index.read("shanghai plan")
    assert {"方案", "规划", "计划"} <= set(dict(reading.english)["plan"])
    assert any({"方案", "规划"} <= set(group) for group in reading.alternatives)
    assert index.search("shanghai plan", 2)[0][0] == "shanghai"
    # the question's own words still add up
    assert index.search("规划 计划", 2)[0][0] == "many"

"""Same-sounding slips in policy terms are searched as the term (index/typos.py)."""

from __future__ import annotations

from pathlib import Path

from index.lexical import LexicalIndex
from index.text import PolicyTokenizer
from index.typos import Homophones, char_readings

READINGS = {
    "工": frozenset({"gong"}),
    "公": frozenset({"gong"}),
    "目": frozenset({"mu"}),
    "木": frozenset({"mu"}),
}


def test_one_same_sounding_character_is_a_slip() -> None:
    homophones = Homophones(["新八级工", "培育项目", "数字技术工程师培育项目"], READINGS)
    assert homophones.corrections("新八级公是啥") == [("新八级公", "新八级工")]
    # the longest stretch wins over the shorter term inside it
    assert homophones.corrections("数字技术工程师培育项木聚焦哪些方向") == [
        ("数字技术工程师培育项木", "数字技术工程师培育项目")
    ]


def test_correct_text_different_sounds_and_short_terms_are_left_alone() -> None:
    homophones = Homophones(["新八级工", "培育项目", "项目"], READINGS)
    assert homophones.corrections("新八级工是啥") == []
    assert homophones.corrections("新八级人是啥") == []  # 人 does not sound like 工
    assert homophones.corrections("这个项木") == []  # two-character terms are not corrected
    assert len(Homophones(["AI培训项目"], READINGS)) == 0  # only all-Chinese terms


def test_a_slip_that_makes_a_real_word_is_not_read_as_a_slip() -> None:
    readings = {"旅": frozenset({"lv"}), "履": frozenset({"lv"}), **READINGS}
    homophones = Homophones(["履行过程", "新八级工"], readings, is_word=PolicyTokenizer().known_word)
    # 旅行 is a word of the general dictionary: 「旅行过程」 was meant as typed
    assert homophones.corrections("旅行过程中受伤算工伤吗") == []
    assert homophones.corrections("新八级公是啥") == [("新八级公", "新八级工")]  # 级公 is no word
    # with no general dictionary, the same sounds would be read as a slip
    assert Homophones(["履行过程"], readings, is_word=lambda w: False).corrections("旅行过程") == [
        ("旅行过程", "履行过程")
    ]


def test_the_bundled_dictionary_knows_the_sounds() -> None:
    readings = char_readings()
    assert readings["工"] & readings["公"] and readings["目"] & readings["木"]
    assert {"xing", "hang"} <= readings["行"]


def test_bm25_finds_the_article_despite_the_slip_and_says_so() -> None:
    texts = ["推行“新八级工”职业技能等级制度。", "开展职业技能提升培训。"]
    tokenizer = PolicyTokenizer(["新八级工"])
    index = LexicalIndex.build(["a", "b"], ["d", "d"], texts, tokenizer)
    reading = index.read("新八级公是什么")
    assert reading.corrected == (("新八级公", "新八级工"),)
    assert "新八级工" in reading.searched and "疑似错字：新八级公→新八级工" in reading.summary()
    assert index.search("新八级公是什么", 2)[0][0] == "a"


def test_a_saved_index_reads_slips_as_the_built_one_did(tmp_path: Path) -> None:
    """The readings and the terms' dictionary frequencies are stored with the index (issue 19:
    no dictionary parsing and no frequency guessing when a process opens it)."""
    texts = ["推行“新八级工”职业技能等级制度。", "依法设立质权的，应当办理出质登记。"]
    tokenizer = PolicyTokenizer(["新八级工", "设立质权"])
    LexicalIndex.build(["a", "b"], ["d", "d"], texts, tokenizer).save(tmp_path)
    assert (tmp_path / "readings.json").is_file()
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.tokenizer.terms == tokenizer.terms
    assert loaded.tokenizer.term_freqs() == tokenizer.term_freqs()
    assert loaded.read("新八级公是什么").corrected == (("新八级公", "新八级工"),)
    assert loaded.search("质权怎么设立", 1)[0][0] == "b"

"""The tokenizer's dictionary stored as a memory-mapped trie reads as the dict it was built from."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from index.word_trie import WordSet, WordTrie


def test_a_stored_dictionary_answers_as_the_dict(tmp_path: Path) -> None:
    freq = {"数": 5, "数字": 0, "数字技术": 12, "数字技术工程师": 3, "a": 1, "ab": 0}
    WordTrie.build(freq).save(tmp_path / "words")
    words = WordTrie.open(tmp_path / "words")
    assert words is not None
    assert dict(words) == freq and len(words) == len(freq)
    for word in [*freq, "工程师", "", "数字技术工程"]:
        assert (word in words) == (word in freq)
        assert words.get(word) == freq.get(word)
        assert words.get(word, 1) == freq.get(word, 1)
    assert words["数字技术"] == 12 and type(words.get("数字技术")) is int
    with pytest.raises(KeyError):
        words["工程师"]
    assert 3 not in words  # not a word, and no error
    with pytest.raises(TypeError):
        words.__setitem__("工程师", 1)


def test_jieba_cuts_alike_with_the_stored_dictionary(tmp_path: Path) -> None:
    base = jieba.Tokenizer()
    base.initialize()
    base.add_word("数字技术工程师培育项目", 3)
    WordTrie.build(base.FREQ).save(tmp_path / "words")
    stored = jieba.Tokenizer()
    stored.FREQ, stored.total, stored.initialized = WordTrie.open(tmp_path / "words"), base.total, True
    for text in (
        "实施数字技术工程师培育项目，落实职业技能提升补贴",
        "土地承包经营方弃耕，村委会可以重新发包吗",
    ):
        assert list(stored.cut(text)) == list(base.cut(text))
        assert list(stored.cut_for_search(text)) == list(base.cut_for_search(text))
        assert list(stored.cut(text, HMM=False)) == list(base.cut(text, HMM=False))


def test_a_missing_or_mismatched_file_is_not_used(tmp_path: Path) -> None:
    assert WordTrie.open(tmp_path / "none") is None
    WordTrie.build({"一": 1, "一二": 2}).save(tmp_path / "words")
    (tmp_path / "words.values").write_bytes(b"\0" * 8)  # a frequency for one word of two
    assert WordTrie.open(tmp_path / "words") is None
    (tmp_path / "words.marisa").write_bytes(b"not a trie")
    assert WordTrie.open(tmp_path / "words") is None
    assert WordSet.open(tmp_path / "words.marisa") is None


def test_a_stored_set_holds_its_words(tmp_path: Path) -> None:
    WordSet.build(["设立质权", "数字技术工程师"]).save(tmp_path / "set.marisa")
    stored = WordSet.open(tmp_path / "set.marisa")
    assert stored is not None and set(stored) == {"设立质权", "数字技术工程师"} and len(stored) == 2
    assert "设立质权" in stored and "质权" not in stored and None not in stored
    WordSet.build([]).save(tmp_path / "empty.marisa")
    empty = WordSet.open(tmp_path / "empty.marisa")
    assert empty is not None and len(empty) == 0 and "质权" not in empty


def test_words_looked_up_are_remembered_within_a_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("index.word_trie._SEEN_MAX", 3)
    freq = {"一": 1, "一二": 0, "一二三": 7}
    WordTrie.build(freq).save(tmp_path / "words")
    words = WordTrie.open(tmp_path / "words")
    assert words is not None
    for _ in range(3):  # asked again, from memory: the same answers
        for word in ("一", "一二", "一二三", "二", "三", "一二三四"):
            assert (word in words, words.get(word)) == (word in freq, freq.get(word))
    assert len(words._seen) <= 3

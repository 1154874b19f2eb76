from __future__ import annotations

from assistant.conversation import Conversation, RuleCondenser, Turn


def _terms(text: str) -> list[str]:
    vocabulary = ["数字技术工程师", "培育项目", "补贴", "集成电路", "事业单位", "招聘", "人才", "证书"]
    return [t for t in vocabulary if t in text]


def test_first_question_stands_alone() -> None:
    r = RuleCondenser(_terms).resolve("那需要什么条件？", Conversation())
    assert not r.follow_up and r.standalone == "那需要什么条件？"


def test_follow_up_carries_topic_and_articles() -> None:
    c = Conversation()
    c.add(Turn("数字技术工程师培育项目是什么？", "数字技术工程师培育项目是什么？", "…", (("d", "（一）"),)))
    r = RuleCondenser(_terms).resolve("那需要什么条件？", c)
    assert r.follow_up
    assert r.standalone.startswith("数字技术工程师培育项目是什么")
    assert r.carry == (("d", "（一）"),)
    assert not r.exclude_previous


def test_asking_for_other_subsidies_looks_beyond_previous_articles() -> None:
    c = Conversation()
    c.add(Turn("考证有补贴吗", "考证有补贴吗", "…", (("d", "（十三）"),)))
    r = RuleCondenser(_terms).resolve("还有别的补贴吗", c)
    assert r.follow_up and r.exclude_previous


def test_declined_turn_is_skipped() -> None:
    c = Conversation()
    c.add(Turn("集成电路证书有补贴吗", "集成电路证书有补贴吗", "…", (("d", "（十三）"),)))
    c.add(Turn("明天天气", "明天天气", "抱歉", (), refused=True))
    r = RuleCondenser(_terms).resolve("那怎么申请？", c)
    assert r.standalone.startswith("集成电路证书有补贴吗")


def test_new_topic_resets() -> None:
    c = Conversation()
    c.add(Turn("集成电路证书有补贴吗", "集成电路证书有补贴吗"))
    r = RuleCondenser(_terms).resolve("事业单位招聘数字技术工程师人才有什么政策", c)
    assert not r.follow_up


def test_condense_from_plain_history() -> None:
    out = RuleCondenser(_terms).condense("如果是集成电路方面的呢？", [("考了证书有补贴吗", "有")])
    assert out.startswith("考了证书有补贴吗") and out.endswith("如果是集成电路方面的呢？")


def test_a_question_on_words_the_last_answer_said_resumes_its_topic() -> None:
    c = Conversation()
    c.add(
        Turn(
            "考证有什么补贴",
            "考证有什么补贴",
            "「…获得相关技能等级证书的,可按规定享受职业技能提升补贴」",
            (("d", "（十三）"),),
        )
    )
    resumed = RuleCondenser(_terms).resume("证书补贴发多少", c)
    assert resumed is not None and resumed.follow_up and resumed.names_topic
    assert resumed.standalone.startswith("考证有什么补贴")
    # a word the answer did not say, or no earlier answer: not a continuation
    assert RuleCondenser(_terms).resume("事业单位招聘多少人", c) is None
    assert RuleCondenser(_terms).resume("证书补贴发多少", Conversation()) is None

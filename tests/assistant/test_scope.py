"""Scope: what a question asks about decides, not every word it contains."""

from __future__ import annotations

import pytest

from assistant.pipeline import Pipeline
from assistant.scope import asking_clauses


def test_asking_clauses_keep_question_clauses_and_the_last() -> None:
    assert asking_clauses("我户口不在上海，学历只是大专，还有没有机会") == ["还有没有机会"]
    assert asking_clauses("公积金怎么提取？另外我想了解培训") == ["公积金怎么提取？", "另外我想了解培训"]
    assert asking_clauses("明天下不下雨，我要出门") == ["明天下不下雨，", "我要出门"]
    assert asking_clauses("My hukou is in Beijing. Can I join?") == ["Can I join?"]
    assert asking_clauses("居住证积分里面，数字人才有加分吗") == ["居住证积分里面，", "数字人才有加分吗"]
    # 几个 says how many beside a clause that asks; alone it asks
    assert asking_clauses("我在深圳考过几个证书，能比照认定吗？") == ["能比照认定吗？"]
    assert asking_clauses("培训分几个阶段，分别多久") == ["培训分几个阶段，", "分别多久"]


@pytest.mark.parametrize(
    "question",
    [
        "要怎么做才能拿到职业技能提升补贴？",
        "我今年46岁，户口不在上海，学历只是大专，在芯片公司做了二十年技术，事业单位引进数字技术人才我还有机会吗",
        "我是北京来的，现在在上海工作，能参加数字技术工程师培育项目吗",
        "我是做游戏开发的程序员，考了人工智能的技能等级证书能享受职业技能提升补贴吗",
        # 户口/年纪 are the everyday words for what (六) says: 打破户籍、身份、年龄、学历等制约
        "事业单位招数字技术高层次人才，会不会因为户口、年纪、学历把我刷掉？",
        "Do public institutions waive hukou and age limits when hiring high-level digital talent?",
        "我在深圳考过几个大数据方面的证书，到上海工作后能比照认定职称吗？",
        # a preamble is not the question
        "言归正传，这种人才过来以后生活上区里给不给照顾？",
        # 考了 / 证能: one character and a particle or modal cut as a word are not rare words
        "考了证能拿补贴吗",
        # where the asker works is background when the question asks about Shanghai's own measure
        "我在杭州工作，可以参加上海的数字技术工程师培育项目吗？",
        "I work in Hangzhou, can I join Shanghai's digital engineer training?",
        "I live in Changning district, can I get the skills subsidy?",
    ],
)
def test_background_words_do_not_decline_an_in_scope_question(pipeline: Pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert not answer.refused, answer.text
    assert answer.citations


@pytest.mark.parametrize(
    "question",
    [
        "我有数字技术的中级职称，落户积分能加几分？",
        "我在上海做人工智能，深圳那边对人工智能人才补贴多少？",
        "红烧肉怎么做才不腻",
        "我在做数字技能培训，顺便问下明天下不下雨",
        "居住證積分裡面，數字技術人才有沒有加分項？",  # traditional characters meet the rules too
        "Can you recommend a good hotpot restaurant near People's Square?",
        "As a digital technology engineer, how do I get a Shanghai hukou through the points system?",
        # the background is the notice's, the question is a neighbouring area's
        "我是人工智能企业的博士，明年能不能直接落户？",
        "公司发的职务科技成果转化奖励，个税要交多少？",
        "另外，我父母的户口能跟着迁到上海吗？",
        # a request to produce something, not a question about the policy
        "帮我写一段代码，统计招聘网站上的人工智能岗位",
        "How do I get to Hongqiao Airport by metro?",
        # another place: a county named in English, a place's own review of titles
        "I work in Kunshan, can I get the skills subsidy?",
        "北京的职称评审有数字技术专业吗",
        "我在杭州，考了证能拿补贴吗",
    ],
)
def test_what_the_question_asks_about_declines_it(pipeline: Pipeline, question: str) -> None:
    answer = pipeline.ask(question)
    assert answer.refused, answer.text
    assert answer.citations == ()


def test_english_everyday_words_are_whole_words() -> None:
    from assistant.scope import _EVERYDAY

    assert _EVERYDAY.search("can you recommend a hotpot restaurant?")
    assert not _EVERYDAY.search("is there a training base in songjiang district?")


def test_where_the_asker_works_is_background_in_a_follow_up(pipeline: Pipeline) -> None:
    conversation = pipeline.new_conversation()
    assert not pipeline.ask("技能补贴怎么申请？", conversation).refused
    # the conversation is about Shanghai's subsidy: where the asker works does not change that
    follow = pipeline.ask("我在杭州工作可以吗？", conversation)
    assert not follow.refused, follow.text
    assert "没有写明在杭州工作的人是否适用" in follow.text  # the answer names what the notice leaves open
    # asking about that place's own policy is still declined, in the conversation too
    other = pipeline.ask("那杭州有没有类似的补贴", conversation)
    assert other.refused and "杭州" in other.text
    assert pipeline.ask(
        "我在杭州工作可以吗？"
    ).refused  # alone, there is no measure of the documents' asked about

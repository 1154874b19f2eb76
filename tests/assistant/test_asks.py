"""The grammar of question forms: what each clause of a question asks."""

from __future__ import annotations

import pytest

from assistant.asks import clauses, read_asks


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("职业技能提升补贴怎么申请？", ["procedure"]),
        ("技能补贴去哪里申请", ["where"]),
        ("补贴标准是多少，什么时候发", ["amount", "time"]),
        ("培训课程是按照什么标准开发的", ["content"]),  # the basis, not an amount
        ("这个方案到哪年为止有效", ["time"]),  # 到哪年 asks when, not where
        ("技能补贴一年能领几回", ["time"]),  # how often
        ("技能提升补贴能领多少次", ["time"]),  # a count of times is no amount
        ("高层次人才认定标准是什么", ["conditions"]),  # criteria, not an amount
        ("毕业班的学生可以参加数字技能评价伐？在啥地方评？", ["yes_no", "where"]),  # Shanghainese 伐 is 吗
        ("考证补贴需要什么材料", ["materials"]),
        ("新八级工是什么意思", ["definition"]),
        ("申请条件是什么", ["conditions"]),
        ("数字技术工程师培育项目是什么，我能参加吗？", ["definition", "yes_no"]),
        ("有没有创业补贴", ["yes_no"]),
        ("上海对数字人才有哪些支持政策", ["content"]),
        ("技能补贴", ["content"]),
        ("12333电话是多少", ["contact"]),
        ("这个方案有效期到什么时候", ["time"]),
        ("那需要什么条件？", ["conditions"]),
        ("具体多少钱？", ["amount"]),
        ("创业贷款最多贷多少", ["amount"]),
        ("数据标注培训在哪报名，要交钱吗", ["where", "yes_no", "amount"]),
        # everyday forms: a space between clauses, a yes/no with its second half left out, 啥时候, a fee
        ("创业场地补贴有吗 一个月能补多少", ["yes_no", "amount"]),
        ("比赛成绩好能拿到等级证书不？证书啥时候发", ["yes_no", "time"]),
        ("他这种能申请吗，找谁申请", ["yes_no", "contact"]),
        ("专利转让了个人能分几成", ["amount"]),
        ("具体在青浦哪里", ["where"]),
        ("培训免费吗", ["yes_no", "amount"]),
        # forms that look like another kind but are not
        ("那职业院校那边还要建什么机构吗", ["content"]),  # 什么…吗 asks what, not whether
        ("方案里对高校数字学科建设有什么要求", ["content"]),  # what the plan asks of them
        ("企业给职工做数字技能培训，这笔钱从哪里出？", ["content"]),  # who pays, not where to go
        ("线上人力资源服务公共平台都有些啥功能", ["content"]),  # 线上 names the platform
        ("境外职业资格证书怎么认定？", ["procedure"]),  # 职业资格 is not a condition
        ("平台搞得好不好会影响到什么？", ["content"]),
        ("How do I apply for the vocational skills subsidy and how much is it?", ["procedure", "amount"]),
        ("Who is eligible for the start-up loan?", ["conditions"]),
        ("What is the digital technology engineer program?", ["definition"]),
        # definitions in other words; a policy's content or a difference is not a definition
        ("什么叫协议工资制", ["definition"]),
        ("首席技师属于什么职称？", ["definition"]),
        ("岗位适任模型是怎么回事", ["definition"]),
        ("上海的人才安家政策是什么", ["content"]),
        # comparisons, and how to do things no other form names
        ("特设岗位和流动岗位有什么区别", ["comparison"]),
        ("年薪和月薪哪个好", ["comparison"]),
        ("What is the difference between a technician and an engineer?", ["comparison"]),
        ("申请创业担保贷款容易还是找投资人容易？", ["comparison"]),  # a choice between two
        ("Is it easier to apply for a venture loan or to go to a bank?", ["comparison"]),
        ("我还是不能申请补贴吗", ["yes_no"]),  # 还是 meaning "still" offers no choice
        ("创业担保贷款如何还款？", ["procedure"]),
        ("创业担保贷款怎么规定的", ["content"]),  # how it is ruled: what the plan says
        ("我们企业想跟基地合作开培训班，怎么搞", ["content"]),  # a stand-in verb names no procedure
        ("What support is there for foreign professionals?", ["content"]),
    ],
)
def test_kinds(question: str, kinds: list[str]) -> None:
    language = "en" if question.isascii() else "zh"
    assert [a.kind for a in read_asks(question, language)] == kinds


@pytest.mark.parametrize(
    ("question", "personal"),
    [
        ("能领补贴吗", True),  # no subject: the asker
        ("我在成都，考了证能拿补贴吗", True),  # the asker named in another clause
        ("民营企业的专家能当评委吗", False),  # a kind of person
        ("事业单位招聘要求户籍吗", False),
        ("企业能自己评首席技师吗", False),  # 自己 refers back to 企业, not to the asker
        ("我自己能报名吗", True),
        ("比赛表现特别突出的人能参加评审吗", False),  # a kind of person described
        ("创业者能贷款吗", False),
        ("会不会把更多数字职业纳入社会化评价", False),  # what the plan will do
        ("市场工资价位以后会公布吗", False),
        ("我们是社会培训机构，有没有机会成为评价组织", True),  # 社会, 机会: not 会
        ("Can I get a subsidy?", True),
        ("Are foreign qualifications recognised?", False),
    ],
)
def test_a_yes_no_is_about_the_asker_unless_it_names_someone(question: str, personal: bool) -> None:
    language = "en" if question.isascii() else "zh"
    (ask,) = [a for a in read_asks(question, language) if a.kind == "yes_no"]
    assert ask.personal is personal


def test_every_question_asks_something() -> None:
    asks = read_asks("嗯")
    assert [a.kind for a in asks] == ["content"]
    assert asks.has("content") and not asks.has("amount")


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("补贴多少还有怎么申请", 2),  # 还有 starts another question
        ("脱产培训还有工资吗", 1),  # 还有 is the verb asked about
        ("还有没有别的补贴", 1),
    ],
)
def test_another_question_starts_at_a_conjunction_not_at_a_verb(question: str, parts: int) -> None:
    assert len(clauses(question)) == parts

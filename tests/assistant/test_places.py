"""Places from the gazetteer (cpca's divisions, CC-CEDICT's English names) and their roles."""

from __future__ import annotations

import pytest

from assistant.places import Gazetteer, is_origin, make_gazetteer, short_name


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return make_gazetteer()


def test_short_names() -> None:
    assert short_name("绍兴市") == "绍兴"
    assert short_name("黔南布依族苗族自治州") == "黔南"
    assert short_name("浦东新区") == "浦东"
    assert short_name("沙县") == ""  # too short to stand alone


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("绍兴技能提升补贴申请条件有哪些", ["绍兴市"]),
        ("柯桥区技能补贴怎么领", ["柯桥区"]),
        ("在萧山能领技能补贴吗", ["萧山区"]),  # a county's short name where a place is said
        ("我在互联网大厂干了八年", []),  # 大厂 (a county's short name) as a word
        ("Can I get the skills subsidy in Hangzhou?", ["杭州市"]),
        ("在阿里巴巴工作能领补贴吗", []),  # 阿里 inside a longer word
        ("我想吃三明治", []),
        ("世界和平", []),  # 和平 is a common word; 和平区 would count
        ("雄安新区数字人才政策", []),  # 安新(县) runs into 新区: part of another name
        ("I work in Kunshan, can I get the skills subsidy?", ["昆山市"]),  # a county, with its capital
        ("What did Xinhua report about the plan?", []),  # spelled like 新化(县) but a news agency
    ],
)
def test_finds_divisions(gazetteer: Gazetteer, text: str, found: list[str]) -> None:
    assert [p.name for p in gazetteer.find(text)] == found


def test_a_name_shared_with_shanghai_is_within_shanghai(gazetteer: Gazetteer) -> None:
    (place,) = gazetteer.find("普陀区的补贴")
    assert place.within(("31",))  # 上海 and 舟山 both have a 普陀区


@pytest.mark.parametrize(
    ("text", "origin"),
    [
        ("我是北京来的，能参加吗", True),
        ("我户口在安徽，在上海工作", True),
        ("在香港考的证书上海认吗", True),
        ("I'm from Beijing", True),
        ("我在成都，考了证能拿补贴吗", False),
        ("昆山人才补贴怎么申请", False),  # 人才, not 昆山人
        ("苏州大学生创业补贴多少钱", False),  # the students of 苏州, not 苏州大学
        ("南京毕业生有什么补贴", False),
        ("南京毕业生来上海创业有补贴吗", True),  # where they come from
        ("我北京的职称能在上海用吗", True),  # a title obtained there
        ("北京的职称评审有数字技术专业吗", False),  # that place's own review of titles
    ],
)
def test_origin_is_background(gazetteer: Gazetteer, text: str, origin: bool) -> None:
    place = gazetteer.find(text)[0]
    assert is_origin(text, place) is origin


def test_an_english_spelling_shared_with_a_shanghai_district_is_within_shanghai(gazetteer: Gazetteer) -> None:
    # Changning: 长宁区 of Shanghai and 常宁市 of Hunan; Minhang: said without "District"
    (changning,) = gazetteer.find("I live in Changning district")
    assert changning.within(("31",))
    (minhang,) = gazetteer.find("I work in Minhang")
    assert minhang.name == "闵行区"

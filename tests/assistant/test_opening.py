"""The opening of an offline answer: one plain statement per ask, no false 「可以」, what is not
stated said plainly with the next step."""

from __future__ import annotations

import pytest

from assistant.answerer import AnswerRequest
from assistant.asks import read_asks
from assistant.extractive import ExtractiveAnswerer
from assistant.factory import make_topic_terms
from assistant.opening import Quoted, _candidate_sentences
from corpus.loader import default_corpus_dir, load_corpus
from corpus.models import Document
from index.models import Hit, QueryReading

NOTICE_ID = "sh-digital-talent-2024"


@pytest.fixture(scope="module")
def notice_answerer() -> tuple[ExtractiveAnswerer, Document]:
    report = load_corpus(default_corpus_dir())
    by_id = {d.doc_id: d for d in report.documents}
    return ExtractiveAnswerer(by_id, make_topic_terms(report.documents)), by_id[NOTICE_ID]


def opening(
    answerer: ExtractiveAnswerer,
    notice: Document,
    question: str,
    ranked: list[str],
    reading: QueryReading | None = None,
) -> str:
    hits = tuple(
        Hit.of_article(notice, article, 1.0 - 0.1 * i)
        for i, label in enumerate(ranked)
        if (article := notice.article(label)) is not None
    )
    language = "en" if question.isascii() else "zh"
    request = AnswerRequest(
        question=question,
        hits=hits,
        documents={NOTICE_ID: notice},
        language=language,
        asks=read_asks(question, language),
        original=question,
        reading=reading,
    )
    return answerer.answer(request).text.split("\n\n")[0]


def test_a_procedure_the_notice_does_not_give_is_said_to_be_missing_with_the_next_step(
    notice_answerer,
) -> None:
    text = opening(*notice_answerer, "职业技能提升补贴怎么申请？", ["（十三）"])
    assert text.startswith("方案没有写明具体申请流程。")
    # what the notice does say, in plain words, then whom to ask
    assert "获得相关技能等级证书的，可按规定享受职业技能提升补贴" in text
    assert "12333" in text


def test_can_i_is_answered_with_the_condition_not_a_yes(notice_answerer) -> None:
    # (十三) grants the subsidy on a condition the question does not name: no 「可以」, but a
    # plain answer to 「能不能」: it depends on that condition
    text = opening(*notice_answerer, "我能领职业技能提升补贴吗", ["（十三）"])
    assert not text.startswith(("可以", "能", "有"))
    assert text.startswith("要看是否符合方案规定的条件。")
    assert "参加数字职业技能等级认定且获得相关技能等级证书的" in text


def test_support_for_those_who_meet_conditions_is_answered_it_depends(notice_answerer) -> None:
    # (六) supports 符合条件的…科研人员 without a modal: the asker's 「能…吗」 depends on those conditions
    text = opening(*notice_answerer, "我能在职创办企业吗", ["（六）"])
    assert text.startswith("要看是否符合方案规定的条件。"), text


def test_a_yes_when_the_question_names_the_condition(notice_answerer) -> None:
    text = opening(*notice_answerer, "我在上海创业，能享受创业担保贷款吗", ["（五）"])
    assert text.startswith("能。")
    assert "要看" not in text


def test_is_there_gets_yes_only_for_the_thing_itself(notice_answerer) -> None:
    assert opening(*notice_answerer, "有没有创业补贴", ["（五）"]).startswith("有。")
    # (二) supports 新型学徒制 but says nothing of a subsidy for it
    text = opening(*notice_answerer, "有没有新型学徒制补贴", ["（二）"])
    assert not text.startswith("有")
    assert "没有写明新型学徒制补贴的相关规定" in text
    # a thing the notice never names (申请表) is not there
    assert not opening(*notice_answerer, "有没有申请表可以下载", ["（十三）"]).startswith("有")


def test_is_there_is_judged_on_the_thing_asked_for_not_on_every_word_of_the_background(
    notice_answerer,
) -> None:
    # 「数字」 of the background is not in (十二)'s sentence; 现金奖励, the thing asked for, is
    text = opening(*notice_answerer, "科研人员搞数字科技成果转化，有没有现金奖励？", ["（十二）"])
    assert text.startswith("有。")
    # the thing asked for must be there: (十四) names 安家 but no 补助
    text = opening(*notice_answerer, "高层次数字人才来上海，安家方面有没有补助？", ["（十四）"])
    assert not text.startswith("有")


def test_a_yes_no_about_a_kind_of_body_or_person_needs_no_condition_named(notice_answerer) -> None:
    assert opening(*notice_answerer, "企业能自己评特级技师、首席技师吗", ["（十一）"]).startswith("可以。")
    text = opening(*notice_answerer, "比赛表现特别突出的人能参加国务院特殊津贴的评审吗", ["（七）"])
    assert text.startswith("能。")


def test_conditions_set_on_something_else_are_not_the_conditions_asked_for(notice_answerer) -> None:
    # (七) sets a condition on 赛事表现突出的人员 (申报…表彰), not on applying to be an engineer
    text = opening(*notice_answerer, "各级工程师申报条件", ["（七）"])
    assert text.startswith("方案没有写明具体条件。")
    # a condition on what is asked about is the answer
    text = opening(*notice_answerer, "职业技能提升补贴要什么条件", ["（十三）"])
    assert "没有写明" not in text
    assert "获得相关技能等级证书的" in text


def test_the_plans_title_line_is_never_the_answer(notice_answerer) -> None:
    # 前言's first sentence is the plan's title: it names the plan, it says nothing of it
    text = opening(*notice_answerer, "上海搞这个方案，最后是想把上海打造成个啥？", ["前言"])
    assert "国际数字之都" in text
    assert "实施方案(2024-2026年)。" not in text
    _, notice = notice_answerer
    preface = notice.article("前言")
    said = [s.slice(notice.text) for s in _candidate_sentences(Quoted(notice, preface, ()))]
    assert said and not any(s.strip("。") == notice.meta.title for s in said)
    assert any(s.strip("。") == notice.meta.title for s in (x.slice(notice.text) for x in preface.sentences))


def test_what_the_plan_will_do_is_answered_with_its_verb(notice_answerer) -> None:
    # 「会…吗」 asks what will happen, not whether the asker qualifies; 会, not 能 of 人工智能
    text = opening(*notice_answerer, "人工智能方向的技能等级证书，补贴会不会比别的多一点", ["（十三）"])
    assert text.startswith("会。")
    # of the article's sentences, the one that says most of what is asked
    assert "加大补贴支持力度" in text
    assert opening(*notice_answerer, "数字职业的市场工资价位以后会公布吗", ["（十二）"]).startswith("会。")


def test_who_issued_the_document_is_answered_from_its_metadata(notice_answerer) -> None:
    text = opening(*notice_answerer, "这个文件是谁发的", ["前言"])
    assert text == "方案由上海市人力资源和社会保障局于2024年11月12日印发。"
    text = opening(*notice_answerer, "文件编号是多少", ["前言"])
    assert "没有写明本文件的文号" in text
    # 「钱由谁出」 asks who pays, not who issued
    assert "印发" not in opening(*notice_answerer, "培养数字人才的钱到底谁出？", ["（十三）"])


def test_whether_something_is_only_for_some_is_not_answered_yes(notice_answerer) -> None:
    # a grant to them does not say it is limited to them
    text = opening(*notice_answerer, "只有集成电路的证书才有补贴吗", ["（十三）"])
    assert not text.startswith(("可以", "能", "有", "是"))
    assert "是否仅限于此" in text


def test_how_a_thing_is_is_not_answered_by_a_grant_of_it(notice_answerer) -> None:
    # 「免费吗」「好考吗」 ask a property of the training; (一) grants and describes it, it says nothing of that
    for question, missing in (
        ("数字技术工程师培训免费吗", "是否收费及收费标准"),  # a fee: whether, and how much
        ("数字技术工程师好考吗", "这一点"),
    ):
        text = opening(*notice_answerer, question, ["（一）"])
        assert not text.startswith(("可以", "能", "有", "是", "会")), text
        assert text.startswith(f"方案没有写明{missing}。"), text
    # a verb of giving or paying is a grant's to answer
    assert opening(*notice_answerer, "培训期间工资福利照发吗", ["（十三）"]).startswith(("可以", "发"))


def test_the_form_of_a_requirement_question_is_not_its_topic(notice_answerer) -> None:
    # 「有名额限制吗」 shares only 限制 with 「不受单位绩效工资总量限制」
    text = opening(*notice_answerer, "有名额限制吗", ["（十二）"])
    assert not text.startswith("不一定"), text


def test_a_certificates_period_is_not_the_plans(notice_answerer) -> None:
    assert "实施期" not in opening(*notice_answerer, "技能等级证书有效期多久", ["（十三）"])
    assert "实施期为2024–2026年" in opening(*notice_answerer, "这个方案有效期到什么时候", ["前言"])


def test_a_requirement_lifted_is_not_a_yes(notice_answerer) -> None:
    text = opening(*notice_answerer, "事业单位招聘高层次数字技术人才会不会卡户籍", ["（六）"])
    assert text.startswith("不一定。")
    assert "可打破户籍" in text


def test_something_about_the_asker_the_notice_never_mentions_is_not_answered_yes(notice_answerer) -> None:
    text = opening(*notice_answerer, "外地来的数字技术人员在上海创业，能享受创业扶持政策吗", ["（五）"])
    assert not text.startswith(("可以", "能"))
    # the asker's own case is said to be open: by name when the sentence that grants the support
    # answers the rest of the question, else as the conditions of taking part the notice leaves open
    assert "“外地”这类个人情况是否影响适用" in text or text.startswith("方案没有写明个人参加或申请的具体条件")
    assert "创业担保贷款" in text


def test_a_definition_quotes_the_sentence_that_names_the_term(notice_answerer) -> None:
    text = opening(*notice_answerer, "新八级工是什么意思", ["（十一）"])
    assert "推行“新八级工”职业技能等级制度" in text


def test_a_term_the_notice_only_lists_is_said_not_to_be_explained(notice_answerer) -> None:
    # （十二） names 协议工资制 in a list of pay forms; it does not say what it is
    text = opening(*notice_answerer, "什么叫协议工资制？", ["（十二）"])
    assert text.startswith("方案没有写明“协议工资制”的具体含义。")
    assert "年薪制、协议工资制" in text and "12333" in text


def test_a_term_the_notice_never_uses_is_said_not_to_be_explained(notice_answerer) -> None:
    text = opening(*notice_answerer, "高级技师相当于什么职称", ["（十一）"])
    assert text.startswith("方案没有写明“高级技师”的具体含义")


def test_what_a_term_means_is_not_answered_by_naming_it(notice_answerer) -> None:
    # （十一） names 技师 among 特级技师、首席技师; it never says what level a 技师 is
    text = opening(*notice_answerer, "技师是什么级别", ["（十一）"])
    assert text.startswith("方案没有写明“技师”的具体含义。")
    assert "首席技师评聘" in text


def test_a_difference_the_notice_never_draws_is_said_to_be_missing(notice_answerer) -> None:
    text = opening(*notice_answerer, "培训费与职工教育经费有什么区别", ["（十三）"])
    assert text.startswith("方案没有写明“培训费”与“职工教育经费”的区别。")
    assert "职工教育经费" in text.split("。", 1)[1] and "12333" in text


def test_a_choice_between_two_is_not_answered_yes(notice_answerer) -> None:
    text = opening(*notice_answerer, "申请创业担保贷款容易还是找投资人容易？", ["（五）"])
    assert text.startswith("方案没有写明二者如何取舍。") and "创业担保贷款" in text


def test_whether_the_document_says_it_follows_the_other_asks(notice_answerer) -> None:
    question = "市民问考了技能证书以后，补贴去哪里申请、要准备什么材料，文件里有写吗？"
    text = opening(*notice_answerer, question, ["（十三）"])
    assert not text.startswith("有") and text.startswith("方案没有写明办理地点或申请渠道、所需材料。")


def test_a_figure_in_a_comparison_is_not_repeated_as_if_checked(notice_answerer) -> None:
    text = opening(*notice_answerer, "年薪12万和月薪1万哪个好", ["（十二）"])
    assert text.startswith("方案没有写明“年薪”与“月薪”的区别。")
    assert "12万" not in text


def test_how_to_do_something_the_notice_only_names_is_said_to_be_missing(notice_answerer) -> None:
    text = opening(*notice_answerer, "创业担保贷款如何还款？", ["（五）"])
    assert text.startswith("方案没有写明具体如何还款。")
    assert "创业担保贷款及贴息" in text


@pytest.mark.parametrize(
    ("question", "label", "said"),
    [
        # the thing is named last, after 「那个」; the notice describes it in its own sentence
        ("青浦那个数字人力资源服务基地是怎么回事", "（四）", "数字人力资源服务基地"),
        # 「…是拿来干嘛的」 asks what it is for; 「X的Y」 is about Y
        ("事业单位的特设岗位是拿来干嘛的", "（六）", "特设岗位"),
        # a follow-up that is not a name at all is not said to be undefined
        ("那认可以后能对应什么职称？", "（三）", "职称"),
    ],
)
def test_what_the_notice_describes_is_never_said_to_be_undefined(
    notice_answerer, question: str, label: str, said: str
) -> None:
    text = opening(*notice_answerer, question, [label])
    assert "具体含义" not in text and "没有写明" not in text
    assert said in text


def test_a_requirement_the_notice_neither_sets_nor_lifts_is_said_to_be_unsettled(notice_answerer) -> None:
    # （二） runs pilots of data-annotation training; it does not say the training is required
    text = opening(*notice_answerer, "做数据标注一定要先参加培训吗", ["（二）"])
    assert text.startswith("方案没有写明这是否是必须的。")
    assert not text.startswith(("要", "需要", "可以"))


def test_the_validity_question_is_answered_from_the_metadata(notice_answerer) -> None:
    assert opening(*notice_answerer, "这个方案有效期到什么时候", ["前言"]) == "方案的实施期为2024–2026年。"


def test_several_missing_specifics_in_one_sentence(notice_answerer) -> None:
    text = opening(*notice_answerer, "创业场地补贴每个月补多少钱，要去哪个窗口办", ["（五）"])
    assert text.startswith("方案没有写明具体金额或补贴标准、办理地点或申请渠道。")


def test_the_full_title_is_said_once(notice_answerer) -> None:
    answerer, notice = notice_answerer
    hits = tuple(Hit.of_article(notice, notice.article(label), 1.0) for label in ["（六）", "（十二）"])  # type: ignore[arg-type]
    question = "事业单位引进高层次数字人才，岗位和工资分别怎么安排"
    text = answerer.answer(
        AnswerRequest(question=question, hits=hits, documents={NOTICE_ID: notice}, asks=read_asks(question))
    ).text
    assert text.count(notice.title) == 1


def test_meaning_decides_which_sentence_answers_when_words_tie(notice_answerer) -> None:
    from assistant.opening import Quoted

    answerer, notice = notice_answerer
    article = notice.article("（六）")
    assert article is not None and len(article.sentences) >= 3
    quoted = Quoted(notice, article, ())
    opener = answerer.opener
    no_topic = opener.focus("有啥办法")  # no word of the article: words cannot decide
    plain = opener.rank(quoted, no_topic)
    # the article's own order when nothing else is known
    assert plain == sorted(plain, key=lambda s: s.start)
    last = plain[-1]
    closeness = {s: (0.9 if s == last else 0.1) for s in article.sentences}
    ranked = opener.rank(Quoted(notice, article, (), closeness), no_topic)
    assert ranked[0] == last
    # words still lead: a sentence that says the topic beats a closer one that does not
    topic = opener.focus("特设岗位")
    says = next(s for s in article.sentences if "特设岗位" in s.slice(notice.text))
    far = {s: (0.0 if s == says else 0.9) for s in article.sentences}
    assert opener.rank(Quoted(notice, article, (), far), topic)[0] == says
    # meaning alone (words weigh nothing) follows closeness
    assert opener.rank(Quoted(notice, article, (), far), topic, words_weight=0.0)[0] != says


def test_a_fee_the_notice_never_mentions_is_said_to_be_missing(notice_answerer) -> None:
    # the notice speaks of training and of subsidies, never of what a course costs the asker
    text = opening(*notice_answerer, "想转行做AI数据标注，有没有这方面的培训？要交钱不", ["（二）"])
    assert text.startswith("有。"), text
    assert "方案没有写明是否收费及收费标准" in text, text
    english = opening(*notice_answerer, "Is the digital engineer training free?", ["（一）"])
    assert not english.startswith("Yes"), english
    assert "does not state whether there is a fee" in english, english


def test_a_one_off_subsidy_is_not_a_figure(notice_answerer) -> None:
    # 「首次创业一次性补贴」 names the subsidy; 一次 is no amount of it
    text = opening(*notice_answerer, "头一回创业有一次性补贴吗？给多少", ["（五）"])
    assert "方案没有写明具体金额或补贴标准" in text, text


def test_a_programmes_own_contact_is_said_to_be_missing_the_documents_given(notice_answerer) -> None:
    text = opening(*notice_answerer, "线上人力资源产业园怎么入驻？找谁联系", ["（四）"])
    assert "具体联系电话" in text and "咨询渠道：上海市人力资源和社会保障局" in text, text
    general = opening(*notice_answerer, "政策咨询电话是多少", ["（十三）"])
    assert general.startswith("咨询渠道："), general


def test_whether_the_plan_still_holds_is_answered_with_its_period(notice_answerer) -> None:
    for question in ("这政策管几年的？2026年以后还有效不", "这个方案管到哪一年为止"):
        text = opening(*notice_answerer, question, ["前言"])
        assert text.startswith("方案的实施期为2024"), text


def test_clauses_set_apart_by_a_space_are_one_sentence_for_a_yes(notice_answerer) -> None:
    # 「有奖励吗」 is asked of 专精特新企业认定, which the notice never speaks of, not of any 奖励
    text = opening(*notice_answerer, "专精特新企业认定要啥条件 有奖励吗", ["（十二）", "（十一）"])
    assert not text.startswith(("有", "可以", "能")), text


def test_something_to_be_done_the_notice_never_speaks_of_is_not_answered_yes(notice_answerer) -> None:
    # 转正 and 报销 are words of the language the notice never uses: no sentence grants them
    for question, word in (("我在企业干了三年能转正吗", "转正"), ("培训费能报销吗", "报销")):
        text = opening(*notice_answerer, question, ["（十一）", "（十三）"])
        assert not text.startswith(("可以", "能", "有", "是")), text
        assert f"方案没有写明“{word}”的相关规定" in text, text
    # the wording around what is asked (比别的多一点) is not such a word
    assert opening(*notice_answerer, "人工智能的证书补贴会不会比别的多一点", ["（十三）"]).startswith("会。")


def test_a_harm_or_all_of_it_is_not_answered_yes_by_a_grant(notice_answerer) -> None:
    text = opening(*notice_answerer, "会占掉我们单位的绩效工资总额吗", ["（十二）"])
    assert text.startswith("不会。"), text  # 不受单位绩效工资总量限制
    text = opening(*notice_answerer, "参加数字人才培训的钱是不是全部由政府出", ["（十三）"])
    assert not text.startswith(("是", "可以")), text
    assert "是否全部如此" in text, text


def test_a_lower_rank_granted_is_not_the_title_asked_for(notice_answerer) -> None:
    question = "在学校学了数字工程师初级的课程考过了，在上海能直接聘成{}吗"
    text = opening(*notice_answerer, question.format("工程师"), ["（九）"])
    assert not text.startswith(("能", "可以")), text  # 直接聘任助理工程师
    assert opening(*notice_answerer, question.format("助理工程师"), ["（九）"]).startswith("能。")


def test_why_is_answered_by_what_the_plan_says_it_is_for_or_said_to_be_missing(notice_answerer) -> None:
    text = opening(*notice_answerer, "上海弄这个数字人才方案到底图个啥", ["前言"])
    assert "国际数字之都提供有力人才保障" in text, text
    # (六) supports leaving a post to found a firm; it says nothing of why
    text = opening(*notice_answerer, "国家为啥鼓励事业单位人才离岗创业?", ["（六）"])
    assert text.startswith("方案没有写明这样规定的原因"), text


def test_which_document_the_plan_follows_is_answered_by_the_clause_naming_it(notice_answerer) -> None:
    for question in (
        "这个实施方案是根据国家哪个文件来制定的？",
        "Which national document is this Shanghai plan carrying out?",
    ):
        text = opening(*notice_answerer, question, ["前言"])
        assert "《加快数字人才培育支撑数字经济发展行动方案" in text, text
        assert "does not state" not in text and "没有写明" not in text, text


def test_who_pays_brings_in_the_article_that_says_who_puts_money_in(notice_answerer) -> None:
    # (二) ranks first and says who trains; (十三), ranked second, says who pays
    text = opening(*notice_answerer, "企业给职工做数字技能培训，这笔钱从哪里出？", ["（二）", "（十三）"])
    assert "方案第（十三）条规定" in text and "经费" in text, text
    # without a who-pays ask, (十三) is no companion
    plain = opening(*notice_answerer, "企业给职工做数字技能培训，方案鼓励怎么做", ["（二）", "（十三）"])
    assert "（十三）" not in plain, plain


def test_which_schools_is_a_list_the_notice_does_not_print(notice_answerer) -> None:
    question = "我女儿读高职计算机，毕业那年能在学校里考数字技能评价吗？哪些学校有"
    text = opening(*notice_answerer, question, ["（九）"])
    assert "方案没有写明具体名单或目录内容" in text, text


def test_can_i_for_something_done_for_a_qualified_kind_depends_on_it(notice_answerer) -> None:
    # (三) recognises foreign certificates 「专业通用性强、市场认可度高的」: whether the asker's is one is open
    text = opening(*notice_answerer, "我有一张国外的云计算证书，在上海能比照认定工程师职称吗", ["（三）"])
    assert text.startswith("要看是否符合方案规定的条件。"), text


def test_an_everyday_phrase_the_tokenizer_cuts_apart_still_stands_for_the_document_words(
    notice_answerer,
) -> None:
    # jieba cuts 开公司 into 开 / 公司; the keyword side read it as 创业 / 创办企业 all the same
    answerer, _ = notice_answerer
    reading = QueryReading(("离岗", "开", "公司"), everyday=(("开公司", ("创业", "创办", "企业")),))
    groups = answerer.opener.groups("能不能离岗出去开公司", reading, "zh")
    assert any("创办" in g and "开公司" in g for g in groups), groups


def test_the_documents_own_short_forms_read_as_their_long_forms(notice_answerer) -> None:
    opener = notice_answerer[0].opener
    assert opener._expanded("高校") == ("高等院校",)
    # a word the documents never use may be no short form at all (国外 is not 国内外), and a
    # document word stands for whole words only (数字技能 is not 数字技术技能人才)
    assert opener._expanded("国外") == ()
    assert opener._expanded("数字技能") == ()


def test_a_grant_of_a_review_does_not_say_yes_to_the_title(notice_answerer) -> None:
    # (七): 「可直接进入国务院政府特殊津贴专家等项目的评审环节」 grants a review, not the title
    text = opening(
        *notice_answerer, "中青年工程师大赛里拿了好成绩，是不是直接就成了国务院特殊津贴专家", ["（七）"]
    )
    assert not text.startswith(("是", "可以", "能")), text
    # the title itself, asked for, is granted
    text = opening(*notice_answerer, "比赛表现特别突出的人能参加国务院特殊津贴的评审吗", ["（七）"])
    assert text.startswith("能。"), text


def test_more_forms_of_all_only_and_harm_are_not_answered_yes(notice_answerer) -> None:
    text = opening(*notice_answerer, "数字人才培训的钱全是政府掏吗", ["（十三）"])
    assert text.startswith("方案没有写明是否全部如此。"), text
    text = opening(*notice_answerer, "数字工程师培育项目是不是就只管人工智能那一块", ["（一）"])
    assert text.startswith("方案没有写明是否仅限于此。"), text
    # 「确保参加培训期间的福利和待遇」 answers whether they can be stopped: no
    text = opening(*notice_answerer, "单位送我去培训，这段时间工资福利能停吗", ["（十三）"])
    assert text.startswith("不能。"), text


def test_an_english_question_cannot_name_the_quality_a_grant_turns_on(notice_answerer) -> None:
    # (三) recognises certificates 「市场认可度高的」: whether the asker's is one is open
    question = (
        "I hold a data engineering certificate issued in the UK. Could it be recognised as an engineer title?"
    )
    english = (("certificate", ("证书",)), ("engineer", ("工程师",)), ("title", ("职称",)))
    reading = QueryReading(("certificate", "engineer", "title"), english=english)
    text = opening(*notice_answerer, question, ["（三）"], reading)
    assert text.startswith("It depends"), text


def test_a_noun_with_neng_is_not_the_verb_a_question_asks_with(notice_answerer) -> None:
    # 能力评价 is a noun: the question asks with 是…吗, never 「能。」
    text = opening(*notice_answerer, "数字领域卓越工程师能力评价是上海自己搞的吗", ["（三）"])
    assert not text.startswith("能"), text


def test_how_often_is_said_missing_as_how_often(notice_answerer) -> None:
    text = opening(*notice_answerer, "技能补贴一年能领几回", ["（十三）"])
    assert text.startswith("方案没有写明次数或频率。"), text
    text = opening(*notice_answerer, "技能提升补贴能领多少次", ["（十三）"])
    assert "金额" not in text.split("。")[0], text

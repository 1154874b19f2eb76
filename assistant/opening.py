"""The opening of an answer: plain sentences that respond to each ask, before the quotes.

For every ask of the question (:mod:`assistant.asks`) the opening says what the quoted
articles say about it — or, plainly, that they do not say it — and ends with the next step
(the issuing authority's contact) when something is missing:

    方案没有写明具体申请流程。方案第（十三）条规定，劳动者参加数字职业技能等级认定且获得相关技能
    等级证书的，可按规定享受职业技能提升补贴。具体办理请以主管部门发布的细则为准，或咨询…

Everything in it comes from the quoted articles (their clauses, lightly trimmed) or the
document's metadata, so the citation verifier can check it like any other sentence.

**No false yes.** 「可以」/「有」/"Yes" lead only when a quoted sentence grants the thing asked
about: the sentence names every object word of the asking clause (补贴, 新型学徒制 …), and —
for a question whether *someone can* (「我能领补贴吗」) — the question names what the sentence's
condition requires (「考了集成电路的证」 for 「对获得集成电路…证书的」). Otherwise the opening
states the condition the document sets, without a yes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.asks import FEE, WHICH_DOCUMENT, Ask, AskKind, Asks, clauses, is_choice, read_asks
from corpus.models import Article, Document, DocumentMeta, Span
from index.models import QueryReading

#: A question's topic: groups of equivalent words (Opener.focus).
Focus = tuple[frozenset[str], ...]

#: Which sentence of an article answers: how much of the question's topic it says (its share of
#: the article's best), weighted this much, blended with how close its meaning is to the question
#: (the rest; its place between the article's least and most similar sentence). Words alone tie
#: often and miss everyday wording; meaning alone drifts. Fitted on the labelled answer sentences of
#: the dev and held-out sets, checked on fresh, real and fresh2: ``python -m evals.tune_sentences``.
WORDS_WEIGHT = 0.85


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: A sentence that grants something: the modal verbs of the policy text.
GRANT = re.compile(
    r"(?<![认许不])可(按规定|按照|直接|以|优先|纳入|由|打破|自主|享受|获得|申请|参加|推荐|申领|领取|列入|视同|聘任|认定|给予)"
    r"|还可|享受|给予|予以"
)
#: The plan supports, encourages or does something (a yes to 「会不会…」「有没有…」).
SUPPORT = re.compile(
    r"支持|鼓励|落实|实施|开展|推行|推进|设置|举办|出台|建立|新增|加大|引进|组建|吸纳|纳入|探索|依托|常设|遴选|发布|完善|加强|确保"
)
#: A restriction lifted (「可打破户籍…制约」「不受…限制」): the answer to 「会不会卡户籍」 is no.
_LIFTED = re.compile(r"打破|不受|无需|无须|不限|放宽|不再")
#: An obligation (「用人单位应按规定提取…经费」): the answer to 「单位要出钱吗」.
#: Something bad happening to the asker (「工资会不会被扣」): a sentence that guarantees the
#: opposite (确保…待遇) answers no.
_HARM = re.compile(
    r"扣|扣除|取消|停发|停掉|被停|能停|会停|减少|降低|被辞退|辞退|失去|收回|作废|不算|白考|发不了|拿不到|领不到|占掉"
)
#: Why-questions (「为什么要出这个方案」「图个啥」), and what a sentence says a thing is for.
_WHY = re.compile(r"为什么|为啥|为何|图个?啥|图什么|目的是什么|什么目的|\bwhy\b", re.I)
_PURPOSE = re.compile(r"为了|旨在|以便|目的是|为[^，,。；;为《]{2,40}(提供|奠定|打下)")
#: The document a sentence says it follows, named 《…》 (what WHICH_DOCUMENT asks for).
_TITLE = re.compile(r"《[^》]+》")
#: Who pays (「培训的钱谁出」「这笔钱从哪里出」「费用由谁承担」), and a sentence that says who puts money in.
_WHO_PAYS = re.compile(
    r"(钱|费用|经费|资金|成本|学费).{0,8}(谁出|由谁|谁来|谁承担|谁负担|谁掏|哪里出|哪儿出|哪出|从哪|来源)|"
    r"谁(出钱|掏钱|买单|付钱)|\bwho pays\b|\bwho (funds|covers)\b",
    re.I,
)
_FUNDING = re.compile(r"投入|出资|承担|负担|经费保障|提取和使用")
#: Content asks that want a kind of sentence: the ask's form, the words that mark such a sentence,
#: and what is said (English, Chinese) when no quoted sentence is one (nothing: quote as usual).
_WANTED_SENTENCES: tuple[tuple[re.Pattern[str], re.Pattern[str], tuple[str, str] | None], ...] = (
    (WHICH_DOCUMENT, _TITLE, None),
    (_WHO_PAYS, _FUNDING, None),
    (_WHY, _PURPOSE, ("the reason for this provision", "这样规定的原因")),
)
#: A qualifying description of those a measure is for (「市场认可度高的」「表现突出的」「经…认定的」).
_QUALIFYING = re.compile(
    r"(强|高|好|优秀|突出|丰富|紧缺|急需|领先|显著)的|经[^，,。；;]{1,12}(认定|评审|审核|评价)的"
)
#: A short form that could stand for more document words than this is not read as any of them.
_MAX_EXPANSIONS = 3
#: A rank before a title (助理工程师, 特级技师): another title than the bare one.
_RANK = re.compile(r"(助理|初级|中级|高级|副高级|正高级|特级|首席|见习)$")
#: 「培训的钱是不是全部由政府出」: a grant or a share does not say it is all
_ALL = re.compile(r"全部|全都|全是|全靠|全由|都由|全额|一律|全国都|各地都|哪里都|随便(哪|什么|啥)|任何|任意")
_PROTECTED = re.compile(r"确保|保障|不受|不影响|照发|保留")
_OBLIGATION = re.compile(r"(?<![供反对])应(?!用)|须|必须|应当")
#: Verbs of obtaining and asking that are not what is asked about (「能领补贴吗」 asks about 补贴).
_ASKING_VERBS = frozenset(
    _words(
        "能 可以 领 领取 拿 拿到 申请 享受 参加 参与 获得 取得 办理 得到 报名 考 评 办 有 是 要 需要 会 给 发 补 "
        "政策 上海 本市 规定 方案 文件 我 我们 请问 想 知道 问 单位 公司 现在 还 也 都 就 吗 呢 的 了 "
        "政府 国家 市里 官方 部门 人社 人社局 那边 这边 这块 方面 机会 可能 安排 说法 措施 举措"
    )
)
#: Words that set the scene of nearly every question (the documents' own city, the government,
#: the plan itself): they do not tell which sentence answers it.
_BACKGROUND = frozenset(_words("上海 本市 市里 沪 政府 国家 方案 文件 政策 我 我们 你们 请问 相关"))
#: What eligibility turns on about a person; a question that names one the documents never mention
#: (外地来的, 退休, 在校学生) is not answered 「可以」 — the documents do not say it applies.
PERSONAL_ATTRIBUTES = re.compile(
    r"外地|外省|外籍|外国人|非沪|户口|户籍|年龄|\d+岁|多岁|学历|大专|专科|本科|中专|高中|初中|硕士|博士|退休|在校|学生|应届|"
    r"毕业生|失业|灵活就业|个体户|残疾|农民工|港澳|台湾|居住证|社保|没交|断缴"
)
#: A sentence that says its grant or support is for those who meet conditions
_CONDITIONED = re.compile(r"符合(相关)?条件的")
#: Where the asker lives or works, when it is somewhere the documents do not name (「我在杭州工作」)
_LIVES_ELSEWHERE = re.compile(r"我(?:人)?在([\u4e00-\u9fff]{2,6}?)(工作|上班|生活|居住|住|打工)")
#: Questions whether something is required or restricted (a grant answers them, but not with a yes).
_REQUIREMENT = re.compile(
    r"需要|必须|要求|一定要|得要|限制|受限|卡|门槛|要出|要交|要自己|require|must|need|restrict|limit", re.I
)
#: Questions whether something is only for some (「是不是只有本地户口才能领」 "only for residents"):
#: a grant to them does not say it is limited to them.
_ONLY = re.compile(
    r"只有|只能|仅限|只限|仅对|只对|只给|只针对|仅针对|是否只|是不是只|就只|只管|只面向|只招|只认|只收|仅仅"
    r"|\bonly\b|\bexclusively\b",
    re.I,
)
#: The verb a yes/no asks with, before what it asks to be done (「…能转正吗」「是不是就算工程师」).
_MODAL = re.compile(r"能不能|可不可以|会不会|是不是|算不算|是否|能否|可否|可以|能够|能|会|可|算")
#: Existence questions (「有没有创业补贴」) are answered 「有」, ability ones (「能领吗」) echo their verb.
_EXISTENCE = re.compile(
    r"(有没有|有无|有木有|是否有)(?!机会|可能|资格|办法|希望|用)|有(?!机会|可能|资格|办法|希望|用|效|利|关|人|点).{0,16}(吗|没有?\s*[？?]*\s*$)"
    r"|^\s*(is|are) there\b",
    re.I,
)
#: The verb a Chinese yes/no asks with, echoed as the answer: 能不能 → 能, 会不会 → 会, …能…吗 → 能.
_ECHO = re.compile(
    r"([\u4e00-\u9fff]{1,2}?)[不没]\1|(可以|能够|(?<![智技功性职效本体动才潜产])能(?![力源])|(?<![社机学协大理开年工都体约聚省])会|"
    r"(?<![许认宁])可|算|是|给|(?<![实进执运发推施银流旅可])行)[\u4e00-\u9fff（）()\w]{0,20}吗"
)
#: Words of the question form itself (「补贴标准是多少」 asks about 补贴; 标准 is how it asks).
ASK_WORDS = frozenset(
    _words(
        "多少 标准 金额 数额 额度 条件 要求 资格 门槛 流程 步骤 手续 程序 方式 途径 材料 证明 资料 时间 期限 截止 "
        "时候 哪里 地址 地方 电话 联系 联系方式 什么 怎么 如何 怎样 能否 是否 可以 具体 需要 哪些 有没有 意思 定义 "
        "规定 内容 政策 方面 情况 问题 东西"
    )
)
_CLAUSE = re.compile(r"(?<=[，,；;：:])")
_SENTENCE_END = re.compile(r"(?<=[，,。；;！!？?\n])")
_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_ASKS_SOMETHING = re.compile(r"[？?吗呢]|什么|哪|怎|如何|多少|几")
_CONTINUATION = re.compile(r"^(并|且|还|可|由|将|其|以|和|及|并按|同时|也)")
#: A figure in a sentence (「50期」「3000名」「两千元」); 一次性 is "one-off", not a count.
_NUMBER = re.compile(r"\d|[零一二两三四五六七八九十百千万]+(?=[元名期支个项%]|次(?!性))")
#: The words of a definition question that are not its term (「…是什么意思」「什么叫…」「…属于什么职称」).
_DEFINITION_FORM = re.compile(
    r"(到底|究竟)?(是|属于|相当于?|算|对应)?(什么|啥|哪个|哪一?)(级别|等级|档次|层次|职称|水平)(的?职称)?|"
    r"(到底|究竟)?(是什么意思|什么意思|啥意思|是什么东西|是个啥东西|是个啥|是什么|是啥|是指什么|指的是什么|指什么|是指|"
    r"是怎么回事|怎么回事|(是)?(拿来|用来)?(干什么|干嘛|做什么)的|什么概念|啥概念|的含义|的定义|怎么理解)|"
    r"^(请问|那么|那|所谓|什么是|啥是|什么叫|啥叫|何为|何谓)+"
)
_FILLER = re.compile(r"[？?！!。.~～\s]+|(呢|啊|呀|吗|么|嘛|哈)+$")
#: Words that make a definition's "term" a clause, not a name (「认可以后能」「是拿来」); a modal or
#: verb counts only at its edge (智能 is part of a name).
_NOT_A_NAME = re.compile(
    r"以后|之后|拿来|用来|可以|干嘛|是|我|你|他|它|吗|呢|^(能|会|要|干|做)|(能|会|要|干|做)$"
)
_DEICTIC = re.compile(r"这|那|这个|那个|这是|那是|它|这些|那些|这个政策|这个方案|这条|这一条|这个词")
#: 「…专家等项目」: a name given as an example of a kind, not explained.
_EXAMPLE = re.compile(r"[\u4e00-\u9fff]{0,4}等(?![级同于])")
#: A sentence that speaks of fees (without one, whether and how much the asker pays is not stated).
_FEE_SAID = re.compile(r"免费|收费|费用|自费|学费|培训费|报名费|考试费|fee", re.I)
_MONEY_WORDS = re.compile(r"钱|元|补贴|补助|资助|奖励|津贴|贴息|工资|薪|费|贷款")

#: Definition questions for what a term means or ranks as, which naming it does not answer
#: (「什么叫年薪制」「技师是什么级别」); 「…是怎么回事」「…是干嘛的」 are answered by what the documents say of it.
_MEANING_FORM = re.compile(
    r"什么意思|啥意思|什么叫|啥叫|含义|定义|是指什么|指的是什么|何为|何谓|怎么理解|"
    r"(是|属于|相当于?|算|对应)?(什么|啥|哪个|哪一?)(级别|等级|档次|层次|职称|水平|学历|学位)"
)
#: Verbs of applying for something (a missing procedure for them is 「具体申请流程」).
_APPLYING = re.compile(r"申请|办理|办|申报|报名|领|流程|步骤|手续|程序")
#: Where a comparison question's asking words begin (「…有什么区别」「…哪个好」).
_COMPARISON_FORM = re.compile(
    r"(有什么|有何|有啥)?(区别|差别|差异|不同)|哪个(更)?(好|强|高|划算|合适|有用|值钱)|哪一?种|(一样|相同)(吗|么|不)|相比"
)
#: A sentence that relates two things: one compared, likened or ranked with the other.
#: 「文件里有写吗」「有没有规定」: whether the document says something, not whether it is granted.
_SAYS_ASK = re.compile(
    r"(文件|方案|政策|通知|文中|原文|里面|上面|里|中)(有没有|有无|是否有|有)(写|说|提|讲|规定|明确|说明|涉及)|"
    r"(有没有|有无|是否有|有)(写|说|提)(到|过|了)?(吗|么|没有|没)|\b(does|did) (it|the (plan|notice|document|policy)) (say|mention|state|cover)"
)
_COMPARING = re.compile(r"比照|相比|高于|低于|等同|相当于|对应|区别于|不同于|视同|参照")

#: What a sentence of the document must contain to state the answer to an ask of this kind.
_STATES: dict[AskKind, re.Pattern[str]] = {
    "amount": re.compile(
        r"\d[\d,.]*\s*(万)?元|[零一二三四五六七八九十百千万]+元|标准为|补贴标准|\d+(\.\d+)?%|比例为"
    ),
    "procedure": re.compile(
        r"向.{0,12}(申请|提出|报送)|提交|报名|登录|经.{0,12}(审核|审批|公示|实践)|由.{0,30}(考核|评审|认定|评价|聘任)|"
        r"考核通过|比照认定|直接考核认定|直接聘任|评审环节|推荐申报|按照.{0,10}程序|可按规定获得"
    ),
    "where": re.compile(r"地址|窗口|网址|网站|办事大厅|服务大厅|热线|www\.|\.gov\.cn"),
    "time": re.compile(r"\d{4}年\d{1,2}月|截止|\d+月\d+日|期限|有效期|时限|\d+个?工作日"),
    "materials": re.compile(r"材料|申请表|证明文件|提交"),
}
#: A question for the document's own contact (咨询电话, 热线, whom to ask about it), which the
#: metadata answers — not for the number of some office or event it names (「大赛的报名电话」).
#: How often something happens (「多久一次」「每年几期」): 每年 answers it, not a deadline question.
_FREQUENCY_ASK = re.compile(
    r"多久一次|几次|几回|多少[次回]|每年|每月|一年.{0,2}[几多]|频率|多少期|几期|how often"
)
_FREQUENCY = re.compile(r"每年|每月|每季度|每半年")
#: Verbs of taking part in or applying for something (a personal yes/no about them asks for conditions).
_TAKING_PART = re.compile(r"参加|参与|申请|报名|领|享受|评|考|获得|拿|加入|进")
#: 「评审委员会的咨询电话」: the number of some body the document names, not the document's contact.
_SPECIFIC_CONTACT = re.compile(r"([\u4e00-\u9fff]{2,})的(咨询|报名|联系|办公)?(电话|热线|联系方式|邮箱)")
#: The words of asking whom to call, which name no topic of their own.
_CONTACT_WORDS = re.compile(r"咨询|热线|客服|人社|12333|联系|电话|号码|方式|部门|有问题|找谁|问谁|哪里|渠道")
_GENERAL_CONTACT = re.compile(
    r"^[^的]{0,6}(咨询|热线|人社|12333|联系方式|怎么联系|找谁|问谁|联系谁)|政策咨询|咨询电话|hotline|contact",
    re.I,
)
#: 「…在哪里」「位于哪」"where is it": a place name answers it (not 「去哪办」, not an address).
_LOCATION_ASK = re.compile(
    r"^(?!.*(地址|网址|门牌)).*((在|位于)(哪里|哪儿|哪)(?!.{0,4}(办|申请|报名|领|交|提交|咨询))|\bwhere (is|are)\b)",
    re.I,
)
#: A question for the items of a list or catalogue (「认可清单里具体有哪些证书」「目录包含哪些职业」).
_LIST_ASK = re.compile(
    r"(清单|目录|名单|名录|列表)[里中内上]?.{0,8}(有|包括|包含|含|列了)(哪些|什么)|具体(有|是|包括|包含)哪些|都有哪些|"
    r"哪些(证书|职业|工种|机构)(在|属于|纳入)|(机构|单位|企业|学校|院校|基地|组织|平台)(都)?(有|包括|是)(哪些|哪几)|"
    r"(哪些|哪几所|哪几家|哪几个|是哪几?所)(学校|院校|高校|大学|机构|培训机构|单位|企业|基地|平台)(有|在|能|可以|开|办)?\s*[？?]*\s*$"
)
#: A question about the document's own period (「这个方案到哪年」), answered from its metadata.
#: Who issued the document, when, under what number (its metadata answers the first two).
_ISSUED_ASK = re.compile(
    r"谁(发|制定|印发|发布|颁布|出台)的|谁(制定|印发|发布|颁布|出台)|哪个?(部门|单位|机关|机构)(发|出|制定|印发|发布|颁布|出台)|"
    r"发文(单位|机关|部门|时间|日期)|印发(单位|部门|时间|日期)|文号|发文字号|文件(编号|号)|"
    r"(什么时候|哪天|何时|哪一?年)(发|出|印发|发布|颁布|出台)的?|"
    r"\bwho (issued|published|wrote)\b|\bwhen was (it|the (plan|policy|document|notice)) (issued|published)\b|"
    r"\bdocument number\b",
    re.I,
)
_DOCUMENT_NUMBER_ASK = re.compile(r"文号|发文字号|文件(编号|号)|编号|\bdocument number\b", re.I)
#: 「证书有效期多久」 asks a certificate's period, not the plan's
_OTHER_VALIDITY = re.compile(r"(证书?|资格|执照|卡|补贴|贷款)(的)?(有效期|有效|期限)")
_VALIDITY_ASK = re.compile(
    r"有效期|实施期|哪几年|到哪一?年|管几年|管多久|还有效(?!果)|还管用|(方案|政策|文件|通知|计划).{0,8}(到什么时候|到期|截止|哪一?年|为止|有效|还有效|多久|结束)|"
    r"\bvalid|expire|which years|(plan|policy|document).{0,20}(until|end)",
    re.I,
)

_MISSING_ZH: dict[AskKind, str] = {
    "amount": "具体金额或补贴标准",
    "procedure": "具体申请流程",
    "where": "办理地点或申请渠道",
    "time": "申请时间或截止日期",
    "materials": "所需材料",
    "conditions": "具体条件",
    "definition": "这一说法的解释",
    "yes_no": "您的情况是否适用",
    "content": "相关内容",
    "contact": "具体联系电话",
    "comparison": "二者的区别",
}
_MISSING_EN: dict[AskKind, str] = {
    "amount": "the exact amount",
    "procedure": "the application procedure",
    "where": "where to apply",
    "time": "application dates or a deadline",
    "materials": "the required documents",
    "conditions": "the specific conditions",
    "definition": "a definition",
    "yes_no": "whether it applies to your case",
    "content": "this",
    "contact": "a specific phone number",
    "comparison": "how they differ",
}


@dataclass(frozen=True)
class Quoted:
    """An article the answer quotes, with the sentences chosen from it."""

    document: Document
    article: Article
    sentences: tuple[Span, ...]
    #: how close each sentence's meaning is to the question (cosine; empty when no embedder)
    closeness: Mapping[Span, float] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Opening:
    """The opening text, whether it says yes, and sentences it used that must be quoted too."""

    text: str
    affirmative: bool = False
    missing: tuple[AskKind, ...] = ()
    used: tuple[tuple[str, str, Span], ...] = ()  # (doc_id, article label, sentence) it relies on
    validity_said: bool = False  # the opening states the validity period (no closing note needed)


@dataclass(frozen=True)
class _Statement:
    """What a quoted sentence says about one ask (``only``: said after what is missing, as all
    the documents say on the matter)."""

    kind: AskKind
    quoted: Quoted
    span: Span
    text: str
    only: bool = False
    #: the grant turns on a condition the asker did not say they meet (「我能领补贴吗」): the
    #: answer to their 「能不能」 is that it depends on it, said before the sentence
    depends: bool = False


@dataclass(frozen=True)
class _Missing:
    """An ask the documents do not answer, named for the answer (``label``, else by its kind);
    ``validity``: not missing but the document's own period, said from its metadata."""

    kind: AskKind
    label: str = ""
    validity: bool = False
    issued: bool = False  # not missing either: who issued the document and when, from its metadata

    @property
    def fact(self) -> bool:
        """Said from the metadata, not missing."""
        return self.validity or self.issued


@dataclass(frozen=True)
class Verdict:
    """What a quoted sentence says to a yes/no ask: the sentence, the clause pattern that
    answers, and the lead it supports (「能。」「有。」, or none)."""

    quoted: Quoted
    span: Span
    anchor: re.Pattern[str]
    lead: str = ""
    unaddressed: tuple[str, ...] = ()  # what the asker said of themself that the sentence does not speak to
    #: 「我能…吗」 answered by a sentence whose subject the asker did not name (no lead for it)
    unnamed: bool = False


class Opener:
    """Writes the opening of an extractive answer; also judges whether a yes is supported.

    ``terms`` tokenizes like the index (sub-words included); ``weight`` gives a word's weight in
    the documents (IDF over sentences); ``distinctive`` tells whether a word is said in few enough
    sentences to tell one condition from another; ``vocabulary`` is the documents' words.
    """

    def __init__(
        self,
        terms: Callable[[str], list[str]],
        weight: Callable[[str], float],
        distinctive: Callable[[str], bool],
        vocabulary: Collection[str],
        max_chars: int = 90,
        names_place: Callable[[str], bool] | None = None,
        corpus_text: str = "",
        is_word: Callable[[str], bool] | None = None,
    ) -> None:
        """``names_place`` tells whether a text names a place (青浦): it answers a 「在哪」;
        ``corpus_text`` is the documents' text (a word said inside a longer one is known);
        ``is_word`` tells a word of the general dictionary (转正) from a chance run of characters."""
        self._corpus_text = corpus_text
        self._is_word = is_word
        self._by_first: dict[str, list[str]] | None = None  # the documents' words by first character
        self._names_place = names_place
        # the same sentences and clauses are read for every question: cut each once
        self._terms: Callable[[str], Sequence[str]] = lru_cache(maxsize=8192)(lambda text: tuple(terms(text)))
        self._weight = weight
        self._distinctive = distinctive
        self._vocabulary = vocabulary
        self._max_chars = max_chars

    # --- what is asked about ---------------------------------------------------------------

    def _content(self, text: str) -> set[str]:
        return _maximal(
            {t for t in self._terms(text) if len(t) > 1 and t not in ASK_WORDS and t not in _ASKING_VERBS}
        )

    def groups(self, clause: str, reading: QueryReading | None, language: str) -> list[frozenset[str]]:
        """What a clause asks about, as groups of equivalent words (one must be in a sentence that
        answers it): its own words, each with the document words its everyday word stands for
        (开公司 → 创业 …); for English, the document words each English word can mean."""
        groups: list[frozenset[str]] = []
        everyday = dict(reading.everyday) if reading else {}
        if language == "en" and reading is not None:
            lowered = _spaced(clause)
            for word, readings in reading.english:
                found = frozenset(r for r in readings if r in self._vocabulary)
                if found and _spaced(word) in lowered:
                    groups.append(found)
        own = self._content(clause)
        for word in own:
            groups.append(frozenset({word, *everyday.get(word, ()), *self._expanded(word)}))
        # an everyday phrase the tokenizer cuts apart (开公司 → 开 / 公司) stands for its document
        # words all the same
        for said, added in everyday.items():
            if said not in own and said in clause and not any(said in word for word in own):
                found = frozenset(w for w in added if len(w) > 1)
                if found:
                    groups.append(found | {said})
        return groups

    def focus(self, question: str, reading: QueryReading | None = None) -> Focus:
        """The question's topic as groups of equivalent words (its own words one by one; the
        document words one everyday, English or mistyped word stands for, together): what a
        sentence that answers it says. A group counts once, by its best word present."""
        words = _maximal({t for t in self._terms(question) if len(t) > 1 and t not in ASK_WORDS})
        groups = [frozenset({w}) for w in sorted(words)]
        if reading is not None:
            lowered, spaced = question.lower(), _spaced(question)
            for said, added in (*reading.everyday, *reading.english):
                found = frozenset(w for w in added if len(w) > 1)
                if found and (said.lower() in lowered or (said.isascii() and _spaced(said) in spaced)):
                    groups.append(found)
            groups += [frozenset({term}) for term in _corrected(reading, question)]
        return tuple(dict.fromkeys(groups))

    # --- the yes -------------------------------------------------------------------------

    def settle(
        self,
        ask: Ask,
        question: str,
        quoted: Sequence[Quoted],
        reading: QueryReading | None = None,
        language: str = "zh",
    ) -> Verdict | None:
        """The quoted sentence that answers a yes/no ask, and the lead it supports.

        The sentence must say what the clause asks about: all of it for 「有没有X」, most of it
        (by weight) otherwise. It supports a lead when it grants or does that thing: 「有。」 to
        「有没有…」; the question's own verb (「能。」「会。」) when the question asks about a kind of
        person or about the plan, or about the asker (「我能…吗」) and names the sentence's
        condition or subject (「考了集成电路的证」 for 「对获得集成电路…证书的」). A question
        whether something is required gets 「不一定。」 from a lifted restriction (可打破…制约)
        and its verb from an obligation (应按规定…). No lead when the asker says something of
        themself the sentence does not speak to (外地来的, 退休): that is reported as unaddressed.
        """
        # the clause's own words, and those of clauses that only name the topic (「…项目这块，」);
        # 「…项目是什么，我能参加吗」: a clause with no words of its own asks about the question's topic
        own = self.groups(ask.clause, reading, language)
        topic = [
            g
            for c in _topic_clauses(question, ask.clause, language)
            + _spoken_with(question, ask.clause, language)
            for g in self.groups(c, reading, language)
        ]
        groups = list(dict.fromkeys(own + topic)) or self.groups(question, reading, language)
        # the words of a requirement question's form (限制, 门槛 …) say what kind of answer is
        # wanted, not what it is about: 「有名额限制吗」 is not answered by 「不受…总量限制」
        used = [
            g
            for g in groups
            if any(self._known(w) for w in g)
            and not all(_REQUIREMENT.fullmatch(w) or _ONLY.fullmatch(w) for w in g)
        ]
        if language != "en" and self.unsaid(ask.clause, reading):
            # 「工作满七年能居转户吗」: what is asked to be done is nothing the documents speak of
            return None
        existence = bool(_EXISTENCE.search(ask.clause))
        own_used = [g for g in own if g in used]
        # 「有没有申请表（可以下载）」: the thing asked about, the clause's last word, must be in them
        head = self._head(ask.clause, own)
        if not used or (existence and language != "en" and head is not None and head not in used):
            return None
        requirement = bool(_REQUIREMENT.search(ask.clause) or _ONLY.search(ask.clause))
        property_asked = language != "en" and _asks_property(ask)
        lifted_asked = bool(_LIFTED.search(ask.clause) or re.search(r"不用|不需要|免于|不卡", ask.clause))
        harm = bool(_HARM.search(ask.clause))
        attributes = {m.group(0) for m in PERSONAL_ATTRIBUTES.finditer(question)}
        asked = set(self._terms(question)) | {w for g in groups for w in g}
        total = sum(self._group_weight(g) for g in used)
        for q in quoted:
            # the sentence that says most of what is asked first (「补贴会不会比别的多」: the one on
            # 加大补贴支持力度 over the one on the subsidy itself); the chosen ones, then earlier, on ties
            for span in sorted(
                _candidate_sentences(q), key=lambda c: -self._says(c.slice(q.document.text), used)
            ):
                text = span.slice(q.document.text)
                covered = [g for g in used if any(w in text for w in g)]
                if existence and own_used:
                    # 「科研人员搞数字科技成果转化，有没有现金奖励」: what the asking clause names must
                    # all be there, the rest of the question mostly (as for any other yes/no)
                    enough = (
                        all(g in covered for g in own_used)
                        and sum(self._group_weight(g) for g in covered) >= 0.66 * total
                    )
                elif existence:
                    enough = len(covered) == len(used)
                elif language == "en":
                    enough = len(covered) >= max(1, 2 * len(used) // 3)
                else:
                    enough = bool(covered) and sum(self._group_weight(g) for g in covered) >= 0.66 * total
                if not enough:
                    continue
                grant, support = GRANT.search(text), SUPPORT.search(text)
                unaddressed = tuple(sorted(a for a in attributes if a not in text))
                if harm and _PROTECTED.search(text):
                    # 「培训期间工资会不会被扣」 answered by 「确保…福利和待遇」: no
                    lead = "No." if language == "en" else f"不{_echo(ask) or '会'}。"
                    return Verdict(q, span, _PROTECTED, "" if unaddressed else lead, unaddressed)
                if requirement and _LIFTED.search(text) and lifted_asked:
                    # 「能不能不受…限制」 asks for the lifted restriction: a yes
                    return Verdict(q, span, _LIFTED, "" if unaddressed else _lead(ask, language), unaddressed)
                if requirement:
                    if _LIFTED.search(text):
                        lead = "Not necessarily." if language == "en" else "不一定。"
                        return Verdict(q, span, _LIFTED, "" if unaddressed else lead, unaddressed)
                    if _OBLIGATION.search(text):
                        return Verdict(
                            q, span, _OBLIGATION, "" if unaddressed else _lead(ask, language), unaddressed
                        )
                    anchor = GRANT if grant else SUPPORT if support else None
                    if anchor is None:
                        continue
                    return Verdict(q, span, anchor, "", unaddressed)
                if not grant and not support:
                    continue
                anchor = GRANT if grant else SUPPORT
                if unaddressed:
                    return Verdict(q, span, anchor, "", unaddressed)
                granted_text = text[grant.start() :] if grant else text
                if (
                    harm
                    or _ALL.search(ask.clause)
                    or self._other_rank(granted_text, covered, asked)
                    or (
                        grant
                        and language != "en"
                        and not existence
                        and self._other_head(
                            granted_text, asked | set(_corrected(reading, question)), question
                        )
                    )
                ):
                    # 「会不会因为超了总量发不了」: a grant does not make the harm happen;
                    # 「是不是全部由政府出」: nor is a share all of it; 「可直接进入…专家等项目的
                    # 评审环节」 grants a review, not the title asked for
                    return Verdict(q, span, anchor, "")
                if existence:
                    return Verdict(q, span, anchor, _lead(ask, language, existence=True))
                if property_asked:
                    # 「培训免费吗」「难不难考」 ask how a thing is, which a grant of it does not say
                    return Verdict(q, span, anchor, "")
                if not ask.personal:
                    return Verdict(q, span, anchor, _lead(ask, language))
                # the asker must name what the sentence's grant turns on
                if grant:
                    required = {t for t in self._content(text[: grant.start()]) if self._distinctive(t)}
                else:  # 「支持…符合条件的…科研人员…创办企业」: the subject is named by the question's background
                    required = {t for t in self._content(text) if self._distinctive(t)} - {
                        w for g in own for w in g
                    }
                named = bool(required & asked) or any(r in question for r in required)
                if language == "en" and _QUALIFYING.search(text[: grant.start()] if grant else text):
                    # "a certificate I earned in the UK" does not say it is one 「市场认可度高的」:
                    # an English question cannot name the quality in the document's words
                    named = False
                return Verdict(q, span, anchor, _lead(ask, language) if named else "", unnamed=not named)
        return None

    def unsaid(self, clause: str, reading: QueryReading | None = None) -> list[str]:
        """The words of what a yes/no asks to be done or had (after its 能/可以/会 …: 「…能转正吗」)
        that are words of the language but nothing the documents say, by themselves or through
        the everyday words they stand for: no sentence can grant them."""
        if self._is_word is None:
            return []
        modal = _MODAL.search(clause)
        if modal is None:
            return []
        bridged = {said for said, _ in reading.everyday} if reading else set()
        words = [
            t
            for t in dict.fromkeys(self._terms(clause[modal.end() :]))
            if len(t) > 1
            and not re.search(r"[\d零一二两三四五六七八九十百千万几]", t)
            and t not in ASK_WORDS
            and t not in _ASKING_VERBS
            and t not in _BACKGROUND
            # the form of the question (被扣, 全部, 只有, 需要 …), which other rules read
            and not any(rx.search(t) for rx in (_HARM, _ALL, _ONLY, _REQUIREMENT, _LIFTED))
        ]
        # only when nothing of it is the documents' (「会不会超了绩效工资总额」 speaks of 绩效工资)
        if any(self._known(t) or any(t in said or said in t for said in bridged) for t in words):
            return []
        return [
            t
            for t in words
            if self._is_word(t)
            and not _DEICTIC.match(t)  # 「这类」 points back, it names nothing
            and not self._abbreviates(t)  # 评委 is 评审委员会 cut short
        ]

    def _abbreviates(self, word: str) -> bool:
        """Whether ``word`` is a word of the documents cut short: its characters, in order, are
        the first of their parts in one document word (评委 → 评审委员会)."""
        pattern = re.compile(".{0,3}".join(map(re.escape, word)))
        return any(len(v) > len(word) and pattern.match(v) for v in self._starting_with(word[:1]))

    def _starting_with(self, first: str) -> list[str]:
        """The documents' words that begin with ``first``."""
        by_first = self._by_first
        if by_first is None:  # built whole before it is shared: answers run on several threads
            by_first = {}
            for v in self._vocabulary:
                by_first.setdefault(v[:1], []).append(v)
            self._by_first = by_first
        return by_first.get(first, [])

    def _expanded(self, word: str) -> tuple[str, ...]:
        """The longer document words a document word is the short form of: its characters, in
        order but not side by side, begin and end one (高校 → 高等院校); at most a few, else none.
        Only the documents' own short forms: a word they never use may be no short form at all
        (国外 is not 国内外)."""
        if word not in self._vocabulary or not 2 <= len(word) <= 4:
            return ()
        if not all("\u4e00" <= ch <= "\u9fff" for ch in word):
            return ()
        # a whole word only: 数字技能 is not 数字技术技能人才
        pattern = re.compile(".{0,3}".join(map(re.escape, word)) + "$")
        found = tuple(sorted(v for v in self._starting_with(word[:1]) if word not in v and pattern.match(v)))
        return found if len(found) <= _MAX_EXPANSIONS else ()

    @staticmethod
    def _other_rank(text: str, groups: Sequence[frozenset[str]], asked: Collection[str]) -> bool:
        """Whether what a sentence grants names a word asked about only with a rank the question
        does not name: 「直接聘任助理工程师」 does not make one an 工程师, nor 「特级技师」 a 技师."""
        for group in groups:
            spots = [(w, m.start()) for w in group for m in re.finditer(re.escape(w), text)]
            if spots and all(
                (rank := _RANK.search(text[:at])) is not None
                and rank.group(0) not in asked
                and not any(rank.group(0) + w in a for a in asked)
                for w, at in spots
            ):
                return True
        return False

    def _other_head(self, granted: str, asked: Collection[str], question: str) -> bool:
        """Whether what a sentence grants is a thing of what was asked, not that thing: the head
        of 「…X等项目的评审环节」 (the words after its last 的) is a word the question never says."""
        words = [a for a in asked if len(a) > 1]
        # the grant that says most of what was asked (a sentence may grant several things)
        phrases = [p for p in re.split(r"[，,。；;：:]", granted) if GRANT.search(p)]
        phrase = max(phrases, key=lambda p: sum(a in p for a in words), default="")
        if "的" not in phrase:
            return False
        head = [t for t in self._content(phrase.rsplit("的", 1)[1]) if len(t) > 1]
        return bool(head) and not any(t in question or any(t in a or a in t for a in words) for t in head)

    def _says(self, text: str, groups: Sequence[frozenset[str]]) -> float:
        """The weight of the groups a text says one word of."""
        return sum(self._group_weight(g) for g in groups if any(w in text for w in g))

    def _head(self, clause: str, groups: Sequence[frozenset[str]]) -> frozenset[str] | None:
        """The group of the word said last in a clause: the thing a Chinese noun phrase names
        (「新型学徒制补贴」 is a 补贴)."""
        placed = [(max((clause.rfind(w) for w in g), default=-1), g) for g in groups]
        placed = [(at, g) for at, g in placed if at >= 0]
        return max(placed, key=lambda pair: pair[0])[1] if placed else None

    def _known(self, word: str) -> bool:
        """Whether the documents say a word (as one of their words, or inside a longer one:
        现金奖励 in 职务科技成果转化现金奖励)."""
        return word in self._vocabulary or (len(word) > 1 and word in self._corpus_text)

    def _group_weight(self, group: frozenset[str]) -> float:
        return max((self._weight(w) for w in group if w in self._vocabulary), default=0.0)

    def supports_yes(
        self,
        asks: Asks,
        question: str,
        quoted: Sequence[Quoted],
        reading: QueryReading | None = None,
        language: str = "zh",
    ) -> bool:
        return any(
            (v := self.settle(a, question, quoted, reading, language)) is not None and bool(v.lead)
            for a in asks.of("yes_no")
        )

    # --- the opening ---------------------------------------------------------------------

    def open(
        self,
        question: str,
        asks: Asks,
        quoted: Sequence[Quoted],
        language: str = "zh",
        reading: QueryReading | None = None,
    ) -> Opening:
        """The opening: for each ask in the question's order, what the quoted articles say about
        it, or that they do not say it; then the next step when something is missing."""
        if not quoted:
            return Opening("")
        en = language == "en"
        focus = self.focus(question, reading)
        pieces: list[_Statement | _Missing] = []
        lead = ""
        meta = quoted[0].document.meta
        for ask in asks:
            if ask.kind != "contact" and meta.issuer and _ISSUED_ASK.search(ask.clause):
                # 「这个文件是谁发的」「什么时候印发的」: the document's metadata answers
                if not any(isinstance(p, _Missing) and p.issued for p in pieces):
                    pieces.append(_Missing(ask.kind, meta.issuer, issued=True))
                if _DOCUMENT_NUMBER_ASK.search(ask.clause):
                    pieces.append(_Missing("content", "the document number" if en else "本文件的文号"))
                continue
            if ask.kind == "contact":
                if not _general_contact(ask.clause) or self._content(_CONTACT_WORDS.sub("", question)):
                    # 「大赛的报名电话」「产业园怎么入驻？找谁联系」: the document's contact is
                    # not that programme's number (it is still given last, as where to ask)
                    pieces.append(_Missing("contact"))
                continue  # the document's contact is given last
            # 「要交钱吗」「培训免费吗」 ask about a fee; 「培训费能报销吗」 asks about 报销
            modal = _MODAL.search(ask.clause) if ask.kind == "yes_no" else None
            fee = bool(FEE.search(ask.clause[modal.end() :] if modal else ask.clause)) and not any(
                _FEE_SAID.search(q.article.span.slice(q.document.text)) for q in quoted
            )
            if fee and ask.kind in ("yes_no", "amount"):
                # 「考证要交钱吗」「培训免费吗，学费多少」: the documents say nothing of fees
                both = all(
                    any(a.kind == kind and a.clause == ask.clause for a in asks)
                    for kind in ("yes_no", "amount")
                )
                if ask.kind == "yes_no":
                    label = "whether there is a fee" if en else "是否收费"
                    if both:
                        label = "whether there is a fee, or how much it is" if en else "是否收费及收费标准"
                    pieces.append(_Missing("yes_no", label))
                elif not both:
                    pieces.append(_Missing("amount", "the fees" if en else "收费标准"))
                continue
            if (
                ask.kind == "yes_no"
                and _SAYS_ASK.search(ask.clause)
                and any(a.kind != "yes_no" for a in asks)
            ):
                # 「…去哪里申请、要什么材料，文件里有写吗」: whether the document says it is
                # answered by what the other asks find stated or not, never by a bare 「有。」
                continue
            validity = quoted[0].document.meta.validity
            if (
                ask.kind in ("yes_no", "time")
                and validity
                and _VALIDITY_ASK.search(ask.clause)
                and not _OTHER_VALIDITY.search(ask.clause)
            ):
                # 「这政策管几年？2026年以后还有效不」: the document's own period answers
                pieces.append(_Missing("time", validity, validity=True))
                continue
            if ask.kind == "yes_no":
                verdict = self.settle(ask, question, quoted, reading, language)
                if verdict is None:
                    if en:  # English reaches the documents through the dictionary only: say what is there
                        pieces += self._content_statements(quoted, focus)
                    else:
                        pieces.append(_Missing("yes_no", self._yes_no_missing(ask, question, en, reading)))
                    continue
                lead = lead or verdict.lead
                if not verdict.lead and not verdict.unaddressed and en is False and _asks_property(ask):
                    # 「培训免费吗」: the documents speak of the training, not of whether it is free
                    pieces.append(_Missing("yes_no", self._yes_no_missing(ask, question, en)))
                elif not verdict.lead and not verdict.unaddressed and _ALL.search(ask.clause):
                    pieces.append(
                        _Missing("yes_no", "whether that holds for all of it" if en else "是否全部如此")
                    )
                elif not verdict.lead and not verdict.unaddressed and _ONLY.search(ask.clause):
                    # 「…是不是只有本地户口才能领」: the documents grant it, they do not say to whom only
                    pieces.append(
                        _Missing("yes_no", "whether it is limited to them" if en else "是否仅限于此")
                    )
                elif not verdict.lead and not verdict.unaddressed and _REQUIREMENT.search(ask.clause):
                    # 「…需要培训吗」 answered by a sentence that neither requires nor lifts it
                    pieces.append(_Missing("yes_no", "whether it is required" if en else "这是否是必须的"))
                if verdict.unaddressed:
                    listed = "、".join(f"“{a}”" for a in verdict.unaddressed)
                    label = f"whether it applies to {listed}" if en else f"{listed}这类个人情况是否影响适用"
                    pieces.append(_Missing("yes_no", label))
                text = self._key(verdict.quoted, verdict.span, focus, verdict.anchor)
                sentence = verdict.span.slice(verdict.quoted.document.text)
                granted = GRANT.search(sentence)
                depends = bool(
                    ask.personal
                    and not verdict.lead
                    and not verdict.unaddressed
                    and not _REQUIREMENT.search(ask.clause)
                    and not _ONLY.search(ask.clause)
                    and (
                        bool(granted and _condition(sentence, granted.start()))
                        # 「支持…符合条件的…科研人员…创办企业」: the condition is said, the modal is not
                        or bool(_CONDITIONED.search(sentence))
                        # 「将…市场认可度高的…证书纳入…，开展…比照认定」: what it is done for is qualified
                        or (verdict.unnamed and bool(_QUALIFYING.search(sentence)))
                    )
                )
                pieces.append(_Statement("yes_no", verdict.quoted, verdict.span, text, depends=depends))
                continue
            clause_focus = self.focus(ask.clause, reading) or focus
            if ask.kind == "content" and _LIST_ASK.search(ask.clause):
                # 「清单里具体有哪些证书」: a notice names a list, it does not print it
                pieces.append(_Missing("content", "the list itself" if en else "具体名单或目录内容"))
                pieces += self._content_statements(quoted[:1], clause_focus)
                continue
            if ask.kind in _STATES:
                # 「…有一次性补贴吗？给多少」: a clause of its own asks about the question's topic
                asked = ask.clause if self._content(ask.clause) else question
                stated = self._stated(ask.kind, asked, quoted, clause_focus)
                if stated is None:
                    label = _how(ask) if ask.kind == "procedure" and not en else ""
                    if ask.kind == "time" and _FREQUENCY_ASK.search(ask.clause):
                        label = "how often" if en else "次数或频率"  # 「一年能领几回」
                    pieces.append(_Missing(ask.kind, label))
                else:
                    q, span = stated
                    anchor = re.compile(f"{_STATES[ask.kind].pattern}|{GRANT.pattern}")
                    pieces.append(_Statement(ask.kind, q, span, self._key(q, span, clause_focus, anchor)))
                continue
            if ask.kind == "conditions":
                conditioned = self._conditioned(quoted, clause_focus)
                if conditioned is None:
                    pieces.append(_Missing("conditions"))
                else:
                    q, span = conditioned
                    pieces.append(_Statement("conditions", q, span, self._key(q, span, clause_focus, GRANT)))
                continue
            if ask.kind == "comparison":
                sides = () if en else _compared(ask.clause)
                compared = self._compared_in(quoted, sides)
                if compared is None:
                    # 「技师与高级工有什么区别」: the documents name both at most, they do not compare them
                    if is_choice(ask.clause, language):
                        label = "which of the two to choose" if en else "二者如何取舍"
                    else:
                        label = f"“{sides[0]}”与“{sides[1]}”的区别" if sides else ""
                    pieces.append(_Missing("comparison", label))
                else:
                    q, span = compared
                    pieces.append(
                        _Statement("comparison", q, span, self._key(q, span, clause_focus, _COMPARING))
                    )
                continue
            if ask.kind == "definition":
                term = "" if en else _definiendum(ask.clause, reading)
                meaning = bool(_MEANING_FORM.search(ask.clause))
                if term and not any(
                    self._defines(q, term) if meaning else self._describes(q, term) for q in quoted
                ):
                    # 「什么叫年薪制」: the documents name it in a list at most; they do not explain it
                    # 「技师是什么级别」「什么叫以考代评」: naming a term is not saying what it means
                    pieces.append(_Missing("definition", f"“{term}”的具体含义"))
                    continue
                # the first sentence that names what is asked about, else the article's first
                q = quoted[0]
                ordered = sorted(_candidate_sentences(q) or q.article.sentences, key=lambda c: c.start)
                naming = [c for c in ordered if self._score(c.slice(q.document.text), clause_focus)]
                span = (naming or ordered)[0]
                text = self._key(q, span, clause_focus, None, whole=True)
                pieces.append(_Statement("definition", q, span, text))
                continue
            wanted = next((w for w in _WANTED_SENTENCES if w[0].search(ask.clause)), None)
            if wanted is not None:
                # 「是根据哪个文件制定的」「培训的钱谁出」「为什么要出这个方案」: the sentence of that kind
                _, kind_of_sentence, not_said = wanted
                found = self._saying(quoted, clause_focus, kind_of_sentence)
                if found is not None:
                    q, span = found
                    text = self._key(q, span, clause_focus, kind_of_sentence)
                    pieces.append(_Statement("content", q, span, text))
                    continue
                if not_said:
                    pieces.append(_Missing("content", not_said[0] if en else not_said[1]))
                    continue
            pieces += self._content_statements(quoted, clause_focus)
        missing = [p for p in pieces if isinstance(p, _Missing) and not p.fact]
        statements = [p for p in pieces if isinstance(p, _Statement)]
        if missing and not statements:
            # after what the document does not say, what it does say
            fallback = self._content_statements(quoted[:1], focus)
            pieces += [replace(f, only=True) for f in fallback]
        kept: list[_Statement | _Missing] = []
        for piece in pieces:
            duplicate = isinstance(piece, _Statement) and (
                not piece.text or any(isinstance(k, _Statement) and k.span == piece.span for k in kept)
            )
            if not duplicate and piece not in kept:
                kept.append(piece)
        text = self._compose(lead, kept, asks, quoted, en)
        said = [k for k in kept if isinstance(k, _Statement)]
        used = tuple(dict.fromkeys((k.quoted.document.doc_id, k.quoted.article.label, k.span) for k in said))
        kinds = tuple(dict.fromkeys(m.kind for m in missing))
        validity_said = any(isinstance(k, _Missing) and k.validity for k in kept)
        return Opening(text, bool(lead), kinds, used, validity_said=validity_said)

    @staticmethod
    def _describes(q: Quoted, term: str) -> bool:
        """Whether an article says something of ``term`` itself: names it other than as one item of
        a list (「实行年薪制、协议工资制、项目工资等」) or as an example (「…特殊津贴专家等项目」)."""
        text = unicodedata.normalize("NFKC", q.article.span.slice(q.document.text))
        for m in re.finditer(re.escape(term), text):
            before = text[: m.start()].rstrip("“”\"'《》「」")
            after = text[m.end() :].lstrip("“”\"'《》「」")
            if before.endswith("、") or after.startswith("、") or _EXAMPLE.match(after):
                continue
            return True
        return False

    @staticmethod
    def _compared_in(quoted: Sequence[Quoted], sides: Sequence[str]) -> tuple[Quoted, Span] | None:
        """A quoted sentence that compares the two things asked about: names both and relates
        them (「…与本市工程师职称的比照认定」); none when the sides are unknown."""
        if len(sides) != 2:
            return None
        for q in quoted:
            for span in q.article.sentences:
                text = unicodedata.normalize("NFKC", span.slice(q.document.text))
                if all(side in text for side in sides) and _COMPARING.search(text):
                    return q, span
        return None

    @staticmethod
    def _defines(q: Quoted, term: str) -> bool:
        """Whether an article says what ``term`` means or ranks as (「X是指…」「所谓X」「X相当于…」)."""
        text = unicodedata.normalize("NFKC", q.article.span.slice(q.document.text))
        t = re.escape(term)
        return bool(
            re.search(
                rf"所谓“?{t}|{t}[”\"」]?[,，]?(是指|指的是|即|是一种|是一项|是|相当于|属于|对应|等同于)", text
            )
        )

    @staticmethod
    def wanted(asks: Asks) -> list[re.Pattern[str]]:
        """The kind of sentence an ask wants that another article may hold: who puts money in
        (「培训的钱谁出」) — a notice's funding usually has an article of its own (经费保障). What a
        thing is for, or the document it follows, is said where the thing is (a purpose found in
        another article is another thing's)."""
        return [_FUNDING for ask in asks if ask.kind == "content" and _WHO_PAYS.search(ask.clause)][:1]

    def _saying(
        self, quoted: Sequence[Quoted], focus: Focus, pattern: re.Pattern[str]
    ) -> tuple[Quoted, Span] | None:
        """The best quoted sentence on the topic that says what ``pattern`` marks: what something
        is for (「为…提供有力人才支撑」), the document it follows (《…》)."""
        for on_topic in (True, False):  # a sentence that also says the topic's words first
            for q in quoted:
                for span in self.rank(q, focus):
                    text = span.slice(q.document.text)
                    if pattern.search(text) and (self._score(text, focus) or not on_topic):
                        return q, span
        return None

    def _content_statements(self, quoted: Sequence[Quoted], focus: Focus) -> list[_Statement]:
        """What each quoted article says about the question: its best sentence, from the clause
        that names the topic on (an answer in parts quotes one article per part)."""
        out = []
        for q in quoted:
            span = self._best_sentence(q, focus)
            out.append(_Statement("content", q, span, self._key(q, span, focus, None)))
        return out

    def _yes_no_missing(self, ask: Ask, question: str, en: bool, reading: QueryReading | None = None) -> str:
        """How a yes/no the documents do not settle is named: 「新型学徒制补贴的相关规定」."""
        unsaid = [] if en else self.unsaid(ask.clause, reading)
        if unsaid:
            return f"{'、'.join(f'“{w}”' for w in unsaid)}的相关规定"
        if _EXISTENCE.search(ask.clause):
            objects = self._content(ask.clause) or self._content(question)
            lowered = question.lower()
            ordered = sorted(objects, key=lambda w: (lowered.find(w.lower()), w))
            if ordered:
                return f"provisions on {'/'.join(ordered)}" if en else f"{''.join(ordered)}的相关规定"
        lives = _LIVES_ELSEWHERE.search(question)
        if lives and not en and self._names_place is not None and self._names_place(lives.group(1)):
            # 「我在杭州工作可以吗？」: the documents do not say whether that matters
            return f"在{lives.group(1)}{lives.group(2)}的人是否适用"
        if PERSONAL_ATTRIBUTES.search(question) or (ask.personal and _TAKING_PART.search(ask.clause)):
            return "who can take part or apply" if en else "个人参加或申请的具体条件"
        return "whether this is allowed" if en else "这一点"

    def _stated(
        self, kind: AskKind, clause: str, quoted: Sequence[Quoted], focus: Focus
    ) -> tuple[Quoted, Span] | None:
        pattern = _STATES[kind]
        money = kind == "amount" and bool(_MONEY_WORDS.search(clause))
        for q in quoted:
            for span in self.rank(q, focus):
                text = span.slice(q.document.text)
                if not self._score(text, focus):
                    continue
                if kind == "amount" and not money:
                    if _NUMBER.search(text):
                        return q, span
                elif (
                    kind == "time"
                    and _FREQUENCY_ASK.search(clause)
                    and _FREQUENCY.search(text)
                    or pattern.search(text)
                    or (
                        kind == "where"
                        and _LOCATION_ASK.search(clause)
                        and self._names_place is not None
                        and self._names_place(text)
                    )
                ):
                    return q, span
        return None

    def _conditioned(self, quoted: Sequence[Quoted], focus: Focus) -> tuple[Quoted, Span] | None:
        """A quoted sentence that sets a condition (「对…的，可…」「符合条件的…」) on what is asked about."""
        # the condition must be set on what is asked about: the sentence says most of the topic
        # (「机械工程师评定条件」 is not answered by a condition on 赛事表现突出的人员)
        whole = self._score_all(focus)
        for q in quoted:
            for span in self.rank(q, focus):
                text = span.slice(q.document.text)
                m = GRANT.search(text)
                if m and _condition(text, m.start()) and self._score(text, focus) >= 0.66 * whole:
                    return q, span
        return None

    def _score_all(self, focus: Focus) -> float:
        """What a text saying every group of the topic would score (its known words only)."""
        return sum(
            max(
                (self._weight(w) * (0.3 if w in _BACKGROUND else 1.0) for w in g if w in self._vocabulary),
                default=0.0,
            )
            for g in focus
        )

    def _score(self, text: str, focus: Focus) -> float:
        """How much of the topic a text says: for each group, the weight of its best word in the
        text (scene-setting words like 上海 or 方案 count a third)."""
        return sum(
            max(
                (self._weight(w) * (0.3 if w in _BACKGROUND else 1.0) for w in group if w in text),
                default=0.0,
            )
            for group in focus
        )

    def _best_sentence(self, q: Quoted, focus: Focus) -> Span:
        """The sentence of the article that best answers the topic (see :data:`WORDS_WEIGHT`)."""
        ranked = self.rank(q, focus)
        return ranked[0] if ranked else q.article.sentences[0]

    def rank(self, q: Quoted, focus: Focus, words_weight: float = WORDS_WEIGHT) -> list[Span]:
        """The article's candidate sentences, best answer to the topic first: the share of the
        topic each says, blended with how close its meaning is (:data:`WORDS_WEIGHT`); the chosen
        sentences, then the earlier, win ties."""
        candidates = _candidate_sentences(q) or list(q.article.sentences)
        said = [self._score(c.slice(q.document.text), focus) for c in candidates]
        top = max(said, default=0.0) or 1.0
        near = [q.closeness.get(c) for c in candidates]
        known = [n for n in near if n is not None]
        low, high = (min(known), max(known)) if known else (0.0, 0.0)
        spread = high - low

        def blended(i: int) -> float:
            words = said[i] / top
            closeness = near[i]
            if closeness is None or spread <= 0:
                return words
            return words_weight * words + (1 - words_weight) * (closeness - low) / spread

        order = sorted(
            range(len(candidates)),
            key=lambda i: (-blended(i), candidates[i] not in q.sentences, candidates[i].start),
        )
        return [candidates[i] for i in order]

    def _key(
        self, q: Quoted, span: Span, focus: Focus, anchor: re.Pattern[str] | None, whole: bool = False
    ) -> str:
        """The clauses of a sentence that bear on the question, as plain text (about ``max_chars``).

        From the clause that answers — the one with the ``anchor`` (a grant, an amount …), else
        the one that says most of the topic — with the condition or subject before it, and on to
        the clauses after it while they fit. ``whole``: the whole sentence, its least telling
        clauses dropped until it fits (a definition's predicate is often at the end).
        """
        text = span.slice(q.document.text).strip()
        text = text.removeprefix(q.article.printed)
        heading = q.article.heading
        if heading and text.startswith(heading):
            text = text[len(heading) :].lstrip("。.")
        clauses = [c for c in _CLAUSE.split(text.rstrip("。；;")) if c.strip()]
        if not clauses:
            return ""
        scores = [self._score(c, focus) for c in clauses]
        marked = [i for i, c in enumerate(clauses) if anchor is not None and anchor.search(c)]
        if whole:
            best = max(range(len(clauses)), key=lambda i: (scores[i], -i))
            picked = list(range(len(clauses)))
        else:
            if marked:
                best = max(marked, key=lambda i: (scores[i], -i))
            else:
                best = max(range(len(clauses)), key=lambda i: (scores[i], -i)) if any(scores) else 0
            start = end = best
            # a condition (「对…的，」), a subject, or a clause this one continues comes with it
            while start > 0 and (
                _CONTINUATION.match(clauses[start])
                or clauses[start - 1].rstrip("，,；;").endswith("的")
                or (anchor is not None and anchor.match(clauses[start]) is not None)
                or _length(clauses[start : end + 1]) < 16
            ):
                start -= 1
            # the means before a purpose (「通过…项目，以…方式，加强…激励」), then what follows, while it fits
            while start > 0 and not marked and _length(clauses[start - 1 : end + 1]) <= self._max_chars:
                start -= 1
            while end + 1 < len(clauses) and _length(clauses[start : end + 2]) <= self._max_chars:
                end += 1
            picked = list(range(start, end + 1))
        while len(picked) > 1 and _length([clauses[i] for i in picked]) > self._max_chars:
            droppable = [i for i in picked if i not in (best, picked[-1])] or [i for i in picked if i != best]
            weakest = min(droppable, key=lambda i: (scores[i], -len(clauses[i])))
            picked.remove(weakest)
        out = "".join(clauses[i] for i in picked).rstrip("，,；;：:")
        out = re.sub(r"^对(?=.{2,}的[,，])", "", out)
        return out.replace(",", "，").replace(";", "；").replace(":", "：")

    def _compose(
        self,
        lead: str,
        pieces: Sequence[_Statement | _Missing],
        asks: Asks,
        quoted: Sequence[Quoted],
        en: bool,
    ) -> str:
        meta = quoted[0].document.meta
        several_documents = len({q.document.doc_id for q in quoted}) > 1
        doc = _doc_word(meta, en)
        parts: list[str] = [lead] if lead else []
        names: list[str] = []  # missing things in a row, said in one sentence

        def flush() -> None:
            if names:
                parts.append(
                    f"The {doc} does not state {_join_en(names)}."
                    if en
                    else f"{doc}没有写明{'、'.join(names)}。"
                )
                names.clear()

        for piece in pieces:
            if isinstance(piece, _Missing):
                if piece.issued:
                    flush()
                    day = meta.issued_date
                    if en:
                        parts.append(f"The {doc} was issued by {piece.label}{f' on {day}' if day else ''}.")
                    else:
                        parts.append(f"{doc}由{piece.label}{f'于{day}' if day else ''}印发。")
                    continue
                if piece.validity:
                    flush()
                    period = piece.label
                    parts.append(
                        f"The {doc} covers {period.replace('年', '')}."
                        if en
                        else f"{doc}的实施期为{period}。"
                    )
                    continue
                name = piece.label or (_MISSING_EN if en else _MISSING_ZH)[piece.kind]
                # 「个人参加或申请的具体条件」 says 「具体条件」 already
                if not any(name in n for n in names):
                    names[:] = [n for n in names if n not in name] + [name]
                continue
            flush()
            if piece.depends:
                parts.append(
                    "It depends on whether you meet the condition the plan sets."
                    if en
                    else f"要看是否符合{doc}规定的条件。"
                )
            where = _where(piece.quoted, en, several_documents)
            prefix = "" if several_documents else doc
            if en:
                parts.append(f"{where} says: {piece.text}.")
            else:
                parts.append(f"{prefix}{where}{'只规定' if piece.only else '规定'}：{piece.text}。")
        flush()
        contact = meta.contact or meta.issuer
        anything_missing = any(isinstance(p, _Missing) and not p.fact for p in pieces)
        general = any(a.kind == "contact" and _general_contact(a.clause) for a in asks)
        if general and contact:
            parts.append(f"Contact: {contact}." if en else f"咨询渠道：{contact}。")
        elif anything_missing and contact:
            parts.append(
                f"For the details, please contact {contact}."
                if en
                else f"具体办理请以主管部门发布的细则为准，或咨询{contact}。"
            )
        return (" " if en else "").join(parts).strip()


#: The verbs a yes/no a grant can answer asks with: may, can, will, is there, give, count as …
_GRANTABLE = re.compile(
    r"能|可以|可|会|有|给|算|是|行|允许|支持|鼓励|享受|领|拿|申请|参加|报名|纳入|获得|进|评|办|用|当|做|设|建|开|"
    r"发|出|补|帮|报销|承担|负担|包|保障|保留"
)


def _asks_property(ask: Ask) -> bool:
    """Whether a Chinese yes/no asks how a thing is (「培训免费吗」「难不难考」「贵吗」) rather than
    whether it may, will or does happen: its verb (the A-not-A's A, or what stands before 吗) is
    none of the verbs a grant answers."""
    echoed = _echo(ask)
    if echoed:
        return not _GRANTABLE.search(echoed)
    return not (
        _GRANTABLE.search(ask.clause) or _EXISTENCE.search(ask.clause) or _REQUIREMENT.search(ask.clause)
    )


def _spaced(text: str) -> str:
    """English words of ``text``, lower-case, one space apart (eight-level → eight level), padded:
    how the dictionary's phrases are matched."""
    return " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "


def _corrected(reading: QueryReading | None, question: str) -> list[str]:
    """The words a question's typing slips meant (职成 → 职称), in the order read."""
    return [term for typed, term in reading.corrected if typed in question] if reading else []


def _lead(ask: Ask, language: str, existence: bool = False) -> str:
    """The yes a question gets: 「有。」 to 「有没有」, its own verb (「能。」「会。」) to 「能不能」,
    「可以。」 when it asks with none; "Yes." in English."""
    if language == "en":
        return "Yes."
    if existence:
        return "有。"
    return f"{_echo(ask) or '可以'}。"


def _echo(ask: Ask) -> str:
    """The verb a Chinese yes/no asks with (能不能 → 能, 会不会 → 会, …可以…吗 → 可以), or ''."""
    m = _ECHO.search(ask.clause)
    verb = (m.group(1) or m.group(2)) if m else ""
    return {"可": "可以", "能够": "能"}.get(verb, verb)


def _spoken_with(question: str, asking: str, language: str) -> list[str]:
    """「专精特新企业认定要啥条件 有奖励吗」: clauses set apart by a space only are one sentence;
    a yes/no in one of them asks about the words of the others too (奖励 of that 认定)."""
    if language == "en":
        return []
    for sentence in _SENTENCE_END.split(question):
        parts = [p for p in _SPACE.split(sentence.strip()) if p]
        if len(parts) > 1 and asking.strip() in parts:
            return [p for p in parts if p != asking.strip()]
    return []


def _topic_clauses(question: str, asking: str, language: str) -> list[str]:
    """Clauses of the question that ask nothing themselves: the topic or background the asking
    clause speaks of (「数字技术工程师培育项目这块，」)."""
    out = []
    for clause in clauses(question, language):
        if clause == asking or clause.strip() in asking:
            continue
        if {a.kind for a in read_asks(clause, language)} <= {"content"} and not _ASKS_SOMETHING.search(
            clause
        ):
            out.append(clause)
    return out


def _definiendum(clause: str, reading: QueryReading | None) -> str:
    """What a definition question asks about: the clause without its asking words
    (「什么叫年薪制」 → 年薪制, 「技师属于什么职称」 → 技师), typing slips read as the term meant;
    '' when nothing or a whole sentence is left (「这是什么意思」)."""
    term = _DEFINITION_FORM.sub("", unicodedata.normalize("NFKC", clause))
    term = _FILLER.sub("", term).strip("“”\"'《》「」 ")
    term = re.split(r"那个|这个|那些|这些", term)[-1]  # 「青浦那个…基地」: the thing named last
    for typed, meant in reading.corrected if reading else ():
        term = term.replace(typed, meant)
    if len(term) < 2 or len(term) > 16 or re.search(r"[，,。；;：:、]", term) or _DEICTIC.fullmatch(term):
        return ""
    head = term.rsplit("的", 1)[-1]
    term = head if len(head) >= 2 else term  # 「事业单位的特设岗位」 asks about 特设岗位
    return "" if _NOT_A_NAME.search(term) else term


def _how(ask: Ask) -> str:
    """How a missing procedure is named when the question asks how to do something other than
    apply (「创业担保贷款如何还款」 → 具体如何还款); '' for applying, which has its own name."""
    if _APPLYING.search(ask.clause):
        return ""
    m = re.search(
        r"(怎么|如何|怎样|咋)(进行|去|来|才能)?([\u4e00-\u9fff]{1,2}?)(的|呢|啊|吗|了|[？?，,。]|$)",
        ask.clause,
    )
    if m is None:
        m = re.search(r"(怎么|如何|怎样|咋)(进行|去|来|才能)?([\u4e00-\u9fff]{2})", ask.clause)
    return f"具体如何{m.group(3)}" if m else ""


def _compared(clause: str) -> tuple[str, ...]:
    """The two things a comparison asks about (「技师与高级工有什么区别」 → 技师, 高级工), or ()."""
    text = unicodedata.normalize("NFKC", clause)
    m = _COMPARISON_FORM.search(text)
    before = text[: m.start()] if m else text
    before = re.sub(r"(之间|两者|二者|有什么|有何|有啥|有|的|是)+$", "", before)
    before = re.sub(r"^(请问|想问一下|想问|问一下|那么|那)", "", before)
    before = re.sub(
        r"\d+(\.\d+)?\s*[万千百]?元?", "", before
    )  # 「年薪12万和月薪1万」: figures it never checks
    sides = [s.strip("“”\"'《》「」 ") for s in re.split(r"和|与|跟|同|以及|还是|及|、|vs\.?", before)]
    sides = [s for s in sides if s]
    if len(sides) < 2 or not all(1 < len(s) <= 12 for s in sides[-2:]):
        return ()
    return tuple(sides[-2:])


def _general_contact(clause: str) -> bool:
    """Whether a contact ask is for the document's own contact (the metadata answers it)."""
    specific = _SPECIFIC_CONTACT.search(clause)
    if specific and not re.search(r"方案|政策|文件|人社", specific.group(1)):
        return False
    return bool(_GENERAL_CONTACT.search(clause))


def _doc_word(meta: DocumentMeta, en: bool) -> str:
    if en:
        return "plan" if "方案" in meta.kind else "document"
    return "方案" if "方案" in meta.kind else "文件"


def _where(q: Quoted, en: bool, several_documents: bool) -> str:
    label = q.article.label
    name = label if label.startswith(("第", "附件", "前言")) else f"第{label}条"
    title = q.document.meta.short_title or q.document.title
    if en:
        base = label if label.startswith(("第", "前言", "附件")) else f"Article {label}"
        return base + (f" of 《{title}》" if several_documents else " of the plan")
    return f"《{title}》{name}" if several_documents else name


def _join_en(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def _length(clauses: Sequence[str]) -> int:
    return sum(len(c) for c in clauses)


def _maximal(terms: set[str]) -> set[str]:
    return {t for t in terms if not any(t != other and t in other for other in terms)}


def _condition(text: str, modal_at: int) -> str:
    """The condition a granting modal applies to, when the sentence sets one: the clause before
    it (「对劳动者…证书的」 in 「对劳动者…证书的,可按规定享受…」, 「符合条件的…人才」)."""
    pieces = re.split(r"[，,；;。]", text[:modal_at])
    last = pieces[-1].strip() if pieces else ""
    if not last and len(pieces) > 1:
        last = pieces[-2].strip()
    if last.endswith("的") or last.startswith("对") or "的人员" in last or "符合" in last:
        return last
    return ""


def _candidate_sentences(q: Quoted) -> list[Span]:
    """The chosen sentences first, then the article's others (a bare heading sentence excluded)."""
    ordered = list(q.sentences) + [s for s in q.article.sentences if s not in q.sentences]
    heading = q.article.heading

    def bare_heading(span: Span) -> bool:
        text = span.slice(q.document.text).rstrip("。").removeprefix(q.article.printed).strip()
        return bool(heading) and text == heading

    # the covering notice's own lines (「…关于印发《…》的通知」「现将…印发给你们」) say nothing of the plan
    notice = q.document.notice
    parts = (notice.title, notice.addressees, notice.body, notice.issuer, notice.date) if notice else ()
    covering = [s for s in parts if s is not None]

    def covering_line(span: Span) -> bool:
        return any(c.start <= span.start < c.end or span.start <= c.start < span.end for c in covering)

    # the plan's own title line (「上海市加快…实施方案(2024-2026年)」) names it, it says nothing of it
    title = unicodedata.normalize("NFKC", q.document.meta.title).strip("《》 ")

    def title_line(span: Span) -> bool:
        return (
            bool(title) and unicodedata.normalize("NFKC", span.slice(q.document.text)).strip("。 \n") == title
        )

    kept = [s for s in ordered if not bare_heading(s) and not title_line(s)]
    return [s for s in kept if not covering_line(s)] or kept

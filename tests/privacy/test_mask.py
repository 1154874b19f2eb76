from __future__ import annotations

import pytest

from assistant.privacy import luhn_ok, mask, valid_id_card

# Valid check characters computed with the ISO 7064 MOD 11-2 rule.
ID_18 = "11010519491231002X"
ID_18_B = "310104199001011233"
CARD_19 = "6222021234567890128"  # Luhn-valid


@pytest.mark.parametrize(
    ("text", "kind", "placeholder"),
    [
        (f"我的身份证号是{ID_18}", "id_card", "〔身份证号〕"),
        (f"身份证 {ID_18_B.lower()}", "id_card", "〔身份证号〕"),
        ("老身份证310104900101123", "id_card", "〔身份证号〕"),
        ("手机13812345678", "mobile", "〔手机号〕"),
        ("手机 138 1234 5678", "mobile", "〔手机号〕"),
        ("手机138-1234-5678", "mobile", "〔手机号〕"),
        ("电话 +86 139-1234-5678", "mobile", "〔手机号〕"),
        ("+8613912345678", "mobile", "〔手机号〕"),
        ("座机021-62345678", "phone", "〔电话〕"),
        ("座机(021)62345678", "phone", "〔电话〕"),
        ("座机（0571）87654321", "phone", "〔电话〕"),
        ("我的电话是62345678", "phone", "〔电话〕"),
        (f"卡号{CARD_19}", "bank_card", "〔银行卡号〕"),
        ("卡号 6222 0212 3456 7890 128", "bank_card", "〔银行卡号〕"),
        ("邮箱 zhang.san+x@example.com.cn", "email", "〔邮箱〕"),
        ("我叫张三，想问补贴", "name", "〔姓名〕"),
        ("本人李四，在企业工作", "name", "〔姓名〕"),
        ("我是王小明想咨询补贴", "name", "〔姓名〕"),
        ("我是欧阳娜娜。", "name", "〔姓名〕"),
        ("我姓陈", "name", "〔姓名〕"),
        ("My name is Li Lei, can I apply?", "name", "〔姓名〕"),
    ],
)
def test_personal_data_is_masked(text: str, kind: str, placeholder: str) -> None:
    masked = mask(text)
    assert placeholder in masked.text
    assert kind in masked.kinds
    digits = "".join(ch for ch in masked.text if ch.isdigit())
    assert len(digits) < 7, masked.text


@pytest.mark.parametrize(
    "text",
    [
        "我是做集成电路的",
        "我是大学生",
        "本人是企业职工",
        "我是高校毕业生，应届的",
        "我是马上要毕业的学生",
        "人社部发〔2024〕37号文件",
        "2024年到2026年，每年培养20支团队、2000名人才",
        "打12333上海人社服务热线",
        "实施方案(2024-2026年)于2024年11月12日发布",
        "补贴5000元，满3年",
        "I am a student in Shanghai",
    ],
)
def test_policy_text_is_left_alone(text: str) -> None:
    masked = mask(text)
    assert masked.text == text
    assert masked.kinds == ()
    assert not masked.changed


def test_kinds_in_order_and_several_at_once() -> None:
    masked = mask(f"我叫张三，手机13812345678，身份证{ID_18}，邮箱a@b.cn")
    assert masked.kinds == ("name", "mobile", "id_card", "email")
    assert masked.text == "我叫〔姓名〕，手机〔手机号〕，身份证〔身份证号〕，邮箱〔邮箱〕"


def test_checksums() -> None:
    assert valid_id_card(ID_18) and valid_id_card(ID_18_B)
    assert not valid_id_card("110105194912310021")  # wrong check character
    assert not valid_id_card("110105194913310029")  # month 13
    assert luhn_ok(CARD_19) and not luhn_ok("6222021234567890127")


def test_long_numbers_that_fail_checks_are_still_masked() -> None:
    masked = mask("号码110105194912310021")  # an 18-digit number with a bad checksum
    assert "110105194912310021" not in masked.text
    assert masked.kinds == ("number",)


# Issue 15: kinds the first masking let through (found in log rows, exports and prompts).
@pytest.mark.parametrize(
    ("text", "kind", "gone"),
    [
        ("我的手机１３７１２３４５６７８，补贴怎么领", "mobile", "１３７１２３４５６７８"),
        ("手机1391 2345 678", "mobile", "1391 2345 678"),
        ("手机138.1234.5678", "mobile", "138.1234.5678"),
        ("电话一三九一二三四五六七八", "mobile", "一三九一二三四五六七八"),
        ("邮箱zhangsan＠example．com", "email", "zhangsan"),
        ("邮箱ｌｉｓｉ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email", "ｌｉｓｉ"),
        ("身份证１１０１０５１９４９１２３１００２Ｘ", "id_card", "１１０１０５"),
        ("护照号E12345678，能申请吗", "passport", "E12345678"),
        ("我的护照是EA1234567", "passport", "EA1234567"),
        ("港澳通行证C12345678", "passport", "C12345678"),
        ("持G12345678护照", "passport", "G12345678"),
        ("我家住上海市浦东新区张江路123弄4号502室，能申请吗", "address", "张江路123弄"),
        ("住址：幸福小区3栋2单元501室", "address", "幸福小区"),
        ("I live at 123 Main Street, Apt 5", "address", "Main Street"),
        ("我儿子叫王小明，今年18岁，能参加培训吗", "name", "王小明"),
        ("我女儿叫张丽丽想申请补贴", "name", "张丽丽"),
        ("联系人：李四，电话见上", "name", "李四"),
        ("申请人是王小五，能申请吗", "name", "王小五"),
        ("我老公叫李建国", "name", "李建国"),
        ("微信号 zhangsan_88", "account", "zhangsan_88"),
        ("QQ：123456789", "account", "123456789"),
        ("车牌沪A12345", "plate", "A12345"),
    ],
)
def test_more_kinds_are_masked(text: str, kind: str, gone: str) -> None:
    masked = mask(text)
    assert gone not in masked.text, masked.text
    assert kind in masked.kinds, masked


def test_masking_keeps_the_text_as_written() -> None:
    # full-width letters read as ASCII for matching, but what is not personal stays as typed
    masked = mask("ＡＩ培训，手机１３７１２３４５６７８，上海市浦东新区张江路123号")
    assert masked.text == "ＡＩ培训，手机〔手机号〕，上海市浦东新区〔地址〕"


@pytest.mark.parametrize(
    "text",
    [
        "申请人需要提供什么材料",
        "联系人是谁",
        "我儿子是大学生，能参加吗",
        "沪人社规〔2024〕5号",
        "二〇二四年发布",
        "张三丰这个名字",
        "G60科创走廊的企业",
        "证书编号在哪里查",
        "第3组的规定",
        "每项500元，第（十三）条",
    ],
)
def test_more_policy_text_is_left_alone(text: str) -> None:
    assert mask(text).kinds == (), mask(text)


def test_the_notice_itself_has_nothing_to_mask(notice: object) -> None:
    assert mask(notice.text).kinds == ()  # type: ignore[attr-defined]

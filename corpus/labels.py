"""Article labels: Chinese numerals and the canonical form used in citations and QA files."""

from __future__ import annotations

import re

from corpus.models import PREAMBLE_LABEL

CN_DIGITS = "零〇一二两兩三四五六七八九"
CN_NUMERAL = "[零〇一二两兩三四五六七八九十百千]+"
_DIGIT_VALUE = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000}

_PAREN = re.compile(rf"^\s*[（(]\s*({CN_NUMERAL}|\d+)\s*[）)]\s*$")
_DI_TIAO = re.compile(rf"^\s*第\s*({CN_NUMERAL}|\d+)\s*[条條]\s*(?:之\s*({CN_NUMERAL}|\d+))?\s*$")
_PART_LABEL = re.compile(rf"^\s*({CN_NUMERAL})\s*[、．.，,]\s*$")
_DOC_PREFIX = re.compile(r"^[^#\s]+#")
#: a 附件 printed again in its document: 「附件（二）」, 「附件三(3)」
_REPEATED_APPENDIX = re.compile(rf"^(附件\S*?)\s*[（(]\s*({CN_NUMERAL}|\d+)\s*[）)]\s*$")


def cn_to_int(numeral: str) -> int:
    """Convert a Chinese numeral (一百零二, 十四, 二〇) or digits to an int."""
    if numeral.isdigit():
        return int(numeral)
    total, current = 0, 0
    for ch in numeral:
        if ch in _DIGIT_VALUE:
            current = current * 10 + _DIGIT_VALUE[ch] if current and ch in "零〇" else _DIGIT_VALUE[ch]
        elif ch in _UNIT_VALUE:
            total += (current or 1) * _UNIT_VALUE[ch]
            current = 0
        else:
            raise ValueError(f"expected a Chinese numeral; got {numeral!r}")
    return total + current


def int_to_cn(value: int) -> str:
    """Convert 1..9999 to Chinese numerals as printed in documents (十四, 一百零二)."""
    if not 0 < value < 10000:
        raise ValueError(f"expected 1..9999; got {value}")
    digits = "零一二三四五六七八九"
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out, zero = "", False
    rest = value
    for unit, name in units:
        q, rest = divmod(rest, unit)
        if q:
            if zero:
                out += "零"
                zero = False
            out += ("" if (unit == 10 and q == 1 and not out) else digits[q]) + name
        elif out:
            zero = True
    if rest:
        if zero:
            out += "零"
        out += digits[rest]
    return out


def canonical_label(label: str) -> str:
    """Canonical article label: ``(十三)`` → ``（十三）``, ``第 68 条`` → ``第六十八条``.

    Traditional ``第十條`` → ``第十条``; ``第十七条之一`` keeps its ``之一``; a part used as an
    article, ``一.`` or ``一．``, → ``一、``; the second 附件 of a document, ``附件(2)``, →
    ``附件（二）``. A ``doc_id#`` prefix is dropped; anything else is
    returned stripped and unchanged.
    """
    label = _DOC_PREFIX.sub("", label.strip())
    if label in {"前言", "preamble", "Preamble"}:
        return PREAMBLE_LABEL
    m = _PAREN.match(label)
    if m:
        num = m.group(1)
        return f"（{int_to_cn(int(num)) if num.isdigit() else num}）"
    m = _DI_TIAO.match(label)
    if m:
        num, sub = m.group(1), m.group(2)
        main = f"第{_numeral(num)}条"
        return f"{main}之{_numeral(sub)}" if sub else main
    m = _PART_LABEL.match(label)
    if m:
        return f"{m.group(1)}、"
    m = _REPEATED_APPENDIX.match(label)
    if m:
        return f"{m.group(1)}（{_numeral(m.group(2))}）"
    return label


def _numeral(num: str) -> str:
    return int_to_cn(int(num)) if num.isdigit() else num.replace("兩", "两")


def split_qualified(label: str) -> tuple[str | None, str]:
    """``doc#（十三）`` → (``doc``, ``（十三）``); a plain label → (None, canonical label)."""
    if "#" in label:
        doc_id, _, rest = label.partition("#")
        return doc_id.strip() or None, canonical_label(rest)
    return None, canonical_label(label)

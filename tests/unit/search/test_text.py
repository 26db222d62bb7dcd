"""Normal form, segmentation and pinyin: what documents and queries are both reduced to."""

from __future__ import annotations

import time

import pytest

from search import text

CORPUS = [
    "醫保結算",
    "一網通辦",
    "頭髮護理與後臺管理",
    "計算機軟體",
    "瞭解「政務服務」的範圍",
    "ＡＢＣ１２３",
    "　全角空格　",
    "粤省事🎉上線啦👍🏽",
    "İstanbul ǅ Straße ﬁle",
    "OA協同 12345熱線 v2.0",
    "𠀀𪚥 龘",
    "",
    "\u200b零宽\ufeff字符",
]


@pytest.mark.parametrize("source", CORPUS)
def test_normalise_keeps_the_length(source: str) -> None:
    assert len(text.normalise(source)) == len(source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("醫保", "医保"),
        ("一網通辦", "一网通办"),
        ("ＡＢＣ１２３", "abc123"),
        ("頭髮", "头发"),
        ("OA協同　辦公", "oa协同 办公"),
        ("Smart Medical", "smart medical"),
        ("粤省事", "粤省事"),
    ],
)
def test_normalise_folds_script_width_and_case(source: str, expected: str) -> None:
    assert text.normalise(source) == expected


def test_normalise_never_changes_length_even_where_lowercase_would() -> None:
    # "İ".lower() is two characters; it is kept as it is so positions still line up.
    assert text.normalise("İA") == "İa"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("粤省事一网通办社保卡公积金", ["粤省事", "一网通办", "社保卡", "公积金"]),
        ("OA协同", ["oa", "协同"]),
        ("12345热线", ["12345", "热线"]),
        ("醫保結算，異地就醫！", ["医保", "结算", "异地就医"]),
        ("粤商通 / 粤政易 (v2.0)", ["粤商通", "粤政易", "v2", "0"]),
        ("深圳市政务服务数据管理局", ["深圳市", "政务服务", "数据", "管理局"]),
        ("  ，。！  ", []),
    ],
)
def test_words_segment_mixed_text(source: str, expected: list[str]) -> None:
    assert text.words(source) == expected


def test_word_spans_point_into_the_original() -> None:
    source = "查詢 OA協同辦公"
    for start, end, word in text.word_spans(source):
        assert text.normalise(source[start:end]) == word


def test_segmented_and_han_chars() -> None:
    assert text.segmented("粤省事ＡＰＰ上線") == "粤省事 app 上线"
    assert text.han_chars("粤省事 APP 上線!") == "粤 省 事 上 线"


@pytest.mark.parametrize(
    ("source", "full", "syllables", "initials"),
    [
        ("粤省事", "yueshengshi", ("yue", "sheng", "shi"), "yss"),
        ("粵省事", "yueshengshi", ("yue", "sheng", "shi"), "yss"),
        ("重庆", "chongqing", ("chong", "qing"), "cq"),
        ("银行", "yinhang", ("yin", "hang"), "yh"),
        ("OA协同", "oaxietong", ("oa", "xie", "tong"), "oaxt"),
        ("12345热线", "12345rexian", ("12345", "re", "xian"), "12345rx"),
        ("社保卡，申领", "shebaokashenling", ("she", "bao", "ka", "shen", "ling"), "sbksl"),
        ("", "", (), ""),
    ],
)
def test_pinyin_forms(source: str, full: str, syllables: tuple[str, ...], initials: str) -> None:
    assert text.pinyin(source) == text.Pinyin(full=full, syllables=syllables, initials=initials)
    assert text.syllables_of(source) == syllables


def test_char_syllables_align_with_characters() -> None:
    assert text.char_syllables("A社保卡!") == [None, "she", "bao", "ka", None]


def test_short_texts_are_fast() -> None:
    text.warm_up()
    names = [f"第{n}号智慧醫保結算平台" for n in range(500)]
    started = time.perf_counter()
    for name in names:
        text.normalise(name)
        text.words(name)
        text.pinyin(name)
    per_name = (time.perf_counter() - started) / len(names)
    assert per_name < 0.0005, f"{per_name * 1000:.3f} ms per name"

"""Highlighting: the publisher's text, escaped, with only the highlight tag as markup."""

from __future__ import annotations

import re

import pytest

from search.highlight import highlight
from search.query import parse_query


def _marked(original: str, q: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", highlight(original, parse_query(q)))


def test_an_empty_query_only_escapes() -> None:
    assert highlight("a < b & 社保", parse_query("")) == "a &lt; b &amp; 社保"


def test_the_surrounding_text_is_escaped_and_only_marks_are_markup() -> None:
    original = "<script>alert(1)</script>社保 \"quoted\" 'single' & <b>bold</b>"
    html = highlight(original, parse_query("社保 script"))
    assert re.findall(r"<[^>]*>", html) == ["<mark>", "</mark>", "<mark>", "</mark>", "<mark>", "</mark>"]
    assert "&lt;<mark>script</mark>&gt;alert(1)" in html
    assert "&#34;quoted&#34; &#39;single&#39; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_escaping_applies_inside_marks_too() -> None:
    assert highlight("R&D平台", parse_query("r&d")) == "<mark>R</mark>&amp;<mark>D</mark>平台"


@pytest.mark.parametrize(
    ("original", "q", "marked"),
    [
        ("智慧醫保結算平台", "医保", ["醫保"]),  # shown in the publisher's script
        ("智慧医保结算平台", "醫保", ["医保"]),
        ("社会保险查询", "社保", ["社会保险"]),  # a synonym
        ("公积金贷款与户籍迁移", "办身份证", ["户籍"]),  # a thesaurus term
        ("Smart Medical Insurance", "medical", ["Medical"]),  # case-insensitive
        ("ＯＡ系统", "oa", ["ＯＡ"]),  # full width
        ("ＯＡ协同办公", "oa", ["ＯＡ协同办公"]),  # oa and its synonym 协同办公, touching
        ("12345热线工单", "12345热线", ["12345热线"]),
    ],
)
def test_terms_are_marked(original: str, q: str, marked: list[str]) -> None:
    assert _marked(original, q) == marked


def test_latin_terms_start_a_word() -> None:
    assert _marked("board OA oas", "oa") == ["OA", "oa"]


def test_the_longest_match_wins_without_nesting() -> None:
    html = highlight("住房公积金提取", parse_query("公积金 住房公积金"))
    assert html == "<mark>住房公积金</mark>提取"


def test_touching_matches_become_one_mark() -> None:
    assert _marked("医保结算服务", "医保 结算") == ["医保结算"]


@pytest.mark.parametrize(
    ("original", "q", "marked"),
    [
        ("社保卡申领", "社宝卡", ["社保卡"]),
        ("低保申请服务", "低保申情", ["低保申请"]),
        ("粤省事小程序", "yss", ["粤省事"]),
        ("粤省事小程序", "yueshengshi", ["粤省事"]),
        ("粤省事小程序", "yue sheng shi", ["粤省事"]),
        ("粵省事小程序", "YSS", ["粵省事"]),
    ],
)
def test_homophones_and_pinyin_are_marked(original: str, q: str, marked: list[str]) -> None:
    assert _marked(original, q) == marked


def test_a_single_syllable_is_not_a_homophone_match() -> None:
    assert _marked("设立社区", "摄") == []
    assert _marked("一站式服务", "ys") == []  # two initials match too much


def test_homophones_are_any_run_of_the_query_syllables_the_longest_at_each_place() -> None:
    # 宝卡 is a run from the middle of "she bao ka"; a text may hold several runs, or end in one
    assert _marked("办理保卡和社保卡", "社宝卡") == ["保卡", "社保卡"]
    assert _marked("电子社保", "社宝卡") == ["社保"]
    # 社保 and 宝卡 overlap in 社保卡: the longest run wins, as one mark
    assert _marked("社保卡", "社宝 宝卡") == ["社保卡"]
    # the same syllables out of order are no run
    assert _marked("咖包舍", "社宝卡") == []  # ka bao she


def test_custom_tag() -> None:
    assert highlight("社保", parse_query("社保"), tag="em") == "<em>社保</em>"

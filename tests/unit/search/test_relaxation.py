"""Which query words a document does not match: the words relaxation dropped, named as typed."""

from __future__ import annotations

from typing import Any

import pytest

from search.query import parse_query
from search.relaxation import dropped_words

SOCIAL_CARD: dict[str, Any] = {
    "name_n": "社保卡申领",
    "name_en_n": "social security card",
    "tags_n": ["社保卡", "社保"],
    "summary_n": "在线申领第三代社会保障卡",
    "words": "社保卡 申领 社保卡 社保 在线 申领 第三代 社会保障卡",
    "body_n": "邮寄到家",
    "department_n": "人力资源和社会保障局",
    "py_full": ["shebaokashenling", "shebaoka", "shebao"],
    "py_syl": ["she bao ka shen ling", "she bao ka", "she bao"],
    "py_ini": ["sbksl", "sbk", "sb"],
    "py_text": "she bao ka shen ling zai xian shen ling di san dai she hui bao zhang ka she bao ka she bao",
}


@pytest.mark.parametrize(
    ("q", "dropped"),
    [
        ("社保 火星", ["火星"]),
        ("火星 社保 月球", ["火星", "月球"]),
        ("社會保障卡", []),  # Traditional script, normalised like the document
        ("邮寄", []),  # in the description
        ("人力资源", []),  # in the department
        ("社会保险", []),  # a synonym of 社保, which the app has
        ("社宝卡", []),  # a homophone: the same syllables in a row
        ("she bao", []),  # pinyin typed with spaces
        ("shebao", []),  # full pinyin
        ("sbk", []),  # initials
        ("shebaok", []),  # full pinyin still being typed
        ("social", []),  # English name
        ("soc", []),  # its beginning
        ("", []),
    ],
)
def test_dropped_words(q: str, dropped: list[str]) -> None:
    assert dropped_words(parse_query(q), SOCIAL_CARD) == dropped


def test_words_are_named_as_the_user_typed_them() -> None:
    assert dropped_words(parse_query("社保 醫療"), SOCIAL_CARD) == ["醫療"]
    assert dropped_words(parse_query("社保 ＭＡＲＳ"), SOCIAL_CARD) == ["ＭＡＲＳ"]


def test_a_thesaurus_need_matches_through_any_of_its_terms() -> None:
    id_card = {"name_n": "居民身份证办理预约", "words": "居民 身份证 办理 预约"}
    assert dropped_words(parse_query("办身份证"), id_card) == []
    assert dropped_words(parse_query("开饭店"), id_card) == ["开饭店"]


def test_a_latin_word_inside_another_word_does_not_match() -> None:
    doc = {
        "name_en_n": "oa collaboration",
        "summary_n": "公文oa流转",
        "py_full": ["xietong"],
        "py_ini": ["xt"],
    }
    assert dropped_words(parse_query("labor"), doc) == ["labor"]
    assert dropped_words(parse_query("coll"), doc) == []
    assert dropped_words(parse_query("OA"), doc) == []
    assert dropped_words(parse_query("OA"), {"summary_n": "公文oa流转"}) == []
    assert dropped_words(parse_query("OA"), {"summary_n": "board"}) == ["OA"]
    assert dropped_words(parse_query("ration"), {"summary_n": "collaboration"}) == ["ration"]


def test_syllables_match_only_in_a_row() -> None:
    doc = {"py_text": "she hui jiu zhu di bao"}
    assert dropped_words(parse_query("低保"), doc) == []
    assert dropped_words(parse_query("社保"), doc) == ["社保"]


def test_missing_fields_are_empty() -> None:
    assert dropped_words(parse_query("社保"), {}) == ["社保"]
    assert dropped_words(parse_query("社保"), {"name_n": None, "tags_n": None, "py_syl": None}) == ["社保"]

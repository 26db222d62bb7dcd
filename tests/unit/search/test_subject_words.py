"""The query the duplicate check and "similar apps" build from a name: what it is about."""

from __future__ import annotations

import pytest

from search.service import subject_words
from search.vocabulary import GENERIC_WORDS


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("智慧医保结算平台", "医保 结算"),
        ("掌上社保卡服务", "社保卡"),
        ("數字政務服務平台", "政务"),  # Traditional script is normalised first
        ("OA协同办公系统", "oa 协同办公"),
    ],
)
def test_generic_words_are_left_out(name: str, expected: str) -> None:
    assert subject_words(name) == expected


def test_a_name_of_generic_words_only_gives_an_empty_query() -> None:
    assert subject_words("智慧平台") == ""


def test_the_generic_words_are_normalised_data() -> None:
    assert {"智慧", "平台", "系统", "app"} <= GENERIC_WORDS
    assert all(word == word.strip().lower() for word in GENERIC_WORDS)

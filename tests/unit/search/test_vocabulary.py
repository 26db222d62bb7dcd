"""The government vocabulary kept as data: every synonym group and every thesaurus entry works."""

from __future__ import annotations

import pytest

from search import text, vocabulary
from search.query import parse_query

REQUIRED_GROUPS = [
    ("社保", "社会保险"),
    ("公积金", "住房公积金"),
    ("一网通办", "政务服务"),
    ("营商环境", "企业服务"),
    ("不见面审批", "网上审批"),
    ("医保", "医疗保险"),
    ("低保", "最低生活保障"),
    ("身份证", "居民身份证"),
    ("不动产", "房产"),
    ("12345", "政务服务热线"),
    ("电子证照", "电子证件"),
    ("oa", "协同办公"),
]
REQUIRED_NEEDS = {
    "办身份证": ("户籍", "居民身份证"),
    "开饭店": ("食品经营许可",),
    "查社保": ("社保查询",),
    "交罚款": ("非税缴纳",),
}


def _label(group: tuple[str, ...]) -> str:
    return "/".join(group)


@pytest.mark.parametrize("group", vocabulary.SYNONYM_GROUPS, ids=_label)
def test_every_term_of_a_group_finds_the_others(group: tuple[str, ...]) -> None:
    for term in group:
        assert set(group) - {term} <= set(vocabulary.synonyms_of(term))
        assert term not in vocabulary.synonyms_of(term)
        # The query side: a term typed alone is one word that matches through all of its group
        # (a term mixing digits and Han, 12345热线, is two words, as in documents).
        words = parse_query(term).words
        mixed = text.has_han(term) and not all(map(text.is_han, term))
        if not mixed:
            assert len(words) == 1, [word.norm for word in words]
            assert set(group) <= set(words[0].alternatives)


@pytest.mark.parametrize(("need", "terms"), vocabulary.THESAURUS.items(), ids=list(vocabulary.THESAURUS))
def test_every_need_becomes_its_terms(need: str, terms: tuple[str, ...]) -> None:
    (word,) = parse_query(need).words
    assert word.norm == need
    assert word.alternatives == terms


def test_the_groups_the_issue_names_are_there() -> None:
    assert len(vocabulary.SYNONYM_GROUPS) >= 35
    for first, second in REQUIRED_GROUPS:
        assert second in vocabulary.synonyms_of(first), (first, second)


def test_the_needs_the_issue_names_are_there() -> None:
    assert len(vocabulary.THESAURUS) >= 25
    for need, terms in REQUIRED_NEEDS.items():
        assert vocabulary.THESAURUS[need] == terms


def test_traditional_script_finds_synonyms() -> None:
    assert "社会保险" in vocabulary.synonyms_of("社保")
    assert "医疗保险" in vocabulary.synonyms_of("醫保")
    assert vocabulary.synonyms_of("不存在的词") == ()


def test_dictionary_words_keep_government_terms_whole() -> None:
    words = vocabulary.dictionary_words()
    assert len(vocabulary.WORDS) >= 80
    assert {"粤省事", "一网统管", "12345热线", "广州", "云浮", "居民身份证", "食品经营许可"} <= set(words)
    assert "办身份证" not in words  # needs are matched in queries, not kept as words
    assert len(words) == len(set(words))
    for word in ("粤省事", "粤商通", "粤政易", "一网通办", "一网协同", "政务云", "社保卡", "公积金"):
        assert text.words(word) == [word]


def test_meilisearch_synonyms_map_every_term_to_the_others() -> None:
    synonyms = vocabulary.meilisearch_synonyms()
    assert set(synonyms["社保"]) == {"社会保险"}
    assert set(synonyms["社会保险"]) == {"社保"}
    assert all(term not in others for term, others in synonyms.items())
    assert all(isinstance(others, list) and others for others in synonyms.values())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([["社保"]], "group 1"),
        ([["社保", "社会保险"], ["医保", ""]], "group 2"),
        ([["社保", "社保"]], "at least two different terms"),
        ([["社保", "x" * 31]], "longer than 30"),
        ([["社保", 12345]], "quote numbers"),
        ({"a": "b"}, "expected a list"),
    ],
)
def test_bad_synonym_files_are_refused_with_the_entry(data: object, message: str) -> None:
    with pytest.raises(vocabulary.VocabularyError, match=message) as raised:
        vocabulary.parse_synonyms(data)
    assert "search/data/synonyms.yaml" in str(raised.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"开饭店": []}, "开饭店"),
        ({"开饭店": ["食品经营许可", " "]}, "empty term"),
        ({"開飯店": ["a"], "开饭店": ["b"]}, "twice"),
        (["开饭店"], "expected a mapping"),
    ],
)
def test_bad_thesaurus_files_are_refused_with_the_entry(data: object, message: str) -> None:
    with pytest.raises(vocabulary.VocabularyError, match=message) as raised:
        vocabulary.parse_thesaurus(data)
    assert "search/data/thesaurus.yaml" in str(raised.value)


def test_bad_word_files_are_refused() -> None:
    with pytest.raises(vocabulary.VocabularyError, match=r"words\.yaml"):
        vocabulary.parse_words(["粤省事", None])

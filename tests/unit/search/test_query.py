"""Taking a query apart: needs, words, synonyms, pinyin."""

from __future__ import annotations

from search.query import MAX_WORDS, PinyinQuery, Word, parse_query, pinyin_query
from search.types import MAX_QUERY_CHARS


def _norms(q: str) -> list[str]:
    return [word.norm for word in parse_query(q).words]


def test_an_empty_query_has_no_words() -> None:
    for q in ("", "   ", "，。！"):
        parsed = parse_query(q)
        assert parsed.words == ()
        assert parsed.terms() == ()
        assert pinyin_query(parsed) is None


def test_a_need_becomes_one_word_of_its_terms() -> None:
    parsed = parse_query("办身份证")
    assert parsed.words == (
        Word(
            text="办身份证",
            norm="办身份证",
            alternatives=("户籍", "居民身份证"),
            syllables=("ban", "shen", "fen", "zheng"),
            is_latin=False,
        ),
    )


def test_needs_are_found_inside_longer_queries_as_typed() -> None:
    parsed = parse_query("我想開飯店")
    assert [word.norm for word in parsed.words] == ["我", "想", "开饭店"]
    assert parsed.words[-1].text == "開飯店"  # as typed, for "dropped words"
    assert parsed.words[-1].alternatives == ("食品经营许可",)
    assert _norms("怎么办身份证")[-1] == "办身份证"


def test_needs_that_are_only_pieces_of_other_words_are_ignored() -> None:
    assert _norms("购买房产") == ["购买", "房产"]  # not 买房
    assert _norms("结婚证") == ["结婚证"]  # not 结婚


def test_traditional_script_is_normalised_and_gets_synonyms() -> None:
    (medical, settle) = parse_query("醫保 結算").words
    assert (medical.text, medical.norm) == ("醫保", "医保")
    assert medical.alternatives[0] == "医保"
    assert {"医疗保险", "医疗保障"} <= set(medical.alternatives)
    assert settle.alternatives == ("结算",)


def test_mixed_latin_and_han() -> None:
    oa, together = parse_query("OA 协同").words
    assert (oa.text, oa.norm, oa.is_latin) == ("OA", "oa", True)
    assert "协同办公" in oa.alternatives
    assert (together.norm, together.is_latin) == ("协同", False)
    assert _norms("12345热线") == ["12345", "热线"]
    assert _norms("ＯＡ协同") == ["oa", "协同"]


def test_pinyin_typed_by_the_user_stays_latin() -> None:
    assert _norms("yue sheng shi") == ["yue", "sheng", "shi"]
    assert _norms("YueShengShi") == ["yueshengshi"]
    assert all(word.is_latin for word in parse_query("yss").words)


def test_pinyin_query_of_han_text_is_its_syllables() -> None:
    assert pinyin_query(parse_query("社宝卡")) == PinyinQuery(full="shebaoka", spaced="she bao ka")
    assert pinyin_query(parse_query("低保申情")) == PinyinQuery(
        full="dibaoshenqing", spaced="di bao shen qing"
    )
    assert pinyin_query(parse_query("OA 协同")) == PinyinQuery(full="oaxietong", spaced="oa xie tong")


def test_pinyin_query_of_latin_text_is_the_words() -> None:
    assert pinyin_query(parse_query("yue sheng shi")) == PinyinQuery(
        full="yueshengshi", spaced="yue sheng shi"
    )
    assert pinyin_query(parse_query("yueshengshi")) == PinyinQuery(full="yueshengshi", spaced="yueshengshi")
    assert pinyin_query(parse_query("YSS")) == PinyinQuery(full="yss", spaced="yss")


def test_words_are_unique_and_bounded() -> None:
    assert _norms("社保 社保 社會保險") == ["社保", "社会保险"]
    many = " ".join(f"w{n}" for n in range(30))
    assert _norms(many) == [f"w{n}" for n in range(MAX_WORDS)]


def test_the_query_is_trimmed() -> None:
    parsed = parse_query("医" * (MAX_QUERY_CHARS + 50))
    assert parsed.raw == "医" * MAX_QUERY_CHARS
    assert len(parsed.norm) == MAX_QUERY_CHARS


def test_terms_are_every_alternative_longest_first() -> None:
    terms = parse_query("社保 办身份证").terms()
    assert set(terms) == {"社保", "社会保险", "户籍", "居民身份证"}
    assert [len(term) for term in terms] == sorted((len(term) for term in terms), reverse=True)

"""A search document becomes a ``Hit`` the same way for every engine."""

from __future__ import annotations

from search.hits import hit_from_document
from search.query import parse_query

DOC = {
    "id": 7,
    "slug": "oa",
    "name": "OA協同辦公 <beta>",
    "name_en": "OA Collaboration",
    "summary": "公文流转 & 协同",
    "kind": "component",
    "category": "collaboration",
    "region_code": "440106",
    "region_name": "天河区",
    "city": "440100",
    "zone": "core",
    "maturity": "mature",
    "status": "deprecated",
    "tags": ["OA", "办公"],
    "live_adoptions": 12,
    "published_at": 1_700_000_000,
    "name_n": "oa协同办公 <beta>",  # extra fields are ignored
}


def test_a_hit_carries_the_display_fields_and_marked_html() -> None:
    hit = hit_from_document(DOC, parse_query("协同"))
    assert (hit.id, hit.slug, hit.name, hit.name_en, hit.status) == (
        7,
        "oa",
        DOC["name"],
        "OA Collaboration",
        "deprecated",
    )
    assert (hit.region_code, hit.region_name, hit.city, hit.zone) == ("440106", "天河区", "440100", "core")
    assert hit.tags == ("OA", "办公") and hit.live_adoptions == 12 and hit.published_at == 1_700_000_000
    assert hit.name_html == "OA<mark>協同</mark>辦公 &lt;beta&gt;"  # the publisher's script, escaped
    assert hit.summary_html == "公文流转 &amp; <mark>协同</mark>"


def test_missing_optional_fields_are_empty() -> None:
    hit = hit_from_document({"id": "3", "slug": "x", "name": "名"}, parse_query(""))
    assert (hit.id, hit.summary, hit.tags, hit.live_adoptions, hit.name_html) == (3, "", (), 0, "名")

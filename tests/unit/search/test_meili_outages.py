"""What counts as a Meilisearch outage (the database answers) and what is a bug (it is raised)."""

from __future__ import annotations

import httpx2
import pytest
from meilisearch_python_sdk.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchError,
    MeilisearchTimeoutError,
)

from search.errors import SearchUnavailable
from search.meili._client import is_not_found, unavailable_on_outage

REQUEST = httpx2.Request("POST", "http://meili.test/multi-search")


def _answer(status: int, json: object | None = None, text: str = "") -> httpx2.Response:
    if json is not None:
        return httpx2.Response(status, json=json, request=REQUEST)
    return httpx2.Response(status, text=text, request=REQUEST)


def _api_error(status: int, code: str = "x") -> MeilisearchApiError:
    return MeilisearchApiError("error", _answer(status, {"message": "m", "code": code, "type": "t"}))


@pytest.mark.parametrize(
    "error",
    [
        httpx2.ConnectError("refused", request=REQUEST),
        httpx2.ReadTimeout("slow", request=REQUEST),
        httpx2.RemoteProtocolError("closed", request=REQUEST),
        MeilisearchCommunicationError("refused"),
        MeilisearchTimeoutError("task still processing"),
        _api_error(500),
        _api_error(503),
        httpx2.HTTPStatusError("bad gateway", request=REQUEST, response=_answer(502, text="<html>")),
    ],
)
def test_outages_become_search_unavailable(error: Exception) -> None:
    with pytest.raises(SearchUnavailable), unavailable_on_outage("search"):
        raise error


def test_a_timeout_the_sdk_wraps_is_an_outage_too() -> None:
    with pytest.raises(SearchUnavailable), unavailable_on_outage("wait"):
        try:
            raise httpx2.ReadTimeout("slow", request=REQUEST)
        except httpx2.ReadTimeout as exc:
            raise MeilisearchError("wrapped") from exc


@pytest.mark.parametrize(
    "error",
    [
        _api_error(400, "invalid_search_filter"),
        _api_error(401, "invalid_api_key"),
        httpx2.HTTPStatusError("teapot", request=REQUEST, response=_answer(418, text="no")),
        MeilisearchError("something else"),
        KeyError("hits"),
    ],
)
def test_other_errors_are_bugs_and_stay_what_they_are(error: Exception) -> None:
    with pytest.raises(type(error)), unavailable_on_outage("search"):
        raise error


def test_not_found_is_told_by_status_or_by_code() -> None:
    assert is_not_found(_api_error(404, "document_not_found"))
    assert is_not_found(_api_error(400, "index_not_found"))  # multi-search says it with a 400
    assert not is_not_found(_api_error(400, "invalid_search_filter"))
    assert is_not_found(httpx2.HTTPStatusError("nf", request=REQUEST, response=_answer(404, text="")))

"""Two languages (issue #11, point 8): the language a request is answered in, remembered, switched, and the
Python side's messages (form refusals, redirect messages, error pages) in that language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from tests.conftest import UserFactory

from citysafe.core.context import AppContext
from citysafe.core.errors import NotFound, field_error
from citysafe.web.i18n import LANG_COOKIE, Translator, compile_catalogues, negotiate
from citysafe.web.messages import form_message

BROWSER = {"Accept": "text/html,application/xhtml+xml", "Origin": "http://testserver"}


@pytest.fixture
def backend() -> str:
    return "sqlite"  # the language of a page does not depend on the database


@pytest.fixture
def web(ctx: AppContext) -> Iterator[TestClient]:
    from citysafe.api import create_app

    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False, headers=BROWSER) as browser:
        yield browser


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = [(b"accept-language", accept.encode())] if accept else []
    if cookie:
        headers.append((b"cookie", f"{LANG_COOKIE}={cookie}".encode()))
    return Request({"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": headers})


@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    ("", "", "", "zh"),  # nothing said: Chinese, the console's default
    ("", "", "en-US,en;q=0.9", "en"),  # the browser's first visit
    ("", "", "fr-FR,fr;q=0.9,en;q=0.5", "en"),  # the best language the console has
    ("", "", "en;q=0.3,zh-CN;q=0.8", "zh"),  # by weight, not by order
    ("", "", "de-DE", "zh"),  # none the console has
    ("", "en", "zh-CN", "en"),  # a choice made once beats the browser
    ("lang=zh", "en", "en-US", "zh"),  # and ?lang= beats the choice
    ("lang=xx", "", "en-GB", "en"),  # an unknown ?lang= is ignored
])
def test_the_language_of_a_request(query: str, cookie: str, accept: str, expected: str) -> None:
    assert negotiate(_request(query, cookie, accept)) == expected


def test_accept_language_picks_the_first_visit_and_lang_switches_and_is_remembered(web: TestClient) -> None:
    first = web.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in first.text and "Sign in" in first.text and "登录" not in first.text.split("<main")[1]
    assert first.headers["content-language"] == "en"
    assert LANG_COOKIE not in first.cookies  # nothing chosen yet: the browser's language is asked again next time

    switched = web.get("/login?lang=zh", headers={"Accept-Language": "en-US"})
    assert '<html lang="zh-CN">' in switched.text and "用户名" in switched.text
    assert switched.cookies.get(LANG_COOKIE) == "zh"
    again = web.get("/login", headers={"Accept-Language": "en-US"})  # remembered over the browser's wish
    assert '<html lang="zh-CN">' in again.text


def test_every_page_has_the_switch_keeping_its_query(web: TestClient) -> None:
    page = web.get("/login?next=/hazards&lang=en").text
    assert 'data-testid="language-switch"' in page
    assert 'href="/login?next=%2Fhazards&amp;lang=zh" lang="zh"' in page
    assert '<a href="/login?next=%2Fhazards&amp;lang=en" lang="en"' in page


def test_the_login_refusal_and_the_pages_after_login_speak_the_chosen_language(
        web: TestClient, make_user: UserFactory) -> None:
    make_user("district_office", "320102", username="xuanwu-en")
    web.get("/login?lang=en")
    refused = web.post("/login", data={"username": "xuanwu-en", "password": "wrong-horse"})
    assert "Wrong username or password" in refused.text, refused.text
    web.post("/login", data={"username": "xuanwu-en", "password": "correct-horse"})
    workbench = web.get("/")
    assert '<html lang="en">' in workbench.text and "Workbench" in workbench.text
    mismatch = web.post("/password", data={"current_password": "correct-horse", "new_password": "abcdefgh1",
                                           "confirm_password": "abcdefgh2"})
    assert "The two new passwords do not match" in mismatch.text, mismatch.text
    missing = web.get("/hazards/tickets/999999")
    assert missing.status_code == 404 and "Page or record not found" in missing.text


def test_form_messages_in_english_name_fields_by_their_english_labels() -> None:
    english = compile_catalogues().translator("en")
    assert form_message(field_error("lon", "too large", "超出范围"), t=english).startswith("Longitude: ")
    assert form_message(NotFound(detail="ticket 9 not found", detail_zh="未找到隐患 9"), t=english) == \
        "Ticket 9 not found"
    chinese = Translator("zh")
    assert form_message(field_error("lon", "too large", "超出范围"), t=chinese) == "经度：超出范围"

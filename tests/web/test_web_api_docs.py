"""The API documentation works on an intranet (issue #11, point 9): /docs and /redoc name no other host, their
scripts and styles are vendored files of our own, and they run under the console's CSP (no inline script)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

ADDRESSES = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_only_our_own_files(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "cdn" not in page.text.lower() and "googleapis" not in page.text
    addresses = ADDRESSES.findall(page.text)
    assert addresses and all(a.startswith("/static/") for a in addresses), addresses
    for address in addresses:
        asset = client.get(address)
        assert asset.status_code == 200 and len(asset.content) > 100, address
    # No inline script: every <script> has a src, so the strict CSP needs no exception for these pages.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) == []
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'data-openapi-url="/openapi.json"' in page.text


def test_the_schema_is_still_served(client: TestClient) -> None:
    schema = client.get("/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "citysafe"
    assert "/docs" not in schema.json()["paths"] and "/api/v1/health" in schema.json()["paths"]

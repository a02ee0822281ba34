"""Open311 apps as they are: GeoReport v2 client libraries from PyPI that nobody here wrote (``georeport`` for
reads in JSON and XML, ``civicbot``'s Open311Client for posting too) against a real uvicorn server on loopback,
with a key the administrator's command printed, and a photo the app's own media host serves."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport
from tests.public.reports_support import XUANWU, photo, stored_bytes

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports.models import CitizenReport, ReporterVault, ReportPhoto


class _Photos(BaseHTTPRequestHandler):
    """The app's media host (a test double): serves one JPEG with EXIF at /p.jpg."""

    body = photo(seed=21)

    def do_GET(self) -> None:
        if self.path != "/p.jpg":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def media_host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Photos)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(10)


def _cli(ctx: AppContext, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"CITYSAFE_DATABASE_URL": ctx.settings.database_url, "CITYSAFE_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "citysafe", "public", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_open311_client_libraries_discover_post_and_read(live_server: str, ctx: AppContext, media_host: str,
                                                         tmp_path: Path) -> None:
    issued = _cli(ctx, tmp_path, "open311-key", "街道随手拍", "--media-host", media_host)
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip()
    assert key.startswith("o311_") and len(issued.stdout.splitlines()) == 1
    again = _cli(ctx, tmp_path, "open311-key", "街道随手拍")
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1 and "Traceback" not in again.stderr

    base = f"{live_server}/open311/v2"
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))  # politeness pause off on loopback
    endpoint = Endpoint(id="citysafe", name="城市安全平台", base_url=base, write=True)
    app = Open311Client(endpoint, transport=transport)

    discovery = transport.get_json(f"{base}/discovery.json")
    assert discovery["endpoints"][0]["url"] == base

    codes = {s["service_code"]: s for s in app.list_services()}
    assert codes["fire_safety"]["service_name"] == "消防安全" and codes["fire_safety"]["metadata"] is False

    sent = app.create_request(
        "fire_safety", dry_run=False, confirm="SEND", api_key=key, validate_remote=True, lat=XUANWU[1],
        lng=XUANWU[0], description="小区消防通道被杂物堵塞，消防车无法通行", address_string="玄武区某小区北门",
        media_url=f"http://{media_host}/p.jpg", first_name="明", last_name="李", phone="13912345678",
        email="li@example.cn", device_id="device-7")
    request_id = str(sent.response[0]["service_request_id"])
    assert "回执编号" in sent.response[0]["service_notice"]

    read = app.get_request(request_id)
    assert read is not None and read["status"] == "open" and read["service_code"] == "fire_safety"
    assert read["agency_responsible"] == "玄武区应急管理局" and read["address"] == "玄武区"
    listed = app.list_requests(service_code="fire_safety", status="open", service_request_ids=None)
    assert [r["service_request_id"] for r in listed] == [request_id]

    georeport = GeoReport(base)
    assert {s["service_code"] for s in georeport.get_service_list()} == set(codes)
    by_id = georeport.get_service_request(request_id)
    assert by_id["description"] == "小区消防通道被杂物堵塞，消防车无法通行" and by_id["lat"] != XUANWU[1]
    assert [r["service_request_id"] for r in georeport.get_service_requests(status="open")] == [request_id]
    assert georeport.get_service_requests(status="closed") == []
    as_xml = GeoReport(base, output_format="xml")
    assert len(as_xml.get_service_list()) == len(codes)
    from_xml = as_xml.get_service_request(request_id)
    assert from_xml["service_request_id"] == request_id and from_xml["status"] == "open"
    assert from_xml["requested_datetime"].endswith("+08:00")
    for private in ("李明", "13912345678", "li@example.cn", "北门", "device-7"):
        assert private not in str(by_id) + str(from_xml) + str(listed)

    with unit_of_work(ctx.session_factory) as session:
        report = session.get(CitizenReport, int(request_id))
        assert report is not None and report.address == "玄武区某小区北门"
        vault = session.get(ReporterVault, report.vault_id)
        assert vault is not None and (vault.name, vault.email) == ("李明", "li@example.cn")
        stored = session.query(ReportPhoto).filter_by(report_id=report.id).one()
        kept = stored_bytes(ctx, stored)  # the file as stored (photos are files since photo_files.py)
        assert kept and b"TestCam" not in kept and stored.exif_lat is not None  # read, then stripped

    keyless = Open311Client(Endpoint(id="citysafe", name="x", base_url=base, write=True,
                                     api_key_required_for_write=False), transport=transport)
    with pytest.raises(HttpError) as refused:
        keyless.create_request("fire_safety", dry_run=False, confirm="SEND", lat=XUANWU[1], lng=XUANWU[0],
                               description="没有密钥的应用提交的举报内容")
    assert refused.value.status == 403 and '"code": 403' in refused.value.body

    listed_keys = _cli(ctx, tmp_path, "open311-keys")
    assert '"posts": 1' in listed_keys.stdout and key not in listed_keys.stdout
    assert _cli(ctx, tmp_path, "open311-key", "街道随手拍", "--revoke").returncode == 0
    with pytest.raises(HttpError) as revoked:
        app.create_request("fire_safety", dry_run=False, confirm="SEND", api_key=key, lat=XUANWU[1], lng=XUANWU[0],
                           description="吊销之后再提交的举报内容", media_url=f"http://{media_host}/p.jpg")
    assert revoked.value.status == 403

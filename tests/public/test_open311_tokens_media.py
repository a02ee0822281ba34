"""Open311 GeoReport v2, the two parts a client app follows after its POST: ``GET tokens/{token}`` answers the
``service_request_id`` the POST's token stands for (a made-up or altered token is the standard's 404 error), and
``media_url`` names a photo anyone can fetch without a login — only once staff verified the report and its photo
was decoded (photo_jobs), as shown: no location, time or camera left in it."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from lxml import etree
from open311_support import BASE, issue_key, post
from PIL import Image
from reports_support import photo, run_jobs, staff

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.public.reports import staff as reports_staff


def test_the_token_of_a_post_answers_its_service_request_id(client: TestClient, ctx: AppContext) -> None:
    key = issue_key(ctx)
    answer = post(client, key).json()[0]
    token, request_id = answer["token"], answer["service_request_id"]
    found = client.get(f"{BASE}/tokens/{token}.json")  # no login, as a client app polls it
    assert found.status_code == 200, found.text
    assert found.json() == [{"service_request_id": request_id, "token": token}]
    xml = etree.fromstring(client.get(f"{BASE}/tokens/{token}.xml").content)
    assert xml.tag == "service_requests" and xml.findtext("request/service_request_id") == request_id
    assert xml.findtext("request/token") == token

    other = post(client, key, image=photo(seed=5), lat="32.0800", long="118.7600", device_id="phone-2").json()[0]
    assert other["token"] != token
    post_id, mac = token.split("-")
    for forged in (f"{int(post_id) + 1}-{mac}", f"{post_id}-{'0' * len(mac)}", "12345", "x" * 300):
        refused = client.get(f"{BASE}/tokens/{forged}.json")
        assert refused.status_code == 404, forged
        assert refused.json()[0]["code"] == 404 and "token" in refused.json()[0]["description"]
    assert client.get(f"{BASE}/tokens/{token}.yaml").status_code == 404


def test_media_url_serves_a_verified_reports_photo_without_its_metadata(client: TestClient,
                                                                       ctx: AppContext) -> None:
    key = issue_key(ctx)
    sent = photo(seed=3, size=(800, 600))
    assert Image.open(io.BytesIO(sent)).getexif()  # the phone's photo carries GPS, time and camera
    request_id = post(client, key, image=sent).json()[0]["service_request_id"]
    refused_id = post(client, key, image=photo(seed=8), lat="32.0800", long="118.7600",
                      device_id="phone-2").json()[0]["service_request_id"]
    media = f"{BASE}/media/{request_id}/1.jpg"
    assert client.get(f"{BASE}/requests/{request_id}.json").json()[0]["media_url"] is None
    assert client.get(media).status_code == 404  # not verified yet: the photo stays with staff

    officer = staff(ctx)
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory, actor="tests") as session:
        reports_staff.claim(session, report_id=int(request_id), principal=officer, now=now)
        reports_staff.verify(session, report_id=int(request_id), principal=officer, now=now, note="属实")
        reports_staff.claim(session, report_id=int(refused_id), principal=officer, now=now)
        reports_staff.reject(session, report_id=int(refused_id), principal=officer, now=now, reason="与实际不符")
    # Verified, but its photo not decoded yet (photo_jobs, off the request): shown to no one until it is.
    assert client.get(media).status_code == 404
    assert client.get(f"{BASE}/requests/{request_id}.json").json()[0]["media_url"] is None
    assert run_jobs(ctx) == 2

    shown = client.get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert shown["media_url"] == f"http://testserver{media}"
    listed = {r["service_request_id"]: r["media_url"] for r in client.get(f"{BASE}/requests.json").json()}
    assert listed == {request_id: shown["media_url"], refused_id: None}
    served = client.get(media)  # no login
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=86400"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (800, 600)
    assert not image.getexif() and "exif" not in image.info and "GPS" not in str(image.info)
    assert b"TestCam" not in served.content and b"2026:05:10" not in served.content
    for absent in (f"{BASE}/media/{request_id}/2.jpg", f"{BASE}/media/{refused_id}/1.jpg",
                   f"{BASE}/media/999999/1.jpg", f"{BASE}/media/{request_id}/0.jpg",
                   f"{BASE}/media/{'9' * 30}/1.jpg", f"{BASE}/media/{request_id}/x.jpg"):
        assert client.get(absent).status_code == 404, absent
    assert client.get(f"{BASE}/media/{refused_id}/1.jpg").status_code == 404  # a refused report's photo stays in

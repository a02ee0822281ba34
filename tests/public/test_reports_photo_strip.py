"""A reporter's photo loses its metadata without losing a pixel: a phone-like JPEG (EXIF with GPS and time, XMP,
an ICC profile, IPTC, a comment, a second image after the end) and a PNG (text, XMP, EXIF, time chunks) keep
their compressed pixels byte for byte and nothing else; what EXIF said about the place and time is read first.
A photo the container walk cannot vouch for is re-encoded; one whose metadata would stay is refused, nothing
stored, the attempt counted."""

from __future__ import annotations

import io
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageCms, PngImagePlugin
from reports_support import XUANWU, photo, process_photo, stored_bytes
from sqlalchemy import func, select

from citysafe.core.context import AppContext
from citysafe.core.db import unit_of_work
from citysafe.core.errors import CitysafeError
from citysafe.public.reports import guards, metastrip, photos, rules
from citysafe.public.reports.models import CitizenReport, ReportPhoto

IPTC_CITY = b"Nanjing-Xuanwu"
XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><exif:GPSLatitude>32,2.9N</exif:GPSLatitude></rdf:RDF></x:xmpmeta>'


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def camera_jpeg(*, progressive: bool = False, size: tuple[int, int] = (1200, 900)) -> bytes:
    """What a phone sends: EXIF (GPS, time, camera), XMP, an sRGB ICC profile, an IPTC block (APP13), a
    comment, and a second, smaller JPEG with EXIF of its own after the end of the first (as MPF does)."""
    with Image.open(io.BytesIO(photo(size=size))) as image:
        exif = image.getexif()
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92, exif=exif.tobytes(), progressive=progressive, icc_profile=icc,
                   comment=b"owner: Li Si", xmp=XMP.encode())
    data = out.getvalue()
    iptc = _segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x12\x1c\x02\x5a\x00\x0e" + IPTC_CITY)
    return data[:2] + iptc + data[2:] + photo(size=(160, 120), seed=9)


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_loses_every_metadata_segment_and_keeps_its_pixels_byte_for_byte(progressive: bool) -> None:
    sent = camera_jpeg(progressive=progressive)
    assert {"APP1", "APP2", "APP13", "COM"} <= set(metastrip.jpeg_leftovers(sent))
    kept = process_photo(sent, field="photos", max_bytes=10_000_000)
    assert kept.content == metastrip.strip(sent) and kept.content_type == "image/jpeg"
    assert metastrip.jpeg_leftovers(kept.content) == []
    for secret in (b"Exif\x00\x00", b"TestCam", b"ns.adobe.com/xap", b"adobe:ns:meta", IPTC_CITY, b"owner: Li",
                   b"ICC_PROFILE"):
        assert secret not in kept.content, secret
    with Image.open(io.BytesIO(kept.content)) as image:
        assert not image.getexif() and not {"exif", "icc_profile", "xmp", "comment", "photoshop"} & set(image.info)
    assert _pixels(kept.content) == _pixels(sent)
    # Lossless in the strict sense: the entropy-coded data (from the first scan on) is the sent bytes.
    scans = kept.content.index(b"\xff\xda")
    assert kept.content[scans:-2] in sent
    # What EXIF said was read before the strip.
    assert (kept.lon, kept.lat) == (pytest.approx(XUANWU[0], abs=1e-4), pytest.approx(XUANWU[1], abs=1e-4))
    assert kept.taken_at is not None and kept.taken_at.isoformat() == "2026-05-10T09:30:00+08:00"
    assert (kept.width, kept.height) == (1200, 900)


def test_a_png_loses_its_text_exif_and_time_chunks_and_keeps_its_pixels() -> None:
    with Image.open(io.BytesIO(photo(size=(800, 600)))) as image:
        exif = image.getexif()
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Li Si")
        info.add_itxt("XML:com.adobe.xmp", XMP)
        info.add(b"tIME", bytes.fromhex("07ea050a091e00"))
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    sent = out.getvalue()
    assert {"tEXt", "iTXt", "tIME", "eXIf"} <= set(metastrip.png_leftovers(sent))
    kept = process_photo(sent, field="photos", max_bytes=10_000_000)
    assert kept.content_type == "image/png" and metastrip.png_leftovers(kept.content) == []
    for secret in (b"tEXt", b"iTXt", b"tIME", b"eXIf", b"Li Si", b"TestCam"):
        assert secret not in kept.content, secret
    assert _pixels(kept.content) == _pixels(sent)
    assert kept.lon == pytest.approx(XUANWU[0], abs=1e-4) and kept.taken_at is not None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")


def test_a_png_with_a_chunk_the_walk_does_not_know_is_re_encoded_not_stored_as_sent() -> None:
    sent = io.BytesIO()
    with Image.open(io.BytesIO(photo(size=(800, 600)))) as image:
        image.save(sent, "PNG")
    ihdr_end = 8 + 25
    odd = sent.getvalue()[:ihdr_end] + _chunk(b"GPSx", b"32.0487N 118.7975E") + sent.getvalue()[ihdr_end:]
    with pytest.raises(metastrip.NotStrippable):
        metastrip.strip(odd)  # an unknown critical chunk: Pillow reads past it, the walk will not vouch for it
    kept = process_photo(odd, field="photos", max_bytes=10_000_000)
    assert kept.content_type == "image/jpeg" and b"32.0487N" not in kept.content
    assert metastrip.jpeg_leftovers(kept.content) == []


def test_a_webp_is_re_encoded_with_what_its_exif_said_read_first() -> None:
    with Image.open(io.BytesIO(photo(size=(800, 600)))) as image:
        sent = io.BytesIO()
        image.save(sent, "WEBP", exif=image.getexif().tobytes(), quality=90)
    kept = process_photo(sent.getvalue(), field="photos", max_bytes=10_000_000)
    assert kept.content_type == "image/jpeg" and metastrip.jpeg_leftovers(kept.content) == []
    assert b"TestCam" not in kept.content and kept.lon == pytest.approx(XUANWU[0], abs=1e-4)


def test_a_strip_that_leaves_a_comment_behind_is_refused() -> None:
    def leaky(data: bytes) -> bytes:
        clean = metastrip.strip(data)
        return clean[:2] + _segment(0xFE, b"owner: Li Si") + clean[2:]

    with pytest.raises(CitysafeError) as caught:
        process_photo(camera_jpeg(), field="photos", max_bytes=10_000_000, strip=leaky)
    assert caught.value.fields[0].field == "photos" and "无法去除" in caught.value.fields[0].message_zh


def test_a_photo_whose_metadata_cannot_be_stripped_is_refused_nothing_stored_and_counted(
        client: TestClient, ctx: AppContext) -> None:
    from PIL import ImageFile

    # What importing WeasyPrint does, process-wide (weasyprint/images.py): the state a CI run met, where this
    # upload was once stored. (The platform puts it back, filekinds.refuse_broken_pixels; the walk must not rely
    # on that.)
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    sent = camera_jpeg()
    cut = sent[:sent.index(b"\xff\xda") + 4000]  # EXIF intact, the pixels cut short: neither walk nor decode ends
    response = client.post("/api/v1/public/reports", data={
        "category": "fire_safety", "description": "楼道里堆满了电动车，正在充电", "lon": str(XUANWU[0]),
        "lat": str(XUANWU[1])}, files=[("photos", ("p.jpg", cut, "image/jpeg"))])
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "photos"
    with unit_of_work(ctx.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(ReportPhoto)) == 0
        assert session.scalar(select(func.count()).select_from(CitizenReport)) == 0
        assert guards.refused_count(session, field="photos") == 1


def test_the_place_in_the_exif_is_kept_apart_while_the_stored_photo_has_none(
        client: TestClient, ctx: AppContext) -> None:
    sent = camera_jpeg()
    response = client.post("/api/v1/public/reports", data={
        "category": "fire_safety", "description": "楼道里堆满了电动车，正在充电", "lon": "118.80", "lat": "32.05"},
        files=[("photos", ("p.jpg", sent, "image/jpeg"))])
    assert response.status_code == 201, response.text
    with unit_of_work(ctx.session_factory) as session:
        stored = session.scalars(select(ReportPhoto)).one()
        assert stored.exif_lon == pytest.approx(XUANWU[0], abs=1e-4)
        assert stored.exif_lat == pytest.approx(XUANWU[1], abs=1e-4)
        content = stored_bytes(ctx, stored)
        assert content == metastrip.strip(sent) and stored.content_type == "image/jpeg"
        assert b"Exif" not in content


def test_the_same_photo_scaled_and_recompressed_has_a_near_hash_whichever_way_it_was_stripped() -> None:
    sent = camera_jpeg(size=(1600, 1200))
    with Image.open(io.BytesIO(sent)) as image:
        bigger = io.BytesIO()
        image.resize((3200, 2400)).save(bigger, "JPEG", quality=70, exif=image.getexif().tobytes())
    as_sent = process_photo(sent, field="photos", max_bytes=10_000_000)
    re_encoded = process_photo(bigger.getvalue(), field="photos", max_bytes=10_000_000)
    assert re_encoded.content_type == "image/jpeg" and (re_encoded.width, re_encoded.height) == (2000, 1500)
    limit = rules.BY_CODE["photo_hash_distance"].default
    assert photos.distance(as_sent.phash, re_encoded.phash) <= limit
    assert photos.distance(as_sent.phash, process_photo(photo(seed=2, size=(1600, 1200)), field="photos",
                                                         max_bytes=10_000_000).phash) > limit

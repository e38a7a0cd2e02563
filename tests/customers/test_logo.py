"""Reseller logos: PNG, JPEG or WebP by content only, re-encoded, size-checked before being read
whole, and always served as an image."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import SkipFile
from django.test import Client as BrowserClient
from django.urls import reverse
from PIL import Image

from customers.logos import MAX_LOGO_BYTES, LogoSizeLimitHandler
from customers.models import Reseller

pytestmark = pytest.mark.django_db

BRANDING = {
    "display_name": "Acme Voice",
    "accent_colour": "#0a7d5a",
    "support_email": "s@x.example",
}


def stored_files() -> set[str]:
    try:
        return set(default_storage.listdir("branding")[1])
    except FileNotFoundError:
        return set()


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner.user)
    return client


def image_bytes(fmt: str, size=(40, 20), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "#ff5500").save(out, format=fmt, **save)
    return out.getvalue()


def upload(as_owner, name: str, content: bytes, content_type="application/octet-stream"):
    return as_owner.post(
        reverse("reseller:branding"),
        {**BRANDING, "logo": SimpleUploadedFile(name, content, content_type=content_type)},
    )


def saved(owner) -> Reseller:
    return Reseller.objects.get(pk=owner.reseller_id)


def test_a_png_named_logo_pdf_is_stored_and_served_as_png(as_owner, owner):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription: metadata that must not survive
    response = upload(as_owner, "logo.pdf", image_bytes("PNG", exif=exif), "application/pdf")
    assert response.status_code == 302
    reseller = saved(owner)
    assert reseller.logo.name.endswith(".png")
    served = as_owner.get(reverse("brand_logo", args=[reseller.slug]))
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"] == 'inline; filename="logo.png"'
    body = b"".join(served.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "PNG"
        assert image.size == (40, 20)
        assert not image.getexif()
    assert b"secret description" not in body


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_jpeg_and_webp_are_accepted_and_shrunk(as_owner, owner, fmt):
    response = upload(as_owner, "logo.bin", image_bytes(fmt, size=(2000, 1000)))
    assert response.status_code == 302
    with saved(owner).logo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (512, 256)


@pytest.mark.parametrize(
    "name,content",
    [
        ("logo.gif", image_bytes("GIF")),
        ("logo.bmp", image_bytes("BMP")),
        ("logo.pdf", image_bytes("PDF")),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"just some text, named like an image"),
    ],
)
def test_other_files_are_a_form_error_and_nothing_is_stored(as_owner, owner, name, content):
    before = stored_files()
    response = upload(as_owner, name, content)
    assert response.status_code == 200
    assert "PNG, JPEG or WebP" in str(response.context["form"].errors["logo"])
    assert not saved(owner).logo
    assert saved(owner).display_name != "Acme Voice"
    assert stored_files() == before


def test_an_oversize_upload_is_refused_without_being_stored(as_owner, owner):
    before = stored_files()
    big = image_bytes("PNG") + b"\0" * MAX_LOGO_BYTES
    response = upload(as_owner, "logo.png", big)
    assert response.status_code == 200
    assert "at most 1 MB" in str(response.context["form"].errors["logo"])
    assert response.context["form"].logo_too_large  # the upload handler stopped it
    assert "logo" not in response.wsgi_request.FILES
    assert not saved(owner).logo
    assert stored_files() == before


def test_the_size_limit_stops_reading_past_the_limit():
    handler = LogoSizeLimitHandler()
    handler.new_file("logo", "logo.png", "image/png", None)
    chunk = b"\0" * (64 * 1024)
    received = 0
    with pytest.raises(SkipFile):
        while True:
            handler.receive_data_chunk(chunk, received)
            received += len(chunk)
    assert handler.too_large
    assert received <= MAX_LOGO_BYTES
    # Other files of the same request are not limited.
    other = LogoSizeLimitHandler()
    other.new_file("document", "a.pdf", "application/pdf", None)
    assert other.receive_data_chunk(b"\0" * (2 * MAX_LOGO_BYTES), 0)
    assert not other.too_large


def test_a_declared_oversize_part_is_refused_before_any_byte():
    handler = LogoSizeLimitHandler()
    with pytest.raises(SkipFile):
        handler.new_file("logo", "logo.png", "image/png", MAX_LOGO_BYTES + 1)
    assert handler.too_large


def test_a_huge_image_in_a_small_file_is_refused(as_owner, owner):
    # 5000 by 5000 pixels of one colour compress to a few KB of PNG.
    huge = image_bytes("PNG", size=(5000, 5000), mode="1", optimize=True)
    assert len(huge) < MAX_LOGO_BYTES
    response = upload(as_owner, "logo.png", huge)
    assert response.status_code == 200
    assert "4096 by 4096" in str(response.context["form"].errors["logo"])
    assert not saved(owner).logo


def test_the_branding_page_still_checks_csrf(owner):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(owner.user)
    response = browser.post(reverse("reseller:branding"), BRANDING)
    assert response.status_code == 403
    assert saved(owner).display_name != "Acme Voice"


def test_a_logo_stored_before_the_checks_is_served_only_if_it_is_an_image(owner):
    reseller = saved(owner)
    old = default_storage.save("branding/old.pdf", io.BytesIO(image_bytes("PNG")))
    evil = default_storage.save("branding/evil.png", io.BytesIO(b"%PDF-1.4 not an image"))
    browser = BrowserClient()
    Reseller.objects.filter(pk=reseller.pk).update(logo=old)
    response = browser.get(reverse("brand_logo", args=[reseller.slug]))
    assert response["Content-Type"] == "image/png"
    Reseller.objects.filter(pk=reseller.pk).update(logo=evil)
    assert browser.get(reverse("brand_logo", args=[reseller.slug])).status_code == 404


def test_the_admin_s_logo_upload_is_checked_too(admin_client, owner):
    reseller = saved(owner)
    url = reverse("admin:customers_reseller_change", args=[reseller.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "logo"}
    data.update({"clients-TOTAL_FORMS": 0, "clients-INITIAL_FORMS": 0})
    pdf = SimpleUploadedFile("logo.pdf", image_bytes("PDF"), content_type="application/pdf")
    response = admin_client.post(url, {**data, "logo": pdf})
    assert response.status_code == 200 and not saved(owner).logo
    png = SimpleUploadedFile("logo.pdf", image_bytes("PNG"), content_type="application/pdf")
    assert admin_client.post(url, {**data, "logo": png}).status_code == 302
    assert saved(owner).logo.name.endswith(".png")

"""Reseller logos: only PNG, JPEG or WebP by their content, size-checked before being read,
re-encoded as a small PNG (no metadata, nothing but pixels survives) and served as an image.

The size limit is enforced twice: ``LogoSizeLimitHandler`` stops storing an upload's bytes as soon
as they pass the limit (so an oversize file is never read whole), and ``logo_from_upload`` checks
the upload's size before Pillow opens it (for uploads that came another way).
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_LOGO_BYTES = 1024 * 1024
# Compressed formats can describe a huge image in a small file (a "decompression bomb"): the
# dimensions are read from the header and refused before any pixel is decoded.
MAX_LOGO_SIDE = 4096
MAX_LOGO_PIXELS = 4096 * 4096
# What is stored and served: at most this many pixels a side, which is plenty for a page header.
STORED_LOGO_SIDE = 512
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

TOO_LARGE = _("The logo must be at most 1 MB.")
NOT_AN_IMAGE = _("Upload a PNG, JPEG or WebP image.")
TOO_MANY_PIXELS = _("The logo may be at most 4096 by 4096 pixels.")


class LogoSizeLimitHandler(FileUploadHandler):
    """Skips the ``logo`` file of a request once it grows past ``MAX_LOGO_BYTES``: the rest of
    its bytes are drained from the connection but never stored. ``too_large`` tells the view."""

    def __init__(self, request=None, *, field_name: str = "logo") -> None:
        super().__init__(request)
        self.limited_field = field_name
        self.too_large = False
        self._received = 0
        self._active = False

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, *a):
        super().new_file(field_name, file_name, content_type, content_length, charset, *a)
        self._active = field_name == self.limited_field
        self._received = 0
        if self._active and content_length and content_length > MAX_LOGO_BYTES:
            self.too_large = True
            raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self._active:
            self._received += len(raw_data)
            if self._received > MAX_LOGO_BYTES:
                self.too_large = True
                raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler stores the file


def logo_from_upload(upload, *, name: str = "logo") -> ContentFile:
    """The uploaded image as a re-encoded PNG file named ``<name>.png``, or a ValidationError
    that says what is accepted. The file's name and declared type are ignored: Pillow's reading
    of its content decides."""
    if upload.size is None or upload.size > MAX_LOGO_BYTES:
        raise ValidationError(TOO_LARGE, code="logo_too_large")
    upload.seek(0)
    try:
        with Image.open(upload, formats=sorted(ACCEPTED_FORMATS)) as image:
            width, height = image.size
            if max(width, height) > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS, code="logo_too_many_pixels")
            if image.format == "JPEG":  # decode at a reduced scale: less memory, same result
                image.draft("RGB", (STORED_LOGO_SIDE, STORED_LOGO_SIDE))
            image.load()
            picture = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as error:
        raise ValidationError(TOO_MANY_PIXELS, code="logo_too_many_pixels") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="logo_not_an_image") from error
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA")
    picture.thumbnail((STORED_LOGO_SIDE, STORED_LOGO_SIDE))
    output = io.BytesIO()
    picture.save(output, format="PNG", optimize=True)  # no info dict: EXIF and text chunks go
    return ContentFile(output.getvalue(), name=f"{name}.png")


def stored_logo_content_type(file) -> str | None:
    """The image type of a stored logo by its content, or None if it is not one we serve
    (a logo stored before uploads were checked may be anything)."""
    try:
        with Image.open(file, formats=sorted(ACCEPTED_FORMATS)) as image:
            return CONTENT_TYPES.get(image.format or "")
    except (UnidentifiedImageError, OSError, ValueError):
        return None

"""File intake: types are judged by the bytes, photos lose their metadata, bad files get a clear refusal."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cunzhi.core.files import file_intake

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg_with_gps(size=(64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 38.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_reencoded_without_metadata():
    data = _jpeg_with_gps()
    assert b"PhoneMaker" in data
    stored = file_intake(SimpleUploadedFile("IMG_0001.jpg", data))
    content = stored.read()
    assert stored.content_type == "image/jpeg" and stored.name.endswith(".jpg")
    assert b"PhoneMaker" not in content and b"Exif" not in content
    assert stored.original_name == "IMG_0001.jpg" and "IMG_0001" not in stored.name
    with Image.open(io.BytesIO(content)) as img:
        assert img.size == (64, 48) and not img.getexif()


def test_big_photo_is_scaled_down_and_png_keeps_transparency():
    out = io.BytesIO()
    Image.new("RGBA", (4000, 1000), (0, 0, 0, 0)).save(out, "PNG")
    stored = file_intake(SimpleUploadedFile("a.png", out.getvalue()))
    assert stored.content_type == "image/png"
    with Image.open(io.BytesIO(stored.read())) as img:
        assert img.size == (2560, 640)


def test_pdf_accepted_as_is():
    stored = file_intake(SimpleUploadedFile("scan.pdf", PDF))
    assert stored.content_type == "application/pdf" and stored.read() == PDF


@pytest.mark.parametrize(
    "name,data,code",
    [
        ("virus.jpg", b"MZ\x90\x00" + b"\x00" * 100, "type"),  # an executable named like a photo
        ("page.pdf", b"<html><script>alert(1)</script></html>", "type"),
        ("empty.jpg", b"", "empty"),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50, "unreadable"),  # JPEG magic, no picture
    ],
)
def test_bad_files_are_refused_with_a_reason(name, data, code):
    with pytest.raises(ValidationError) as err:
        file_intake(SimpleUploadedFile(name, data))
    assert err.value.code == code and err.value.messages[0]


def test_size_limit_and_kinds():
    with pytest.raises(ValidationError) as err:
        file_intake(SimpleUploadedFile("scan.pdf", PDF + b"0" * 2000), max_bytes=1024 * 1024 // 1024)
    assert err.value.code == "too_large"
    with pytest.raises(ValidationError) as err:
        file_intake(SimpleUploadedFile("scan.pdf", PDF), kinds=("image",))
    assert err.value.code == "type" and "PDF" not in err.value.messages[0]


def test_a_missing_file_answers_not_found(tmp_path, settings):
    from django.core.files.storage import default_storage
    from django.db import models
    from django.db.models.fields.files import FieldFile
    from django.http import Http404

    from cunzhi.core.files import private_file_response

    name = default_storage.save("gone/receipt.pdf", file_intake(SimpleUploadedFile("scan.pdf", PDF)))
    response = private_file_response(FieldFile(None, models.FileField(), name))
    assert response.status_code == 200
    response.file_to_stream.close()  # not response.close(): that signals the end of a request
    default_storage.delete(name)
    with pytest.raises(Http404):
        private_file_response(FieldFile(None, models.FileField(), name))

"""File intake: what a villager uploads (phone photos, scanned PDFs) is checked by its bytes, not its
name, and photos are re-encoded so that no location or camera metadata is ever stored.

Files go to the default storage, which is private (settings.STORAGES): there is no public URL, and
views hand a file out with `private_file_response` only after their own permission check.
"""

import contextlib
import io
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Phones send JPEG, PNG, WebP or HEIC; Pillow decodes the first three. Each kind maps to the types accepted.
KINDS = {
    "image": {"image/jpeg", "image/png", "image/webp", "image/gif"},
    "pdf": {"application/pdf"},
}
MAX_SIDE = 2560  # pixels: enough to read a receipt, small enough for a slow network
# Decompression bombs: a tiny file that expands to a huge bitmap is refused before it is decoded.
MAX_PIXELS = 40_000_000


class IntakeFile(ContentFile):
    """A checked copy of an upload, ready to store, with what the record keeps about it."""

    content_type: str
    original_name: str  # the name the user gave, for display


def _max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def _reencode(data: bytes) -> tuple[bytes, str, str]:
    """Decode and write the image again: only pixels survive (EXIF, GPS, comments are dropped)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(_("The picture is too large (more than 40 megapixels)."), code="too_large")
            upright = ImageOps.exif_transpose(img)  # keep the orientation the phone meant, then drop EXIF
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            transparent = upright.mode in ("RGBA", "LA") or (upright.mode == "P" and "transparency" in upright.info)
            if transparent:
                upright.save(out, "PNG", optimize=True)
                return out.getvalue(), "image/png", "png"
            upright.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            return out.getvalue(), "image/jpeg", "jpg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError(
            _("The picture could not be read. Please take it again or choose another file."), code="unreadable"
        ) from None


def file_intake(upload: File, *, kinds: tuple[str, ...] = ("image", "pdf"), max_bytes: int | None = None) -> IntakeFile:
    """Check an uploaded file by its content and return a safe copy to store (images re-encoded, random name).

    The returned file carries `content_type` and `original_name` (the name the user gave, for display).
    Raises ValidationError with a message in the user's language.
    """
    limit = max_bytes or _max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)}, code="too_large"
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    guess = filetype.guess(data)
    mime = guess.mime if guess else ""
    allowed = set().union(*(KINDS[k] for k in kinds))
    if mime not in allowed:
        names = {"image": _("a photo (JPEG, PNG, WebP)"), "pdf": _("a PDF")}
        raise ValidationError(
            _("This file type is not accepted. Please send %(kinds)s.")
            % {"kinds": _(" or ").join(str(names[k]) for k in kinds)},
            code="type",
        )
    if mime in KINDS["image"]:
        data, mime, ext = _reencode(data)
    else:
        ext = guess.extension
        if not data.startswith(b"%PDF-"):
            raise ValidationError(_("The PDF file is damaged."), code="unreadable")
    out = IntakeFile(data, name=f"{secrets.token_hex(12)}.{ext}")
    out.content_type = mime
    out.original_name = (getattr(upload, "name", "") or "")[-200:]
    return out


def private_file_response(fieldfile: FieldFile, *, filename: str = "", inline: bool = True) -> FileResponse:
    """Hand out a stored file; the caller has checked permission. Never cached by shared caches."""
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, ValueError):
        # The record outlived its file (a restore without the data folder): "not found", never a server error.
        raise Http404 from None
    # A file that opened has a name (an empty field raises ValueError above); "" only satisfies the type.
    stored_name = fieldfile.name or ""
    response = FileResponse(handle, as_attachment=not inline, filename=filename or stored_name.rsplit("/", 1)[-1])
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # A stored file is never a page: no script may run even if a browser sniffed it as HTML.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


# Files stored while a request's database writes are to be thrown away (learning's practice mode): noted
# here so that they are deleted with them. None: not collecting (every other request).
_DISCARDED: ContextVar[list[tuple[FileSystemStorage, str]] | None] = ContextVar("cunzhi_files_discarded", default=None)


class PrivateStorage(FileSystemStorage):
    """The default storage (settings.STORAGES): the file system, noting what it stores inside
    `stored_files_discarded`."""

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        name = super().save(name, content, max_length=max_length)
        noted = _DISCARDED.get()
        if noted is not None:
            noted.append((self, name))
        return name


@contextlib.contextmanager
def stored_files_discarded() -> Iterator[None]:
    """Delete, at the end, every file the default storage stored inside the block (its records were rolled back)."""
    noted: list[tuple[FileSystemStorage, str]] = []
    token = _DISCARDED.set(noted)
    try:
        yield
    finally:
        _DISCARDED.reset(token)
        for storage, name in noted:
            with contextlib.suppress(OSError):
                storage.delete(name)

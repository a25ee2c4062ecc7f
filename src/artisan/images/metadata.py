"""What an image file says about itself: its prompt, revised prompt, model, size, cost and time.

The fields go into the file the way image tools look for them, and without touching a single pixel
(the bytes of the picture are copied as the server sent them, never decoded and encoded again):

- PNG: `iTXt` chunks (UTF-8) before the image data: `Description` (the prompt), `Source` (the
  model), `Software`, `Creation Time`, and `artisan`, a JSON object with every field.
- JPEG: an EXIF (APP1) segment: `ImageDescription` (the prompt), `Software`, `DateTime`, and the
  JSON object in `UserComment`. A JPEG segment holds at most 64 KB, so very long prompts are cut
  there (the JSON says `"truncated": "yes"`); the library keeps them whole.
- WebP: the same EXIF data in an `EXIF` chunk, with the `VP8X` header that announces it.

`read_metadata` reads any of them back with Pillow.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from artisan import __version__, files
from artisan.entry import ImageRecord
from artisan.errors import ArtisanError
from artisan.shorten import shorten

METADATA_KEY = "artisan"
SOFTWARE = f"artisan {__version__}"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEYWORDS = (METADATA_KEY, "Description", "Source", "Software", "Creation Time")
_COMPRESS_ABOVE = 1024
_EXIF_IFD = 0x8769
_IMAGE_DESCRIPTION = 0x010E
_SOFTWARE = 0x0131
_DATE_TIME = 0x0132
_USER_COMMENT = 0x9286
_ASCII_PREFIX = b"ASCII\x00\x00\x00"
_JPEG_SEGMENT_MAX = 65533
"""Largest payload of a JPEG segment: its 16-bit length counts itself too."""
_TRUNCATE_STEPS = (None, 12000, 6000, 3000, 1500, 700, 300)


class ImageFileError(ArtisanError):
    """An image file cannot be written or read."""


class NotAnImage(ImageFileError):
    """The data is not an image Pillow can read."""


@dataclass(frozen=True)
class ImageInfo:
    """What Pillow saw in image data."""

    format: str
    """png, jpeg, webp, gif, ..."""
    width: int
    height: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def metadata_fields(record: ImageRecord) -> dict[str, str]:
    """What an image file says about itself, as text: the record's fields, empty ones left out.

    Unlike the library's `[[images]]` table, the file carries the prompt and the entry's id:
    a file copied elsewhere still says where it came from.
    """
    fields = {
        "prompt": record.prompt,
        "revised_prompt": record.revised_prompt,
        "model": record.model,
        "size": record.size,
        "quality": record.quality,
        "style": record.style,
        "background": record.background,
        "created": record.created.isoformat() if record.created is not None else "",
        "entry": record.entry,
        "cost": "" if record.cost is None else f"{record.cost:.6f}",
        "cost_estimated": "yes" if record.cost is not None and record.cost_estimated else "",
        "usage": json.dumps(record.usage, sort_keys=True) if record.usage else "",
        "negative_prompt": record.negative_prompt,
        "seed": "" if record.seed is None else str(record.seed),
        "steps": "" if record.steps is None else str(record.steps),
        "sampler": record.sampler,
        "cfg_scale": "" if record.cfg_scale is None else f"{record.cfg_scale:g}",
        "provider": record.provider,
        "instruction": record.instruction,
        "edited_from": record.edited_from,
        "software": SOFTWARE,
    }
    return {key: value for key, value in fields.items() if value}


def inspect_image(data: bytes) -> ImageInfo:
    """The format and size of image data, after checking that it is a whole image.

    Raises:
        NotAnImage: the data is not an image (an HTML error page, a truncated download, ...).
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = (image.format or "").lower()
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as error:
        raise NotAnImage(f"The data is not an image ({error}).") from None
    except Image.DecompressionBombError:
        raise NotAnImage("The image is far too large to be a rendered picture.") from None
    if not fmt:
        raise NotAnImage("The data is not an image in a known format.")
    return ImageInfo(fmt, width, height)


def embed_metadata(data: bytes, fmt: str, record: ImageRecord) -> bytes:
    """`data` with the record written into it; formats other than PNG, JPEG and WebP as is.

    Raises:
        NotAnImage: the data is not a well-formed file of that format.
    """
    fields = metadata_fields(record)
    try:
        if fmt == "png":
            return _png_with(data, fields)
        if fmt == "jpeg":
            return _jpeg_with(data, fields)
        if fmt == "webp":
            return _webp_with(data, fields)
    except (IndexError, struct.error) as error:
        raise NotAnImage(f"The {fmt} data is malformed ({error}).") from None
    return data


def read_metadata(path: Path) -> dict[str, str]:
    """The metadata artisan wrote into an image file.

    Returns:
        The fields (`prompt`, `revised_prompt`, `model`, `size`, `quality`, `created`, `cost`,
        `usage`, ...) as `metadata_fields` wrote them.
        For an image artisan did not write, what standard fields it has; possibly nothing.

    Raises:
        ImageFileError: there is no file, or it is not an image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.format == "PNG":
                text = {str(k): str(v) for k, v in getattr(image, "text", {}).items()}
                blob: str | None = text.get(METADATA_KEY)
                standard = {"prompt": text.get("Description", ""), "model": text.get("Source", "")}
            else:
                exif = image.getexif()
                comment = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)
                blob = _user_comment_text(comment)
                description = exif.get(_IMAGE_DESCRIPTION)
                if isinstance(description, str):
                    # Pillow reads EXIF text as Latin-1; artisan writes UTF-8, as most tools do.
                    description = _utf8(description)
                standard = {"prompt": description or ""}
    except FileNotFoundError:
        raise ImageFileError(f"There is no image at {path}.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageFileError(f"{path} is not an image artisan can read ({error}).") from None
    if blob:
        try:
            parsed = files.parse_json(blob, path, files.IMAGE_METADATA)
        except files.FileProblem:
            parsed = None
        if isinstance(parsed, dict):
            return {str(k): str(v) for k, v in parsed.items()}
    return {key: value for key, value in standard.items() if value}


# PNG ------------------------------------------------------------------------------------------


def _png_with(data: bytes, fields: dict[str, str]) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise NotAnImage("The PNG data has no PNG signature.")
    text = {
        METADATA_KEY: json.dumps(fields, ensure_ascii=False),
        "Description": fields.get("prompt", ""),
        "Source": fields.get("model", ""),
        "Software": SOFTWARE,
        "Creation Time": fields.get("created", ""),
    }
    ours = b"".join(_png_chunk(b"iTXt", _itxt(key, value)) for key, value in text.items() if value)
    out = [_PNG_SIGNATURE]
    position = len(_PNG_SIGNATURE)
    inserted = False
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise NotAnImage("The PNG data is cut short.")
        chunk = data[position:end]
        position = end
        if kind in (b"tEXt", b"zTXt", b"iTXt") and _png_keyword(chunk) in _PNG_KEYWORDS:
            continue  # replaced by ours, so a reader never sees two different prompts
        if kind in (b"IDAT", b"IEND") and not inserted:
            # Before the image data, where readers that stop early still find it.
            out.append(ours)
            inserted = True
        out.append(chunk)
    return b"".join(out)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _itxt(keyword: str, text: str) -> bytes:
    encoded = text.encode("utf-8")
    compressed = len(encoded) > _COMPRESS_ABOVE
    if compressed:
        encoded = zlib.compress(encoded, 9)
    # keyword NUL, compression flag and method, empty language tag NUL, empty translation NUL
    return keyword.encode("latin-1") + b"\x00" + bytes([compressed, 0]) + b"\x00\x00" + encoded


def _png_keyword(chunk: bytes) -> str:
    payload = chunk[8:-4]
    return payload.split(b"\x00", 1)[0].decode("latin-1")


# JPEG and WebP (EXIF) ---------------------------------------------------------------------------


def _exif(fields: dict[str, str], limit: int | None) -> bytes:
    """EXIF data as Pillow writes it ("Exif\\0\\0" and a TIFF structure), at most `limit` bytes."""
    from PIL import Image

    for cut in _TRUNCATE_STEPS:
        shown = dict(fields)
        if cut is not None:
            for key in ("prompt", "revised_prompt"):
                whole = shown.get(key, "")
                cut_short = shorten(whole, cut, one_line=False)
                if cut_short != whole:
                    shown[key], shown["truncated"] = cut_short, "yes"
        exif = Image.Exif()
        exif[_IMAGE_DESCRIPTION] = shown.get("prompt", "").encode("utf-8")
        exif[_SOFTWARE] = SOFTWARE
        created = fields.get("created")
        if created:
            exif[_DATE_TIME] = datetime.fromisoformat(created).strftime("%Y:%m:%d %H:%M:%S")
        # JSON with only ASCII (other characters as \\u escapes) is exactly what the EXIF
        # "ASCII" character code of UserComment allows.
        comment = _ASCII_PREFIX + json.dumps(shown, ensure_ascii=True).encode("ascii")
        exif.get_ifd(_EXIF_IFD)[_USER_COMMENT] = comment
        data: bytes = exif.tobytes()
        if limit is None or len(data) <= limit:
            return data
    raise ImageFileError("The image metadata does not fit in the file.")


def _jpeg_with(data: bytes, fields: dict[str, str]) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise NotAnImage("The JPEG data has no start marker.")
    exif = _exif(fields, _JPEG_SEGMENT_MAX)
    segment = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    out = [b"\xff\xd8"]
    position = 2
    inserted = False
    while position < len(data):
        if data[position] != 0xFF:
            raise NotAnImage("The JPEG data is malformed.")
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1  # fill byte
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:
            # Start of scan (or a marker without a length): the rest is image data.
            if not inserted:
                out.append(segment)
            out.append(data[position:])
            return b"".join(out)
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        chunk = data[position:end]
        position = end
        if marker == 0xE1 and chunk[4:10] == b"Exif\x00\x00":
            continue  # the server's EXIF is replaced by ours
        if not inserted and marker != 0xE0:
            # After a JFIF header (which must come first), before everything else.
            out.append(segment)
            inserted = True
        out.append(chunk)
    raise NotAnImage("The JPEG data has no image.")


def _webp_with(data: bytes, fields: dict[str, str]) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise NotAnImage("The WebP data has no RIFF header.")
    chunks: list[tuple[bytes, bytes]] = []
    position = 12
    while position + 8 <= len(data):
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        payload = data[position + 8 : position + 8 + length]
        if len(payload) != length:
            raise NotAnImage("The WebP data is cut short.")
        position += 8 + length + (length & 1)
        if kind != b"EXIF":
            chunks.append((kind, payload))
    if not chunks:
        raise NotAnImage("The WebP data has no image.")
    # The EXIF chunk itself holds the TIFF structure, without the JPEG "Exif\0\0" prefix.
    exif = _exif(fields, None)[6:]
    if chunks[0][0] == b"VP8X":
        header = bytearray(chunks[0][1])
        header[0] |= 0x08
        chunks[0] = (b"VP8X", bytes(header))
    else:
        chunks.insert(0, (b"VP8X", _vp8x_for(data, chunks)))
    # EXIF goes after the image data, before any XMP chunk.
    xmp = [chunk for chunk in chunks if chunk[0] == b"XMP "]
    chunks = [chunk for chunk in chunks if chunk[0] != b"XMP "] + [(b"EXIF", exif), *xmp]
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def _vp8x_for(data: bytes, chunks: list[tuple[bytes, bytes]]) -> bytes:
    """The extended-format header a simple WebP needs before it can carry EXIF."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    flags = 0x08 | (0x10 if alpha else 0)
    return (
        bytes([flags, 0, 0, 0])
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )


def _user_comment_text(comment: object) -> str | None:
    if isinstance(comment, bytes):
        if comment.startswith(_ASCII_PREFIX):
            return comment[len(_ASCII_PREFIX) :].decode("ascii", "replace")
        return None
    if isinstance(comment, str):
        return comment
    return None


def _utf8(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text

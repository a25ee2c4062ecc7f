"""Getting an image ready to show a vision model: read it, scale it down, encode it.

A photo straight from a phone is 12 megapixels and several megabytes; a vision model sees no
more in it than in a picture of 1,024 pixels on its longest side, and every byte is uploaded
(over a slow SSH link, or to a local server on a laptop) and, on OpenAI, paid for in tokens. So
the image is scaled down to `MAX_SIDE` and encoded again: JPEG, or PNG when it has transparency.
Encoding again also leaves out the file's own metadata (a photo's location among it), which the
model does not need. The size sent is kept, so the person is told what was sent.

Pillow is imported when an image is prepared, not before.
"""

from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from artisan import files
from artisan.errors import ArtisanError

MAX_SIDE = 1024
"""Longest side, in pixels, of the image sent."""
IMAGE_TO_DESCRIBE = files.Limits("an image to describe", 64 * files.MIB, 1)
MAX_PIXELS = 40_000_000
"""Pixels of a picture decoded whole (160 MB in memory); its size is checked first. A JPEG is
decoded straight at a fraction of its size, so a larger one is read too."""
JPEG_QUALITY = 88


class UnreadableImage(ArtisanError):
    """The file to describe is not an image artisan can read."""


@dataclass(frozen=True)
class PreparedImage:
    """An image as it will be sent to a vision model."""

    data: bytes
    mime: str
    """image/jpeg or image/png."""
    name: str
    """The file's name, for messages and the version's label."""
    original: tuple[int, int]
    sent: tuple[int, int]

    @property
    def scaled(self) -> bool:
        return self.sent != self.original

    def data_url(self) -> str:
        """The image as a `data:` URL, the form of `image_url` every compatible server reads."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def describe(self) -> str:
        """ "1024x768 JPEG, 143 KB (scaled down from 4032x3024)"."""
        kind = self.mime.split("/")[1].upper()
        size = files.show_size(len(self.data))
        line = f"{self.sent[0]}x{self.sent[1]} {kind}, {size}"
        if self.scaled:
            line += f" (scaled down from {self.original[0]}x{self.original[1]})"
        return line


def prepare_image(path: Path, *, max_side: int = MAX_SIDE) -> PreparedImage:
    """Read an image file and make the picture to send: at most `max_side` on its longest side.

    Raises:
        UnreadableImage: no such file, too big, or not an image Pillow can read.
    """
    try:
        data = files.read_bytes(path, IMAGE_TO_DESCRIBE)
    except FileNotFoundError:
        raise UnreadableImage(f"There is no file at {path}.") from None
    except files.FileProblem as problem:
        raise UnreadableImage(f"{problem}.") from None
    return prepare_bytes(data, path.name, max_side=max_side)


def prepare_bytes(data: bytes, name: str, *, max_side: int = MAX_SIDE) -> PreparedImage:
    """As `prepare_image`, for image data already read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns of a large picture as it opens it; its size is checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
        with opened:
            # The header is read; the pixels are not, yet: their number is checked first.
            width, height = opened.size
            if opened.format == "JPEG":
                opened.draft("RGB", (max_side, max_side))  # decoded at 1/2, 1/4 or 1/8 size
            elif width * height > MAX_PIXELS:
                raise UnreadableImage(
                    f"{name} is {width}x{height} pixels ({width * height / 1e6:.0f} "
                    f"megapixels); artisan reads pictures of up to {MAX_PIXELS / 1e6:.0f} "
                    "megapixels to describe. Scale it down first."
                )
            opened.load()
            image = ImageOps.exif_transpose(opened)  # a phone photo taken upright stays upright
    except Image.DecompressionBombError:
        raise UnreadableImage(f"{name} has far too many pixels to be read safely.") from None
    except UnidentifiedImageError:
        # Pillow's own words name its buffer (`<_io.BytesIO object at 0x...>`), not the file.
        raise UnreadableImage(
            f"{name} is not an image artisan can read (it reads PNG, JPEG, WebP and GIF)."
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UnreadableImage(f"{name} is not an image artisan can read ({error}).") from None
    turned = (image.width > image.height) != (width > height)
    original = (height, width) if turned else (width, height)
    if max(original) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    out = io.BytesIO()
    if alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY)
        mime = "image/jpeg"
    return PreparedImage(out.getvalue(), mime, name, original, image.size)

"""The prompt a picture carries in its own metadata, read back before any model is asked.

Pictures made by image tools say how they were made:

- AUTOMATIC1111, Forge and SD.Next write a `parameters` text: the prompt, a `Negative prompt:`
  line and a settings line (`Steps: 28, Sampler: ..., Seed: ...`): a PNG text chunk, or EXIF
  UserComment in JPEG and WebP (see `artisan.images.parameters`);
- ComfyUI writes the workflow it ran: `prompt` (API format: nodes by id, with their inputs) and
  `workflow` (the editor's graph) PNG text chunks;
- artisan writes its own `artisan` chunk (PNG) or UserComment (JPEG, WebP): the prompt, the
  model, the seed, the library entry.

`read_picture` finds whichever is there without decoding a pixel: PNG text chunks are read up
to the image data, and JPEG and WebP through their EXIF block, so a picture of 13,000 pixels a
side is read as fast as a thumbnail. `artisan library import PICTURE` and both describe flows
use it, and nothing is sent or paid when a picture says what made it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import files
from artisan.images.parameters import Parameters, read_parameters, write_parameters

if TYPE_CHECKING:
    from artisan.entry import ImageRecord, PromptEntry

PICTURE = files.Limits("a picture", 256 * files.MIB, 1)
"""Largest picture whose metadata is read (the metadata itself is near its start)."""
TEXT = files.Limits("a picture's metadata", 4 * files.MIB, 48)
_PNG = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
_EXIF_IFD = 0x8769
_USER_COMMENT = 0x9286
SOURCES = {"automatic1111": "AUTOMATIC1111", "comfyui": "ComfyUI", "artisan": "artisan"}


@dataclass(frozen=True)
class PictureMetadata:
    """What a picture says about the prompt that made it."""

    source: str
    """"automatic1111", "comfyui" or "artisan"."""
    prompt: str
    negative_prompt: str = ""
    model: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    """Steps, sampler, CFG scale, seed, size, as far as the picture says."""
    entry: str = ""
    """The library entry artisan saved it in."""

    @property
    def made_by(self) -> str:
        return SOURCES.get(self.source, self.source)

    def full_prompt(self) -> str:
        """The prompt as a Stable Diffusion prompt is written: a `Negative prompt:` line after
        it, when there is a negative."""
        if not self.negative_prompt:
            return self.prompt
        return f"{self.prompt}\nNegative prompt: {self.negative_prompt}"

    def describe(self) -> str:
        """ "AUTOMATIC1111: sd_xl_base, Steps 28, Seed 1234"."""
        parts = [self.model] if self.model else []
        parts += [f"{key} {value}" for key, value in self.settings.items()]
        return f"{self.made_by}: {', '.join(parts)}" if parts else self.made_by


def read_picture(path: Path) -> PictureMetadata | None:
    """The prompt `path` says it was made from, or None when it says nothing of the kind.

    Raises:
        FileNotFoundError: there is no file.
        files.FileProblem: it cannot be read (not a regular file, too big).
    """
    data = files.read_bytes(path, PICTURE)
    texts = _texts(data)
    return _from_artisan(texts) or _from_parameters(texts) or _from_comfyui(texts)


def is_picture(path: Path) -> bool:
    """Whether the file starts as a PNG, JPEG or WebP does."""
    import os
    import stat

    try:
        # Without waiting: a named pipe given by mistake must not hold the command.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, 12)
    except OSError:
        return False
    finally:
        os.close(fd)
    return head.startswith((_PNG, b"\xff\xd8\xff")) or (head[:4] == b"RIFF" and head[8:] == b"WEBP")


# Where the text is ------------------------------------------------------------------------------


def _texts(data: bytes) -> dict[str, str]:
    """The picture's text: PNG text chunks by keyword, or EXIF UserComment as `comment`."""
    if data.startswith(_PNG):
        return _png_texts(data)
    comment = _exif_comment(data)
    return {"comment": comment} if comment else {}


def _png_texts(data: bytes) -> dict[str, str]:
    texts: dict[str, str] = {}
    position = len(_PNG)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IEND" or len(payload) != length:
            break
        if kind in _TEXT_CHUNKS:
            found = _chunk_text(kind, payload)
            if found is not None:
                texts.setdefault(found[0], found[1])
    return texts


def _chunk_text(kind: bytes, payload: bytes) -> tuple[str, str] | None:
    keyword, _, rest = payload.partition(b"\x00")
    name = keyword.decode("latin-1")
    try:
        if kind == b"tEXt":
            return name, rest.decode("latin-1")
        if kind == b"zTXt":
            return name, _inflate(rest[1:]).decode("latin-1")
        compressed, rest = rest[:1] == b"\x01", rest[2:]
        _, _, rest = rest.partition(b"\x00")  # language tag
        _, _, rest = rest.partition(b"\x00")  # translated keyword
        return name, (_inflate(rest) if compressed else rest).decode("utf-8", "replace")
    except (zlib.error, ValueError):
        return None


def _inflate(data: bytes) -> bytes:
    """Decompressed text, never more than `TEXT` allows (a small chunk may inflate hugely)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, TEXT.max_bytes + 1)
    if len(out) > TEXT.max_bytes:
        raise ValueError("text too long")
    return out


def _exif_comment(data: bytes) -> str:
    """EXIF UserComment of a JPEG or WebP, as text ("" when there is none)."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            comment = image.getexif().get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, struct.error):
        return ""
    except Image.DecompressionBombError:
        return ""
    return _comment_text(comment)


def _comment_text(comment: Any) -> str:
    """UserComment's bytes as text: its 8-byte character code says how they are written."""
    if isinstance(comment, str):
        return comment
    if not isinstance(comment, bytes):
        return ""
    code, body = comment[:8], comment[8:]
    if code.startswith(b"ASCII"):
        return body.decode("ascii", "replace")
    if code.startswith(b"UNICODE"):
        # UTF-16, byte order not said: piexif (AUTOMATIC1111) writes big-endian.
        big = body.decode("utf-16-be", "replace")
        little = body.decode("utf-16-le", "replace")
        return big if _plain_share(big) >= _plain_share(little) else little
    return body.decode("utf-8", "replace").strip("\x00")


def _plain_share(text: str) -> float:
    return sum(ch.isascii() for ch in text) / max(1, len(text))


# What the text says -----------------------------------------------------------------------------


def _from_artisan(texts: dict[str, str]) -> PictureMetadata | None:
    blob = texts.get("artisan") or texts.get("comment", "")
    if not blob.lstrip().startswith("{"):
        return None
    try:
        data = files.parse_json(blob, "a picture's metadata", TEXT)
    except files.FileProblem:
        return None
    if not isinstance(data, dict) or not str(data.get("prompt", "")).strip():
        return None
    if "software" not in data or not str(data["software"]).startswith("artisan"):
        return None
    settings = {
        label: str(data[key])
        for key, label in (
            ("steps", "Steps"),
            ("sampler", "Sampler"),
            ("cfg_scale", "CFG scale"),
            ("seed", "Seed"),
            ("size", "Size"),
        )
        if data.get(key)
    }
    return PictureMetadata(
        "artisan",
        str(data["prompt"]),
        str(data.get("negative_prompt", "")),
        str(data.get("model", "")),
        settings,
        str(data.get("entry", "")),
    )


def _from_parameters(texts: dict[str, str]) -> PictureMetadata | None:
    text = texts.get("parameters") or texts.get("comment", "")
    parameters = read_parameters(text) if text else None
    if parameters is None or not parameters.prompt:
        return None
    return PictureMetadata(
        "automatic1111",
        parameters.prompt,
        parameters.negative_prompt,
        parameters.model,
        _settings(parameters),
    )


def _settings(parameters: Parameters) -> dict[str, str]:
    wanted = ("Steps", "Sampler", "CFG scale", "Seed", "Size")
    return {key: parameters.settings[key] for key in wanted if key in parameters.settings}


def _from_comfyui(texts: dict[str, str]) -> PictureMetadata | None:
    """The prompt of the sampler a ComfyUI workflow (API format) ran."""
    try:
        graph = files.parse_json(texts.get("prompt", ""), "ComfyUI's prompt chunk", TEXT)
    except files.FileProblem:
        graph = None
    if not isinstance(graph, dict):
        return _from_comfyui_editor(texts)
    nodes = {key: node for key, node in graph.items() if isinstance(node, dict)}
    sampler = next((node for node in nodes.values() if "positive" in node.get("inputs", {})), None)
    if sampler is None:
        return _from_comfyui_editor(texts)
    inputs = sampler["inputs"]
    positive = _text_of(nodes, inputs.get("positive"))
    if not positive:
        return None
    settings = {}
    for key, label in (
        ("steps", "Steps"),
        ("sampler_name", "Sampler"),
        ("cfg", "CFG scale"),
        ("seed", "Seed"),
        ("noise_seed", "Seed"),
    ):
        value = inputs.get(key)
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            settings[label] = f"{value:g}" if isinstance(value, float) else str(value)
    model = ""
    for node in nodes.values():
        node_inputs = node.get("inputs", {})
        if isinstance(node_inputs, dict):
            if isinstance(node_inputs.get("ckpt_name"), str) and not model:
                model = node_inputs["ckpt_name"]
            if node.get("class_type") == "EmptyLatentImage":
                width, height = node_inputs.get("width"), node_inputs.get("height")
                if isinstance(width, int) and isinstance(height, int):
                    settings["Size"] = f"{width}x{height}"
    negative = _text_of(nodes, inputs.get("negative"))
    return PictureMetadata("comfyui", positive, negative, model, settings)


def _text_of(nodes: dict[str, Any], link: Any, depth: int = 0) -> str:
    """The text a sampler input is linked to: a text encoder's `text`, followed through a
    node or two that pass it on."""
    if not (isinstance(link, list) and link and isinstance(link[0], str)) or depth > 4:
        return ""
    node = nodes.get(link[0])
    inputs = node.get("inputs", {}) if isinstance(node, dict) else {}
    if not isinstance(inputs, dict):
        return ""
    for key in ("text", "text_g", "value", "string", "prompt"):
        value = inputs.get(key)
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, list):
            return _text_of(nodes, value, depth + 1)
    for key in ("conditioning", "positive", "conditioning_1"):
        if key in inputs:
            return _text_of(nodes, inputs[key], depth + 1)
    return ""


def _from_comfyui_editor(texts: dict[str, str]) -> PictureMetadata | None:
    """The first text encoder's text of the editor's graph (`workflow`), when that is all."""
    try:
        graph = files.parse_json(texts.get("workflow", ""), "ComfyUI's workflow chunk", TEXT)
    except files.FileProblem:
        return None
    listed = graph.get("nodes") if isinstance(graph, dict) else None
    for node in listed if isinstance(listed, list) else []:
        if not isinstance(node, dict) or "CLIPTextEncode" not in str(node.get("type", "")):
            continue
        values = node.get("widgets_values")
        if isinstance(values, list) and values and isinstance(values[0], str) and values[0]:
            return PictureMetadata("comfyui", values[0].strip())
    return None


def parameters_text(metadata: PictureMetadata) -> str:
    """The picture's render as AUTOMATIC1111 writes it (for notes)."""
    return write_parameters(
        Parameters(metadata.prompt, metadata.negative_prompt, dict(metadata.settings))
    )


def picture_entry(path: Path, found: PictureMetadata) -> tuple[PromptEntry, ImageRecord]:
    """A library entry for the prompt a picture says it was made from, and the picture as its
    image: the prompt (with its `Negative prompt:` line, for Stable Diffusion), the model, and
    the settings in the image's record."""
    from artisan.entry import ImageRecord, PromptEntry

    stable_diffusion = found.source != "artisan" or bool(found.negative_prompt)
    settings = found.settings
    entry = PromptEntry.create(
        found.full_prompt() if stable_diffusion else found.prompt,
        target="stable-diffusion" if stable_diffusion else "",
        model=found.model,
        notes=f"Read from the metadata of {path.name} ({found.describe()}).",
    )
    record = ImageRecord(
        path=str(path.resolve()),
        model=found.model,
        size=settings.get("Size", ""),
        negative_prompt=found.negative_prompt,
        seed=_whole(settings.get("Seed")),
        steps=_whole(settings.get("Steps")),
        sampler=settings.get("Sampler", ""),
        cfg_scale=_number(settings.get("CFG scale")),
        provider="" if found.source == "artisan" else found.source,
    )
    return entry, record


def _whole(text: str | None) -> int | None:
    try:
        value = int(str(text))
    except ValueError:
        return None
    return value if 0 <= value < 2**64 else None


def _number(text: str | None) -> float | None:
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if value == value and 0 <= value < 1000 else None

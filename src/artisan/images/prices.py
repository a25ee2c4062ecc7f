"""What an image costs: before sending (an estimate from the price table) and after (from usage).

Prices live in the image model table (`price` of each model, see `data/image-models.toml`), in
US dollars, either per image (by quality and size) or per token (text in, image in, image out).
Before a render, `estimate` prices what is about to be sent; where the model bills by token, the
image tokens come from the table: tokens per 1024x1024 image by quality, and for other sizes
either the figures published for them (`size_tokens`) or, between those, a scaling by pixels.
The prompt is counted at one token a byte (a token is never less than a byte), the pictures
sent to an edit at `input_image_tokens` each, and `auto` as the costliest choice it may make,
so an estimate is an upper bound rather than a hope: what a request is recorded at never
exceeds it (see `artisan.images.workflow`). After a render, `actual` prices what the server
reports it used (GPT Image models report usage); a server that reports nothing gets the
estimate again, marked as one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

PER_MILLION = 1_000_000
REFERENCE_PIXELS = 1024 * 1024
"""`output_tokens` in the table are for an image of this many pixels."""
BILLINGS = ("image", "tokens")
_SIZE = re.compile(r"^(\d{1,6})x(\d{1,6})$")
_RATE_KEYS = ("text_input", "image_input", "image_output")
_KNOWN = {
    *_RATE_KEYS,
    "billing",
    "per_image",
    "output_tokens",
    "auto_quality",
    "auto_size",
    "default_quality",
    "checked",
    "source",
    "estimate",
    "published",
    "size_tokens",
    "size_quality",
    "size_exponent",
    "input_image_tokens",
    "partial_image_tokens",
}


class PriceTableError(ValueError):
    """A `price` table cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Price:
    """What one image model charges, as the table says."""

    billing: str
    """"image" (a price per image) or "tokens"."""
    per_image: Mapping[str, float] = field(default_factory=dict)
    """Dollars per image, by "QUALITY SIZE"."""
    text_input: float = 0.0
    """Dollars per million text tokens sent (the prompt)."""
    image_input: float = 0.0
    """Dollars per million image tokens sent (a reference image)."""
    image_output: float = 0.0
    """Dollars per million image tokens drawn."""
    output_tokens: Mapping[str, int] = field(default_factory=dict)
    """Image tokens per 1024x1024 image, by quality."""
    size_tokens: Mapping[str, int] = field(default_factory=dict)
    """Image tokens of other sizes ("1536x1024"), at `size_quality`, as published."""
    size_quality: str = "high"
    size_exponent: float = 1.0
    """How image tokens grow with the pixels between the sizes listed."""
    input_image_tokens: int = 0
    """Image tokens per picture sent to an edit, at most."""
    partial_image_tokens: int = 0
    """Image tokens each streamed partial image adds."""
    auto_quality: str = "high"
    auto_size: str = "1024x1024"
    default_quality: str = ""
    """The quality a model without quality choices is priced at ("standard")."""
    checked: date | None = None
    source: str = ""
    estimate: bool = False
    """The figures are artisan's estimates: no published price was found."""
    published: bool = False
    """The figures are the provider's published ones (see `source`)."""

    def basis(self) -> str:
        """Where the figures come from, for a line under an estimate."""
        when = f", checked {self.checked.isoformat()}" if self.checked else ""
        if self.published:
            return f"published prices{when}" + (f"; source: {self.source}" if self.source else "")
        if self.estimate:
            return f"artisan's estimate, no published price{when}"
        return f"the price table{when}"


@dataclass(frozen=True)
class Cost:
    """An amount in US dollars, and whether it is an estimate."""

    dollars: float
    estimated: bool = False

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.dollars + other.dollars, self.estimated or other.estimated)

    def describe(self) -> str:
        """ "$0.053", or "~$0.053" for an estimate."""
        return ("~" if self.estimated else "") + dollars(self.dollars)


def dollars(amount: float) -> str:
    """An amount as people read it: "$1.20", "$0.053", "$0.0022" (small amounts keep three
    significant digits' worth of places, since images cost cents)."""
    if amount >= 1 or amount == 0:
        return f"${amount:,.2f}"
    if amount >= 0.01:
        return f"${amount:.3f}"
    return f"${amount:.4f}"


def read_price(raw: Any, where: str) -> Price:
    """A `price` table from the model table.

    Raises:
        PriceTableError: naming the key and what it must be.
    """
    if not isinstance(raw, dict):
        raise PriceTableError(f"{where}: `price` must be a table.")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise PriceTableError(f"{where}: `price` has unknown keys: {', '.join(unknown)}.")
    billing = raw.get("billing")
    if billing not in BILLINGS:
        raise PriceTableError(f'{where}: `price.billing` must be "image" or "tokens".')
    values: dict[str, Any] = {"billing": billing}
    for key in _RATE_KEYS:
        if key in raw:
            values[key] = _amount(raw[key], f"{where}: `price.{key}`")
    per_image = raw.get("per_image", {})
    if not isinstance(per_image, dict):
        raise PriceTableError(f"{where}: `price.per_image` must be a table.")
    values["per_image"] = {
        " ".join(str(key).lower().split()): _amount(value, f"{where}: `price.per_image.{key}`")
        for key, value in per_image.items()
    }
    tokens = raw.get("output_tokens", {})
    if not isinstance(tokens, dict) or not all(
        type(value) is int and value >= 0 for value in tokens.values()
    ):
        raise PriceTableError(
            f"{where}: `price.output_tokens` must be a table of whole numbers by quality."
        )
    values["output_tokens"] = {str(key).lower(): value for key, value in tokens.items()}
    sizes = raw.get("size_tokens", {})
    if not isinstance(sizes, dict) or not all(
        _SIZE.match(str(key)) and type(value) is int and value > 0 for key, value in sizes.items()
    ):
        raise PriceTableError(
            f'{where}: `price.size_tokens` must be a table of whole numbers by size ("1536x1024").'
        )
    values["size_tokens"] = {str(key): value for key, value in sizes.items()}
    if "size_exponent" in raw:
        exponent = raw["size_exponent"]
        if (
            isinstance(exponent, bool)
            or not isinstance(exponent, int | float)
            or not (0 < exponent <= 2)
        ):
            raise PriceTableError(f"{where}: `price.size_exponent` must be a number from 0 to 2.")
        values["size_exponent"] = float(exponent)
    for key in ("input_image_tokens", "partial_image_tokens"):
        if key in raw:
            count = raw[key]
            if type(count) is not int or count < 0:
                raise PriceTableError(f"{where}: `price.{key}` must be a whole number.")
            values[key] = count
    for key in ("auto_quality", "auto_size", "default_quality", "source", "size_quality"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise PriceTableError(f"{where}: `price.{key}` must be text.")
            values[key] = raw[key].strip()
    if "checked" in raw:
        if not isinstance(raw["checked"], date):
            raise PriceTableError(f"{where}: `price.checked` must be a date such as 2026-11-27.")
        values["checked"] = raw["checked"]
    for key in ("estimate", "published"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise PriceTableError(f"{where}: `price.{key}` must be true or false.")
            values[key] = raw[key]
    if billing == "image" and not values["per_image"]:
        raise PriceTableError(f'{where}: `price.billing = "image"` needs `per_image`.')
    if billing == "tokens" and not values["output_tokens"]:
        raise PriceTableError(f'{where}: `price.billing = "tokens"` needs `output_tokens`.')
    return Price(**values)


class PricedModel(Protocol):
    """What pricing needs of an image model (`ImageModel` has it)."""

    @property
    def price(self) -> Price | None: ...


class PricedRequest(Protocol):
    """What pricing needs of a request (`ImageRequest` has it)."""

    @property
    def prompt(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def size(self) -> str | None: ...
    @property
    def quality(self) -> str | None: ...
    @property
    def inputs(self) -> tuple[str, ...]: ...
    @property
    def previews(self) -> int: ...


def estimate(model: PricedModel | None, request: PricedRequest) -> Cost | None:
    """What a request will cost, or None when the table has no price for it.

    `auto` quality and size are priced as the table's `auto_quality` and `auto_size`. The
    estimate is marked as one unless the model bills a published price per image.
    """
    price = model.price if model is not None else None
    if price is None:
        return None
    size = _priced_size(price, request.size)
    quality = _priced_quality(price, request.quality)
    if price.billing == "image":
        each = price.per_image.get(f"{quality} {size}")
        if each is None:
            return None
        return Cost(each * request.n, estimated=price.estimate)
    tokens = output_tokens(price, quality, size)
    if tokens is None:
        return None
    # A token is at least one byte of text, so this never counts too few.
    prompt_tokens = len(request.prompt.encode("utf-8"))
    pictures = len(request.inputs) * price.input_image_tokens
    drawn = (tokens + request.previews * price.partial_image_tokens) * request.n
    total = (
        prompt_tokens * price.text_input + pictures * price.image_input + drawn * price.image_output
    ) / PER_MILLION
    return Cost(total, estimated=True)


def actual(
    model: PricedModel | None, request: PricedRequest, usage: Mapping[str, int] | None
) -> Cost | None:
    """What a render cost: from the usage the server reported when the model bills by token,
    from the price per image when it bills per image, else the estimate (marked as one)."""
    price = model.price if model is not None else None
    if price is None:
        return None
    if price.billing == "tokens" and usage:
        text = usage.get("input_text_tokens", usage.get("input_tokens", 0))
        image_in = usage.get("input_image_tokens", 0)
        out = usage.get("output_tokens", 0)
        total = (
            text * price.text_input + image_in * price.image_input + out * price.image_output
        ) / PER_MILLION
        return Cost(total)
    return estimate(model, request)


def flat_usage(usage: Any) -> dict[str, int] | None:
    """The usage of an images answer as a flat table of whole numbers.

    `input_tokens_details` (text and image tokens sent) becomes `input_text_tokens` and
    `input_image_tokens`; anything that is not a count is left out.
    """
    if usage is None:
        return None
    data = usage if isinstance(usage, dict) else _as_dict(usage)
    flat: dict[str, int] = {}
    for key in ("input_tokens", "output_tokens", "total_tokens"):
        value = data.get(key)
        if type(value) is int and value >= 0:
            flat[key] = value
    details = data.get("input_tokens_details")
    details = details if isinstance(details, dict) else _as_dict(details)
    for key in ("text_tokens", "image_tokens"):
        value = details.get(key)
        if type(value) is int and value >= 0:
            flat[f"input_{key}"] = value
    return flat or None


def _as_dict(value: Any) -> dict[str, Any]:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        result = dump()
        return result if isinstance(result, dict) else {}
    return {}


def _priced_size(price: Price, size: str | None) -> str:
    if size is None or size == "auto":
        return price.auto_size
    return size


def _priced_quality(price: Price, quality: str | None) -> str:
    if quality is None:
        return price.default_quality or price.auto_quality
    if quality == "auto":
        return price.auto_quality
    return quality


def output_tokens(price: Price, quality: str, size: str) -> int | None:
    """Image tokens of one image of `size` at `quality`, by the table; None when it cannot
    tell (a quality or size the table does not price)."""
    per_reference = price.output_tokens.get(quality)
    match = _SIZE.match(size)
    if per_reference is None or match is None:
        return None
    width, height = int(match[1]), int(match[2])
    pixels = width * height
    if not price.size_tokens:
        return math.ceil(per_reference * pixels / REFERENCE_PIXELS)
    top = price.output_tokens.get(price.size_quality)
    if not top:
        return None
    listed = price.size_tokens.get(size)
    if listed is None:
        listed = math.ceil(_coefficient(price, top, width, height) * pixels**price.size_exponent)
    return math.ceil(listed * per_reference / top)


def _coefficient(price: Price, top: int, width: int, height: int) -> float:
    """Tokens per pixels-to-the-exponent for a picture of this shape: the larger of those of
    the published sizes of nearest shape on either side, so the estimate stays an upper
    bound."""
    anchors = [(1.0, top / REFERENCE_PIXELS**price.size_exponent)]
    for size, tokens in price.size_tokens.items():
        match = _SIZE.match(size)
        if match is None:
            continue
        w, h = int(match[1]), int(match[2])
        anchors.append((max(w, h) / min(w, h), tokens / (w * h) ** price.size_exponent))
    shape = max(width, height) / min(width, height)
    below = [anchor for anchor in anchors if anchor[0] <= shape]
    above = [anchor for anchor in anchors if anchor[0] >= shape]
    near = [max(below)] if below else []
    near += [min(above)] if above else []
    return float(max(coefficient for _, coefficient in near))


def _amount(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceTableError(f"{where} must be a number of dollars.")
    if not math.isfinite(value) or value < 0:
        raise PriceTableError(f"{where} must be a number of at least 0.")
    return float(value)

"""What an image costs: before sending (an estimate from the price table) and after (from usage).

Prices live in the image model table (`price` of each model, see `data/image-models.toml`), in
US dollars, either per image (by quality and size) or per token (text in, image in, image out).
Before a render, `estimate` prices what is about to be sent; where the model bills by token, the
image tokens come from the table's tokens per 1024x1024 image, scaled by the size's pixels, and
`auto` is priced as the costliest choice it may make, so an estimate is an upper bound rather
than a hope. After a render, `actual` prices what the server reports it used (GPT Image models
report usage); a server that reports nothing gets the estimate again, marked as one.
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
CHARS_PER_TOKEN = 4
"""For estimating the prompt's tokens before sending."""
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
    auto_quality: str = "high"
    auto_size: str = "1024x1024"
    default_quality: str = ""
    """The quality a model without quality choices is priced at ("standard")."""
    checked: date | None = None
    source: str = ""
    estimate: bool = False
    """The figures are artisan's estimates: no published price was found."""


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
    for key in ("auto_quality", "auto_size", "default_quality", "source"):
        if key in raw:
            if not isinstance(raw[key], str):
                raise PriceTableError(f"{where}: `price.{key}` must be text.")
            values[key] = raw[key].strip()
    if "checked" in raw:
        if not isinstance(raw["checked"], date):
            raise PriceTableError(f"{where}: `price.checked` must be a date such as 2026-11-27.")
        values["checked"] = raw["checked"]
    if "estimate" in raw:
        if not isinstance(raw["estimate"], bool):
            raise PriceTableError(f"{where}: `price.estimate` must be true or false.")
        values["estimate"] = raw["estimate"]
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
    tokens = _output_tokens(price, quality, size)
    if tokens is None:
        return None
    prompt_tokens = math.ceil(len(request.prompt) / CHARS_PER_TOKEN)
    total = (prompt_tokens * price.text_input + tokens * request.n * price.image_output) / (
        PER_MILLION
    )
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


def _output_tokens(price: Price, quality: str, size: str) -> int | None:
    per_reference = price.output_tokens.get(quality)
    match = _SIZE.match(size)
    if per_reference is None or match is None:
        return None
    pixels = int(match[1]) * int(match[2])
    return math.ceil(per_reference * pixels / REFERENCE_PIXELS)


def _amount(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceTableError(f"{where} must be a number of dollars.")
    if not math.isfinite(value) or value < 0:
        raise PriceTableError(f"{where} must be a number of at least 0.")
    return float(value)

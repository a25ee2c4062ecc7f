"""A request for images, and checking it against its model before it is sent.

The models and their table are `artisan.images.model_table`'s (their names are here too).
`build_request` fills what was not asked from the `image.*` settings, and `validate` refuses a
request the model cannot serve (a size, quality, style, background, output format or number of
images it does not offer, an option of another renderer, or a prompt longer than it reads) with
an `ImageOptionError` listing what is allowed, before any request leaves the machine: the SDK
checks none of this, and the server would only refuse after the person had waited. A model that
is not in the table is sent as asked, with a warning; so is a retired one, because
OpenAI-compatible servers may still serve old names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from artisan import locations
from artisan.errors import UsageError
from artisan.images.model_table import (
    _OPTIONS,
    PROVIDERS,
    SD_OPTIONS,
    SHUTDOWN_NOTICE_DAYS,
    FreeSizes,
    ImageModel,
    ImageModelTable,
    load_image_models,
)

if TYPE_CHECKING:
    from artisan.config import Settings

__all__ = [
    "PROVIDERS",
    "SD_OPTIONS",
    "CheckedRequest",
    "FreeSizes",
    "ImageModel",
    "ImageModelTable",
    "ImageOptionError",
    "ImageRequest",
    "build_request",
    "load_image_models",
    "validate",
]


class ImageOptionError(UsageError):
    """An image request asks for something its model does not offer; nothing was sent."""


@dataclass(frozen=True)
class ImageRequest:
    """What to ask an image model for. None means "not sent": the model's default applies."""

    prompt: str
    model: str
    n: int = 1
    size: str | None = None
    quality: str | None = None
    style: str | None = None
    background: str | None = None
    output_format: str | None = None
    provider: str = "openai"
    negative_prompt: str | None = None
    steps: int | None = None
    cfg_scale: float | None = None
    sampler: str | None = None
    seed: int | None = None
    inputs: tuple[str, ...] = ()
    """Pictures to edit (the first) and refer to (the others): an edit, not a new image."""
    mask: str | None = None
    """A PNG whose transparent pixels mark what an edit may change."""
    previews: int = 0
    """Partial images to stream while drawing (0: none)."""

    @property
    def is_edit(self) -> bool:
        return bool(self.inputs)


@dataclass(frozen=True)
class CheckedRequest:
    """A request that `validate` has accepted: the only kind `render` takes."""

    request: ImageRequest
    model: ImageModel | None
    """The model's capabilities; None when it is not in the table and is sent as asked."""
    warnings: tuple[str, ...] = ()
    checked_on: date | None = None
    """The day it was checked, by the table's clock: a shutdown is weighed as of that day."""


def build_request(
    settings: Settings,
    prompt: str,
    table: ImageModelTable,
    *,
    provider: str | None = None,
    model: str | None = None,
    n: int = 1,
    size: str | None = None,
    quality: str | None = None,
    style: str | None = None,
    background: str | None = None,
    output_format: str | None = None,
    negative_prompt: str | None = None,
    steps: int | None = None,
    cfg_scale: float | None = None,
    sampler: str | None = None,
    seed: int | None = None,
    inputs: tuple[str, ...] = (),
    mask: str | None = None,
    previews: int = 0,
) -> tuple[ImageRequest, list[str]]:
    """Combine what was asked for this render with the `image.*` settings.

    Values asked for now (command-line flags, the options dialog) are kept as given, for
    `validate` to judge. Settings fill the gaps, but only where the model accepts them: a
    setting written for one model must not block rendering with another. One the person set in
    config.toml that does not fit is left out with a warning; a built-in default that does not
    fit (quality "auto" for dall-e-3) is left out quietly. A model that is not in the table gets
    only what the person set, since built-in defaults may mean nothing to its server.

    A Stable Diffusion model takes the prompt's `Negative prompt:` line as its negative prompt
    (after any given here), never as part of the prompt.

    Returns:
        The request and the warnings to show.
    """
    from artisan.images.parameters import split_negative

    provider = provider or settings.image_provider
    name = (model or table.default_model(provider, settings.image_model)).strip()
    known = table.get(name) or table.for_provider(provider)
    warnings: list[str] = []
    asked: dict[str, Any] = {
        "size": size,
        "quality": quality,
        "style": style,
        "background": background,
        "steps": steps,
        "cfg_scale": cfg_scale,
        "sampler": sampler,
    }
    values: dict[str, Any] = {}
    for option, value in asked.items():
        if value is not None:
            values[option] = value
            continue
        attribute = f"image_{option}"
        configured: Any = getattr(settings, attribute)
        if configured is None:
            continue
        from_file = attribute in settings.sources
        if known is None:
            if from_file:
                values[option] = configured
            continue
        problem = _option_problem(known, option, _normal(option, str(configured)))
        if problem is None:
            values[option] = configured
        elif from_file:
            warnings.append(
                f"The setting image.{option} = “{configured}” does not apply to {name} "
                f"({problem}); the model's default is used."
            )
    if known is not None and "negative_prompt" in known.options:
        prompt, found = split_negative(prompt)
        negative_prompt = ", ".join(part for part in (negative_prompt, found) if part) or None
    request = ImageRequest(
        prompt=prompt,
        model=name,
        n=n,
        output_format=output_format,
        provider=provider,
        negative_prompt=negative_prompt,
        seed=seed,
        inputs=inputs,
        mask=mask,
        previews=previews,
        **values,
    )
    return request, warnings


def validate(
    request: ImageRequest, table: ImageModelTable, *, today: date | None = None
) -> CheckedRequest:
    """Check a request against its model's capabilities before anything is sent.

    Returns:
        The request (sizes written the usual way, "1024X1024" as "1024x1024"; an output format
        the model cannot choose but returns anyway left out) with warnings to show: the model is
        not in the table, is retired or about to be, or the size is experimental.

    Raises:
        ImageOptionError: listing every option the model does not offer, with what it allows.
    """
    today = today or table.today()
    if not request.prompt.strip():
        raise ImageOptionError("The prompt is empty: there is nothing to draw.")
    request = _normalized(request)
    model = table.get(request.model)
    if model is not None and model.provider != request.provider:
        raise ImageOptionError(
            f"{model.name} is rendered by {model.provider}, not {request.provider}: pick one of "
            f"{request.provider}'s models, or --provider {model.provider}."
        )
    model = model or table.for_provider(request.provider)
    warnings: list[str] = []
    if model is None:
        if request.n < 1:
            raise ImageOptionError(f"At least one image must be asked for, not {request.n}.")
        _refuse_sd_options(request, request.model)
        suggestions = table.suggest(request.model)
        hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
        warnings.append(
            f"`{request.model}` is not in artisan's image model table, so its options are not "
            f"checked; it is sent as asked.{hint} Describe it in "
            f"{locations.user_image_models_file()} to have it checked."
        )
        return CheckedRequest(request, None, tuple(warnings), today)

    problems = _problems(request, model)
    if problems:
        raise ImageOptionError(" ".join(problems))
    if request.output_format and not model.output_formats:
        # Only the model's own format was asked for (e.g. `-o cat.png` with dall-e-3), and the
        # model takes no `output_format` field: leave it out rather than have it refused.
        request = _replace(request, output_format=None)
    if request.size is not None:
        note = model.size_warning(request.size)
        if note:
            warnings.append(note)
    warnings.extend(_lifecycle_warnings(model, today))
    return CheckedRequest(request, model, tuple(warnings), today)


def _refuse_sd_options(request: ImageRequest, name: str) -> None:
    given = [option for option in SD_OPTIONS if getattr(request, option) is not None]
    if given and request.provider == "openai":
        raise ImageOptionError(
            f"{name} takes no {_words(given[0])}: that is an option of Stable Diffusion servers "
            "(--provider automatic1111 or comfyui)."
        )


def _problems(request: ImageRequest, model: ImageModel) -> list[str]:
    problems = _sd_problems(request, model)
    length = len(request.prompt)
    if length > model.prompt_max:
        problems.append(
            f"The prompt is {length:,} characters long; {model.name} reads at most "
            f"{model.prompt_max:,}. Shorten it, or pick a model that reads longer prompts."
        )
    if not 1 <= request.n <= model.n_max:
        if model.n_max == 1:
            problems.append(f"{model.name} draws one image per request; {request.n} were asked.")
        else:
            problems.append(
                f"{model.name} draws 1 to {model.n_max} images per request; {request.n} were asked."
            )
    if request.size is not None:
        size_problem = model.size_problem(request.size)
        if size_problem:
            problems.append(size_problem)
    for option in _OPTIONS:
        value = getattr(request, option)
        if value is None:
            continue
        problem = _option_problem(model, option, value)
        if problem:
            problems.append(
                f"{model.name} does not accept the {_words(option)} “{value}”: {problem}."
            )
    fmt = request.output_format or model.default_format
    transparent = request.background == "transparent" and "transparent" in model.backgrounds
    if transparent and fmt not in model.transparent_formats:
        allowed = " or ".join(model.transparent_formats) or "none"
        problems.append(
            f"A transparent background needs an output format that keeps it ({allowed}), not {fmt}."
        )
    return problems


def _sd_problems(request: ImageRequest, model: ImageModel) -> list[str]:
    """What a request asks of Stable Diffusion options, edits and previews that the model
    cannot do."""
    problems = []
    for option in SD_OPTIONS:
        if getattr(request, option) is not None and option not in model.options:
            where = (
                "an option of Stable Diffusion servers (--provider automatic1111 or comfyui)"
                if model.provider == "openai"
                else "not an option of its server"
            )
            problems.append(f"{model.name} takes no {_words(option)}: {where}.")
    if request.steps is not None and not 1 <= request.steps <= 150:
        problems.append(f"Steps must be from 1 to 150, not {request.steps}.")
    if request.cfg_scale is not None and not 1 <= request.cfg_scale <= 30:
        problems.append(f"The CFG scale must be from 1 to 30, not {request.cfg_scale:g}.")
    if request.seed is not None and not -1 <= request.seed < 2**32:
        problems.append(f"The seed must be from 0 to {2**32 - 1} (or -1: any), not {request.seed}.")
    if request.inputs and not model.edits:
        problems.append(f"{model.name} does not edit pictures; gpt-image-2 does.")
    elif len(request.inputs) > model.inputs_max:
        problems.append(
            f"{model.name} takes at most {model.inputs_max} pictures per edit; "
            f"{len(request.inputs)} were given."
        )
    if request.mask is not None and not request.inputs:
        problems.append("A mask needs a picture to edit.")
    if request.previews and request.previews > model.previews:
        can = f"at most {model.previews}" if model.previews else "none"
        problems.append(f"{model.name} streams {can} partial images, not {request.previews}.")
    return problems


def _option_problem(model: ImageModel, option: str, value: str) -> str | None:
    """Why `value` is not accepted for `option`, or None when it is."""
    if option == "size":
        return None if model.size_problem(value) is None else f"sizes: {model.describe_sizes()}"
    if option in SD_OPTIONS:
        return None if option in model.options else "an option of Stable Diffusion servers"
    choices = model.choices(option)
    if option == "output_format" and not model.output_formats:
        if value == model.default_format:
            return None
        return f"it returns {model.default_format} images only"
    if value in choices:
        return None
    if not choices:
        if option == "style":
            return "it has no styles; describe the style in the prompt instead"
        return f"it has no {_words(option)} option"
    return "allowed: " + ", ".join(choices)


def _lifecycle_warnings(model: ImageModel, today: date) -> list[str]:
    if model.shutdown is None:
        return []
    instead = f" Use {model.replacement} instead." if model.replacement else ""
    if model.retired(today):
        return [
            f"{model.name} was retired on {model.shutdown.isoformat()}.{instead} It is sent "
            "anyway, since some compatible servers still serve it."
        ]
    days = (model.shutdown - today).days
    if days <= SHUTDOWN_NOTICE_DAYS:
        when = "tomorrow" if days == 1 else f"in {days} days"
        return [f"{model.name} shuts down on {model.shutdown.isoformat()} ({when}).{instead}"]
    return []


def _normalized(request: ImageRequest) -> ImageRequest:
    return _replace(
        request,
        model=request.model.strip(),
        size=None if request.size is None else _normal("size", request.size),
        quality=None if request.quality is None else _normal("quality", request.quality),
        style=None if request.style is None else _normal("style", request.style),
        background=None
        if request.background is None
        else _normal("background", request.background),
        output_format=None
        if request.output_format is None
        else _normal("output_format", request.output_format),
    )


def _normal(option: str, value: str) -> str:
    value = value.strip().lower()
    if option == "size":
        # People type the multiplication sign (U+00D7) too.
        value = value.replace("\u00d7", "x").replace(" ", "")
    if option == "output_format" and value == "jpg":
        value = "jpeg"
    return value


def _replace(request: ImageRequest, **changes: Any) -> ImageRequest:
    return replace(request, **changes)


def _words(option: str) -> str:
    return option.replace("_", " ")

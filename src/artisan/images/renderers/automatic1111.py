"""AUTOMATIC1111's web UI, Forge and SD.Next: `POST /sdapi/v1/txt2img`.

The request carries the prompt and, apart, the negative prompt (the `Negative prompt:` line of a
Stable Diffusion prompt never reaches the positive one), the steps, CFG scale, sampler, size,
seed and number of images; a checkpoint other than the one loaded is asked for with
`override_settings`. While the server draws, `/sdapi/v1/progress` is asked twice a second for
the progress bar; a cancelled render is stopped on the server with `/sdapi/v1/interrupt`. The
answer's `info` (JSON in a string) tells the seed each image was drawn with and the checkpoint,
which go into the images' records. The server's API must be on: start it with `--api`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from artisan.connection import ApiError
from artisan.images.renderers import Choices, ImageServer
from artisan.images.renderers.local import LIST_TIMEOUT, LocalServer
from artisan.images.rendering import ProgressCallback, Rendered, Stage, receive, tell

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images.models import CheckedRequest

PROGRESS_EVERY = 0.5
"""Seconds between two questions about the progress."""


class Automatic1111(LocalServer):
    """Renders on an AUTOMATIC1111-compatible server."""

    provider = "automatic1111"

    def __init__(self, settings: Settings, server: ImageServer) -> None:
        super().__init__(settings, server, " with --api")

    async def render(
        self, checked: CheckedRequest, *, on_progress: ProgressCallback | None = None
    ) -> Rendered:
        request = checked.request
        count = "an image" if request.n == 1 else f"{request.n} images"
        tell(on_progress, Stage.REQUESTING, f"Rendering {count} on {self.name}…")
        drawing = asyncio.ensure_future(
            self.call("POST", "/sdapi/v1/txt2img", body=txt2img_body(checked))
        )
        watching = asyncio.ensure_future(self._watch(on_progress))
        try:
            answer = await drawing
        except asyncio.CancelledError:
            drawing.cancel()
            with contextlib.suppress(ApiError, asyncio.TimeoutError):
                await asyncio.wait_for(self.call("POST", "/sdapi/v1/interrupt", timeout=5), 6)
            raise
        finally:
            watching.cancel()
        return await self._images(answer, checked, on_progress)

    async def choices(self) -> Choices:
        try:
            models = await self.call("GET", "/sdapi/v1/sd-models", timeout=LIST_TIMEOUT)
            samplers = await self.call("GET", "/sdapi/v1/samplers", timeout=LIST_TIMEOUT)
            options = await self.call("GET", "/sdapi/v1/options", timeout=LIST_TIMEOUT)
        except ApiError as error:
            return Choices(problem=error.message)
        current = options.get("sd_model_checkpoint") if isinstance(options, dict) else None
        return Choices(
            models=_names(models, "title"),
            samplers=_names(samplers, "name"),
            current=current if isinstance(current, str) else "",
        )

    async def _watch(self, on_progress: ProgressCallback | None) -> None:
        """Tell how far the drawing is, until cancelled."""
        if on_progress is None:
            return
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            try:
                state = await self.call(
                    "GET", "/sdapi/v1/progress", params={"skip_current_image": "true"}, timeout=5
                )
            except ApiError:
                continue  # the progress is a courtesy; the render itself says what fails
            share = state.get("progress") if isinstance(state, dict) else None
            if isinstance(share, int | float) and 0 < share <= 1:
                percent = round(share * 100)
                tell(on_progress, Stage.DRAWING, f"Drawing… {percent}%", percent, 100)

    async def _images(
        self, answer: Any, checked: CheckedRequest, on_progress: ProgressCallback | None
    ) -> Rendered:
        pictures = answer.get("images") if isinstance(answer, dict) else None
        info = _info(answer.get("info") if isinstance(answer, dict) else None)
        listed = info.get("all_seeds")
        seeds: list[Any] = listed if isinstance(listed, list) else []
        items = []
        for index, picture in enumerate(pictures if isinstance(pictures, list) else []):
            item: dict[str, Any] = {"b64_json": picture}
            if index < len(seeds):
                item["seed"] = seeds[index]
            items.append(item)
        record: dict[str, Any] = {"provider": self.provider}
        for key, field in (
            ("sd_model_name", "model"),
            ("steps", "steps"),
            ("sampler_name", "sampler"),
            ("cfg_scale", "cfg_scale"),
            ("negative_prompt", "negative_prompt"),
        ):
            if info.get(key) not in (None, ""):
                record[field] = info[key]
        return await receive(
            items, checked, server=self.name, on_progress=on_progress, record=record
        )


def txt2img_body(checked: CheckedRequest) -> dict[str, Any]:
    """What `/sdapi/v1/txt2img` is sent for a checked request."""
    request = checked.request
    body: dict[str, Any] = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt or "",
        "batch_size": request.n,
        "n_iter": 1,
        "seed": -1 if request.seed is None else request.seed,
        "send_images": True,
        "save_images": False,
    }
    if request.size and "x" in request.size:
        width, _, height = request.size.partition("x")
        body["width"], body["height"] = int(width), int(height)
    for key, field in (("steps", "steps"), ("cfg_scale", "cfg_scale"), ("sampler", "sampler_name")):
        value = getattr(request, key)
        if value is not None:
            body[field] = value
    if request.model != "automatic1111":
        body["override_settings"] = {"sd_model_checkpoint": request.model}
    return body


def _info(text: Any) -> dict[str, Any]:
    """The answer's `info`: JSON in a string, or nothing usable."""
    if not isinstance(text, str) or len(text) > 1024 * 1024:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _names(listed: Any, key: str) -> tuple[str, ...]:
    if not isinstance(listed, list):
        return ()
    return tuple(
        item[key] for item in listed if isinstance(item, dict) and isinstance(item.get(key), str)
    )

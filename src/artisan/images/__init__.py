"""Rendering prompts with image models: capabilities, rendering, files, the library link, viewing.

- `models`: the capability table and `validate`, which refuses what a model cannot do before
  anything is sent;
- `renderers`: who draws (OpenAI, AUTOMATIC1111, ComfyUI), behind one protocol, picked in one
  place; `rendering`: what every renderer hands back, checked, and the downloads;
- `parameters`: Stable Diffusion's written-down renders (`Negative prompt:`, `Steps: ...`);
- `readback`: the prompt a picture carries in its own metadata;
- `files` and `metadata`: safe file names, atomic writes, metadata inside the file;
- `workflow`: `render_and_record`, the one path the CLI and the app both take, and `batch`,
  which runs it for several prompts at once;
- `prices` and `spending`: what a render costs, before and after, and what was spent;
- `gallery`: the images of an entry or a batch, and their thumbnails;
- `vision`: a picture made ready for a model that describes it;
- `opener`: how to show an image here (system viewer, terminal preview, or nothing).

Importing this package imports neither `openai` nor Pillow nor Textual: the SDK and Pillow are
loaded when the first image is rendered or read. The names below are loaded from their modules
on first use, so `import artisan.images.opener` (which the app does at every start) costs only
that module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "ImageFileError": "files",
    "read_metadata": "files",
    "save_image": "files",
    "slugify": "files",
    "CheckedRequest": "models",
    "ImageModel": "models",
    "ImageModelTable": "models",
    "ImageOptionError": "models",
    "ImageRequest": "models",
    "build_request": "models",
    "load_image_models": "models",
    "validate": "models",
    "ViewChoice": "opener",
    "ViewerError": "opener",
    "choose_viewer": "opener",
    "open_image": "opener",
    "show_image": "opener",
    "DownloadFailed": "rendering",
    "RenderedImage": "rendering",
    "RenderProgress": "rendering",
    "Stage": "rendering",
    "Renderer": "renderers",
    "make_renderer": "renderers",
    "RenderOutcome": "workflow",
    "SavedImage": "workflow",
    "render_and_record": "workflow",
}

__all__ = [
    "CheckedRequest",
    "DownloadFailed",
    "ImageFileError",
    "ImageModel",
    "ImageModelTable",
    "ImageOptionError",
    "ImageRequest",
    "RenderOutcome",
    "RenderProgress",
    "RenderedImage",
    "Renderer",
    "SavedImage",
    "Stage",
    "ViewChoice",
    "ViewerError",
    "build_request",
    "choose_viewer",
    "load_image_models",
    "make_renderer",
    "open_image",
    "read_metadata",
    "render_and_record",
    "save_image",
    "show_image",
    "slugify",
    "validate",
]

if TYPE_CHECKING:
    from artisan.images.files import ImageFileError, read_metadata, save_image, slugify
    from artisan.images.models import (
        CheckedRequest,
        ImageModel,
        ImageModelTable,
        ImageOptionError,
        ImageRequest,
        build_request,
        load_image_models,
        validate,
    )
    from artisan.images.opener import (
        ViewChoice,
        ViewerError,
        choose_viewer,
        open_image,
        show_image,
    )
    from artisan.images.renderers import Renderer, make_renderer
    from artisan.images.rendering import (
        DownloadFailed,
        RenderedImage,
        RenderProgress,
        Stage,
    )
    from artisan.images.workflow import (
        RenderOutcome,
        SavedImage,
        render_and_record,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'artisan.images' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"artisan.images.{home}"), name)
    globals()[name] = value
    return value

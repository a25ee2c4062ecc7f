"""Rendering prompts with image models: capabilities, rendering, files, the library link, viewing.

- `models`: the capability table and `validate`, which refuses what a model cannot do before
  anything is sent;
- `render`: the `images.generate` request and the downloads;
- `files` and `metadata`: safe file names, atomic writes, metadata inside the file;
- `workflow`: `render_and_record`, the one path the CLI and the app both take;
- `opener`: how to show an image here (system viewer, terminal preview, or nothing).

Importing this package imports neither `openai` nor Pillow nor Textual: the SDK and Pillow are
loaded when the first image is rendered or read.
"""

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
from artisan.images.opener import ViewChoice, ViewerError, choose_viewer, open_image, show_image
from artisan.images.render import (
    DownloadFailed,
    RenderedImage,
    RenderProgress,
    Stage,
    render,
)
from artisan.images.workflow import (
    EntryImage,
    RenderOutcome,
    SavedImage,
    list_images,
    render_and_record,
)

__all__ = [
    "CheckedRequest",
    "DownloadFailed",
    "EntryImage",
    "ImageFileError",
    "ImageModel",
    "ImageModelTable",
    "ImageOptionError",
    "ImageRequest",
    "RenderOutcome",
    "RenderProgress",
    "RenderedImage",
    "SavedImage",
    "Stage",
    "ViewChoice",
    "ViewerError",
    "build_request",
    "choose_viewer",
    "list_images",
    "load_image_models",
    "open_image",
    "read_metadata",
    "render",
    "render_and_record",
    "save_image",
    "show_image",
    "slugify",
    "validate",
]

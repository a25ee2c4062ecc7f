"""ComfyUI: a workflow in API format sent to `POST /prompt`, its images fetched when done.

By default the workflow is artisan's own text-to-image one (`data/comfyui-text-to-image.json`:
checkpoint, prompt, negative prompt, sampler, size, decode, save), for the checkpoint asked for or
else the first the server lists (`/object_info/CheckpointLoaderSimple`). `image.workflow` names
the person's own workflow file instead, with the ids of the nodes that take the prompt, the
negative prompt, the seed and the size in `image.workflow_positive`, `_negative`, `_seed` and
`_size`; the rest of it is sent as it is.

The server queues the workflow and answers with its id at once; `GET /history/{id}` is asked
twice a second until the run is there, and each image it saved is fetched with `GET /view`. A
cancelled render is taken off the queue and interrupted (`/queue`, `/interrupt`). ComfyUI needs
a seed: one is drawn when none was asked for, and kept in the image's record.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from artisan import files, locations
from artisan.connection import ApiError, BadRequest, ProtocolError
from artisan.errors import ArtisanError
from artisan.images.renderers import Choices, ImageServer
from artisan.images.renderers.local import LIST_TIMEOUT, LocalServer
from artisan.images.rendering import ProgressCallback, Rendered, Stage, receive, tell

if TYPE_CHECKING:
    from artisan.config import Settings
    from artisan.images.models import CheckedRequest

DEFAULT_WORKFLOW = locations.PACKAGE_DIR / "data" / "comfyui-text-to-image.json"
DEFAULT_NODES = {"positive": "6", "negative": "7", "seed": "3", "size": "5", "checkpoint": "4"}
"""Which node of the default workflow takes what."""
WORKFLOW = files.Limits("a ComfyUI workflow", 4 * files.MIB, 24)
POLL_EVERY = 0.5
DEFAULT_STEPS = 20
DEFAULT_CFG = 7.0
DEFAULT_SAMPLER = "euler"


class WorkflowError(ArtisanError):
    """The person's workflow cannot be used as configured; nothing was sent."""


class ComfyUI(LocalServer):
    """Renders on a ComfyUI server."""

    provider = "comfyui"

    def __init__(self, settings: Settings, server: ImageServer) -> None:
        super().__init__(settings, server, "")
        self.client_id = uuid.uuid4().hex

    async def render(
        self, checked: CheckedRequest, *, on_progress: ProgressCallback | None = None
    ) -> Rendered:
        request = checked.request
        seed = request.seed if request.seed is not None and request.seed >= 0 else None
        seed = secrets.randbelow(2**32) if seed is None else seed
        checkpoint = "" if request.model == "comfyui" else request.model
        if not checkpoint and self.settings.image_workflow is None:
            checkpoint = await self._first_checkpoint()
        workflow = await asyncio.to_thread(self._workflow, checked, seed, checkpoint)
        count = "an image" if request.n == 1 else f"{request.n} images"
        tell(on_progress, Stage.REQUESTING, f"Rendering {count} on {self.name}…")
        posting = asyncio.ensure_future(
            self.call("POST", "/prompt", body={"prompt": workflow, "client_id": self.client_id})
        )
        prompt_id = ""
        try:
            prompt_id = _prompt_id(await asyncio.shield(posting), self.name)
            outputs = await self._wait(prompt_id, on_progress)
        except asyncio.CancelledError:
            # Stopped: take the workflow off the queue, and stop it if it runs (its id may
            # still be on its way back: wait for it a moment).
            with contextlib.suppress(ApiError, asyncio.TimeoutError):
                if not prompt_id:
                    prompt_id = _prompt_id(await asyncio.wait_for(posting, 5), self.name)
                await asyncio.wait_for(self._stop(prompt_id), 6)
            raise
        items = []
        for image in outputs:
            data = await self.call("GET", "/view", params=image, raw=True)
            items.append({"data": data, "seed": seed})
        record: dict[str, Any] = {
            "provider": self.provider,
            "model": checkpoint or request.model,
            "steps": request.steps or DEFAULT_STEPS,
            "cfg_scale": request.cfg_scale or DEFAULT_CFG,
            "sampler": request.sampler or DEFAULT_SAMPLER,
        }
        if self.settings.image_workflow is not None:
            record = {"provider": self.provider}  # the person's workflow says what it used
        return await receive(
            items, checked, server=self.name, on_progress=on_progress, record=record
        )

    async def choices(self) -> Choices:
        try:
            loader = await self.call(
                "GET", "/object_info/CheckpointLoaderSimple", timeout=LIST_TIMEOUT
            )
            sampler = await self.call("GET", "/object_info/KSampler", timeout=LIST_TIMEOUT)
        except ApiError as error:
            return Choices(problem=error.message)
        return Choices(
            models=_options(loader, "CheckpointLoaderSimple", "ckpt_name"),
            samplers=_options(sampler, "KSampler", "sampler_name"),
        )

    async def _first_checkpoint(self) -> str:
        listed = await self.choices()
        if listed.problem:
            raise BadRequest(listed.problem)
        if not listed.models:
            raise BadRequest(
                f"{self.name} lists no checkpoint: put one in its models/checkpoints folder."
            )
        return listed.models[0]

    async def _wait(
        self, prompt_id: str, on_progress: ProgressCallback | None
    ) -> list[dict[str, str]]:
        """The images the run saved, once it is done."""
        started = asyncio.get_running_loop().time()
        while True:
            history = await self.call("GET", f"/history/{prompt_id}", timeout=LIST_TIMEOUT)
            run = history.get(prompt_id) if isinstance(history, dict) else None
            if isinstance(run, dict):
                return self._outputs(run)
            waited = asyncio.get_running_loop().time() - started
            if waited > self.timeout:
                raise ApiError(
                    f"{self.name} did not finish the workflow within {self.timeout:g} seconds."
                )
            tell(on_progress, Stage.DRAWING, "Drawing…")
            await asyncio.sleep(POLL_EVERY)

    def _outputs(self, run: dict[str, Any]) -> list[dict[str, str]]:
        status = run.get("status")
        if isinstance(status, dict) and status.get("status_str") == "error":
            raise BadRequest(f"{self.name} could not run the workflow: {_error(status)}")
        images = []
        outputs = run.get("outputs")
        for output in outputs.values() if isinstance(outputs, dict) else []:
            listed = output.get("images") if isinstance(output, dict) else None
            for image in listed if isinstance(listed, list) else []:
                if isinstance(image, dict) and image.get("type", "output") == "output":
                    images.append(
                        {
                            "filename": str(image.get("filename", "")),
                            "subfolder": str(image.get("subfolder", "")),
                            "type": "output",
                        }
                    )
        return images

    async def _stop(self, prompt_id: str) -> None:
        await self.call("POST", "/queue", body={"delete": [prompt_id]}, timeout=5, raw=True)
        await self.call("POST", "/interrupt", timeout=5, raw=True)

    def _workflow(self, checked: CheckedRequest, seed: int, checkpoint: str) -> dict[str, Any]:
        """The workflow to send, filled in for this request.

        Raises:
            WorkflowError: the person's workflow cannot be read, or lacks a node named in config.
        """
        request = checked.request
        settings = self.settings
        workflow: dict[str, Any]
        if settings.image_workflow is None:
            workflow = files.read_json(DEFAULT_WORKFLOW, WORKFLOW)
            nodes: dict[str, str | None] = dict(DEFAULT_NODES)
        else:
            workflow = _read_workflow(Path(settings.image_workflow).expanduser())
            nodes = {
                "positive": settings.image_workflow_positive,
                "negative": settings.image_workflow_negative,
                "seed": settings.image_workflow_seed,
                "size": settings.image_workflow_size,
            }
            if not nodes["positive"]:
                raise WorkflowError(
                    "image.workflow is set, but not image.workflow_positive: which node takes "
                    "the prompt? (its id in the workflow file)"
                )
        workflow = dict(copy.deepcopy(workflow))
        _set(workflow, nodes.get("positive"), "text", request.prompt)
        _set(workflow, nodes.get("negative"), "text", request.negative_prompt or "")
        seed_node = nodes.get("seed")
        if seed_node:
            inputs = _inputs(workflow, seed_node)
            _set(workflow, seed_node, "noise_seed" if "noise_seed" in inputs else "seed", seed)
            if settings.image_workflow is None:
                _set(workflow, seed_node, "steps", request.steps or DEFAULT_STEPS)
                _set(workflow, seed_node, "cfg", request.cfg_scale or DEFAULT_CFG)
                _set(workflow, seed_node, "sampler_name", request.sampler or DEFAULT_SAMPLER)
        size_node = nodes.get("size")
        if size_node:
            if request.size and "x" in request.size:
                width, _, height = request.size.partition("x")
                _set(workflow, size_node, "width", int(width))
                _set(workflow, size_node, "height", int(height))
            _set(workflow, size_node, "batch_size", request.n)
        if checkpoint:
            for node in workflow.values():
                if isinstance(node, dict) and node.get("class_type") == "CheckpointLoaderSimple":
                    node.setdefault("inputs", {})["ckpt_name"] = checkpoint
        return workflow


def _prompt_id(queued: Any, name: str) -> str:
    prompt_id = queued.get("prompt_id") if isinstance(queued, dict) else None
    if not isinstance(prompt_id, str) or not prompt_id:
        raise ProtocolError(f"{name} queued the workflow without saying its id.")
    return prompt_id


def _read_workflow(path: Path) -> dict[str, Any]:
    try:
        workflow = files.read_json(path, WORKFLOW)
    except FileNotFoundError:
        raise WorkflowError(f"There is no workflow at {path} (image.workflow).") from None
    except files.FileProblem as problem:
        raise WorkflowError(f"The workflow {problem} (image.workflow).") from None
    if not isinstance(workflow, dict) or not all(
        isinstance(node, dict) and "class_type" in node for node in workflow.values()
    ):
        raise WorkflowError(
            f"{path} is not a workflow in API format (nodes by id, each with a class_type): "
            "in ComfyUI, use Workflow → Export (API)."
        )
    return dict(workflow)


def _inputs(workflow: dict[str, Any], node_id: str) -> dict[str, Any]:
    node = workflow.get(node_id)
    if not isinstance(node, dict):
        raise WorkflowError(f"The workflow has no node {node_id!r} (named in the image settings).")
    inputs = node.setdefault("inputs", {})
    if not isinstance(inputs, dict):
        raise WorkflowError(f"The workflow's node {node_id!r} has no inputs.")
    return inputs


def _set(workflow: dict[str, Any], node_id: str | None, key: str, value: Any) -> None:
    if node_id:
        _inputs(workflow, node_id)[key] = value


def _options(info: Any, node: str, name: str) -> tuple[str, ...]:
    """The values a node's input offers, in either of the shapes `/object_info` gives them."""
    try:
        spec = info[node]["input"]["required"][name]
    except (KeyError, TypeError):
        return ()
    listed: Any = spec[0] if isinstance(spec, list) and spec else None
    if listed == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
        listed = spec[1].get("options")
    if not isinstance(listed, list):
        return ()
    return tuple(value for value in listed if isinstance(value, str))


def _error(status: dict[str, Any]) -> str:
    from artisan.connection import quote

    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            detail = message[1] if isinstance(message[1], dict) else {}
            return quote(str(detail.get("exception_message", "")) or "no details")
    return "no details"

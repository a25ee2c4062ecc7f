"""The images section of `artisan doctor`: who renders, where, with what key, and the Stable
Diffusion servers found on this machine.

Kept apart from `doctor.py`'s other sections, which call `gather_images` and `image_lines`.
The renderer's server is asked what it offers (a local one: its checkpoints) with a short
deadline; the key is shown redacted, with where it comes from.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from artisan import config

if TYPE_CHECKING:
    from artisan.clock import Clock
    from artisan.config import Settings

ASK_TIMEOUT = 5.0
"""Seconds the image server gets to say what it offers."""


def gather_images(settings: Settings, clock: Clock) -> tuple[dict[str, Any], list[str]]:
    """The images section as plain data, and the fixes it suggests, as of `clock`'s time."""
    from artisan.discovery import IMAGE_SERVERS, find_local_servers
    from artisan.images import spending
    from artisan.images.renderers import image_server, make_renderer

    server = image_server(settings)
    fixes: list[str] = []
    if settings.image_api_key:
        key_from = settings.sources.get("image_api_key", "image.api_key")
    elif server.api_key:
        key_from = f"the OpenAI key ({settings.sources.get('api_key', 'api_key')})"
    else:
        key_from = "none"
    answer = "not asked"
    if server.provider == "openai":
        if server.name == "OpenAI" and not server.api_key:
            fixes.append(
                "Images render with OpenAI, and no OpenAI key is set: export "
                "OPENAI_API_KEY=sk-..., `artisan config set image.api_key ...`, or render on "
                "your own Stable Diffusion server (`artisan config set image.provider "
                "automatic1111`)."
            )
    else:
        answer = asyncio.run(_ask(make_renderer(settings)))
        if not answer.startswith("answers"):
            fixes.append(f"Images: {answer}")
    found = asyncio.run(find_local_servers(IMAGE_SERVERS))
    for each in found:
        provider = "automatic1111" if each.name == "AUTOMATIC1111" else "comfyui"
        if provider != server.provider:
            fixes.append(
                f"{each.name} is running at {each.base_url}; to render with it: artisan config "
                f"set image.provider {provider} && artisan config set image.base_url "
                f"{each.base_url}"
            )
    from artisan.images.models import load_image_models

    model = load_image_models(clock=clock).default_model(server.provider, settings.image_model)
    if model == server.provider:
        model = "the checkpoint the server has loaded (or lists first)"
    report = {
        "provider": server.provider,
        "server": server.name,
        "base_url": config.redact_url(server.base_url),
        "api_key": config.redact(server.api_key),
        "api_key_source": key_from,
        "model": model,
        "answer": answer,
        "found": [each.to_dict() for each in found],
        "this_month": spending.month_line(settings, clock=clock),
    }
    return report, fixes


async def _ask(renderer: Any) -> str:
    try:
        choices = await asyncio.wait_for(renderer.choices(), ASK_TIMEOUT)
    except TimeoutError:
        return f"{renderer.name} did not answer within {ASK_TIMEOUT:g} seconds."
    finally:
        await renderer.close()
    if choices.problem:
        return str(choices.problem)
    count = len(choices.models)
    return f"answers: {count} checkpoint{'s' if count != 1 else ''}" + (
        f", {choices.current} loaded" if choices.current else ""
    )


def image_lines(report: dict[str, Any]) -> list[str]:
    """The section as `artisan doctor` prints it."""
    lines = ["Images"]
    lines.append(f"  renderer    {report['provider']}: {report['server']}")
    source = "" if report["api_key_source"] == "none" else f" (from {report['api_key_source']})"
    lines.append(f"  key         {report['api_key']}{source}")
    lines.append(f"  model       {report['model']}")
    if report["answer"] != "not asked":
        lines.append(f"  server      {report['answer']}")
    for each in report["found"]:
        lines.append(f"  found       {each['name']} at {each['base_url']}")
    lines.append(f"  spending    {report['this_month']}")
    return lines

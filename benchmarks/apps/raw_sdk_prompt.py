"""The baseline for `artisan prompt IDEA`: the raw openai SDK sending the same request body
(read from a JSON file) and streaming the answer to stdout, flushing each piece.

Usage: python raw_sdk_prompt.py BASE_URL BODY.json
"""

from __future__ import annotations

import asyncio
import json
import sys


async def main(base_url: str, body_file: str) -> None:
    from openai import AsyncOpenAI

    with open(body_file, encoding="utf-8") as handle:
        body = json.load(handle)
    client = AsyncOpenAI(base_url=base_url, api_key="sk-test", max_retries=0)
    stream = await client.chat.completions.create(**body)
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta and choice.delta.content:
                sys.stdout.write(choice.delta.content)
                sys.stdout.flush()
    sys.stdout.write("\n")
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

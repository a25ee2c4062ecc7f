"""The loopback OpenAI server of the test suite in a process of its own, answering every chat
request with one fixed text. It prints its base URL on the first line of stdout and runs until
its stdin is closed (so it never outlives the benchmark that started it).

Usage (from the repository root): python -m benchmarks.apps.fake_server TEXT_FILE
    --delay SECONDS --chunk-words N
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fake_openai import Chat, FakeOpenAI


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("text_file")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--chunk-words", type=int, default=1)
    args = parser.parse_args()
    text = Path(args.text_file).read_text(encoding="utf-8")
    with FakeOpenAI() as server:
        server.default_chat = Chat(text=text, delay=args.delay, chunk_words=args.chunk_words)
        print(server.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()

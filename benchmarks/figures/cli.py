"""Command-line figures: child processes timed from spawn to exit, side by side with their
baselines.

- `artisan library list` with the big library, against the floor of listing it: a Python script
  that reads the cache, stats every entry file and prints one line each;
- `artisan prompt IDEA` end to end against the loopback server (started in this process, which
  is otherwise idle meanwhile), against a script doing the same request with the raw openai SDK.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable

import fake_openai
from benchmarks import budgets, data
from benchmarks.context import Context
from benchmarks.paths import APPS, PYTHON, TEST_KEY, artisan_command, child_env
from benchmarks.results import Row

LIST_FLOOR = """
import json, os, sys
folder = sys.argv[1]
with open(os.path.join(folder, ".index.json"), encoding="utf-8") as handle:
    cache = json.load(handle)
if cache.get("format") != 4:
    sys.exit("the floor script reads .index.json format 4; update it")
rows = cache["files"]
found = []
for item in os.scandir(folder):
    if item.name.endswith(".toml"):
        item.stat()
        row = rows.get(item.name)
        if row is not None:
            found.append(row[5])
found.sort(key=lambda entry: entry[8], reverse=True)
sys.stdout.write("".join(f"{entry[0]}  {entry[1]}\\n" for entry in found))
"""
"""The floor of `library list`: what any program listing the library must do at least (start
Python, read the cache, stat every entry file, print one line each), and nothing else."""
IDEA = "a lonely surfer at dusk, shot on film"


def timed_run(argv: list[str], env: dict[str, str], check: Callable[[str], None]) -> float:
    """Seconds from spawn to exit; `check` validates stdout (a wrong answer is an error)."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} exited {done.returncode}: {done.stderr[-400:]}")
    check(done.stdout)
    return elapsed


def side_by_side(
    ctx: Context,
    label: str,
    runs: int,
    subject: Callable[[], float],
    baseline: Callable[[], float],
) -> tuple[list[float], list[float]]:
    """`runs` pairs after one warm-up pair; the order inside a pair alternates."""
    subject()
    baseline()
    values: list[float] = []
    reference: list[float] = []
    for run in range(runs):
        ctx.log(f"{label}: pair {run + 1}/{runs}")
        if run % 2:
            reference.append(baseline())
            values.append(subject())
        else:
            values.append(subject())
            reference.append(baseline())
    return values, reference


def measure_library_list(ctx: Context) -> list[Row]:
    size = ctx.profile.library_size
    library = ctx.library(size)
    home = ctx.home(library)
    env = child_env(home)

    def lines(stdout: str) -> None:
        count = stdout.count("\n")
        if count != size:
            raise RuntimeError(f"`artisan library list` printed {count} lines for {size} prompts")

    def floor_lines(stdout: str) -> None:
        count = stdout.count("\n")
        if count != size:
            raise RuntimeError(f"the floor script printed {count} lines for {size} prompts")

    def artisan() -> float:
        data.ensure_warm(library)
        return timed_run([*artisan_command(), "library", "list"], env, lines)

    def raw() -> float:
        data.ensure_warm(library)
        return timed_run([PYTHON, "-c", LIST_FLOOR, str(library)], env, floor_lines)

    warm, reference = side_by_side(ctx, "library list", ctx.profile.runs, artisan, raw)
    cold: list[float] = []
    cold_reference: list[float] = []
    for run in range(ctx.profile.cold_runs):
        ctx.log(f"library list: cold run {run + 1}/{ctx.profile.cold_runs}")
        data.make_cold(library)
        cold.append(timed_run([*artisan_command(), "library", "list"], env, lines))
        cold_reference.append(raw())  # the floor needs the cache: it is warm again here
    data.ensure_warm(library)
    figure = f"`artisan library list`, {size:,} prompts"
    label = "floor script"
    return [
        Row(
            id="cli.library_list",
            figure=figure,
            cache="warm",
            values=warm,
            baseline=reference,
            baseline_label=label,
            budget=budgets.LIBRARY_LIST,
            note="floor: Python reading .index.json, stat of every entry file, one line each",
        ),
        Row(
            id="cli.library_list_cold",
            figure=figure,
            cache="cold",
            values=cold,
            baseline=cold_reference,
            baseline_label=label,
        ),
    ]


def measure_prompt(ctx: Context) -> list[Row]:
    fake = fake_openai
    answer = data.long_text(ctx.profile.prompt_words, seed=7)
    home = ctx.home()
    body_file = ctx.work / "prompt-request.json"
    with fake.FakeOpenAI() as server:
        server.default_chat = fake.Chat(text=answer)
        env = child_env(home, OPENAI_BASE_URL=server.url, OPENAI_API_KEY=TEST_KEY)

        def whole_answer(stdout: str) -> None:
            if stdout.strip() != answer:
                raise RuntimeError(f"unexpected answer: {stdout[:200]!r}")

        def artisan() -> float:
            return timed_run([*artisan_command(), "prompt", IDEA], env, whole_answer)

        def raw() -> float:
            return timed_run(
                [PYTHON, str(APPS / "raw_sdk_prompt.py"), server.url, str(body_file)],
                env,
                whole_answer,
            )

        artisan()  # the request artisan sends is the one the baseline replays
        body = server.chat_requests()[-1].body
        body_file.write_text(json.dumps(body), encoding="utf-8")
        values, reference = side_by_side(ctx, "prompt", ctx.profile.runs, artisan, raw)
    return [
        Row(
            id="cli.prompt",
            figure=f"`artisan prompt IDEA` end to end, {ctx.profile.prompt_words}-word answer",
            values=values,
            baseline=reference,
            baseline_label="raw SDK script",
            budget=budgets.PROMPT,
        )
    ]

"""`python -m benchmarks.craft`: score the composer on the labelled ideas.

    python -m benchmarks.craft [--quick] [--ideas FILE ...] [--sample N --sample-seed S]
                               [--failures N] [--markdown]

Exit status: 0 when at least 97% of the prompts pass, 1 below that.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.craft.score import THRESHOLD, Score, load_ideas, sample, score


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.craft")
    parser.add_argument("--quick", action="store_true", help="one seed, no variations")
    parser.add_argument("--sample", type=int, default=0, help="print N prompts drawn at random")
    parser.add_argument("--sample-seed", type=int, default=19)
    parser.add_argument("--failures", type=int, default=10, help="print N failing prompts")
    parser.add_argument(
        "--ideas", type=Path, nargs="+", default=(), help="score these files only (default: all)"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print the scores and the sample as Markdown"
    )
    args = parser.parse_args()
    ideas = load_ideas(*args.ideas)
    started = time.monotonic()
    result = score(ideas, seeds=(1,), variations=0) if args.quick else score(ideas)
    elapsed = time.monotonic() - started
    if args.markdown:
        print(markdown(result, len(ideas), args.sample, args.sample_seed))
        return 0 if result.share >= THRESHOLD else 1
    print(f"{len(ideas)} ideas, {len(result.written)} prompts, {elapsed:.1f} s")
    print(f"passed: {result.share:.1%} (threshold {THRESHOLD:.0%})")
    for key in ("kind", "target"):
        print(f"\nby {key}:")
        for name, (passed, total) in result.by(key).items():
            print(f"  {name:18} {passed / total:7.1%}  ({passed}/{total})")
    print("\nrules broken:", dict(result.rules().most_common()))
    failing = [w for w in result.written if not w.ok]
    for w in failing[: args.failures]:
        print(f"\n[{w.target} seed {w.seed} v{w.variation}] {w.idea.idea}\n  {w.prompt}")
        for failure in w.failures:
            print(f"  ! {failure}")
    if args.sample:
        print(f"\n{args.sample} prompts drawn with seed {args.sample_seed}:")
        for w in sample(result, args.sample, args.sample_seed):
            mark = "ok" if w.ok else "FAIL"
            print(f"\n[{w.target}, {w.idea.kind}, {mark}] {w.idea.idea}\n  {w.prompt}")
    return 0 if result.share >= THRESHOLD else 1


def markdown(result: Score, ideas: int, count: int, seed: int) -> str:
    """The scores per kind and per target, and `count` prompts drawn with `seed`."""
    lines = [
        f"{ideas} ideas, {len(result.written)} prompts: **{result.share:.1%}** pass "
        f"(threshold {THRESHOLD:.0%}).",
        "",
    ]
    for key in ("kind", "target"):
        lines += [f"| {key} | passed | prompts |", "|---|---|---|"]
        for name, (passed, total) in result.by(key).items():
            lines.append(f"| {name} | {passed / total:.1%} | {total} |")
        lines.append("")
    broken = ", ".join(f"{rule} {n}" for rule, n in result.rules().most_common())
    lines += [f"Rules broken: {broken or 'none'}.", ""]
    if count:
        lines += [f"{count} prompts drawn at random (`--sample {count} --sample-seed {seed}`):", ""]
        for n, w in enumerate(sample(result, count, seed), 1):
            verdict = "passes" if w.ok else "fails: " + "; ".join(w.failures)
            lines += [
                f"{n}. *{w.idea.idea}* ({w.idea.kind}, {w.target}, seed {w.seed}, "
                + ("main prompt" if w.variation == 0 else f"variation {w.variation}")
                + f"; {verdict})",
                "",
                "   ```",
                *("   " + line for line in w.prompt.splitlines()),
                "   ```",
                "",
            ]
    return "\n".join(lines)


raise SystemExit(main())

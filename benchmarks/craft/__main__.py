"""`python -m benchmarks.craft`: score the composer on the labelled ideas.

    python -m benchmarks.craft [--quick] [--show N] [--sample N --sample-seed S] [--failures N]

Exit status: 0 when at least 97% of the prompts pass, 1 below that.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.craft.score import THRESHOLD, load_ideas, sample, score


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.craft")
    parser.add_argument("--quick", action="store_true", help="one seed, no variations")
    parser.add_argument("--sample", type=int, default=0, help="print N prompts drawn at random")
    parser.add_argument("--sample-seed", type=int, default=19)
    parser.add_argument("--failures", type=int, default=10, help="print N failing prompts")
    args = parser.parse_args()
    ideas = load_ideas()
    started = time.monotonic()
    result = score(ideas, seeds=(1,), variations=0) if args.quick else score(ideas)
    elapsed = time.monotonic() - started
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


raise SystemExit(main())

"""Reproducible performance measurements of the real artisan program.

`python -m benchmarks` (from the repository root) runs every figure and prints a table; see
`benchmarks/README.md`. artisan never imports anything here; the test suite uses the real
terminal of `benchmarks.terminal` for what only a real terminal shows (handing the screen over
to an editor).
"""

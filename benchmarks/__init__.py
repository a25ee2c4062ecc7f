"""Reproducible performance measurements of the real artisan program.

`python -m benchmarks` (from the repository root) runs every figure and prints a table; see
`benchmarks/README.md`. Nothing here is imported by artisan or by the test suite.
"""

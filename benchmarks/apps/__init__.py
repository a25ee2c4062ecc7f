"""Scripts the benchmarks run as child processes: baselines, the loopback server, workers."""

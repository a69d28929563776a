"""Benchmarks, runnable as modules: `python -m bench.rules_throughput`."""

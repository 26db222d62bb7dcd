"""Benchmarks for 粤复用, run with ``make bench`` (``python -m benchmarks``); not part of the tests.

They start real services (SeaweedFS, the store under uvicorn) and measure what tests cannot
assert reliably: throughput and memory under realistic sizes. See benchmarks/README.md.
"""

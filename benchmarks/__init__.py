"""Benchmarks for 粤复用, run with ``make bench`` (``python -m benchmarks``); not part of the tests.

They start real services (SeaweedFS, Meilisearch, scratch databases, the store as a server) and
measure what tests cannot assert reliably: throughput, latency and memory under realistic sizes.
See benchmarks/README.md.
"""

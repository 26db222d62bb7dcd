"""Adoption unit tests: the rules come from ``store.rules`` (installed by the root conftest)."""

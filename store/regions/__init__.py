"""Regions: the province, its cities and their districts, referenced by GB/T 2260 code."""

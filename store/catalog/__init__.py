"""The catalog: apps, their metadata and life cycle, provincial review, history."""

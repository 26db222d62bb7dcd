"""The Meilisearch engine (see ``_engine.MeiliEngine``)."""

from ._engine import EngineStats, MeiliEngine

__all__ = ["EngineStats", "MeiliEngine"]

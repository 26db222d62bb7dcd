"""Database models and migrations."""

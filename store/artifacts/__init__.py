"""Versions and their files (artifacts), screenshots, downloads."""

"""Operating the store: ``store backup``, ``store restore`` and ``store check``.

Jobs for an operator's shell, run by the CLI; the web app never imports them. They sit with the
features (above ``store.db`` and ``store.lib``) and stream everything: rows in keyset pages,
objects in chunks, storage listings page by page, so memory does not grow with the store.

- ``objects``: the objects the database points to, and the bounded parallel walk over them;
- ``manifest``: the backup's files (``backup.json``, ``manifest.jsonl``, ``objects/``);
- ``database``: ``pg_dump``/``pg_restore`` and SQLite's online backup, emptiness of a target;
- ``backup``, ``restore``, ``check``: the three commands.
"""

"""The one error of the operator jobs: the message says what is wrong and what to do."""

from __future__ import annotations


class OpsError(Exception):
    """A backup, restore or check cannot go on; nothing was changed unless the message says so."""

"""The folder the workers of one server share their metrics through (prometheus_client's
multiprocess mode), prepared by ``store run`` before any worker starts.

prometheus_client decides at import time whether to keep values in files, from the environment
variable ``PROMETHEUS_MULTIPROC_DIR``; so this module must not import it. ``prepare`` sets the
variable in the server process, and the workers inherit it.

The folder is emptied at each start: counters start again from zero with the server, as they
would with one process, and files of workers from an earlier run do not add to the sums. Only the
files prometheus_client writes (``counter_123.db`` …) are removed, so a folder set by mistake to
one that holds anything else loses nothing else.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"
_OUR_FILES = re.compile(r"(counter|gauge_[a-z]+|histogram|summary)_\d+\.db")


def prepare(folder: Path) -> Path:
    """Create ``folder``, remove the metric files of an earlier run and name it in the
    environment for the workers about to start. Call it once, before the server starts."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for entry in folder.iterdir():
        if entry.is_file() and _OUR_FILES.fullmatch(entry.name):
            entry.unlink()
    os.environ[ENV_VAR] = str(folder)
    return folder

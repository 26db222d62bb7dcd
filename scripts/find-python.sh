#!/usr/bin/env bash
# Print the path of a CPython the store can run on (3.12 or newer), or nothing and exit 1.
#
# Why not just `python3`: under CPython 3.11 (3.11.2 and 3.11.7 tried) the server segfaults within
# seconds of concurrent requests to the catalog (see README, "Which Python"). Looked for, in order:
# python3.12 then python3.13 on PATH, pyenv's 3.12.x then 3.13.x (newest patch release first),
# then python3 if it is new enough. 3.12 comes first because it is what the suite, the benchmarks
# and the Docker image run on. The Makefile calls this unless PYTHON= is given.
set -euo pipefail

PYENV_VERSIONS="${PYENV_ROOT:-$HOME/.pyenv}/versions"

new_enough() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

candidates=()
for name in python3.12 python3.13; do
  if path="$(command -v "$name" 2>/dev/null)"; then
    candidates+=("$path")
  fi
done
# pyenv's versions: 3.12 before 3.13, each newest patch first (sort -V orders 3.12.10 after 3.12.9)
if [ -d "$PYENV_VERSIONS" ]; then
  for minor in 3.12 3.13; do
    while IFS= read -r dir; do
      candidates+=("$dir/bin/python3")
    done < <(find "$PYENV_VERSIONS" -mindepth 1 -maxdepth 1 -name "$minor.*" | sort -rV)
  done
fi
if path="$(command -v python3 2>/dev/null)"; then
  candidates+=("$path")
fi

for python in "${candidates[@]}"; do
  if [ -x "$python" ] && new_enough "$python"; then
    echo "$python"
    exit 0
  fi
done
exit 1

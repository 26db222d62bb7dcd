#!/usr/bin/env bash
# Install the pinned front-end libraries into static/vendor/ (git-ignored).
#
# Usage: scripts/install-assets.sh [--test]
#
# --test also installs what only the browser tests use (axe-core) into tests/e2e/vendor/
# (git-ignored), never into static/: the store does not serve it and the image does not ship it.
#
# Each library is fetched from the npm registry with `npm pack` (no node_modules, no lockfile),
# its tarball checked against the SHA-256 pinned below and kept in
#   ${STORE_CACHE_DIR:-$HOME/.cache/yue-store}/npm/
# and the one file the app serves is copied out of it. Idempotent: a file already in
# static/vendor/ with the pinned SHA-256 is left alone, so a second run does no network I/O.
set -euo pipefail

# ---- pins -------------------------------------------------------------------------------------
# npm spec | sha256 of the npm tarball | file inside the package | name in static/vendor | sha256 of that file
ASSETS=(
  "htmx.org@2.0.11|165a2655073e9e6e55e307a7c74e8ebcdb76afb7701f9c16cfd106a13add408e|dist/htmx.min.js|htmx.min.js|d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
  "@picocss/pico@2.1.1|4affbb56f49df6d5325610b06762156f1dcdbc6ef57cea5c136d7e8a00a8cd24|css/pico.min.css|pico.min.css|fbc9a63fc9fc9f72d12fd7fc9806e11fa9f77ae4f9cad146b27003a1119ba3db"
  "swagger-ui-dist@5.31.0|aaa99e75e9195df28679e7de0471f9105ffca237ede301822a2f4cb0fe72b9e5|swagger-ui-bundle.js|swagger-ui-bundle.js|93b7b0862a80e2786f85b560be7693c2344354ffa7e7e224f850a54349724c31"
  "swagger-ui-dist@5.31.0|aaa99e75e9195df28679e7de0471f9105ffca237ede301822a2f4cb0fe72b9e5|swagger-ui.css|swagger-ui.css|9e576f8322132c76949da47f9bb53c891373c303ea3a761ff548ffc9de50a98c"
  "swagger-ui-dist@5.31.0|aaa99e75e9195df28679e7de0471f9105ffca237ede301822a2f4cb0fe72b9e5|swagger-ui-standalone-preset.js|swagger-ui-standalone-preset.js|5ed085e194083a3afeb8143658e1f266665519dddfc6224c8b706acd4e80f924"
  "echarts@6.1.0|681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481|dist/echarts.min.js|echarts.min.js|b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"
)
# The same, for the browser tests only (installed with --test into tests/e2e/vendor/).
TEST_ASSETS=(
  "axe-core@4.14.1|e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745|axe.min.js|axe.min.js|29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
)
# ------------------------------------------------------------------------------------------------

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$REPO_ROOT/static/vendor"
TEST_VENDOR="$REPO_ROOT/tests/e2e/vendor"
CACHE="${STORE_CACHE_DIR:-$HOME/.cache/yue-store}"
NPM_CACHE="$CACHE/npm"

die() { printf 'install-assets: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'install-assets: %s\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
sha_ok() { [[ -f $1 ]] && [[ "$(sha256_of "$1")" == "$2" ]]; }

WITH_TEST=
case "${1:-}" in
  "") ;;
  --test) WITH_TEST=1 ;;
  -h | --help) sed -n 's/^# \{0,1\}//; /^Usage:/p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "the only argument is --test (got '$1')" ;;
esac

SCRATCH_DIRS=()
cleanup() { local d; for d in "${SCRATCH_DIRS[@]}"; do rm -rf -- "$d"; done; }
trap cleanup EXIT

# npm's tarball name for a package: @scope/name@1.2.3 -> scope-name-1.2.3.tgz
tarball_name() {
  local spec="$1" name version
  name="${spec%@*}"
  version="${spec##*@}"
  name="${name#@}"
  printf '%s-%s.tgz\n' "${name//\//-}" "$version"
}

# fetch_tarball SPEC SHA256: make sure $NPM_CACHE/<tarball> exists and verifies.
fetch_tarball() {
  local spec="$1" want="$2" cached
  cached="$NPM_CACHE/$(tarball_name "$spec")"
  sha_ok "$cached" "$want" && return 0
  command -v npm >/dev/null 2>&1 ||
    die "npm is not installed; it is needed to fetch $spec (apt-get install npm, or install Node.js)"
  note "fetching $spec with npm pack"
  mkdir -p "$NPM_CACHE"
  local tmp tarball got
  tmp="$(mktemp -d "$NPM_CACHE/.tmp.XXXXXX")"
  SCRATCH_DIRS+=("$tmp")
  (cd "$tmp" && npm pack --silent --pack-destination "$tmp" "$spec" >/dev/null) ||
    die "npm pack $spec failed"
  tarball="$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)"
  [[ -n $tarball ]] || die "npm pack $spec produced no tarball"
  got="$(sha256_of "$tarball")"
  [[ $got == "$want" ]] || die "checksum mismatch for $spec tarball: expected $want, got $got"
  mv -f -- "$tarball" "$cached"
}

# install_asset VENDOR_DIR ENTRY: one pinned entry of the tables above into VENDOR_DIR.
install_asset() {
  local vendor="$1" entry="$2" spec tar_sha inner name file_sha dest tmp got
  IFS='|' read -r spec tar_sha inner name file_sha <<<"$entry"
  mkdir -p "$vendor"
  dest="$vendor/$name"
  if ! sha_ok "$dest" "$file_sha"; then
    fetch_tarball "$spec" "$tar_sha"
    tmp="$(mktemp -d "$vendor/.tmp.XXXXXX")"
    SCRATCH_DIRS+=("$tmp")
    tar -xzmf "$NPM_CACHE/$(tarball_name "$spec")" -C "$tmp" "package/$inner" ||
      die "$spec has no $inner"
    got="$(sha256_of "$tmp/package/$inner")"
    [[ $got == "$file_sha" ]] || die "checksum mismatch for $inner in $spec: expected $file_sha, got $got"
    chmod 0644 "$tmp/package/$inner"
    mv -f -- "$tmp/package/$inner" "$dest"
  fi
  printf '%-16s %-8s %s\n' "${spec%@*}" "${spec##*@}" "${dest#"$REPO_ROOT/"}"
}

for entry in "${ASSETS[@]}"; do install_asset "$VENDOR" "$entry"; done
if [[ -n $WITH_TEST ]]; then
  for entry in "${TEST_ASSETS[@]}"; do install_asset "$TEST_VENDOR" "$entry"; done
fi

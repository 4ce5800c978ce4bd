# Shared by Headroom's scripts: where things are, and idempotent installs of every tool.
# Each ensure_* function checks first and installs only what is missing or at the wrong version.
# Every check here must survive `set -euo pipefail` on a machine that has none of the tools yet:
# no `$(tool | filter)` without a fallback, no grep whose empty result ends the script.
# scripts/fresh-machine proves it, in a simulated new machine, at the start of scripts/test.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$ROOT/node_modules/.bin:$CARGO_BIN:$PATH"
TRUNK_SERIES="0.21"
# Building and serving needs Node.js for the post-build hook (esbuild 0.28 wants 18); the
# end-to-end tests run `node --test --test-concurrency=1 --test-reporter=spec`, and
# --test-concurrency arrived in Node.js 20.10.
NODE_MIN_BUILD="18.0"
NODE_MIN_TESTS="20.10"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Minutes and seconds, for the install steps' timings.
duration() { printf '%dm %02ds' $(($1 / 60)) $(($1 % 60)); }

# Runs one install step, announcing it and saying how long it took.
installing() {
  local what="$1" started=$SECONDS
  shift
  say "Installing $what"
  "$@"
  say "Installed $what in $(duration $((SECONDS - started)))"
}

# The second word of the first line `TOOL --version` prints ("trunk 0.21.14" gives 0.21.14),
# or nothing when TOOL is missing or fails. No pipeline: a missing tool must not end the script.
tool_version() {
  local out _name version _rest
  out="$("$1" --version 2>/dev/null)" || return 0
  read -r _name version _rest <<<"$out" || true
  printf '%s' "${version:-}"
}

# Whether dotted version $1 is at least $2 (a leading "v" is ignored: node prints v20.10.0).
version_at_least() {
  local have="${1#v}" want="${2#v}" h w i
  IFS=. read -r -a h <<<"$have"
  IFS=. read -r -a w <<<"$want"
  for i in 0 1 2; do
    if [ "${h[i]:-0}" -gt "${w[i]:-0}" ] 2>/dev/null; then return 0; fi
    if [ "${h[i]:-0}" -lt "${w[i]:-0}" ] 2>/dev/null; then return 1; fi
  done
  return 0
}

# Which system this is, for installs through a package manager: debian, ubuntu, macos or other.
# Ubuntu ships Chromium only as a snap, so it is told apart from Debian. HEADROOM_OS_RELEASE
# stands in for /etc/os-release in scripts/fresh-machine.
platform() {
  if [ "$(uname)" = Darwin ]; then echo macos; return; fi
  local id="" id_like=""
  local release="${HEADROOM_OS_RELEASE:-/etc/os-release}"
  if [ -r "$release" ]; then
    id="$(awk -F= '$1 == "ID" { gsub(/"/, "", $2); print $2 }' "$release")"
    id_like="$(awk -F= '$1 == "ID_LIKE" { gsub(/"/, "", $2); print $2 }' "$release")"
  fi
  case " $id $id_like " in
    *" ubuntu "*) echo ubuntu ;;
    *" debian "*) echo debian ;;
    *) echo other ;;
  esac
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"
  fi
}

# Installs Debian packages, or says what to install by hand elsewhere.
apt_install() {
  local why="$1"
  shift
  if [ "$(platform)" != debian ]; then
    die "$why: install $* yourself (the scripts install them only on Debian), then run again"
  fi
  as_root apt-get update -qq
  as_root apt-get install -y -qq "$@"
}

# The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust() {
  command -v cargo >/dev/null && command -v rustup >/dev/null && return
  die "cargo and rustup are needed: install Rust with rustup (https://rustup.rs), then run again"
}

ensure_wasm_target() {
  ensure_rust
  local installed
  installed="$(rustup target list --installed)"
  case $'\n'"$installed"$'\n' in *$'\n'wasm32-unknown-unknown$'\n'*) return ;; esac
  installing "the wasm32-unknown-unknown target" rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
  ensure_rust
  local have
  have="$(tool_version trunk)"
  case "$have" in "$TRUNK_SERIES".*) return ;; esac
  # trunk 0.22 needs a newer rustc than this toolchain; 0.21 builds with --locked.
  installing "trunk $TRUNK_SERIES.x (had: ${have:-none}; 10 to 15 minutes on 2 cores)" \
    cargo install trunk --version "~$TRUNK_SERIES" --locked
}

ensure_wasm_bindgen_cli() {
  ensure_rust
  [ -f "$ROOT/Cargo.lock" ] || (cd "$ROOT" && cargo generate-lockfile)
  local want have
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  have="$(tool_version wasm-bindgen)"
  if [ "$have" = "$want" ] && command -v wasm-bindgen-test-runner >/dev/null; then return; fi
  # Without --locked: its lock file pins a crate version the registry no longer serves.
  installing "wasm-bindgen-cli $want to match Cargo.lock (had: ${have:-none}; about 4 minutes)" \
    cargo install wasm-bindgen-cli --version "$want" --force
}

# Node.js at least $1 (default: what a build needs). Installed with apt when missing on Debian;
# a version that is too old is never replaced behind the user's back.
ensure_node() {
  local need="${1:-$NODE_MIN_BUILD}" have
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    installing "Node.js and npm" apt_install "Node.js $need or newer is needed" nodejs npm
  fi
  have="$(node --version 2>/dev/null || true)"
  version_at_least "${have:-0}" "$need" && return
  die "Node.js ${have:-(unknown version)} is too old: Headroom needs $need or newer" \
    "(the tests run node --test --test-concurrency). Install a newer one, for example from" \
    "https://nodejs.org or with nvm, put it first on PATH, and run again"
}

# What the node packages were installed from: package-lock.json's checksum and this system.
node_packages_stamp() { printf '%s %s\n' "$(cksum <"$ROOT/package-lock.json")" "$(uname -sm)"; }

npm_ci() { (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error); }

# binaryen (wasm-opt 132), esbuild, playwright-core and axe-core, from package-lock.json.
# `npm ci` writes a stamp of the lock file it installed; a changed lock file installs again.
ensure_node_packages() {
  ensure_node "${1:-$NODE_MIN_BUILD}"
  local stamp="$ROOT/node_modules/.headroom-installed"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(node_packages_stamp)" ] &&
    command -v wasm-opt >/dev/null && command -v esbuild >/dev/null; then
    return
  fi
  installing "node packages from package-lock.json" npm_ci
  node_packages_stamp >"$stamp"
}

# Chromium and ChromeDriver, at $CHROMIUM and $CHROMEDRIVER or found on PATH.
chromium_found() {
  CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
  CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
  export CHROMIUM CHROMEDRIVER
  [ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] && [ -n "$CHROMEDRIVER" ] && [ -x "$CHROMEDRIVER" ]
}

ensure_chromium() {
  chromium_found && return
  if [ -n "$CHROMIUM" ] && [ ! -x "$CHROMIUM" ]; then die "CHROMIUM=$CHROMIUM is not a program"; fi
  if [ -n "$CHROMEDRIVER" ] && [ ! -x "$CHROMEDRIVER" ]; then
    die "CHROMEDRIVER=$CHROMEDRIVER is not a program"
  fi
  if [ "$(platform)" = ubuntu ]; then
    die "Ubuntu ships Chromium as a snap: run 'sudo snap install chromium', then run again with" \
      "CHROMIUM=/snap/bin/chromium CHROMEDRIVER=/snap/bin/chromium.chromedriver"
  fi
  installing "Chromium and ChromeDriver" \
    apt_install "Chromium and a ChromeDriver of the same version are needed for the tests" \
    chromium chromium-driver
  CHROMIUM="" CHROMEDRIVER=""
  chromium_found || die "Chromium was installed, but chromium and chromedriver are not on PATH"
}

ensure_python3() {
  command -v python3 >/dev/null && return
  installing "Python 3" apt_install "python3 is needed (scripts/size-report)" python3
}

ensure_shellcheck() {
  command -v shellcheck >/dev/null && return
  installing "ShellCheck" apt_install "shellcheck is needed (the scripts' lint)" shellcheck
}

# Everything a release build needs.
ensure_build_tools() {
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen_cli
  ensure_node_packages "$NODE_MIN_BUILD"
  ensure_python3
}

# Everything scripts/test needs, on top of a build.
ensure_test_tools() {
  ensure_node "$NODE_MIN_TESTS"
  ensure_build_tools
  ensure_chromium
  ensure_shellcheck
}

# The release dist/, rebuilt only when trunk sees a change (cargo's incremental cache does the rest).
build_release() {
  ensure_build_tools
  say "Building the release dist/"
  (cd "$ROOT" && cargo fetch --quiet && trunk build --release --offline)
}

# The tests passed in a log: the sum of cargo's and wasm-bindgen-test-runner's "test result: ok.
# N passed" lines, and the count node's spec reporter ends with ("ℹ pass 38"). 0 when there is
# none, so that the caller's "no test ran" check can fire.
cargo_passed() {
  awk '/test result: ok\. [0-9]+ passed/ { for (i = 1; i < NF; i++) if ($i == "ok.") s += $(i + 1) }
    END { print s + 0 }' "$1"
}
node_passed() { awk '$1 ~ /^(ℹ|#)$/ && $2 == "pass" { n = $3 } END { print n + 0 }' "$1"; }

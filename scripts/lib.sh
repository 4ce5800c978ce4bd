# Shared by Headroom's scripts: where things are, and idempotent installs of every tool.
# Each ensure_* function checks first and installs only what is missing or at the wrong version.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TRUNK_SERIES="0.21"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM CHROMEDRIVER

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"
  fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

ensure_trunk() {
  if trunk --version 2>/dev/null | grep -q "^trunk $TRUNK_SERIES\."; then return; fi
  say "Installing trunk $TRUNK_SERIES.x (about 7 minutes on 2 cores)"
  # trunk 0.22 needs a newer rustc than this toolchain; 0.21 builds with --locked.
  cargo install trunk --version "~$TRUNK_SERIES" --locked
}

ensure_wasm_bindgen_cli() {
  [ -f "$ROOT/Cargo.lock" ] || (cd "$ROOT" && cargo generate-lockfile)
  local want have
  want="$(wasm_bindgen_version)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
  if [ "$have" = "$want" ] && command -v wasm-bindgen-test-runner >/dev/null; then return; fi
  say "Installing wasm-bindgen-cli $want to match Cargo.lock (had: ${have:-none})"
  # Without --locked: its lock file pins a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return
  if [ "$(uname)" = Darwin ]; then die "install Node.js 18 or newer (brew install node), then run again"; fi
  say "Installing Node.js and npm (apt)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq nodejs npm
}

# Whether node_modules holds every package package-lock.json asks for, at its version (npm
# records what it installed in node_modules/.package-lock.json). Packages built for another
# system (esbuild's binaries for each platform) are never installed, so they do not count.
node_packages_current() {
  [ -f "$ROOT/node_modules/.package-lock.json" ] || return 1
  (cd "$ROOT" && node -e '
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
    const fits = (p) => (!p.os || p.os.includes(process.platform)) && (!p.cpu || p.cpu.includes(process.arch));
    const stale = Object.keys(want).filter((k) => k !== "" && fits(want[k]) && have[k]?.version !== want[k].version);
    process.exit(stale.length ? 1 : 0);
  ')
}

# binaryen (wasm-opt 132), esbuild, playwright-core and axe-core, from package-lock.json.
ensure_node_packages() {
  ensure_node
  if node_packages_current && command -v wasm-opt >/dev/null; then
    return
  fi
  say "Installing node packages from package-lock.json"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

ensure_chromium() {
  if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; then return; fi
  if [ "$(uname)" = Darwin ]; then
    die "install Chromium and its driver (brew install --cask chromium chromedriver), then run with CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium CHROMEDRIVER=\$(command -v chromedriver)"
  fi
  say "Installing Chromium and ChromeDriver (apt)"
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium chromium-driver
}

# Everything a release build needs.
ensure_build_tools() {
  ensure_wasm_target
  ensure_trunk
  ensure_wasm_bindgen_cli
  ensure_node_packages
}

# The release dist/, rebuilt only when trunk sees a change (cargo's incremental cache does the rest).
build_release() {
  ensure_build_tools
  say "Building the release dist/"
  (cd "$ROOT" && cargo fetch --quiet && trunk build --release --offline)
}

#!/usr/bin/env bash
# Shared helpers of scripts/run and scripts/test: install what a fresh machine lacks,
# idempotently (seconds when everything is present), at versions that build on Rust 1.95.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_LEPTOS_VERSION="0.3.10"
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen version pinned with `=` in Cargo.toml, as resolved in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  # LTO off: the tools build in ~12 min instead of ~28 on two cores, and run the same.
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (takes 10-30 minutes once)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  local wbg
  wbg="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    log "cargo install wasm-bindgen-cli $wbg (takes ~7 minutes once)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install wasm-bindgen-cli --version "$wbg" --locked
  fi
  if [ ! -x "$ROOT/node_modules/.bin/wasm-opt" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "npm ci (wasm-opt from npm binaryen, playwright-core)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Prints the path of promtool, unpacked from Debian's prometheus package into the cache
# (downloaded, not installed: no Prometheus service is set up or started).
fetch_promtool() {
  local dir="$HOME/.cache/merchant-dashboard/promtool"
  if [ ! -x "$dir/usr/bin/promtool" ]; then
    log "promtool from Debian's prometheus package"
    mkdir -p "$dir"
    (
      cd "$dir"
      apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }
      dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb
    ) >&2
  fi
  echo "$dir/usr/bin/promtool"
}

# Starts a throwaway PostgreSQL 15 cluster owned by the `postgres` system user (PostgreSQL
# refuses to run as root) on a free port; sets PG_TMP and TEST_POSTGRES_URL. Call
# stop_postgres from an EXIT trap. Tests skip flushing to disk (fsync=off) for speed;
# `start_postgres durable` keeps PostgreSQL's default, for benchmarks of durable writes.
start_postgres() {
  local bin=/usr/lib/postgresql/15/bin fsync=off
  [ "${1:-}" = durable ] && fsync=on
  [ -x "$bin/initdb" ] || apt_install postgresql-15
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  PG_TMP="$(mktemp -d /tmp/dashboard-pg.XXXXXX)"
  chown postgres:postgres "$PG_TMP"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  runuser -u postgres -- "$bin/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=300" start >/dev/null
  export PG_PORT="$port"
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  log "throwaway PostgreSQL on port $port"
}

stop_postgres() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}

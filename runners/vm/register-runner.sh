#!/usr/bin/env bash
# Registers this Ubuntu VM as a self-hosted GitHub Actions runner for one fleet pool and runs it
# as a systemd service. Idempotent: a runner already configured here is left as it is (the
# service is installed and started if needed). Run as root (it creates the runner user).
#
#   export RUNNER_REGISTRATION_TOKEN=...   # from: gh api -X POST repos/OWNER/REPO/actions/runners/registration-token --jq .token
#   sudo --preserve-env=RUNNER_REGISTRATION_TOKEN ./register-runner.sh \
#     --url https://github.com/OWNER/REPO --pool vm --labels self-hosted,linux,x64,fleet-vm [--name vm-1] [--dry-run]
#
# The token is read from the environment only: never from an argument, a file or a URL, and it
# is handed to config.sh through the environment (ACTIONS_RUNNER_INPUT_TOKEN), so it never shows
# in `ps` either.
set -euo pipefail

RUNNER_VERSION_DEFAULT=2.329.0
usage() {
  cat <<'USAGE'
usage: register-runner.sh --url URL --pool NAME --labels L1,L2 [options]
  --url URL          repository or organization URL (https://github.com/OWNER/REPO)
  --pool NAME        fleet pool name (from .github/fleet.yml)
  --labels LIST      comma-separated runner labels; must include the pool's runsOn labels
  --name NAME        runner name (default: <hostname>-<pool>)
  --user USER        system user the runner runs as (default: fleet-runner)
  --dir DIR          install directory (default: /opt/actions-runner/<name>)
  --version X.Y.Z    runner version (default: 2.329.0)
  --sha256 HEX       expected SHA-256 of the runner tarball (recommended)
  --runner-group G   runner group (organization runners)
  --dry-run          print what would be done, change nothing
environment:
  RUNNER_REGISTRATION_TOKEN   registration token (required unless --dry-run)
USAGE
}

url='' pool='' labels='' name='' user='fleet-runner' dir='' version="$RUNNER_VERSION_DEFAULT" sha256='' group='' dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url=${2:?--url needs a value}; shift 2 ;;
    --pool) pool=${2:?--pool needs a value}; shift 2 ;;
    --labels) labels=${2:?--labels needs a value}; shift 2 ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --user) user=${2:?--user needs a value}; shift 2 ;;
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --sha256) sha256=${2:?--sha256 needs a value}; shift 2 ;;
    --runner-group) group=${2:?--runner-group needs a value}; shift 2 ;;
    --token|--token=*) echo "error: the token is read from RUNNER_REGISTRATION_TOKEN only, never from an argument" >&2; exit 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

fail() { echo "error: $*" >&2; exit 2; }
[ -n "$url" ] || fail "--url is required (https://github.com/OWNER/REPO)"
[[ "$url" =~ ^https://[^/@[:space:]]+/[^@[:space:]]+$ ]] || fail "--url must be https://HOST/OWNER[/REPO] without credentials"
[ -n "$pool" ] || fail "--pool is required"
[[ "$pool" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] || fail "--pool must be letters, digits, ., _ or -"
[ -n "$labels" ] || fail "--labels is required (the pool's runsOn labels)"
[[ "$labels" =~ ^[A-Za-z0-9._-]+(,[A-Za-z0-9._-]+)*$ ]] || fail "--labels must be a comma-separated list of labels"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version must look like 2.329.0"
[[ "$user" =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || fail "--user must be a valid user name"
[ -n "$name" ] || name="$(hostname -s)-$pool"
[[ "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || fail "--name must be letters, digits, ., _ or - (at most 64)"
[ -n "$dir" ] || dir="/opt/actions-runner/$name"
if [ "$dry_run" = 0 ]; then
  [ -n "${RUNNER_REGISTRATION_TOKEN:-}" ] || fail "RUNNER_REGISTRATION_TOKEN is not set (gh api -X POST repos/OWNER/REPO/actions/runners/registration-token --jq .token)"
  [ "$(id -u)" = 0 ] || fail "run as root (sudo --preserve-env=RUNNER_REGISTRATION_TOKEN $0 ...)"
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) fail "unsupported architecture $(uname -m)" ;;
esac
tarball="actions-runner-linux-${arch}-${version}.tar.gz"
download="https://github.com/actions/runner/releases/download/v${version}/${tarball}"

# Prints the step; runs it unless --dry-run.
step() {
  printf '+ %s\n' "$*"
  if [ "$dry_run" = 0 ]; then "$@"; fi
}

echo "runner $name for pool $pool with labels $labels in $dir (as $user)"

if id "$user" >/dev/null 2>&1; then
  echo "= user $user exists"
else
  step useradd --system --create-home --shell /bin/bash "$user"
fi

if [ -x "$dir/config.sh" ]; then
  echo "= runner $version files present in $dir"
else
  step mkdir -p "$dir"
  step curl -fsSL --retry 3 -o "$dir/$tarball" "$download"
  if [ -n "$sha256" ]; then
    printf '+ echo "%s  %s" | sha256sum -c -\n' "$sha256" "$dir/$tarball"
    if [ "$dry_run" = 0 ]; then echo "$sha256  $dir/$tarball" | sha256sum -c - >/dev/null; fi
  else
    echo "warning: no --sha256 given; the tarball is not verified" >&2
  fi
  step tar -xzf "$dir/$tarball" -C "$dir"
  step rm -f "$dir/$tarball"
  step "$dir/bin/installdependencies.sh"
  step chown -R "$user:$user" "$dir"
fi

# config.sh gives every runner self-hosted, linux and its architecture; --labels adds the rest.
custom_labels=$(printf '%s' "$labels" | tr ',' '\n' | grep -viE '^(self-hosted|linux|x64|arm64)$' | paste -sd, - || true)

if [ -f "$dir/.runner" ]; then
  echo "= already registered ($dir/.runner exists); to re-register, run ./config.sh remove first"
else
  config=(./config.sh --unattended --url "$url" --name "$name" --work _work --replace)
  [ -n "$custom_labels" ] && config+=(--labels "$custom_labels")
  [ -n "$group" ] && config+=(--runnergroup "$group")
  printf '+ cd %s && ACTIONS_RUNNER_INPUT_TOKEN=*** sudo -u %s %s\n' "$dir" "$user" "${config[*]}"
  if [ "$dry_run" = 0 ]; then
    (cd "$dir" && ACTIONS_RUNNER_INPUT_TOKEN="$RUNNER_REGISTRATION_TOKEN" sudo --preserve-env=ACTIONS_RUNNER_INPUT_TOKEN -u "$user" "${config[@]}")
  fi
fi

service_name=""
if [ -f "$dir/.service" ]; then service_name=$(cat "$dir/.service"); fi
if [ -n "$service_name" ] && systemctl cat "$service_name" >/dev/null 2>&1; then
  echo "= service $service_name installed"
else
  printf '+ cd %s && ./svc.sh install %s\n' "$dir" "$user"
  if [ "$dry_run" = 0 ]; then (cd "$dir" && ./svc.sh install "$user"); fi
fi
printf '+ cd %s && ./svc.sh start\n' "$dir"
if [ "$dry_run" = 0 ]; then (cd "$dir" && ./svc.sh start); fi
echo "done: runner $name serves runs-on: [$labels]"

#!/usr/bin/env bash
# Container smoke test: builds the orchestrator's image from ./Dockerfile with podman, runs it
# against this machine's PostgreSQL and Redis, and checks what a first deployment meets:
#   - the image's own HEALTHCHECK reports healthy;
#   - the server process runs as a non-root user;
#   - `fleet migrate` and `fleet plan check` work inside the image.
#
# No container registry is reachable where this runs, so the base image the Dockerfile names
# (node:20-bookworm-slim) is built locally once: a minimal Debian bookworm from Debian's own
# packages (debootstrap) plus this machine's Node 20 and npm. Nothing else leaves the machine
# but Debian's mirror (debootstrap) and npm's registry (npm ci inside the build).
#
# Environment (all optional):
#   DATABASE_URL   Postgres the container uses   (default postgres://postgres@127.0.0.1:5432/test)
#   REDIS_URL      Redis the container uses      (default redis://127.0.0.1:6379)
#   SMOKE_PORT     port the container listens on (default: a free one)
#   SMOKE_IMAGE    tag of the image built        (default localhost/fleet-orchestrator:smoke)
#   SMOKE_KEEP=1   leave the container running for a look afterwards
#   SMOKE_STORAGE_ROOT  a separate podman image store (a from-scratch run, as in a fresh CI)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=node:20-bookworm-slim
IMAGE=${SMOKE_IMAGE:-localhost/fleet-orchestrator:smoke}
DB_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
REDIS=${REDIS_URL:-redis://127.0.0.1:6379}
# A throwaway schema and Redis prefix per run: the test suite's data is never touched.
RUN_ID="smoke_$(date +%s)_$$"
SCHEMA="fleet_${RUN_ID}"
PREFIX="fleet-smoke:${RUN_ID}:"
STARTED=$SECONDS

log() { printf '\n== [%3ss] %s\n' "$((SECONDS - STARTED))" "$*"; }
fail() { printf '\nSMOKE FAILED: %s\n' "$*" >&2; exit 1; }

# Whatever this run started goes away however it ends (SMOKE_KEEP=1 keeps the containers).
containers=()
base_root=""
cleanup() {
  local c
  if [ -n "$base_root" ]; then rm -rf --one-file-system "$base_root"; fi
  for c in "${containers[@]}"; do
    if [ "${SMOKE_KEEP:-}" = 1 ]; then echo "kept container $c"; continue; fi
    podman rm -f -v -t 2 "$c" >/dev/null 2>&1 || true
  done
  if [ "${SMOKE_KEEP:-}" != 1 ]; then
    psql "$DB_URL" -qc "DROP SCHEMA IF EXISTS \"$SCHEMA\" CASCADE" >/dev/null 2>&1 || true
    # Only this run's keys (its own prefix): the shared Redis is otherwise left alone.
    if command -v redis-cli >/dev/null; then
      redis-cli -u "$REDIS" --scan --pattern "${PREFIX}*" 2>/dev/null | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
    fi
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- tools and podman settings
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v podman >/dev/null || apt_install podman
command -v debootstrap >/dev/null || apt_install debootstrap
# runc rather than crun: crun refuses this VM's hybrid cgroup v1/v2 layout.
command -v runc >/dev/null || apt_install runc
command -v psql >/dev/null || apt_install postgresql-client

CONF_DIR=${SMOKE_CONF_DIR:-${TMPDIR:-/tmp}/fleet-container-smoke}
mkdir -p "$CONF_DIR"
# runc cannot set rlimits in this VM, so podman's default ulimits would make every container
# fail to start; crun fails earlier still on the hybrid cgroup layout.
cat >"$CONF_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$CONF_DIR/containers.conf"
# SMOKE_STORAGE_ROOT: images and layers in a directory of their own (a run from scratch, as on a
# fresh CI machine, without touching the machine's image store).
if [ -n "${SMOKE_STORAGE_ROOT:-}" ]; then
  mkdir -p "$SMOKE_STORAGE_ROOT"
  printf '[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' \
    "$SMOKE_STORAGE_ROOT" "$SMOKE_STORAGE_ROOT" >"$CONF_DIR/storage.conf"
  export CONTAINERS_STORAGE_CONF="$CONF_DIR/storage.conf"
fi
# Native overlay is the fast driver; where the kernel or backing filesystem refuses it, fall
# back to vfs (slow, but works everywhere).
if ! podman info >/dev/null 2>&1; then
  root=${SMOKE_STORAGE_ROOT:-/var/lib/containers/vfs-smoke}
  printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/graph"\n' "$root" "$root" >"$CONF_DIR/storage.conf"
  export CONTAINERS_STORAGE_CONF="$CONF_DIR/storage.conf"
  podman info >/dev/null || fail "podman does not work here (overlay and vfs both refused)"
fi
log "podman $(podman version --format '{{.Client.Version}}'), storage $(podman info --format '{{.Store.GraphDriverName}}')"

# ---------------------------------------------------------------- the local base image
debian_mirror() {
  # The first http(s) Debian archive apt is configured with (deb822 or one-line format).
  local m
  m=$(grep -rhoE '(URIs:|deb)\s+https?://[^ ]+/debian/?(\s|$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
      | grep -oE 'https?://[^ ]+' | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

build_base_image() {
  local node npm_dir root mirror
  node=$(readlink -f "$(command -v node)")
  "$node" -e 'process.exit(process.versions.node.split(".")[0] === "20" ? 0 : 1)' \
    || fail "the base image carries this machine's Node, which must be 20 (found $("$node" -v))"
  npm_dir=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
  [ -f "$npm_dir/package.json" ] || fail "cannot find npm's own directory (looked at $npm_dir)"
  mirror=$(debian_mirror)
  root=$(mktemp -d /var/tmp/fleet-base.XXXXXX)
  base_root=$root
  log "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$CONF_DIR/debootstrap.log" 2>&1 \
    || { tail -n 30 "$CONF_DIR/debootstrap.log" >&2; fail "debootstrap failed"; }
  # Same layout as the official image: node and npm under /usr/local.
  install -m 0755 "$node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # What a slim image does without: package lists, caches, docs.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*.log
  log "importing $BASE_IMAGE"
  tar --numeric-owner -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_VERSION='"$("$node" -p process.versions.node)" \
    --change 'CMD ["node"]' \
    --quiet - "docker.io/library/$BASE_IMAGE" >/dev/null
  rm -rf --one-file-system "$root"
  base_root=""
  if ! podman run --rm --network none "docker.io/library/$BASE_IMAGE" sh -c 'node -v && npm -v'; then
    podman rmi -f "docker.io/library/$BASE_IMAGE" >/dev/null 2>&1 || true
    fail "the base image cannot run node and npm"
  fi
}

if podman image exists "docker.io/library/$BASE_IMAGE"; then
  log "base image $BASE_IMAGE already present: kept"
else
  build_base_image
fi

# ---------------------------------------------------------------- the orchestrator's image
log "podman build -t $IMAGE"
# --network host: npm ci reaches npm's registry through the host's resolver and routes.
# --pull=never: the base image is the local one; no registry is asked.
# --format docker: the OCI image format has no HEALTHCHECK; podman would drop the image's own.
# Where egress goes through a TLS-inspecting proxy, the host trusts an extra CA (NODE_EXTRA_CA_CERTS
# or npm's cafile), and npm in the build needs the same trust. It gets it through bind mounts in a
# first build of the build stage only; the full build then reuses that stage from the layer cache
# and runs the final stage without the mounts, so the image carries nothing of this machine's.
build_mounts=()
ca_file=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
if [ -n "$ca_file" ] && [ "$ca_file" != null ] && [ "$ca_file" != undefined ] && [ -f "$ca_file" ]; then
  printf 'cafile=/run/fleet-build-ca.crt\n' >"$CONF_DIR/npmrc"
  build_mounts+=(-v "$(readlink -f "$ca_file"):/run/fleet-build-ca.crt:ro" -v "$CONF_DIR/npmrc:/usr/local/etc/npmrc:ro")
  echo "npm in the build trusts $ca_file (as on this machine)"
fi
build=(podman build --format docker --network host --pull=never -f Dockerfile)
first_stage=$(grep -m1 -oiP '^FROM\s+\S+\s+AS\s+\K\S+' Dockerfile || true)
if [ "${#build_mounts[@]}" -gt 0 ] && [ -n "$first_stage" ]; then
  "${build[@]}" "${build_mounts[@]}" --target "$first_stage" . || fail "the image's $first_stage stage does not build"
fi
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
"${build[@]}" -t "$IMAGE" . || fail "the image does not build"
# The image this run replaced is of no further use (its layers stay cached while shared).
current=$(podman image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then podman rmi "$previous" >/dev/null 2>&1 || true; fi
podman run --rm --no-healthcheck --network none --entrypoint sh "$IMAGE" -c 'test ! -e /usr/local/etc/npmrc && test ! -e /run/fleet-build-ca.crt' \
  || fail "the image carries a file of the build machine's (npmrc or CA mount point)"

# ---------------------------------------------------------------- run it

PORT=${SMOKE_PORT:-$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
env_args=(
  -e "DATABASE_URL=$DB_URL" -e "DATABASE_SCHEMA=$SCHEMA"
  -e "REDIS_URL=$REDIS" -e "REDIS_PREFIX=$PREFIX"
  -e "PORT=$PORT" -e "HOST=127.0.0.1"
)

log "fleet migrate (one-off container)"
podman run --rm --no-healthcheck --network host "${env_args[@]}" "$IMAGE" fleet migrate \
  || fail "fleet migrate failed inside the image"
applied=$(psql "$DB_URL" -Atc "select count(*) from \"$SCHEMA\".fleet_migrations" 2>/dev/null || echo 0)
[ "${applied:-0}" -gt 0 ] || fail "fleet migrate reported success but schema $SCHEMA records no migration"
echo "migrations applied in schema $SCHEMA: $applied"

name="fleet-smoke-$RUN_ID"
log "starting $name on 127.0.0.1:$PORT"
containers+=("$name")
podman run -d --name "$name" --network host "${env_args[@]}" "$IMAGE" >/dev/null

# No systemd timer runs podman's healthchecks here: run the image's HEALTHCHECK ourselves until
# it passes or the deadline (start period + a margin) goes by.
deadline=$((SECONDS + 90))
status=""
while [ $SECONDS -lt $deadline ]; do
  [ "$(podman inspect --format '{{.State.Running}}' "$name")" = true ] \
    || { podman logs "$name" >&2 || true; fail "the container exited: $(podman inspect --format '{{.State.ExitCode}}' "$name")"; }
  podman healthcheck run "$name" >/dev/null 2>&1 || true
  status=$(podman inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null \
    || podman inspect --format '{{.State.Healthcheck.Status}}' "$name")
  [ "$status" = healthy ] && break
  sleep 1
done
[ "$status" = healthy ] || { podman logs "$name" >&2 || true; fail "HEALTHCHECK status is '$status' after 90 s"; }
echo "HEALTHCHECK: $status"

log "the server runs as a non-root user"
uid=$(podman exec "$name" sh -c 'ps_uid=$(awk "/^Uid:/{print \$2}" /proc/1/status); echo $ps_uid')
user=$(podman exec "$name" id -un)
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "the server process (pid 1) runs as uid '$uid'"
echo "pid 1 runs as uid $uid ($user)"
podman exec "$name" sh -c 'test ! -w /app/dist' || fail "the application files are writable by the server's user"

log "fleet migrate and fleet plan check inside the running container"
podman exec "$name" fleet migrate || fail "fleet migrate failed in the running container"
podman exec "$name" fleet plan check dist/seed/plans/remediation-plan.md \
  || fail "fleet plan check failed inside the image"
# A plan with an error must make the command fail: the check really checks.
if podman exec "$name" sh -c 'printf "no plan here\n" >/tmp/bad.md && fleet plan check /tmp/bad.md' >/dev/null 2>&1; then
  fail "fleet plan check accepted a plan with errors"
fi

log "the API answers through the container"
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || fail "GET /health failed from the host"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/tasks")
[ "$code" = 401 ] || fail "GET /api/tasks without a token answered $code, expected 401"

log "container smoke passed in $((SECONDS - STARTED)) s"

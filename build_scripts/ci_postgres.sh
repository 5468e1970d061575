# shellcheck shell=bash
# A PostgreSQL for the back office tests: Debian's package, a cluster of its own on 127.0.0.1,
# a database and a role, and the variable the tests read:
#   INSTALLER_APP_TEST_POSTGRES_URL=postgresql://installer_ci:installer_ci@127.0.0.1:PORT/installer_ci
#
# Source it so the variable reaches pytest:   . build_scripts/ci_postgres.sh
# (or run it: it prints the export line). Idempotent: installs only when missing, creates the
# cluster/role/database only once, starts the cluster only when it is down. Needs root or sudo.
# The cluster listens on loopback only; its password is fixed because nothing else can reach it.
# INSTALLER_APP_CI_PG_PORT chooses the port of a new cluster (default 54329).
# On failure: with CI set it returns 1 (the CI run fails); otherwise the PostgreSQL tests are
# skipped and it says so.

_installer_ci_pg() {
  local cluster=installer_ci role=installer_ci db=installer_ci password=installer_ci
  local port="${INSTALLER_APP_CI_PG_PORT:-54329}" sudo="" version status
  if ! command -v dpkg >/dev/null 2>&1; then
    echo "ci_postgres: not a Debian system: install PostgreSQL and set INSTALLER_APP_TEST_POSTGRES_URL yourself" >&2
    return 1
  fi
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! dpkg -s postgresql >/dev/null 2>&1; then
    echo "ci_postgres: installing postgresql from Debian's packages" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql >/dev/null || return 1
  fi
  version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)"
  [ -n "$version" ] || { echo "ci_postgres: no PostgreSQL server found" >&2; return 1; }

  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {found = 1} END {exit !found}'; then
    $sudo pg_createcluster "$version" "$cluster" -p "$port" -- --auth-local=peer \
      --auth-host=scram-sha-256 >/dev/null || return 1
  fi
  # Loopback only: localhost (set every time: cheap, and repairs a cluster left half-configured).
  $sudo pg_conftool "$version" "$cluster" set listen_addresses localhost || return 1
  port="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')"
  status="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}')"
  if [ "$status" != "online" ]; then
    $sudo pg_ctlcluster "$version" "$cluster" start || return 1
  fi

  _installer_ci_psql() {
    if [ "$(id -u)" -eq 0 ]; then
      runuser -u postgres -- psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
    else
      sudo -u postgres psql -p "$port" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
    fi
  }
  local tries=0
  until _installer_ci_psql -c "SELECT 1" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || { echo "ci_postgres: the cluster did not start" >&2; return 1; }
    sleep 1
  done
  if [ "$(_installer_ci_psql -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
    _installer_ci_psql -c "CREATE ROLE $role LOGIN PASSWORD '$password'" >/dev/null || return 1
  fi
  if [ "$(_installer_ci_psql -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    _installer_ci_psql -c "CREATE DATABASE $db OWNER $role" >/dev/null || return 1
  fi
  export INSTALLER_APP_TEST_POSTGRES_URL="postgresql://$role:$password@127.0.0.1:$port/$db"
  echo "export INSTALLER_APP_TEST_POSTGRES_URL=$INSTALLER_APP_TEST_POSTGRES_URL"
}

if ! _installer_ci_pg; then
  echo "ci_postgres: PostgreSQL could not be started" >&2
  if [ -n "${CI:-}" ]; then
    # shellcheck disable=SC2317  # return when sourced, exit when run
    return 1 2>/dev/null || exit 1
  fi
  echo "ci_postgres: the PostgreSQL back office tests will be skipped" >&2
fi
unset -f _installer_ci_pg _installer_ci_psql 2>/dev/null || true

#!/usr/bin/env bash
# One entry point for setting up and running the project from a fresh clone.
#   bash build_scripts/dev.sh demo    set up, then open the desktop app on the bundled demo data
#   bash build_scripts/dev.sh test    set up, then run the test suite (what CI runs)
#   bash build_scripts/dev.sh bench   set up, then run the benchmarks (tests/bench/)
#   bash build_scripts/dev.sh setup   set up only
# Set-up is idempotent: Debian packages only when missing (needs root or sudo), a venv in
# .venv, the Python packages from requirements.lock with their hashes checked.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  # Qt offscreen (tests, GUI) on a bare Debian 12
  libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0
  # a real window under Xvfb (screenshots) and the xcb platform plugin
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0
  # the sqlite3 shell: the benchmarks' baseline
  sqlite3
)

setup_system() {
  command -v dpkg >/dev/null 2>&1 || return 0  # not Debian: see README for the packages
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup_python() {
  local python="${PYTHON:-python3}"
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
}

case "${1:-}" in
  setup)
    setup_system; setup_python ;;
  demo)
    # The desktop app on the bundled demo data (seeded into ./demo-data when it is empty),
    # with simulated PPMIDs offered as ports. Needs a screen: DISPLAY, or `xvfb-run -a`.
    setup_system; setup_python
    exec .venv/bin/installer-app --data-dir demo-data gui --demo ;;
  test)
    setup_system; setup_python
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q ;;
  bench)
    setup_system; setup_python
    .venv/bin/python -m tests.bench.run ;;
  *)
    echo "usage: bash build_scripts/dev.sh demo|test|bench|setup" >&2; exit 2 ;;
esac

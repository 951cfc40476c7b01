#!/usr/bin/env bash
# Installs missing Debian packages, builds everything and runs the whole test
# suite with ctest (benchmarks excluded). Exits non-zero on any failure.
#   deploy/test.sh            Release build (the CI run)
#   deploy/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

deploy/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset"

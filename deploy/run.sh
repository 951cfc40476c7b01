#!/usr/bin/env bash
# Installs missing Debian packages, builds a Release build and runs
# customer-ledgerd in the foreground on 127.0.0.1:50051 with ./data.
# Extra arguments go to customer-ledgerd (see --help). Ctrl-C stops it
# cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target customer-ledgerd ledgerctl ledger-bench

exec build/release/services/customer-ledgerd \
  --listen 127.0.0.1:50051 --data-dir ./data "$@"

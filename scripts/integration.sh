#!/usr/bin/env bash
# Integration and adversarial tests: real Kafka, real processes, real HTTP.
# Debian's python3 (for python3-jsonschema and pytest from apt).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration tests/adversarial "$@"

#!/usr/bin/env bash
# Integration and adversarial tests: real Kafka, real processes, real HTTP.
# Debian's python3 (for python3-jsonschema and pytest from apt).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# Both sandbox modes the executor offers, each against the whole suite (seed
# curls, integration, the adversarial programs); EXECQ_SANDBOX_MODES narrows.
# The SDKs' suites (tests/sdk: clients/python, clients/typescript) run with
# the first mode, on its stack: they test the API's clients, not the sandbox;
# so do the integration modules that test the API alone (MODE_INDEPENDENT in
# tests/conftest.py: accounts, money, admin, errors, the CLI, ...).
sdk=tests/sdk
[ -z "${EXECQ_SKIP_SDK:-}" ] || sdk=
again=
for mode in ${EXECQ_SANDBOX_MODES:-warm fresh}; do
  note=
  [ -z "$sdk" ] || note=" (and the SDKs)"
  [ -z "$again" ] || note=" (the sandbox tests; the API-only modules ran in the first mode)"
  echo "== sandbox mode: $mode$note"
  EXECQ_SANDBOX_MODE=$mode EXECQ_SKIP_MODE_INDEPENDENT=$again \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider --durations=20 tests/integration tests/adversarial $sdk \
    ${EXECQ_PYTEST_K:+-k "$EXECQ_PYTEST_K"} "$@"
  sdk=
  again=1
done
# The API contract (issue 31): Schemathesis against a stack of its own
# (its admin run revokes and suspends the demo account).
if [ -z "${EXECQ_SKIP_CONTRACT:-}" ]; then
  echo "== contract (schemathesis)"
  /usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/contract "$@"
fi
# Faults (the broker stopped, executors killed mid-batch) on a stack of
# their own; the long ones (broker and API killed and restarted) run in
# `make faults`.
if [ -z "${EXECQ_SKIP_FAULTS:-}" ]; then
  echo "== faults (short)"
  /usr/bin/python3 -m pytest -q -p no:cacheprovider -s -m "not long" tests/faults "$@"
fi
# The cluster (three brokers, PostgreSQL, two APIs, executor hosts, each in a
# network namespace) in its short form: two executor hosts, small batches;
# `make cluster-test` runs the whole one.
if [ -z "${EXECQ_SKIP_CLUSTER:-}" ]; then
  echo "== cluster (short)"
  EXECQ_CLUSTER_SHORT=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider -s tests/cluster "$@"
fi

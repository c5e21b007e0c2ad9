#!/usr/bin/env bash
# The whole test suite: layer contracts, then pytest. Run from an environment where
# `pip install -e ".[test]"` was done (the README's second command does both).
set -euo pipefail
cd "$(dirname "$0")/.."
lint-imports
python -m pytest -q -p no:cacheprovider "$@"

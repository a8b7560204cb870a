#!/bin/sh
# Draw docs/dataflow.svg (the README's picture) from docs/dataflow.dot
# with Graphviz (scripts/deps.sh installs it). tests/e2e/readme.sh checks
# the committed picture is the one the source draws.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
dot -Tsvg "$ROOT/docs/dataflow.dot" -o "$ROOT/docs/dataflow.svg.tmp"
mv "$ROOT/docs/dataflow.svg.tmp" "$ROOT/docs/dataflow.svg"
echo "wrote docs/dataflow.svg"

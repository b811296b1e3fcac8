#!/usr/bin/env bash
# Wrong answer: init and plan, but never apply. The plan looks right; nothing is in the state.
set -euo pipefail
"$TF" init -input=false -no-color
"$TF" plan -input=false -no-color

#!/usr/bin/env bash
# Step 1: initialise and apply with the default local backend.
set -euo pipefail
"$TF" init -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color

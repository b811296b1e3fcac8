#!/usr/bin/env bash
# Plausible under pressure: fix the cluster by hand. Self-heal puts Git's 2 pods back.
set -euo pipefail
kubectl -n team-payments patch resourcequota team-quota --type merge -p '{"spec":{"hard":{"pods":"20"}}}'
sleep 8

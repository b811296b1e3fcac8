#!/usr/bin/env bash
# Wrong: the release is put on dev with kubectl instead of a commit. Self-heal puts 6.7.0 back,
# and Git never says 6.7.1.
set -euo pipefail
kubectl --context dev -n payments-dev set image deployment/payments-api api=ghcr.io/stefanprodan/podinfo:6.7.1
sleep 1

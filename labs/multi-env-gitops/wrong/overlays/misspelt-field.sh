#!/usr/bin/env bash
# Wrong: the overlays are written and pushed, but prod's resources patch says "resource:" (a typo
# kustomize merges without complaint; kubeconform -strict refuses the unknown field).
set -euo pipefail
bash "$(dirname "$0")/../../solution/overlays.sh" >/dev/null
sed -i 's/^          resources:$/          resource:/' apps/payments-api/overlays/prod/resources.yaml
git -c user.name="Dojo Wrong" -c user.email=wrong@dojo.local commit -q -am "Prod resources"
git push -q origin main

#!/usr/bin/env bash
# The incident: Priya, on the payments team, pushes a release that raises the API's memory for the
# sale weekend, to staging first. She typed 3Gi where she meant 300Mi: staging's quota (2Gi of
# requests for the whole namespace) refuses the new pods and the rollout cannot progress. The push
# is real (a clone of the team repository, her commit, a push), so Argo CD syncs it like any other.
set -euo pipefail
work=$(mktemp -d "${TMPDIR:-/tmp}/priya-clone.XXXXXX")
trap 'rm -rf "$work"' EXIT
git clone -q "$DOJO_PAYMENTS_REPO_URL" "$work"
file="$work/apps/payments-api/overlays/staging/resources.yaml"
if [ ! -f "$file" ]; then
  echo "expected the staging overlay's resources.yaml in the team repository (step 4); found none" >&2
  exit 1
fi
cat > "$file" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: payments-api
spec:
  template:
    spec:
      containers:
        - name: api
          resources:
            requests:
              cpu: 100m
              memory: 3Gi
            limits:
              memory: 3Gi
YAML
git -C "$work" add -A
git -C "$work" -c user.name="Priya Raman" -c user.email=priya@tidewater.example commit -q \
  -m "Raise payments-api memory for the sale (staging first)"
git -C "$work" push -q origin main
bad=$(git -C "$work" rev-parse HEAD)
# Wait until Argo CD has applied it: the incident is what staging shows then.
for _ in $(seq 1 120); do
  rev=$(kubectl -n argocd get application payments-api-staging -o jsonpath='{.status.operationState.syncResult.revision}' 2>/dev/null || true)
  [ "$rev" = "$bad" ] && break
  sleep 0.5
done
echo "Priya pushed ${bad:0:7} \"Raise payments-api memory for the sale (staging first)\"; staging is rolling it out."

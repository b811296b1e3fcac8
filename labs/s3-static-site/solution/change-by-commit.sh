#!/usr/bin/env bash
# Step 5: change the banner by commit and wait until Argo CD has synced that revision.
set -euo pipefail
cat > k8s/configmap.yaml <<'YAML'
# The banner the edge server shows at /banner.txt. Marketing changes it by commit.
apiVersion: v1
kind: ConfigMap
metadata:
  name: site-settings
  namespace: team-site
  labels:
    app.kubernetes.io/part-of: team-site
data:
  banner.txt: |
    Spring sale: 20% off every bag until Sunday.
YAML
git add k8s/configmap.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -m "Banner: announce the spring sale"
git push origin main
head=$(git rev-parse HEAD)
# Ask for a refresh instead of waiting for the next poll.
kubectl -n argocd annotate application team-site argocd.argoproj.io/refresh=normal --overwrite
for _ in $(seq 1 90); do
  rev=$(kubectl -n argocd get application team-site -o jsonpath='{.status.sync.revision}')
  sync=$(kubectl -n argocd get application team-site -o jsonpath='{.status.sync.status}')
  health=$(kubectl -n argocd get application team-site -o jsonpath='{.status.health.status}')
  if [ "$rev" = "$head" ] && [ "$sync" = Synced ] && [ "$health" = Healthy ]; then exit 0; fi
  sleep 2
done
echo "Argo CD did not sync $head within 180 s (at $rev, $sync, $health)" >&2
exit 1

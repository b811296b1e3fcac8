#!/usr/bin/env bash
# Step 3: one AppProject per environment, each allowed to deploy the payments repository to its
# own cluster's team namespace only; prod denies automated syncs (a person syncs it).
set -euo pipefail
mkdir -p argocd
project() {
  local env=$1
  cat <<YAML
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: ${env}
  namespace: argocd
spec:
  description: Payments, ${env} cluster
  sourceRepos:
    - ${DOJO_PAYMENTS_REPO_CLUSTER_URL}
  destinations:
    - name: ${env}
      namespace: payments-${env}
YAML
}
{
  project dev
  echo '---'
  project staging
  echo '---'
  project prod
  cat <<'YAML'
  # Automated syncs never touch prod; a person syncs it (manualSync), after the change was promoted
  # through dev and staging.
  syncWindows:
    - kind: deny
      schedule: '0 0 * * *'
      duration: 24h
      applications: ['*']
      manualSync: true
YAML
} > argocd/projects.yaml
kubectl apply -f argocd/projects.yaml
git add argocd/projects.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -m "Argo CD projects: each environment may deploy to its own cluster only; prod syncs by hand"
git push -q origin main

#!/usr/bin/env bash
# Step 4: an Argo CD Application for k8s/, committed, pushed and applied; then wait for it.
set -euo pipefail
cat > argocd/application.yaml <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: team-site
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${DOJO_SITE_REPO_CLUSTER_URL}
    targetRevision: main
    path: k8s
  destination:
    server: https://kubernetes.default.svc
    namespace: team-site
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
    syncOptions:
      - CreateNamespace=true
YAML
git add argocd/application.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -m "Deploy k8s/ with an Argo CD Application"
git push origin main
kubectl apply -f argocd/application.yaml
kubectl -n argocd wait application/team-site --for=jsonpath='{.status.sync.status}'=Synced --timeout=300s
kubectl -n argocd wait application/team-site --for=jsonpath='{.status.health.status}'=Healthy --timeout=300s

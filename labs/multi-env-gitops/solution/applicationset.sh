#!/usr/bin/env bash
# Step 5: one ApplicationSet, a cluster generator over the clusters Terraform registered; dev and
# staging sync automatically (prune, self-heal), prod by hand. Then prod's first sync.
set -euo pipefail
cat > argocd/applicationset.yaml <<YAML
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: payments-api
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
    # Every cluster Secret labelled with an environment: the ones Terraform registered.
    - clusters:
        selector:
          matchExpressions:
            - key: env
              operator: In
              values: [dev, staging, prod]
  template:
    metadata:
      name: 'payments-api-{{ .name }}'
    spec:
      project: '{{ .name }}'
      source:
        repoURL: ${DOJO_PAYMENTS_REPO_CLUSTER_URL}
        targetRevision: main
        path: 'apps/payments-api/overlays/{{ .name }}'
      destination:
        name: '{{ .name }}'
        namespace: 'payments-{{ .name }}'
  # Automated sync with prune and self-heal, except on the prod tier.
  templatePatch: |
    {{- if ne (index .metadata.labels "tier") "prod" }}
    spec:
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
    {{- end }}
YAML
kubectl apply -f argocd/applicationset.yaml
git add argocd/applicationset.yaml
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -m "Deliver payments-api to every environment with one ApplicationSet"
git push -q origin main
for env in dev staging prod; do
  kubectl -n argocd wait "application/payments-api-$env" --for=create --timeout=120s
done
for env in dev staging; do
  kubectl -n argocd wait "application/payments-api-$env" --for=jsonpath='{.status.sync.status}'=Synced --timeout=180s
  kubectl -n argocd wait "application/payments-api-$env" --for=jsonpath='{.status.health.status}'=Healthy --timeout=180s
done
argocd app sync payments-api-prod --timeout 180
argocd app wait payments-api-prod --health --timeout 180

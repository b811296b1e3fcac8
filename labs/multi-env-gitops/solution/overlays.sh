#!/usr/bin/env bash
# Step 4: staging and prod overlays beside dev (replicas, image tag, ConfigMap values, resources,
# namespace), each rendered and validated by kubeconform against the cluster's own schemas.
set -euo pipefail
overlay() {
  local env=$1 replicas=$2 level=$3 psp=$4 cpu=$5 memory=$6 limit=$7
  local dir=apps/payments-api/overlays/$env
  mkdir -p "$dir"
  cat > "$dir/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: payments-${env}
resources:
  - ../../base
labels:
  - pairs:
      env: ${env}
images:
  - name: ghcr.io/stefanprodan/podinfo
    newTag: 6.7.0
replicas:
  - name: payments-api
    count: ${replicas}
patches:
  - path: config.yaml
  - path: resources.yaml
YAML
  cat > "$dir/config.yaml" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: payments-config
data:
  ENVIRONMENT: ${env}
  LOG_LEVEL: ${level}
  PSP_ENDPOINT: ${psp}
YAML
  cat > "$dir/resources.yaml" <<YAML
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
              cpu: ${cpu}
              memory: ${memory}
            limits:
              memory: ${limit}
YAML
}
overlay staging 2 info https://sandbox.psp.example.com 100m 128Mi 256Mi
overlay prod 3 warn https://api.psp.example.com 250m 256Mi 512Mi
for env in dev staging prod; do
  kubectl kustomize "apps/payments-api/overlays/$env" |
    kubeconform -strict -summary -schema-location "$DOJO_KUBECONFORM_SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json"
done
git add apps/payments-api/overlays
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -q -m "Kustomize overlays for staging and prod"
git push -q origin main

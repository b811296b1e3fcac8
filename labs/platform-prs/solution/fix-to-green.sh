#!/usr/bin/env bash
# Step 2: 4 CPUs, and the LimitRange template the chart was missing; pushed to the same pull request.
set -euo pipefail
git switch -q payments-namespace
sed -i.bak 's/cpu: "16"/cpu: "4"/' requests/payments/namespace.yaml && rm -f requests/payments/namespace.yaml.bak
cat > charts/team-namespace/templates/limitrange.yaml <<'YAML'
# What a container gets when it asks for nothing.
apiVersion: v1
kind: LimitRange
metadata:
  name: team-defaults
  namespace: team-{{ .Values.team }}
spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: {{ .Values.defaults.cpu | quote }}
        memory: {{ .Values.defaults.memory | quote }}
      default:
        cpu: {{ .Values.defaults.cpu | quote }}
        memory: {{ .Values.defaults.memory | quote }}
YAML
git add requests/payments/namespace.yaml charts/team-namespace/templates/limitrange.yaml
git commit -q -m "payments: 4 CPUs; team-namespace chart renders a LimitRange from the request's defaults"
bin/pr open "Namespace for team payments"
bin/pr wait

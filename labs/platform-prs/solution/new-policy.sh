#!/usr/bin/env bash
# Step 4: a memory ceiling with its unit tests, merged; then a request above it, blocked.
set -euo pipefail
git fetch -q origin
git switch -q -C memory-ceiling origin/main
cat > policy/kubernetes/memory.rego <<'REGO'
# The platform's memory ceiling for one team namespace's quota (README: at most 16Gi).
package kubernetes.memory

import rego.v1

max_memory := units.parse_bytes("16Gi")

deny contains msg if {
	some file in input
	some doc in docs(file.contents)
	doc.kind == "ResourceQuota"
	memory := units.parse_bytes(sprintf("%v", [doc.spec.hard["requests.memory"]]))
	memory > max_memory
	msg := sprintf("namespace %s asks for requests.memory %v in its quota; the platform allows at most 16Gi per team namespace", [doc.metadata.namespace, doc.spec.hard["requests.memory"]])
}

docs(x) := x if is_array(x)

docs(x) := [x] if not is_array(x)
REGO
cat > policy/kubernetes/memory_test.rego <<'REGO'
package kubernetes.memory_test

import rego.v1

import data.kubernetes.memory

quota(mem) := [{"path": "q.yaml", "contents": [{"kind": "ResourceQuota", "metadata": {"namespace": "team-a"}, "spec": {"hard": {"requests.memory": mem}}}]}]

test_within_ceiling if {
	count(memory.deny) == 0 with input as quota("16Gi")
}

test_above_ceiling if {
	some msg in memory.deny with input as quota("32Gi")
	contains(msg, "at most 16Gi")
}
REGO
conftest verify --policy policy
git add policy/kubernetes/memory.rego policy/kubernetes/memory_test.rego
git commit -q -m "Policy: at most 16Gi of memory in a team namespace's quota"
bin/pr open "Policy: memory ceiling per team namespace"
bin/pr wait
bin/pr merge --wait
# Team search asks for 32Gi: the new policy blocks it.
git fetch -q origin
git switch -q -C search-namespace origin/main
mkdir -p requests/search
cat > requests/search/namespace.yaml <<'YAML'
team: search
environment: staging
owner: search-oncall@northwind.example
costCenter: CC-7710
quota:
  cpu: "4"
  memory: 32Gi
  pods: 20
YAML
git add requests/search/namespace.yaml
git commit -q -m "Namespace for team search"
bin/pr open "Namespace for team search"
bin/pr wait

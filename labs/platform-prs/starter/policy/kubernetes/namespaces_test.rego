package kubernetes.namespaces_test

import rego.v1

import data.kubernetes.namespaces

ns(cost) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": {"northwind.example/cost-center": cost}}}

quota(cpu) := {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "team-quota", "namespace": "team-a"}, "spec": {"hard": {"requests.cpu": cpu}}}

limits := {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "team-defaults", "namespace": "team-a"}}

files(docs) := [{"path": "team-a.yaml", "contents": docs}]

test_complete_namespace_passes if {
	count(namespaces.deny) == 0 with input as files([ns("CC-1"), quota("4"), limits])
}

test_cpu_above_ceiling_denied if {
	some msg in namespaces.deny with input as files([ns("CC-1"), quota("16"), limits])
	contains(msg, "at most 8 CPUs")
}

test_millicores_understood if {
	count(namespaces.deny) == 0 with input as files([ns("CC-1"), quota("7500m"), limits])
}

test_missing_limitrange_denied if {
	some msg in namespaces.deny with input as files([ns("CC-1"), quota("2")])
	contains(msg, "no LimitRange")
}

test_missing_cost_center_denied if {
	some msg in namespaces.deny with input as files([ns(""), quota("2"), limits])
	contains(msg, "no cost center")
}

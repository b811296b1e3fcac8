# Team namespaces, judged on the manifests the chart renders (conftest --combine: all files at
# once, so a rule can ask whether a namespace also has its quota and its limits).
package kubernetes.namespaces

import rego.v1

# The platform's ceiling for one team namespace's quota.
max_cpu := 8

docs contains doc if {
	some file in input
	some doc in as_list(file.contents)
	is_object(doc)
}

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

namespaces contains ns.metadata.name if {
	some ns in docs
	ns.kind == "Namespace"
}

has_kind(kind, ns) if {
	some doc in docs
	doc.kind == kind
	doc.metadata.namespace == ns
}

deny contains msg if {
	some ns in docs
	ns.kind == "Namespace"
	object.get(ns.metadata, ["labels", "northwind.example/cost-center"], "") == ""
	msg := sprintf("namespace %s has no cost center: set costCenter in the request (the namespace is billed to it)", [ns.metadata.name])
}

deny contains msg if {
	some ns in namespaces
	not has_kind("ResourceQuota", ns)
	msg := sprintf("namespace %s has no ResourceQuota: every team namespace gets one from the request's quota", [ns])
}

deny contains msg if {
	some ns in namespaces
	not has_kind("LimitRange", ns)
	msg := sprintf("namespace %s has no LimitRange: containers that ask for nothing would run without limits (add templates/limitrange.yaml to charts/team-namespace, from the request's defaults)", [ns])
}

deny contains msg if {
	some q in docs
	q.kind == "ResourceQuota"
	cpu := units.parse(sprintf("%v", [q.spec.hard["requests.cpu"]]))
	cpu > max_cpu
	msg := sprintf("namespace %s asks for requests.cpu %v in its quota; the platform allows at most %d CPUs per team namespace", [q.metadata.namespace, q.spec.hard["requests.cpu"], max_cpu])
}

package terraform.buckets_test

import rego.v1

import data.terraform.buckets

change(type, after) := {"address": sprintf("module.bucket[\"b\"].%s.this", [type]), "module_address": "module.bucket[\"b\"]", "type": type, "change": {"actions": ["create"], "after": after}}

good_tags := {"owner": "o@x", "cost-center": "CC-1", "team": "payments", "environment": "prod"}

plan(bucket_tags, versioning, blocked) := {"resource_changes": [
	change("aws_s3_bucket", {"bucket": "payments-invoices", "tags": bucket_tags}),
	change("aws_s3_bucket_versioning", {"versioning_configuration": [{"status": versioning}]}),
	change("aws_s3_bucket_public_access_block", {"block_public_acls": blocked, "block_public_policy": blocked, "ignore_public_acls": blocked, "restrict_public_buckets": blocked}),
]}

test_compliant_bucket_passes if {
	count(buckets.deny) == 0 with input as plan(good_tags, "Enabled", true)
}

test_prod_without_versioning_denied if {
	some msg in buckets.deny with input as plan(good_tags, "Suspended", true)
	contains(msg, "prod buckets keep every version")
}

test_public_bucket_denied if {
	some msg in buckets.deny with input as plan(good_tags, "Enabled", false)
	contains(msg, "public access must be blocked")
}

test_missing_cost_center_denied if {
	some msg in buckets.deny with input as plan(object.remove(good_tags, ["cost-center"]), "Enabled", true)
	contains(msg, "\"cost-center\" is required")
}

test_foreign_team_prefix_denied if {
	some msg in buckets.deny with input as plan(object.union(good_tags, {"team": "search"}), "Enabled", true)
	contains(msg, "names start with the owning team's name")
}

# Buckets, judged on the plan (terraform show -json plan.out): what would exist after apply.
package terraform.buckets

import rego.v1

required_tags := {"owner", "cost-center", "team", "environment"}

# Buckets the plan creates or keeps (not the ones it deletes).
buckets contains r if {
	some r in input.resource_changes
	r.type == "aws_s3_bucket"
	not "delete" in r.change.actions
}

same_module(r, type) := [x |
	some x in input.resource_changes
	x.type == type
	object.get(x, "module_address", "") == object.get(r, "module_address", "")
	not "delete" in x.change.actions
]

tags(r) := object.get(r.change.after, "tags", {}) if r.change.after.tags != null

tags(r) := {} if r.change.after.tags == null

deny contains msg if {
	some r in buckets
	some tag in required_tags
	object.get(tags(r), tag, "") == ""
	msg := sprintf("bucket %s: tag %q is required (who owns it, who pays, which team and environment)", [r.change.after.bucket, tag])
}

deny contains msg if {
	some r in buckets
	name := r.change.after.bucket
	team := object.get(tags(r), "team", "")
	not startswith(name, sprintf("%s-", [team]))
	msg := sprintf("bucket %s: names start with the owning team's name and a dash (%s-...)", [name, team])
}

deny contains msg if {
	some r in buckets
	name := r.change.after.bucket
	not regex.match(`^[a-z0-9][a-z0-9-]{2,62}$`, name)
	msg := sprintf("bucket %s: names are 3-63 lower-case letters, digits and dashes", [name])
}

versioned(r) if {
	some v in same_module(r, "aws_s3_bucket_versioning")
	v.change.after.versioning_configuration[0].status == "Enabled"
}

deny contains msg if {
	some r in buckets
	object.get(tags(r), "environment", "") == "prod"
	not versioned(r)
	msg := sprintf("bucket %s: prod buckets keep every version (aws_s3_bucket_versioning with status Enabled)", [r.change.after.bucket])
}

blocked(r) if {
	some b in same_module(r, "aws_s3_bucket_public_access_block")
	b.change.after.block_public_acls == true
	b.change.after.block_public_policy == true
	b.change.after.ignore_public_acls == true
	b.change.after.restrict_public_buckets == true
}

deny contains msg if {
	some r in buckets
	not blocked(r)
	msg := sprintf("bucket %s: public access must be blocked (aws_s3_bucket_public_access_block with all four settings true)", [r.change.after.bucket])
}

#!/usr/bin/env bash
# Step 3: the Terraform configuration committed and pushed to the team repository.
set -euo pipefail
# The lock file exists once init has downloaded the provider; commit it when it does.
git add .gitignore versions.tf main.tf site
if [ -f .terraform.lock.hcl ]; then git add .terraform.lock.hcl; fi
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -m "Manage the team site with Terraform: bucket, website, pages"
git push origin main

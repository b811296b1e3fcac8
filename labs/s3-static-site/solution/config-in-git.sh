#!/usr/bin/env bash
# Step 3: the Terraform configuration committed and pushed to the team repository.
set -euo pipefail
git add .gitignore versions.tf main.tf .terraform.lock.hcl site
git -c user.name="Dojo Solution" -c user.email=solution@dojo.local commit -m "Manage the team site with Terraform: bucket, website, pages"
git push origin main

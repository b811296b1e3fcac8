# The team site: write the resources here.
#
# Step 1: an S3 bucket named "team-site".
# Step 2: its website configuration (index.html, error.html), the two pages from site/,
#         and an output "website_endpoint".

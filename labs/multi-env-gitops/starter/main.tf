# The platform's environments: one Kubernetes cluster each, provisioned by ./modules/cluster and
# registered with Argo CD by ./modules/argocd-cluster. Steps 1 and 2 of the lab fill this in.

/** How the bank's topic ids read on the page. Every topic in the schema has a label (typed). */
import type { interviewTopics } from '../shared/interview-entry.ts';

export const topicLabels: Record<(typeof interviewTopics)[number], string> = {
  'terraform-state': 'Terraform state',
  locking: 'State locking',
  recovery: 'State recovery',
  drift: 'Drift',
  'import-refactor': 'Import and refactoring',
  workspaces: 'Workspaces',
  modules: 'Modules',
  'iac-tools': 'IaC tools compared',
  opentofu: 'OpenTofu',
  backends: 'Backends',
  secrets: 'Secrets',
  gitops: 'GitOps',
  argocd: 'Argo CD',
  flux: 'Flux',
  'sync-waves': 'Sync waves and hooks',
  'multi-env': 'Multiple environments',
  kustomize: 'Kustomize',
  helm: 'Helm',
  platform: 'Platform engineering',
  'policy-as-code': 'Policy as code',
  'ci-cd': 'CI/CD',
  rollback: 'Rollback',
  incident: 'Incidents',
  kubernetes: 'Kubernetes',
};

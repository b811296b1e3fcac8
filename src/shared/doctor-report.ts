/** The shape of `dojo doctor --json`, shared by the CLI, the runner API and the lab page. */
import { z } from 'zod';

export const toolNames = [
  'node',
  'git',
  'docker',
  'terraform',
  'tofu',
  'kind',
  'kubectl',
  'moto_server',
  'aws',
  'conftest',
  'kubeconform',
  'chromium',
  // The process provider (no Docker): built by `dojo sandbox install`.
  'kube-apiserver',
  'argocd',
  'redis-server',
  'localstack',
] as const;
export type ToolName = (typeof toolNames)[number];

export const installGuideSchema = z.strictObject({ macos: z.string(), linux: z.string(), windows: z.string() });

export const toolReportSchema = z.strictObject({
  name: z.enum(toolNames),
  found: z.boolean(),
  version: z.string().nullable(),
  path: z.string().nullable(),
  /** Why the tool counts as missing when a binary exists (e.g. Docker CLI without an engine). */
  problem: z.string().optional(),
  install: installGuideSchema,
});

export const labReadinessSchema = z.strictObject({
  id: z.string(),
  runnable: z.boolean(),
  /** One plain sentence per missing requirement. */
  missing: z.array(z.string()),
  /** What may go wrong although nothing is missing (e.g. less free memory than the lab's budget). */
  warnings: z.array(z.string()).optional(),
});

/** Which way sandboxes run here (docker or process), why, and what each way lacks. */
export const providerReportSchema = z.strictObject({
  /** null: neither provider can run. */
  inUse: z.enum(['docker', 'process']).nullable(),
  reason: z.string(),
  /** Why Docker cannot be used, or null. */
  docker: z.string().nullable(),
  /** Why the process provider cannot be used, or null. */
  process: z.string().nullable(),
  /** Facts a user should know about the provider on this platform (listeners, what is not supported). */
  notes: z.array(z.string()),
});

export const doctorReportSchema = z.strictObject({
  tools: z.array(toolReportSchema),
  provider: providerReportSchema,
  labs: z.array(labReadinessSchema),
});
export type ProviderReport = z.infer<typeof providerReportSchema>;

export type ToolReport = z.infer<typeof toolReportSchema>;
export type LabReadiness = z.infer<typeof labReadinessSchema>;
export type DoctorReport = z.infer<typeof doctorReportSchema>;

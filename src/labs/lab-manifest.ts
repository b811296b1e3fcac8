/**
 * The lab manifest: the frontmatter of `labs/<id>/index.mdx`.
 *
 * One schema, used by the Astro content collection (build-time validation of every lab), by the
 * runner and by the `dojo` CLI, so that a lab that builds is a lab the runner can grade. Every
 * field carries its meaning (`.describe`, rendered by the authoring guide) and every error says
 * what was expected and, after "Fix:", what to do; src/labs/lab-problems.ts adds the file, the
 * YAML line, the step and what was found. What needs the file system (scripts, sandbox, MDX
 * sections) is checked by src/labs/lab-cross-references.ts.
 */
import { z } from 'zod';
import { checkSchema, findCheckKind } from '../checks/registry.ts';
import { expected, idSchema } from '../shared/ids.ts';
import { strictFields } from '../shared/strict-fields.ts';
import { didYouMean } from '../shared/closest-name.ts';

export { expected, idSchema };

/**
 * One check of a step: `kind` picks the check from the registry in src/checks; the rest are its
 * options, validated by that kind's own schema (unknown kinds get a "did you mean" suggestion).
 */
export const checkRefSchema = checkSchema as z.ZodType<{ kind: string; [option: string]: unknown }>;

const text = (field: string, min: number, what: string) =>
  z
    .string({ error: `expected "${field}" to be text: ${what}` })
    .min(min, { error: `"${field}" is too short (at least ${min} characters). Fix: write ${what}` });

/** A "break-it" moment the runner stages before the learner works on the step. */
export const stepSetupSchema = strictFields({
  script: z
    .string({ error: 'expected "script": a file in the lab\'s setup/ folder, e.g. setup/held-lock.sh' })
    .regex(/^setup\/[\w.-]+\.sh$/, {
      error: expected('expected "script" to be a file in the setup/ folder ending in .sh, like "setup/held-lock.sh"'),
    })
    .describe(
      "A bash script in the lab's setup/ folder that stages the incident. It runs in the workspace with the sandbox environment; the state is snapshotted just before and just after it (the step's baseline).",
    ),
  label: text('label', 3, 'the button text, e.g. "Simulate the killed CI apply"').describe(
    'Text of the button that stages it, e.g. "Simulate the killed CI apply".',
  ),
});

/** One step of a lab: one outcome, graded by its checks. */
export const stepSchema = strictFields({
  id: idSchema.describe(
    'Stable kebab-case id, used in URLs, progress records, solution/<id>.sh, wrong/<id>/ and `dojo lab check <lab> <id>`.',
  ),
  title: text('title', 3, 'a short imperative title, e.g. "Move state to a versioned bucket"').describe(
    'Short imperative title shown in the step list.',
  ),
  outcome: text('outcome', 10, 'one sentence saying what is true at the end of the step').describe(
    'The outcome in one sentence: what is true at the end of the step. Inline Markdown (`code`, *emphasis*) is rendered.',
  ),
  checks: z
    .array(checkRefSchema, { error: 'expected "checks" to be a list of checks, each with a "kind"' })
    .min(1, {
      error:
        'every step needs at least one check under "checks". Fix: add the check that proves the outcome, e.g. - kind: terraform.resource',
    })
    .describe(
      'Declarative checks (see Check kinds below); the step passes when every assertion of every check passes.',
    ),
  hints: z
    .array(text('hints[]', 3, 'a hint of at least a few words'), {
      error: 'expected "hints" to be a list of strings (a nudge, then the tool, then the shape of the answer)',
    })
    .default([])
    .describe(
      'The hint ladder, revealed one at a time: a nudge (which concept), then the tool (which command or block), then the shape of the answer. Inline Markdown is rendered.',
    ),
  setup: stepSetupSchema.optional().describe('Optional break-it moment staged before the learner works on the step.'),
  passesBeforeSolution: text(
    'passesBeforeSolution',
    10,
    'why this step may already pass once the previous steps are solved',
  )
    .optional()
    .describe(
      'Only for a checkpoint step that verifies what the earlier steps left behind (e.g. "plan shows no changes"): say why it may already pass just before its own solution. The self-test then notes it instead of failing; it must still fail on the starter.',
    ),
  needs: z
    .array(z.enum(['aws-provider'], { error: 'expected "needs" items to be aws-provider' }))
    .default([])
    .describe(
      'What this step needs beyond the lab\'s sandbox: aws-provider (hashicorp/aws from the Terraform registry). Where it cannot be had, `dojo lab test` applies the step\'s solution but reports its grading "not applicable" (DOJO_AWS_PROVIDER_STEPS, README).',
    ),
});

export const levels = ['beginner', 'intermediate', 'advanced'] as const;

/** What a lab needs from the machine, used by `dojo doctor` to say whether it can run here. */
export const requirements = [
  'git',
  'terraform-or-tofu',
  'aws-emulator',
  'aws-cli',
  'docker',
  'kind',
  'kubectl',
  'conftest',
  'kubeconform',
  'aws-provider',
  // A Kubernetes cluster with Argo CD, from either provider: kind on Docker, or local processes.
  'kubernetes',
  // An AWS emulator that serves S3 website endpoints: LocalStack in a container or as a process.
  'aws-website',
  // A Git platform with pull requests, statuses and webhooks: Gitea in a container or as a process.
  'git-platform',
] as const;
export type Requirement = (typeof requirements)[number];
export const requirementSchema = z.enum(requirements, {
  error: (issue) =>
    `unknown requirement ${JSON.stringify(issue.input)}. Fix: ${typeof issue.input === 'string' ? didYouMean(issue.input, requirements).trim() : ''} Use one of ${requirements.join(', ')}`,
});

export const labManifestSchema = strictFields({
  title: text('title', 3, 'the lab title for the catalog and the page').describe(
    'Title shown in the catalog and at the top of the lab page.',
  ),
  summary: text(
    'summary',
    10,
    'one or two sentences for the catalog card: what the learner builds and why it matters',
  ).describe('One or two sentences for the catalog card.'),
  level: z
    .enum(levels, { error: expected(`expected "level" to be one of ${levels.join(', ')}`) })
    .describe('beginner, intermediate or advanced.'),
  minutes: z
    .number({ error: expected('expected "minutes" to be a number, e.g. minutes: 45') })
    .int({ error: 'expected "minutes" to be a whole number, e.g. minutes: 45' })
    .positive({ error: 'expected "minutes" to be more than 0' })
    .describe('Honest estimate of the time a learner needs.'),
  sandbox: idSchema.describe(
    'Sandbox id: the module sandboxes/<id>.ts (see Sandboxes below). It must provide everything "requires" lists.',
  ),
  requires: z
    .array(requirementSchema)
    .default([])
    .describe(
      `What must be installed: ${requirements.join(', ')}. dojo doctor reports the lab runnable when all are present, and the sandbox must provide each.`,
    ),
  budget: strictFields({
    ramMiB: z.number().int().positive().describe('RAM the sandbox and tools need, in MiB.'),
    diskMiB: z.number().int().positive().describe('Disk the lab needs, in MiB.'),
    startSeconds: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('How long its sandbox takes to start on a warm machine, in seconds, as measured.'),
  })
    .optional()
    .describe(
      "Resources the lab needs on the learner's machine, stated up front (the page shows them; dojo doctor warns when free memory is short).",
    ),
  tags: z.array(z.string()).default([]).describe('Free-form tags for the catalog.'),
  interview: z
    .array(idSchema)
    .default([])
    .describe('Ids of interview entries (files in interview/) this lab gives hands-on evidence for.'),
  order: z.number().int().default(100).describe('Display order in the catalog (lower first).'),
  steps: z
    .array(stepSchema, { error: 'expected "steps" to be a list of { id, title, outcome, checks }' })
    .min(1, {
      error: 'a lab needs at least one step under "steps". Fix: add a step with id, title, outcome and checks',
    })
    .describe('The steps, in order. Each needs a <Step id="…"> section in the body and a solution/<id>.sh script.'),
}).superRefine((lab, ctx) => {
  const seen = new Set<string>();
  lab.steps.forEach((step, i) => {
    if (seen.has(step.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['steps', i, 'id'],
        input: step.id,
        message: `duplicate step id "${step.id}": every step id must be unique within the lab. Fix: rename one of them`,
      });
    }
    seen.add(step.id);
  });
  // Step ids named by checks (baseline.step): known, not later than the check's own step, with a setup.
  const ids = lab.steps.map((s) => s.id);
  lab.steps.forEach((step, i) => {
    step.checks.forEach((check, j) => {
      const kind = findCheckKind(check.kind);
      const parsed = kind?.schema.safeParse(check);
      if (!kind?.references || !parsed?.success) return;
      for (const ref of kind.references(parsed.data)) {
        const path = ['steps', i, 'checks', j, ...ref.path];
        const target = ids.indexOf(ref.step);
        const withSetup = lab.steps.filter((s) => s.setup).map((s) => s.id);
        if (target < 0) {
          ctx.addIssue({
            code: 'custom',
            path,
            input: ref.step,
            message: `no step "${ref.step}" in this lab. Fix:${didYouMean(ref.step, ids)} Steps with a setup: ${withSetup.join(', ') || 'none'}`,
          });
        } else if (target > i) {
          ctx.addIssue({
            code: 'custom',
            path,
            input: ref.step,
            message: `step "${ref.step}" comes after step "${step.id}", so its baseline does not exist yet when this step is checked. Fix: name this step or an earlier one with a setup (${withSetup.filter((s) => ids.indexOf(s) <= i).join(', ') || 'none so far'})`,
          });
        } else if (ref.needsSetup && !lab.steps[target]?.setup) {
          ctx.addIssue({
            code: 'custom',
            path,
            input: ref.step,
            message: `step "${ref.step}" has no setup, and baselines are recorded only when a step's setup runs. Fix: add a setup (script, label) to step "${ref.step}", or name a step that has one (${withSetup.join(', ') || 'none in this lab'})`,
          });
        }
      }
    });
  });
});

export type LabManifest = z.infer<typeof labManifestSchema>;
export type LabStep = z.infer<typeof stepSchema>;

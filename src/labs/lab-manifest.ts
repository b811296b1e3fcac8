/**
 * The lab manifest: the frontmatter of `labs/<id>/index.mdx`.
 *
 * One schema, used by the Astro content collection (build-time validation of every lab), by the
 * runner and by the `dojo` CLI, so that a lab that builds is a lab the runner can grade. Every
 * field says in its error message what was expected and how to fix it; the collection loader adds
 * the file, zod adds the field path.
 */
import { z } from 'zod';
import { checkSchema } from '../checks/registry.ts';
import { expected, idSchema } from '../shared/ids.ts';

export { expected, idSchema };

/**
 * One check of a step: `kind` picks the check from the registry in src/checks; the rest are its
 * options, validated by that kind's own schema (unknown kinds get a "did you mean" suggestion).
 */
export const checkRefSchema = checkSchema as z.ZodType<{ kind: string; [option: string]: unknown }>;

/** A "break-it" moment the runner stages before the learner works on the step. */
export const stepSetupSchema = z.strictObject({
  /** Script in the lab folder, run with bash in the workspace with the sandbox environment. */
  script: z
    .string()
    .regex(/^setup\/[\w.-]+\.sh$/, { error: expected('expected "setup.script" like "setup/held-lock.sh"') }),
  /** Button text, e.g. "Simulate the interrupted CI apply". */
  label: z.string().min(3),
});

/** One step of a lab: one outcome, graded by its checks. */
export const stepSchema = z.strictObject({
  /** Stable id used in URLs, progress records and `dojo lab check <lab> <step>`. */
  id: idSchema,
  /** Short imperative title shown in the step list. */
  title: z
    .string({ error: 'expected a step title string' })
    .min(3, { error: 'a step title needs at least 3 characters' }),
  /** The outcome in one sentence: "By the end of this step ...". */
  outcome: z.string({ error: 'expected "outcome": one sentence saying what is true at the end of the step' }).min(10),
  /** Declarative checks; a step passes when all of them pass. */
  checks: z
    .array(checkRefSchema, { error: 'expected "checks" to be a list of checks' })
    .min(1, { error: 'every step needs at least one check under "checks" (what proves the outcome?)' }),
  /** The hint ladder: a nudge (which concept), then the tool, then the shape of the answer. */
  hints: z.array(z.string().min(3)).default([]),
  setup: stepSetupSchema.optional(),
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
] as const;
export const requirementSchema = z.enum(requirements, {
  error: expected(`expected one of ${requirements.join(', ')}`),
});

export const labManifestSchema = z
  .strictObject({
    /** Title shown in the catalog and at the top of the lab page. */
    title: z.string({ error: 'expected a "title" string' }).min(3),
    /** One or two sentences for the catalog card. */
    summary: z.string({ error: 'expected a "summary" string (one or two sentences for the catalog)' }).min(10),
    /** beginner | intermediate | advanced */
    level: z.enum(levels, { error: expected(`expected "level" to be one of ${levels.join(', ')}`) }),
    /** Honest estimate of the time a learner needs. */
    minutes: z
      .number({ error: expected('expected "minutes" to be a number, e.g. minutes: 45') })
      .int()
      .positive(),
    /** Sandbox id: a file `sandboxes/<id>.ts`. */
    sandbox: idSchema,
    /** What must be installed; `dojo doctor` reports the lab runnable when all are present. */
    requires: z.array(requirementSchema).default([]),
    /** Resources the lab needs on the learner's machine, stated up front. */
    budget: z.strictObject({ ramMiB: z.number().int().positive(), diskMiB: z.number().int().positive() }).optional(),
    tags: z.array(z.string()).default([]),
    /** Ids of interview entries (files in interview/) this lab gives hands-on evidence for. */
    interview: z.array(idSchema).default([]),
    /** Display order in the catalog (lower first). */
    order: z.number().int().default(100),
    steps: z
      .array(stepSchema, { error: 'expected "steps" to be a list of { id, title, outcome, checks }' })
      .min(1, { error: 'a lab needs at least one step under "steps"' }),
  })
  .superRefine((lab, ctx) => {
    const seen = new Set<string>();
    lab.steps.forEach((step, i) => {
      if (seen.has(step.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'id'],
          message: `duplicate step id "${step.id}": every step id must be unique within the lab; rename one of them`,
        });
      }
      seen.add(step.id);
    });
  });

export type LabManifest = z.infer<typeof labManifestSchema>;
export type LabStep = z.infer<typeof stepSchema>;

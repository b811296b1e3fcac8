import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labManifestSchema } from '../../src/labs/lab-manifest.ts';
import { describeIssues, ValidationError } from '../../src/shared/friendly-error.ts';
import { loadLab, loadLabs, splitFrontmatter } from '../../src/labs/load-labs.ts';
import { LabValidationError } from '../../src/labs/lab-problems.ts';
import { labsDir, repoRoot } from '../../src/shared/paths.ts';

const broken = path.join(repoRoot, 'test', 'fixtures', 'labs-broken');

const valid = {
  title: 'A lab',
  summary: 'A summary long enough.',
  level: 'beginner',
  minutes: 10,
  sandbox: 'aws-emulator',
  steps: [
    {
      id: 'one',
      title: 'Step one',
      outcome: 'Something is true afterwards.',
      checks: [{ kind: 'command', run: 'true' }],
    },
  ],
};
const step = valid.steps[0]!;

describe('lab manifest schema', () => {
  it('accepts a minimal lab and fills defaults', () => {
    const lab = labManifestSchema.parse(valid);
    expect(lab.tags).toEqual([]);
    expect(lab.requires).toEqual([]);
    expect(lab.steps[0]?.hints).toEqual([]);
  });

  it('validates each check with the schema of its kind and suggests the closest kind', () => {
    const typo = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 'terraform.resouce', address: 'x' }] }],
    });
    expect(describeIssues(typo.error!)[0]).toMatch(
      /^steps\[0\]\.checks\[0\]\.kind: unknown check kind "terraform\.resouce"\. Fix: did you mean "terraform\.resource"\?/,
    );
    const badOption = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 's3.bucket', bucket: 'b', versioning: 'On' }] }],
    });
    expect(describeIssues(badOption.error!)[0]).toMatch(
      /^steps\[0\]\.checks\[0\]\.versioning: expected "versioning" to be Enabled, Suspended or Disabled/,
    );
    const noChecks = labManifestSchema.safeParse({ ...valid, steps: [{ ...step, checks: [] }] });
    expect(describeIssues(noChecks.error!)[0]).toMatch(
      /^steps\[0\]\.checks: every step needs at least one check under "checks"\. Fix: add the check/,
    );
    const noTarget = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 'terraform.resource' }] }],
    });
    expect(describeIssues(noTarget.error!)[0]).toMatch(/expected "address" or "type".*Fix: add address:/);
  });

  it('names an unknown field, the nearest allowed one and every allowed field', () => {
    const r = labManifestSchema.safeParse({
      ...valid,
      steps: [
        {
          ...step,
          checks: [{ kind: 'terraform.resource', address: 'a.b', attributes: [{ path: 'input', equal: 1 }] }],
        },
      ],
    });
    expect(describeIssues(r.error!)).toContain(
      'steps[0].checks[0].attributes[0]: unknown field "equal". Fix: did you mean "equals"? Allowed fields here: path, equals, ordered, contains, matches, exists',
    );
    const top = labManifestSchema.safeParse({ ...valid, titel: 'typo' });
    expect(describeIssues(top.error!).join('\n')).toMatch(/unknown field "titel"\. Fix: did you mean "title"\?/);
  });

  it('compiles regular expressions when the lab loads', () => {
    const r = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 'command', run: 'true', stdoutMatches: '^10\\.40\\.(' }] }],
    });
    expect(describeIssues(r.error!)[0]).toMatch(
      /^steps\[0\]\.checks\[0\]\.stdoutMatches: not a valid regular expression: .*Unterminated group\. Fix: escape/,
    );
  });

  it('checks that baseline.step names an earlier or the same step, with a setup', () => {
    const setupStep = { ...step, id: 'held-lock', setup: { script: 'setup/held-lock.sh', label: 'Break it' } };
    const meta = (target: string) => ({
      ...step,
      id: 'verify',
      checks: [{ kind: 'terraform.stateMeta', baseline: { step: target, lineage: 'unchanged' } }],
    });
    const ok = labManifestSchema.safeParse({ ...valid, steps: [setupStep, meta('held-lock')] });
    expect(ok.success).toBe(true);
    const typo = labManifestSchema.safeParse({ ...valid, steps: [setupStep, meta('held-lok')] });
    expect(describeIssues(typo.error!)[0]).toBe(
      'steps[1].checks[0].baseline.step: no step "held-lok" in this lab. Fix: Did you mean "held-lock"? Steps with a setup: held-lock',
    );
    const noSetup = labManifestSchema.safeParse({ ...valid, steps: [setupStep, meta('one')] });
    expect(describeIssues(noSetup.error!)[0]).toMatch(/no step "one"/);
    const plain = labManifestSchema.safeParse({ ...valid, steps: [step, setupStep, meta('one')] });
    expect(describeIssues(plain.error!)[0]).toMatch(
      /^steps\[2\]\.checks\[0\]\.baseline\.step: step "one" has no setup, and baselines are recorded only when a step's setup runs\. Fix: add a setup/,
    );
    const later = labManifestSchema.safeParse({ ...valid, steps: [meta('held-lock'), setupStep] });
    expect(describeIssues(later.error!)[0]).toMatch(/step "held-lock" comes after step "verify"/);
  });

  it('says a too-short summary is too short, not that it is not a string', () => {
    const r = labManifestSchema.safeParse({ ...valid, summary: 'scratch' });
    expect(describeIssues(r.error!)[0]).toMatch(
      /^summary: "summary" is too short \(at least 10 characters\)\. Fix: write one or two sentences/,
    );
  });

  it('rejects duplicate step ids at the second occurrence', () => {
    const r = labManifestSchema.safeParse({ ...valid, steps: [step, { ...step, title: 'Again' }] });
    expect(describeIssues(r.error!)).toEqual([
      'steps[1].id: duplicate step id "one": every step id must be unique within the lab. Fix: rename one of them',
    ]);
  });

  it('rejects a lab without steps and a step id that is not kebab-case', () => {
    expect(describeIssues(labManifestSchema.safeParse({ ...valid, steps: [] }).error!)[0]).toMatch(
      /^steps: a lab needs at least one step under "steps"\. Fix:/,
    );
    const r = labManifestSchema.safeParse({ ...valid, steps: [{ ...step, id: 'Step One' }] });
    expect(describeIssues(r.error!)[0]).toMatch(/^steps\[0\]\.id: expected a kebab-case id .* found "Step One"$/);
  });
});

/** The problems of one broken fixture, as the loader reports them. */
async function problemsOf(name: string): Promise<string> {
  const err = await loadLab(broken, name).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabValidationError);
  return (err as LabValidationError).problems.join('\n');
}

describe('loading labs from disk', () => {
  it('loads the real labs folder, with the sandbox description and wrong answers of each lab', async () => {
    const { labs, errors } = await loadLabs(labsDir);
    expect(errors).toEqual([]);
    const ts = labs.find((l) => l.id === 'terraform-state');
    expect(ts?.sandbox?.provides?.tools).toContain('terraform-or-tofu');
    expect(ts?.wrong['recover-state']).toEqual([
      'wrong/recover-state/push-old-version-with-force.sh',
      'wrong/recover-state/reapply-instead-of-restore.sh',
    ]);
  });

  it('reports each broken lab with its file and keeps going', async () => {
    const { labs, errors } = await loadLabs(broken);
    expect(labs).toEqual([]);
    expect(errors.map((e) => path.basename(path.dirname(e.file)))).toContain('bad-fields');
    expect(errors).toHaveLength(14);
  });

  // Each case: the fixture, then the file:line, field and the lines that must follow.
  const cases: [string, RegExp][] = [
    [
      'invalid-regex',
      /index\.mdx:30 step "held-lock" › steps\[1\]\.checks\[1\]\.attributes\[0\]\.matches \(terraform\.resource\)\n {4}problem: not a valid regular expression: \/\^10\\\.40\\\.\(\/: Unterminated group\n {4}found: {3}'\^10\\\.40\\\.\('\n {4}fix: {5}escape/,
    ],
    [
      'missing-solution',
      /index\.mdx:18 step "held-lock" › steps\[1\]\.id\n {4}problem: no solution script solution\/held-lock\.sh for this step\n {4}found: {3}solution\/ has write-runbook\.sh\n {4}fix: {5}add solution\/held-lock\.sh/,
    ],
    [
      'missing-setup',
      /index\.mdx:22 step "held-lock" › steps\[1\]\.setup\.script\n {4}problem: the setup script setup\/held-lock\.sh does not exist\n {4}found: {3}setup\/ has no \.sh files\n {4}fix: {5}add setup\/held-lock\.sh/,
    ],
    [
      'baseline-unknown-step',
      /index\.mdx:26 step "held-lock" › steps\[1\]\.checks\[0\]\.baseline\.step \(terraform\.stateMeta\)\n {4}problem: no step "held-lok" in this lab\n {4}found: {3}held-lok\n {4}fix: {5}Did you mean "held-lock"\?/,
    ],
    [
      'baseline-no-setup',
      /index\.mdx:26 step "held-lock" › steps\[1\]\.checks\[0\]\.baseline\.step \(terraform\.stateMeta\)\n {4}problem: step "write-runbook" has no setup, and baselines are recorded only when a step's setup runs\n {4}found: {3}write-runbook\n {4}fix: {5}add a setup/,
    ],
    [
      'sandbox-typo',
      /index\.mdx:6 sandbox\n {4}problem: no sandbox "loacl": no loacl\.ts in .*\n {4}found: {3}sandbox: loacl\n {4}fix: {5}did you mean "local"\? Sandboxes: .*terraform/,
    ],
    [
      'equal-typo',
      /index\.mdx:30 step "held-lock" › steps\[1\]\.checks\[1\]\.attributes\[0\]\.equal \(terraform\.resource\)\n {4}problem: unknown field "equal"\n {4}found: {3}equal: '10\.40\.0\.0\/16'\n {4}fix: {5}did you mean "equals"\? Allowed fields here: path, equals, ordered, contains, matches, exists$/,
    ],
    [
      'unknown-key',
      /index\.mdx:16 step "write-runbook" › steps\[0\]\.hint\n {4}problem: unknown field "hint"\n {4}found: {3}hint: - 'git init, git add, git commit\.'\n {4}fix: {5}did you mean "hints"\? Allowed fields here: id, title, outcome, checks, hints, setup/,
    ],
    [
      'short-summary',
      /index\.mdx:3 summary\n {4}problem: "summary" is too short \(at least 10 characters\)\n {4}found: {3}scratch\n {4}fix: {5}write one or two sentences/,
    ],
    [
      'step-section',
      /index\.mdx:41 body <Step id="held-lok">\n {4}problem: the section names no step of the frontmatter\n {4}found: {3}<Step id="held-lok">; steps: write-runbook, held-lock\n {4}fix: {5}did you mean <Step id="held-lock">\?/,
    ],
    [
      'requires-not-provided',
      /index\.mdx:7 requires\[1\]\n {4}problem: sandbox "local" does not provide terraform-or-tofu \(no \$TF in its environment, so scripts using "\$TF" fail\)\n {4}found: {3}sandbox local provides git, conftest, kubeconform\n {4}fix: {5}use a sandbox that provides terraform-or-tofu: .*terraform/,
    ],
  ];
  it.each(cases)('%s: file:line, step, field, found and fix', async (name, expected) => {
    const text = await problemsOf(name);
    expect(text).toContain(path.join(name, 'index.mdx'));
    expect(text).toMatch(expected);
  });

  it('reports only the unknown field when it is the cause of the object-level rule failing', async () => {
    const text = await problemsOf('equal-typo');
    expect(text).not.toMatch(/exactly one of/);
  });

  it('requires a <Step> section in the body for every step', async () => {
    const { labs } = await loadLabs(labsDir);
    expect(labs.length).toBeGreaterThan(0); // every real lab has its sections (loadLabs would report it)
  });

  it('explains a missing frontmatter block and bad YAML with its line', async () => {
    expect(() => splitFrontmatter('# no frontmatter', 'x.mdx')).toThrow(ValidationError);
    const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dojo-yaml-'));
    try {
      await mkdir(path.join(dir, 'bad-yaml'));
      await writeFile(path.join(dir, 'bad-yaml', 'index.mdx'), '---\ntitle: A lab\nsteps: [unclosed\n---\n');
      await expect(loadLab(dir, 'bad-yaml')).rejects.toThrow(
        /index\.mdx:\d+ \(frontmatter\)\n {4}problem: the YAML does not parse/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says how to find labs when asked for one that does not exist', async () => {
    await expect(loadLab(labsDir, 'no-such-lab')).rejects.toThrow(/dojo lab list/);
  });
});

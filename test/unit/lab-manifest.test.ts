import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labManifestSchema } from '../../src/labs/lab-manifest.ts';
import { describeIssues, ValidationError } from '../../src/shared/friendly-error.ts';
import { loadLab, loadLabs, splitFrontmatter } from '../../src/labs/load-labs.ts';
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

describe('lab manifest schema', () => {
  it('accepts a minimal lab and fills defaults', () => {
    const lab = labManifestSchema.parse(valid);
    expect(lab.tags).toEqual([]);
    expect(lab.requires).toEqual([]);
    expect(lab.steps[0]?.hints).toEqual([]);
  });

  it('validates each check with the schema of its kind and suggests the closest kind', () => {
    const step = valid.steps[0]!;
    const typo = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 'terraform.resouce', address: 'x' }] }],
    });
    expect(describeIssues(typo.error!)[0]).toMatch(
      /^steps\[0\]\.checks\[0\]\.kind: unknown check kind "terraform\.resouce"; did you mean "terraform\.resource"\?/,
    );
    const badOption = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 's3.bucket', bucket: 'b', versioning: 'On' }] }],
    });
    expect(describeIssues(badOption.error!)[0]).toMatch(/^steps\[0\]\.checks\[0\]\.versioning: s3\.bucket: /);
    const noChecks = labManifestSchema.safeParse({ ...valid, steps: [{ ...step, checks: [] }] });
    expect(describeIssues(noChecks.error!)).toEqual([
      'steps[0].checks: every step needs at least one check under "checks" (what proves the outcome?)',
    ]);
    const noTarget = labManifestSchema.safeParse({
      ...valid,
      steps: [{ ...step, checks: [{ kind: 'terraform.resource' }] }],
    });
    expect(describeIssues(noTarget.error!)[0]).toMatch(/give either "address" or "type"/);
  });

  it('names the field, what was expected and what was found', () => {
    const r = labManifestSchema.safeParse({ ...valid, level: 'expert', minutes: 'forty' });
    expect(r.success).toBe(false);
    const lines = describeIssues(r.error!);
    expect(lines).toContain('level: expected "level" to be one of beginner, intermediate, advanced, found "expert"');
    expect(
      lines.some((l) => l.startsWith('minutes: expected "minutes" to be a number') && l.includes('found "forty"')),
    ).toBe(true);
  });

  it('rejects duplicate step ids at the second occurrence', () => {
    const step = valid.steps[0]!;
    const r = labManifestSchema.safeParse({ ...valid, steps: [step, { ...step, title: 'Again' }] });
    expect(r.success).toBe(false);
    expect(describeIssues(r.error!)).toEqual([
      'steps[1].id: duplicate step id "one": every step id must be unique within the lab; rename one of them',
    ]);
  });

  it('rejects unknown keys instead of ignoring them', () => {
    const r = labManifestSchema.safeParse({ ...valid, titel: 'typo' });
    expect(r.success).toBe(false);
    expect(describeIssues(r.error!).join('\n')).toMatch(/titel/);
  });

  it('rejects a lab without steps and a step id that is not kebab-case', () => {
    expect(describeIssues(labManifestSchema.safeParse({ ...valid, steps: [] }).error!)).toEqual([
      'steps: a lab needs at least one step under "steps"',
    ]);
    const r = labManifestSchema.safeParse({ ...valid, steps: [{ ...valid.steps[0], id: 'Step One' }] });
    expect(describeIssues(r.error!)[0]).toMatch(/^steps\[0\]\.id: expected a kebab-case id .* found "Step One"$/);
  });
});

describe('loading labs from disk', () => {
  it('loads the real labs folder', async () => {
    const { labs, errors } = await loadLabs(labsDir);
    expect(errors).toEqual([]);
    expect(labs.map((l) => l.id)).toContain('terraform-state');
  });

  it('reports each broken lab with its file and keeps going', async () => {
    const { labs, errors } = await loadLabs(broken);
    expect(labs).toEqual([]);
    expect(errors.map((e) => path.basename(path.dirname(e.file)))).toEqual(['bad-fields', 'dup-steps', 'unknown-kind']);
    expect(errors[0]?.message).toMatch(/bad-fields\/index\.mdx is not valid/);
  });

  it('requires a <Step> section in the body for every step', async () => {
    const { errors } = await loadLabs(broken);
    const dup = errors.find((e) => e.file.includes('dup-steps'));
    expect(dup?.problems).toEqual([
      'steps[1].id: duplicate step id "apply": every step id must be unique within the lab; rename one of them',
    ]);
    const { labs } = await loadLabs(labsDir);
    expect(labs.length).toBeGreaterThan(0); // every real lab has its sections (loadLabs would report it)
  });

  it('explains a missing frontmatter block and bad YAML', () => {
    expect(() => splitFrontmatter('# no frontmatter', 'x.mdx')).toThrow(ValidationError);
    expect(() => splitFrontmatter('---\ntitle: [unclosed\n---\n', 'x.mdx')).toThrow(/the YAML does not parse/);
  });

  it('says how to find labs when asked for one that does not exist', async () => {
    await expect(loadLab(labsDir, 'no-such-lab')).rejects.toThrow(/dojo lab list/);
  });
});

import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import { regexOption } from './regex-option.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { CheckEnvironmentError, defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';

const schema = strictFields({
  kind: z.literal('git.commit'),
  repo: z.string().default('.').describe('Repository folder relative to the workspace.'),
  ref: z.string().default('HEAD').describe('Branch or ref whose history is examined.'),
  messageMatches: regexOption('i')
    .optional()
    .describe('Some commit on the ref has a message matching this (case-insensitive).'),
  minCommits: z.number().int().positive().optional().describe('The ref has at least this many commits.'),
  paths: z.array(z.string()).default([]).describe('These paths are tracked at the ref.'),
  clean: z.boolean().optional().describe('No uncommitted changes to tracked files.'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export interface GitEvidence {
  isRepo: boolean;
  commits: { sha: string; subject: string }[];
  tracked: string[];
  dirty: string[];
}

export function judgeGit(o: Options, ev: GitEvidence): Assertion[] {
  const repo = o.repo === '.' ? 'the workspace' : o.repo;
  if (!ev.isRepo) {
    return [
      {
        ok: false,
        expected: `a Git repository in ${repo}`,
        found: 'not a Git repository',
        message: `${repo} is not a Git repository`,
        hint: o.hint ?? 'Run "git init" there (or clone the lab repository).',
      },
    ];
  }
  const out: Assertion[] = [];
  if (o.minCommits !== undefined) {
    out.push({
      ok: ev.commits.length >= o.minCommits,
      expected: `at least ${o.minCommits} commit(s) on ${o.ref}`,
      found: `${ev.commits.length} commit(s)`,
      message: `${ev.commits.length} commit(s) on ${o.ref}`,
      hint: o.hint ?? 'Commit your change (git add, git commit).',
    });
  }
  if (o.messageMatches !== undefined) {
    const re = new RegExp(o.messageMatches, 'i');
    const hit = ev.commits.find((c) => re.test(c.subject));
    out.push({
      ok: hit !== undefined,
      expected: `a commit on ${o.ref} whose message matches /${o.messageMatches}/i`,
      found: hit
        ? `${hit.sha.slice(0, 7)} ${hit.subject}`
        : ev.commits.length
          ? `latest: ${ev.commits
              .slice(0, 3)
              .map((c) => `"${c.subject}"`)
              .join(', ')}`
          : 'no commits',
      message: hit
        ? `found commit ${hit.sha.slice(0, 7)} "${hit.subject}"`
        : `no commit message matches /${o.messageMatches}/i`,
      hint: o.hint ?? 'Commit with a message that says what changed.',
    });
  }
  for (const p of o.paths) {
    const ok = ev.tracked.includes(p);
    out.push({
      ok,
      expected: `${p} committed on ${o.ref}`,
      found: ok ? 'tracked' : 'not in the commit tree',
      message: ok ? `${p} is committed` : `${p} is not committed on ${o.ref}`,
      hint: o.hint ?? `git add ${p} && git commit`,
    });
  }
  if (o.clean !== undefined) {
    const clean = ev.dirty.length === 0;
    out.push({
      ok: clean === o.clean,
      expected: o.clean ? 'no uncommitted changes' : 'uncommitted changes',
      found: clean ? 'working tree clean' : `uncommitted: ${ev.dirty.slice(0, 5).join(', ')}`,
      message: clean ? 'working tree clean' : `${ev.dirty.length} uncommitted change(s)`,
      hint: o.hint ?? 'Commit (or discard) the changes.',
    });
  }
  return out;
}

export const gitCommit = defineCheck({
  kind: 'git.commit',
  title: 'Git history in the workspace: commits on a ref, message patterns, committed paths, clean tree.',
  schema,
  example: { kind: 'git.commit', messageMatches: 'versioning', paths: ['backend.tf'], clean: true },
  async run(o, ctx) {
    const cwd = path.resolve(ctx.workspace, o.repo);
    if (!cwd.startsWith(path.resolve(ctx.workspace)))
      throw new CheckEnvironmentError(`repo "${o.repo}" points outside the workspace`);
    const git = (args: string[]) =>
      execa('git', args, { cwd, reject: false, env: ctx.env, cancelSignal: ctx.signal, stdin: 'ignore' });
    const top = await git(['rev-parse', '--show-toplevel']);
    if (top.exitCode !== 0 || path.resolve(String(top.stdout).trim()) !== cwd) {
      return judgeGit(o, { isRepo: false, commits: [], tracked: [], dirty: [] });
    }
    const log = await git(['log', '--format=%H%x09%s', '-n', '200', o.ref]);
    const commits =
      log.exitCode === 0
        ? String(log.stdout)
            .split('\n')
            .filter(Boolean)
            .map((l) => {
              const [sha = '', ...rest] = l.split('\t');
              return { sha, subject: rest.join('\t') };
            })
        : [];
    const files = await git(['ls-tree', '-r', '--name-only', o.ref]);
    const status = await git(['status', '--porcelain', '--untracked-files=no']);
    return judgeGit(o, {
      isRepo: true,
      commits,
      tracked: files.exitCode === 0 ? String(files.stdout).split('\n').filter(Boolean) : [],
      dirty: String(status.stdout)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3)),
    });
  },
});

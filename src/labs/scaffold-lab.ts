/**
 * `dojo lab new <id>`: a lab folder that builds and passes its self-test from the first minute,
 * so an author starts from green and changes one thing at a time.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { idSchema } from '../shared/ids.ts';
import { UsageError } from '../cli/usage-error.ts';

export async function scaffoldLab(labsDir: string, id: string): Promise<string> {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) throw new UsageError(`lab id: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const dir = path.join(labsDir, id);
  if (existsSync(dir)) throw new UsageError(`${dir} already exists; choose another id or edit that lab`);
  await mkdir(path.join(dir, 'starter'), { recursive: true });
  await mkdir(path.join(dir, 'solution'), { recursive: true });
  const title = id.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
  await writeFile(
    path.join(dir, 'index.mdx'),
    `---
title: '${title}'
summary: 'One or two sentences for the catalog: what the learner builds and why it matters.'
level: beginner
minutes: 10
sandbox: local
order: 100
requires: [git]
tags: []
steps:
  - id: first-commit
    title: Commit the runbook
    outcome: 'RUNBOOK.md is committed in a Git repository in the workspace.'
    checks:
      - kind: git.commit
        paths: [RUNBOOK.md]
        messageMatches: runbook
    hints:
      - 'A workspace becomes a repository with one command.'
      - 'git init, then git add and git commit.'
      - 'Write a commit message that mentions the runbook.'
---

Say who the learner is and what problem they solve, then what they will see. Each step in the
frontmatter has one outcome, checks that prove it from real evidence, and a hint ladder; its
instructions go in a <Step> section below.

<Step id="first-commit">

The on-call runbook in your workspace exists only on your disk. Put it under version control:
make the workspace a Git repository and commit \`RUNBOOK.md\` with a message that says what it is.

</Step>

Run \`npx dojo lab test ${id}\` after every change: the checks must fail on the starter and pass
after each solution in solution/<step>.sh.
`,
  );
  await writeFile(path.join(dir, 'starter', 'RUNBOOK.md'), '# Runbook\n\nWhat to do when the pager goes off.\n');
  const solution = path.join(dir, 'solution', 'first-commit.sh');
  await writeFile(
    solution,
    `#!/usr/bin/env bash
set -euo pipefail
git init -q -b main
git add RUNBOOK.md
git -c user.name=Learner -c user.email=learner@example.com commit -q -m "Add the on-call runbook"
`,
  );
  await chmod(solution, 0o755);
  return dir;
}

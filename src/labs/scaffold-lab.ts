/**
 * `dojo lab new <id> [--template git|terraform]`: a lab folder that builds and passes its
 * self-test from the first minute, so an author starts from green and changes one thing at a time.
 * A test builds the site with each template present and self-tests it (test/integration).
 *
 * The templates' prose is MDX: `<Step>`, `{` and `<` outside code would be parsed as JSX, so every
 * such mention sits in backticks.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { idSchema } from '../shared/ids.ts';
import { UsageError } from '../cli/usage-error.ts';

export const labTemplates = ['git', 'terraform'] as const;
export type LabTemplate = (typeof labTemplates)[number];

type Files = Record<string, string>;

const script = (comment: string, body: string) => `#!/usr/bin/env bash\n# ${comment}\nset -euo pipefail\n${body}`;

function footer(id: string): string {
  return `
Run \`npx dojo lab test ${id}\` after every change: each step must fail on the starter and just before
its solution, pass after its solution (\`solution/<step>.sh\`), and reject every wrong answer in
\`wrong/<step>/\`. The authoring guide (\`/authoring/\` on the site) lists every field and check kind.
`;
}

function gitTemplate(id: string, title: string): Files {
  return {
    'index.mdx': `---
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
    outcome: '\`RUNBOOK.md\` is committed in a Git repository in the workspace.'
    checks:
      - kind: git.commit
        paths: [RUNBOOK.md]
        messageMatches: runbook
    hints:
      - 'A workspace becomes a repository with one command.'
      - 'Run \`git init\`, then \`git add\` and \`git commit\`.'
      - 'Write a commit message that mentions the *runbook*.'
---

Say who the learner is and what problem they solve, then what they will see. Each step in the
frontmatter has one outcome, checks that prove it from real evidence, and a hint ladder; its
instructions go in a \`<Step id="…">\` section below.

<Step id="first-commit">

The on-call runbook in your workspace exists only on your disk. Put it under version control:
make the workspace a Git repository and commit \`RUNBOOK.md\` with a message that says what it is.

</Step>
${footer(id)}`,
    'starter/RUNBOOK.md': '# Runbook\n\nWhat to do when the pager goes off.\n',
    'solution/first-commit.sh': script(
      'Step 1: a repository with the runbook committed.',
      `git init -q -b main
git add RUNBOOK.md
git -c user.name=Learner -c user.email=learner@example.com commit -q -m "Add the on-call runbook"
`,
    ),
    'wrong/first-commit/commit-without-message.sh': script(
      'Wrong answer: the runbook is committed, but the message says nothing about it.',
      `git init -q -b main
git add RUNBOOK.md
git -c user.name=Learner -c user.email=learner@example.com commit -q -m "wip"
`,
    ),
  };
}

function terraformTemplate(id: string, title: string): Files {
  return {
    'index.mdx': `---
title: '${title}'
summary: 'Apply a small configuration, then move a resource into a module without destroying it.'
level: intermediate
minutes: 20
sandbox: terraform
order: 100
requires: [terraform-or-tofu]
tags: [terraform, opentofu, refactoring]
steps:
  - id: apply
    title: Apply the queue
    outcome: 'The \`orders\` queue is in state and the \`queue_name\` output reads \`orders\`.'
    checks:
      - kind: terraform.resource
        address: terraform_data.queue
        attributes:
          - { path: input.name, equals: orders }
      - kind: terraform.output
        name: queue_name
        equals: orders
    hints:
      - 'A new workspace is initialised once, then applied.'
      - 'Run \`$TF init\`, then \`$TF apply\`.'
      - '\`$TF state list\` then shows \`terraform_data.queue\`.'
  - id: move-into-module
    title: Move the queue into a module
    outcome: 'The queue lives at \`module.queue.terraform_data.this\` with the same id as before: nothing was destroyed.'
    setup:
      script: setup/fill-queue.sh
      label: 'Fill the queue with messages'
    checks:
      - kind: terraform.resource
        address: module.queue.terraform_data.this
        attributes:
          - { path: input.name, equals: orders }
      - kind: terraform.stateMeta
        baseline: { step: move-into-module, resources: kept }
      - kind: terraform.noDrift
    hints:
      - 'Renaming a resource in code makes Terraform destroy the old one and create a new one, unless you tell it the object moved.'
      - 'A \`moved\` block with \`from\` (the old address) and \`to\` (the new one) records the move.'
      - 'Shape: \`moved { from = terraform_data.queue  to = module.queue.terraform_data.this }\`, then \`$TF apply\`: the plan shows *has moved to* and nothing to destroy.'
---

Say who the learner is and what problem they solve, then what they will see. \`$TF\` is terraform or
tofu, whichever the sandbox found. Each step in the frontmatter has one outcome, checks that prove
it from real evidence, and a hint ladder; its instructions go in a \`<Step id="…">\` section below.

<Step id="apply">

Your workspace holds \`main.tf\` with one \`terraform_data\` resource standing in for a message queue.
Initialise and apply it:

\`\`\`sh
$TF init
$TF apply
\`\`\`

</Step>

<Step id="move-into-module">

Press **Fill the queue with messages**: from now on, destroying the queue loses them. Move the queue
into a module \`modules/queue\` (as \`terraform_data.this\`, called as \`module "queue"\`) without
destroying it, and apply. The plan must show the move and nothing to destroy.

</Step>
${footer(id)}`,
    'starter/main.tf': `terraform {
  required_version = ">= 1.6.0"
}

# Stands in for a message queue: a real resource with an id, from the built-in provider.
resource "terraform_data" "queue" {
  input = {
    name           = "orders"
    retention_days = 7
  }
}

output "queue_name" {
  value = terraform_data.queue.output.name
}
`,
    'setup/fill-queue.sh': script(
      'The queue now holds messages; the engine records the state before and after this script (the baseline).',
      `echo "1842 messages are waiting in the orders queue: do not destroy it."
`,
    ),
    'solution/apply.sh': script(
      'Step 1: initialise and apply.',
      `"$TF" init -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color
`,
    ),
    'solution/move-into-module.sh': `${script(
      'Step 2: the resource moves into a module; a moved block keeps the object (same id, nothing destroyed).',
      `mkdir -p modules/queue
cat > modules/queue/main.tf <<'HCL'
variable "name" {
  type = string
}

resource "terraform_data" "this" {
  input = {
    name           = var.name
    retention_days = 7
  }
}

output "name" {
  value = terraform_data.this.output.name
}
HCL
cat > main.tf <<'HCL'
terraform {
  required_version = ">= 1.6.0"
}

module "queue" {
  source = "./modules/queue"
  name   = "orders"
}

moved {
  from = terraform_data.queue
  to   = module.queue.terraform_data.this
}

output "queue_name" {
  value = module.queue.name
}
HCL
"$TF" init -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color
`,
    )}`,
    'wrong/move-into-module/recreate-without-moved.sh': script(
      'Wrong answer: the code moves, but without a moved block: apply destroys the queue and creates a new one.',
      `mkdir -p modules/queue
cat > modules/queue/main.tf <<'HCL'
variable "name" {
  type = string
}

resource "terraform_data" "this" {
  input = {
    name           = var.name
    retention_days = 7
  }
}

output "name" {
  value = terraform_data.this.output.name
}
HCL
cat > main.tf <<'HCL'
terraform {
  required_version = ">= 1.6.0"
}

module "queue" {
  source = "./modules/queue"
  name   = "orders"
}

output "queue_name" {
  value = module.queue.name
}
HCL
"$TF" init -input=false -no-color
"$TF" apply -auto-approve -input=false -no-color
`,
    ),
  };
}

/** The files a template writes, by path relative to the lab folder (the authoring guide shows them). */
export function labTemplateFiles(template: LabTemplate, id: string): Record<string, string> {
  const title = id.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
  return template === 'terraform' ? terraformTemplate(id, title) : gitTemplate(id, title);
}

export async function scaffoldLab(labsDir: string, id: string, template: LabTemplate = 'git'): Promise<string> {
  const parsed = idSchema.safeParse(id);
  if (!parsed.success) throw new UsageError(`lab id: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const dir = path.join(labsDir, id);
  if (existsSync(dir)) throw new UsageError(`${dir} already exists; choose another id or edit that lab`);
  const files = labTemplateFiles(template, id);
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    if (rel.endsWith('.sh')) await chmod(file, 0o755);
  }
  return dir;
}

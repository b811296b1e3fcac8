/**
 * Sandbox "terraform": the workspace with terraform or tofu as $TF, and no services. For labs
 * about Terraform itself (state, refactoring with moved blocks, drift, outputs) built on
 * `terraform_data` and other built-in resources, which need no provider download and no cloud.
 * Labs that need an AWS API use "aws-emulator" instead.
 */
import path from 'node:path';
import { chooseTerraformCli } from '../src/sandbox/terraform-cli.ts';
import { toolEnv } from '../src/sandbox/which.ts';
import type { Sandbox, SandboxStartOptions, StartedSandbox } from '../src/sandbox/sandbox.ts';
import type { SandboxProvides } from '../src/sandbox/sandbox-provides.ts';

/** What labs may rely on (validated against a lab's `requires` when it loads). */
export const provides = {
  env: {
    PATH: 'your PATH, then the tools scripts/toolchain.sh installed in .toolchain/',
    TF: "the terraform or tofu binary: DOJO_TERRAFORM=terraform|tofu chooses; else the one the lab's first sandbox used while it is installed; else tofu first",
    DOJO_TERRAFORM: 'which flavour $TF is: terraform or tofu',
    CHECKPOINT_DISABLE: '1 (no version check calls home)',
  },
  tools: ['git', 'terraform-or-tofu', 'conftest', 'kubeconform'],
  services: {},
} satisfies SandboxProvides;

const terraform: Sandbox = {
  id: 'terraform',
  title: 'Terraform or OpenTofu in the workspace (no services)',
  async start(options: SandboxStartOptions): Promise<StartedSandbox> {
    options.onProgress?.({ phase: 'find-tools', message: 'Looking for terraform or tofu', percent: 20 });
    // Per lab and sticky: installing tofu later does not switch a lab begun with terraform.
    const { cli, reason } = await chooseTerraformCli({
      dojoHome: options.dojoHome,
      lab: path.basename(options.workspace),
    });
    options.onProgress?.({ phase: 'ready', message: `${cli.flavor} ${cli.version}`, percent: 100 });
    const stop = () => Promise.resolve();
    return {
      id: 'terraform',
      env: {
        PATH: toolEnv().PATH ?? '',
        TF: cli.binary,
        DOJO_TERRAFORM: cli.flavor,
        TF_IN_AUTOMATION: '',
        CHECKPOINT_DISABLE: '1',
      },
      pids: [],
      services: { Terraform: `${cli.flavor} ${cli.version} (${cli.binary})`, 'Terraform choice': reason },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  },
};

export default terraform;

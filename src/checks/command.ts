import { execa } from 'execa';
import { z } from 'zod';
import { regexOption } from './regex-option.ts';
import { strictFields } from '../shared/strict-fields.ts';
import type { Assertion } from '../shared/check-result.ts';
import { defineCheck } from './check-kind.ts';
import { checkBase } from './check-base.ts';

const schema = strictFields({
  kind: z.literal('command'),
  run: z.string().describe('Shell command, run with sh -c in the workspace with the sandbox environment.'),
  exitCode: z.number().int().default(0).describe('The exit code the command must end with (default 0).'),
  stdoutContains: z.string().optional().describe('Its standard output contains this text.'),
  stdoutMatches: regexOption('m')
    .optional()
    .describe('Its standard output matches this regular expression (multi-line: ^ and $ match at each line).'),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(300_000)
    .default(30_000)
    .describe('How long the command may run, in milliseconds (default 30000, at most 300000).'),
  describe: z
    .string()
    .optional()
    .describe('What the command proves, in words, for messages ("the lock table exists").'),
  ...checkBase,
});
type Options = z.output<typeof schema>;

export function judgeCommand(
  o: Options,
  r: { exitCode: number; stdout: string; stderr: string; timedOut: boolean },
): Assertion[] {
  const what = o.describe ?? `\`${o.run}\``;
  const tail = (s: string) => s.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  const out: Assertion[] = [
    {
      ok: !r.timedOut && r.exitCode === o.exitCode,
      expected: `${what}: exit code ${o.exitCode}`,
      found: r.timedOut
        ? `no result within ${o.timeoutMs} ms`
        : `exit code ${r.exitCode}${r.stderr.trim() ? `: ${tail(r.stderr)}` : ''}`,
      message:
        r.exitCode === o.exitCode && !r.timedOut
          ? `${what}: ok`
          : `${what}: expected exit ${o.exitCode}, found ${r.timedOut ? 'a timeout' : r.exitCode}`,
      hint: o.hint,
    },
  ];
  if (o.stdoutContains !== undefined) {
    const ok = r.stdout.includes(o.stdoutContains);
    out.push({
      ok,
      expected: `${what} prints ${JSON.stringify(o.stdoutContains)}`,
      found: ok ? 'it does' : `output: ${tail(r.stdout) || '(none)'}`,
      message: ok ? `${what}: output as expected` : `${what}: output lacks ${JSON.stringify(o.stdoutContains)}`,
      hint: o.hint,
    });
  }
  if (o.stdoutMatches !== undefined) {
    const ok = new RegExp(o.stdoutMatches, 'm').test(r.stdout);
    out.push({
      ok,
      expected: `${what} output matches /${o.stdoutMatches}/`,
      found: ok ? 'it does' : `output: ${tail(r.stdout) || '(none)'}`,
      message: ok ? `${what}: output as expected` : `${what}: output does not match`,
      hint: o.hint,
    });
  }
  return out;
}

export const command = defineCheck({
  kind: 'command',
  title: 'A shell command run in the workspace: exit code and output (the escape hatch for anything else).',
  schema,
  example: { kind: 'command', run: 'test -f backend.tf', describe: 'backend.tf exists' },
  async run(o, ctx) {
    const r = await execa('sh', ['-c', o.run], {
      cwd: ctx.workspace,
      env: ctx.env,
      extendEnv: false,
      reject: false,
      timeout: o.timeoutMs,
      cancelSignal: ctx.signal,
      stdin: 'ignore',
    });
    return judgeCommand(o, {
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      timedOut: r.timedOut,
    });
  },
});

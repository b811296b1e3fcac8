/**
 * The failure patterns of issue 14, each on real bank entries: keyword lists get full marks,
 * paraphrases are missed, a word in another sense earns a point, denials of a list leak, and the
 * STAR check mislabels situations, tasks, measurable results and negated actions.
 */
import { describe, expect, it } from 'vitest';
import { loadAnswerAnalyzer } from '../../src/interview/answer-analysis.ts';
import { feedbackWith } from '../../src/interview/answer-feedback.ts';
import { loadInterviewEntry } from '../../src/interview/load-interview-entry.ts';
import { matchTalkingPoints } from '../../src/interview/talking-point-matcher.ts';
import { checkStar } from '../../src/interview/star-check.ts';
import type { InterviewEntry } from '../../src/shared/interview-entry.ts';
import { interviewDir } from '../../src/shared/paths.ts';

const analyzer = await loadAnswerAnalyzer();

async function entry(id: string): Promise<InterviewEntry> {
  const e = await loadInterviewEntry(interviewDir, id);
  if (!e) throw new Error(`interview/${id}.yaml not found`);
  return e;
}

/** Status of each talking point of `question` for `answer`. */
async function statuses(question: string, answer: string): Promise<Record<string, string>> {
  const e = await entry(question);
  const f = feedbackWith(analyzer, e, { text: answer, answerKind: 'text', durationMs: 0 });
  return Object.fromEntries(f.points.map((p) => [p.id, p.status]));
}

function star(answer: string): Record<'situation' | 'task' | 'action' | 'result' | 'measurable', boolean> {
  const report = checkStar(analyzer.analyze(answer));
  const part = (name: string) => report.parts.some((p) => p.part === name && p.present);
  return {
    situation: part('situation'),
    task: part('task'),
    action: part('action'),
    result: part('result'),
    measurable: report.measurableResult,
  };
}

describe('1. keyword lists earn nothing', () => {
  it.each([
    'lock lock DynamoDB CI timeout retry force-unlock use_lockfile tflock -lock=false plan apply',
    'Key words: S3 lockfile, conditional write, DynamoDB lock table, LockID, lock-timeout, lock info, -lock=false.',
    '- lock info\n- DynamoDB\n- use_lockfile\n- lock-timeout\n- -lock=false',
    // A list in a frame that speaks about the answer: the frame's verb is no claim about locking.
    'Let me just list what comes to mind here: DynamoDB table, LockID, use_lockfile, conditional writes, lock-timeout, force-unlock, lock info, -lock=false.',
    'So the words I would use, roughly: S3 lockfile, conditional write, LockID, the DynamoDB table, lock-timeout, force-unlock, -lock=false, and I think that covers it.',
  ])('%j hits no talking point and is told it is a list', async (answer) => {
    const e = await entry('how-state-locking-works');
    const f = feedbackWith(analyzer, e, { text: answer, answerKind: 'text', durationMs: 0 });
    expect(f.coverage.hit).toBe(0);
    // The terms are shown as named (partly covered), never as hits.
    expect(f.points.filter((p) => p.status === 'partial').length).toBeGreaterThan(0);
    expect(f.points.find((p) => p.status === 'partial')?.reason).toMatch(/^Partly: .* (list of terms|fragment)/u);
  });

  it('reads a claim that carries its enumeration as a claim, not as a list in a frame', () => {
    const analysis = analyzer.analyze(
      'The lock is taken by every command that writes state: plan, apply, import, taint, state mv and force-unlock.',
    );
    expect(analysis.sentences.map((s) => s.list)).toEqual([false]);
    expect(analysis.listShare).toBe(0);
  });

  it('warns when most of an answer is a list, and still credits the claims it makes', async () => {
    const e = await entry('how-state-locking-works');
    const answer =
      'DynamoDB, LockID, lock-timeout, tflock, conditional write, lock info, force-unlock. On S3 I set use_lockfile so Terraform writes a .tflock object with a conditional write.';
    const f = feedbackWith(analyzer, e, { text: answer, answerKind: 'text', durationMs: 0 });
    expect(f.points.filter((p) => p.status === 'hit').map((p) => p.id)).toEqual(['s3-lockfile']);
    expect(f.warnings).toEqual([]);
    const list = feedbackWith(analyzer, e, {
      text: 'DynamoDB, LockID, lock-timeout, tflock, conditional write, lock info, force-unlock, -lock=false.',
      answerKind: 'text',
      durationMs: 0,
    });
    expect(list.warnings[0]).toMatch(/^About 100 % of this answer is a list of terms\./u);
  });
});

describe('2. points made in other words are found', () => {
  it.each([
    ['kustomize-vs-helm', 'complexity', 'Huge charts whose values expose everything become unreadable.'],
    ['kustomize-vs-helm', 'combine', 'For vendor software I render it and apply Kustomize patches on top.'],
    ['argocd-vs-kubectl-apply', 'costs', 'The price is more moving parts to maintain.'],
    ['argocd-vs-kubectl-apply', 'prune', 'When we delete a manifest from the repo, Argo CD removes the object.'],
    ['state-corrupted-after-failed-apply', 'network-timeout', 'The connection flaked out halfway through the apply.'],
    [
      'detect-drift-terraform',
      'refresh-only',
      'Someone changes something manually, so I compare reality with the state.',
    ],
  ])('%s / %s: %j', async (question, point, answer) => {
    expect((await statuses(question, answer))[point]).toBe('hit');
  });

  it('meets a phrase through lemma, word order and compounds', () => {
    const a = (text: string, match: string[]) =>
      matchTalkingPoints(analyzer.analyze(text), [{ id: 'p', point: 'a point', match }])[0]?.status;
    // "changes something manually" meets `manual change` (lemma + order).
    expect(a('Someone changes something manually in the console.', ['manual change'])).toBe('hit');
    // "credentials to the cluster" meets `cluster credentials` (order).
    expect(a('The old pipeline kept credentials to the cluster in a CI variable.', ['cluster credentials'])).toBe(
      'hit',
    );
    // "cleaned up" meets `cleanup` (a compound meets its parts).
    expect(a('Old jobs are cleaned up after each sync.', ['cleanup'])).toBe('hit');
    // "delete from the repo" meets `deleted from git` (repo and Git name the same place here).
    expect(a('Objects we delete from the repo disappear.', ['deleted from git'])).toBe('hit');
  });
});

describe('3. a word in another sense earns no point', () => {
  it.each([
    ['state-corrupted-after-failed-apply', 'ci-only-applies', 'I locked the pipeline so nobody else could deploy.'],
    ['gitops-rollback', 'git-revert', 'With self-heal on, a manual change just gets reverted.'],
    ['sync-waves-and-hooks', 'ordering-rules', 'Sync waves and hooks are features for ordering.'],
    ['state-corrupted-after-failed-apply', 'versioned-bucket', 'We got it back by restoring a backup of the state.'],
    ['why-remote-state', 'versioning', 'We restored a backup once after someone broke the state.'],
  ])('%s / %s: %j', async (question, point, answer) => {
    expect((await statuses(question, answer))[point]).not.toBe('hit');
  });

  it.each([
    ['kustomize-vs-helm', 'helm-templating', 'We use a chart for that.'],
    ['sync-waves-and-hooks', 'wave-annotation', 'We use sync waves.'],
    ['policy-as-code-terraform-plan', 'conftest-rego', 'We also have OPA.'],
  ])('a bare name is partly covered, not a hit: %s / %s', async (question, point, answer) => {
    const e = await entry(question);
    const [r] = feedbackWith(analyzer, e, { text: answer, answerKind: 'text', durationMs: 0 }).points.filter(
      (p) => p.id === point,
    );
    expect(r?.status).toBe('partial');
    expect(r?.reason).toMatch(/^Partly: you named “.+” but did not say what it does; the point is: /u);
  });
});

describe('4. a denial covers the whole list and clause', () => {
  it('reads "didn\'t scan the HCL with checkov or tfsec" as a denial of both', async () => {
    const s = await statuses(
      'policy-as-code-terraform-plan',
      "We didn't scan the HCL with checkov or tfsec, and we never converted the plan to JSON.",
    );
    expect(s['static-scanners']).toBe('negated');
    expect(s['plan-json']).toBe('negated');
  });

  it.each([
    ["We didn't use checkov, tfsec or trivy.", 'negated'],
    ['Neither checkov nor tfsec ran on our code.', 'negated'],
    ['We did not panic, we scanned the code with checkov.', 'hit'],
    ['We scanned the code with checkov rather than relying on review alone.', 'hit'],
    ['Reviewers read the plan instead of running checkov.', 'negated'],
  ])('%j → static scanners %s', async (answer, expected) => {
    expect((await statuses('policy-as-code-terraform-plan', answer))['static-scanners']).toBe(expected);
  });

  it('a denial of one clause does not reach into the next ("and recreated them by hand")', async () => {
    const s = await statuses(
      'argocd-prune-incident',
      "We didn't revert in Git and recreated the objects by hand; it was my change and I owned it.",
    );
    expect(s['git-revert']).toBe('negated');
    expect(s['owned-it']).toBe('hit');
  });

  it('"make sure nothing is still running" asserts the checking', async () => {
    expect(
      (await statuses('force-unlock-safely', 'I make sure nothing is still running before I unlock.'))[
        'verify-holder-dead'
      ],
    ).toBe('hit');
  });
});

describe('5. the STAR check', () => {
  it('a situation told before any action is not the result ("the state file ended up out of sync")', () => {
    const r = star(
      'We had a monorepo everyone applied from, and one morning the state file ended up out of sync. I ran a plan and imported the two missing resources.',
    );
    expect(r.situation).toBe(true);
    expect(r.result).toBe(false);
  });

  it('recognises task phrasing: "I was given the job of", "I was asked to"', () => {
    expect(star('Three teams were blocked. I was given the job of unblocking them safely.').task).toBe(true);
    expect(star('Deploys kept failing. I was asked to find out why.').task).toBe(true);
  });

  it('finds a measurable result in words ("from about five a month to zero within a quarter")', () => {
    const r = star(
      'Locks kept getting stuck. I moved applies to CI. The problem went from about five a month to zero within a quarter.',
    );
    expect(r.result).toBe(true);
    expect(r.measurable).toBe(true);
  });

  it('does not invent one from a denied clause ("two people can\'t apply")', () => {
    const r = star(
      "A lock was stuck. I unlocked it with the ID and moved applies to CI. The result was that two people can't apply at the same time any more.",
    );
    expect(r.result).toBe(true);
    expect(r.measurable).toBe(false);
  });

  it('negated sentences are not actions ("We did not run a plan", "We fixed nothing")', () => {
    const r = star('There was a stuck lock at my last job. We did not run a plan. We fixed nothing.');
    expect(r.action).toBe(false);
  });
});

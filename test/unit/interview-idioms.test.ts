import { describe, expect, it } from 'vitest';
import { loadAnswerAnalyzer } from '../../src/interview/answer-analysis.ts';
import { matchTalkingPoints, type MatchablePoint } from '../../src/interview/talking-point-matcher.ts';

const analyzer = await loadAnswerAnalyzer();

function status(answer: string, point: MatchablePoint): string {
  return matchTalkingPoints(analyzer.analyze(answer), [point])[0]!.status;
}

describe('talking-point matching: everyday idioms say the verb a phrase asks for', () => {
  const commit: MatchablePoint = {
    id: 'commit',
    point: 'Commit the lock file',
    match: ['commit it|file|lockfile|git'],
  };

  it.each([
    'Check it in.',
    'The lock file is checked in with the code.',
    'Yes, it goes into Git.',
    'Put the lock file in the repo.',
    'We push it to Git like everything else.',
    'Add it to version control.',
  ])('reads "%s" as committing', (answer) => {
    expect(status(answer, commit)).toBe('hit');
  });

  it.each(['We check in CI that the file is valid.', 'We went to version 5 of the file.', 'Check it carefully.'])(
    'does not read "%s" as committing',
    (answer) => {
      expect(status(answer, commit)).toBe('missed');
    },
  );

  it('keeps a denied idiom a denial', () => {
    expect(status("We never checked it in, so it isn't in Git.", commit)).toBe('negated');
  });

  it('reads undo, back out, stamp out, blow away and keep … matching as revert, create, delete and reconcile', () => {
    const revert: MatchablePoint = { id: 'r', point: 'Revert in Git', match: ['git revert'] };
    expect(status('Undo it in the repository and let Argo CD sync.', revert)).toBe('hit');
    const backOut: MatchablePoint = { id: 'b', point: 'Revert the commit', match: ['revert commit'] };
    expect(status('We backed the bad commit out.', backOut)).toBe('hit');
    const create: MatchablePoint = { id: 'c', point: 'Create one per cluster', match: ['create copy|application'] };
    expect(status('Argo CD stamps out a copy per cluster.', create)).toBe('hit');
    const del: MatchablePoint = { id: 'd', point: 'Delete the bucket', match: ['delete bucket'] };
    expect(status('The apply blew the bucket away.', del)).toBe('hit');
    const reconcile: MatchablePoint = { id: 'k', point: 'Reconcile continuously', match: ['reconcile cluster|state'] };
    expect(status('A controller like Flux keeps the cluster matching Git.', reconcile)).toBe('hit');
    expect(status('A controller keeps the cluster small.', reconcile)).toBe('missed');
  });

  it.each([
    ['review plan', 'A second engineer looks over the plan before apply.'],
    ['restore state', 'We got the previous state back from the versioned bucket.'],
    ['apply fail', 'The apply blew up halfway through.'],
    ['approve plan', 'A lead signs off on the plan.'],
    ['trigger pipeline', 'A merge kicks off the pipeline.'],
    ['job|jobs queue', 'The jobs wait in line for the lock.'],
    ['rotate key|keys', 'We cycle the keys every month.'],
  ])('meets "%s" in "%s"', (phrase, answer) => {
    expect(status(answer, { id: 'p', point: 'p', match: [phrase] })).toBe('hit');
  });

  it('lets a verb-particle compound meet the verb ("the rollout doesn\'t happen" = "never rolls out")', () => {
    const point: MatchablePoint = { id: 'p', point: 'Nothing rolls out', match: ['never|not roll|deploy'] };
    expect(status("If it fails, the rollout doesn't happen.", point)).toBe('hit');
  });
});

describe('talking-point matching: a negation that states the point', () => {
  it('reads "Unlike X, nothing …" as saying X does it', () => {
    const point: MatchablePoint = {
      id: 'cfn',
      point: 'CloudFormation rolls back failed updates automatically',
      match: ['cloudformation roll|rollback'],
    };
    expect(status('Unlike CloudFormation, nothing rolls back on its own.', point)).toBe('hit');
    expect(status('Unlike CloudFormation, Terraform does not roll back a failed apply.', point)).toBe('hit');
    expect(status('CloudFormation does not roll back here.', point)).toBe('negated');
  });

  it("counts a denial worded as the point's own negative idea, unless someone denies doing it", () => {
    const point: MatchablePoint = {
      id: 'gone',
      point: 'Destroyed resources do not come back',
      description: 'Destroyed resources do not come back with their data',
      match: ['destroyed resource|database come|comes back'],
    };
    expect(status('A destroyed database never comes back, whatever you revert.', point)).toBe('hit');
    expect(status('We never destroyed a database that had to come back.', point)).toBe('negated');
    const positive: MatchablePoint = {
      ...point,
      point: 'Destroyed resources come back from backups',
      description: 'Destroyed resources come back from backups',
    };
    expect(status('A destroyed database never comes back, whatever you revert.', positive)).toBe('negated');
  });

  it("does not show another point as denied by a negation that a point's claim states", () => {
    const points: MatchablePoint[] = [
      { id: 'restore', point: 'Restore the previous state version', match: ['restore|restoring state'] },
      {
        id: 'infra',
        point: 'Restoring state does not undo infrastructure changes',
        match: ['not undo infrastructure|changes'],
      },
    ];
    const r = matchTalkingPoints(
      analyzer.analyze("Restoring the old state doesn't undo the infrastructure changes."),
      points,
    );
    expect(r.map((p) => p.status)).toEqual(['missed', 'hit']);
  });
});

describe('talking-point matching: words that deny by themselves, relative clauses', () => {
  it('reads "can\'t be changed" as stating a point whose description says "immutable"', () => {
    const point: MatchablePoint = {
      id: 'selector',
      point: 'Selectors are immutable',
      description: 'Selectors are immutable, so the label fields must keep them identical',
      match: ['selector|selectors change|changed'],
    };
    expect(status("A Deployment's selector can't be changed after creation.", point)).toBe('hit');
    expect(status("We didn't change the selector.", point)).toBe('negated');
  });

  it('keeps a denial out of a relative clause after a comma', () => {
    const point: MatchablePoint = { id: 'h', point: 'Git history', match: ['git history'] };
    expect(status("It can't be silently changed, which in practice means Git history.", point)).toBe('hit');
    expect(status("We didn't keep Git history.", point)).toBe('negated');
  });
});

describe('talking-point matching: a named term explained in the same sentence', () => {
  const oidc: MatchablePoint = {
    id: 'oidc',
    point: 'Use OIDC short-lived credentials',
    description: 'OIDC short-lived credentials: read-only role to plan, write role to apply',
    match: ['oidc short-lived|temporary credentials'],
    terms: ['oidc'],
  };

  it('counts a term whose sentence says the description in other words', () => {
    const r = matchTalkingPoints(
      analyzer.analyze(
        'The pipeline authenticates with OIDC, read-only for plans, a separate role with write access for applies.',
      ),
      [oidc],
    )[0]!;
    expect(r.status).toBe('hit');
    expect(r.reason).toMatch(/^Counted: you named “OIDC” and said what it does in the same sentence/u);
  });

  it('keeps a bare or denied name partly covered or denied', () => {
    expect(status('We also use OIDC.', oidc)).toBe('partial');
    expect(status('OIDC, roles, plan, apply.', oidc)).toBe('partial');
    expect(status("We didn't use OIDC for the plan or apply roles.", oidc)).toBe('negated');
  });
});

describe('talking-point matching: round 3 readings', () => {
  it('reads ", not blocking anything" as a contrast on what follows, not a denial of the clause', () => {
    const point: MatchablePoint = { id: 'w', point: 'Warn first', match: ['audit|warn mode'] };
    expect(status('We ran it in audit mode for a month, just reporting, not blocking anything.', point)).toBe('hit');
    expect(status('We did not run it in audit mode.', point)).toBe('negated');
  });

  it('counts a sentence that says nearly all of the description, none of it denied', () => {
    const point: MatchablePoint = {
      id: 'v',
      point: 'Directories let staging run a newer module version than production',
      description: 'Directories let staging run a newer module version than production',
      match: ['staging pins|pin newer'],
    };
    const said = 'With directories staging can run a newer module version than production.';
    const r = matchTalkingPoints(analyzer.analyze(said), [point])[0]!;
    expect(r.status).toBe('hit');
    expect(r.reason).toMatch(
      /^Counted: “With directories staging can run a newer module version than production\.” says the point/u,
    );
    expect(status('With directories staging runs a newer version.', point)).toBe('partial');
    expect(status("With directories staging can't run a newer module version than production.", point)).not.toBe('hit');
  });

  it('reads ", no more X" as denying only what follows it', () => {
    const point: MatchablePoint = { id: 's', point: 'One shared copy', match: ['same|shared|one copy'] };
    expect(status('Everyone reads and writes the same copy, no more emailing tfstate files around.', point)).toBe(
      'hit',
    );
    expect(status('Nobody had the same copy.', point)).toBe('negated');
  });

  it('reads ", nothing special" as an aside, not a denial of the clause', () => {
    const point: MatchablePoint = { id: 'r', point: 'Git revert', match: ['git revert'] };
    expect(status('A rollback is a git revert like any other change, nothing special.', point)).toBe('hit');
    expect(status('Nothing was a git revert.', point)).toBe('negated');
  });

  it('reads "without losing X" as keeping X, not as a denial', () => {
    const point: MatchablePoint = {
      id: 't',
      point: 'Terraform stays the source of truth',
      match: ['terraform source truth'],
    };
    expect(status('I kept the fix without losing Terraform as the source of truth.', point)).toBe('hit');
    expect(status('We ran it without Terraform as the source of truth.', point)).toBe('negated');
  });

  it('reads a phrasal verb the tagger takes for a noun as the verb of its sentence', () => {
    const point: MatchablePoint = { id: 's', point: 'Secrets in plain text', match: ['plain text'] };
    expect(status('Passwords end up in there in plain text.', point)).toBe('hit');
  });

  it('does not count a term named as one item of a list of terms', () => {
    const point: MatchablePoint = {
      id: 'r',
      point: 'init records provider versions and hashes',
      description: 'terraform init records exact provider versions and hashes in .terraform.lock.hcl',
      match: ['init records|writes versions|hashes'],
      terms: ['hashes'],
    };
    expect(
      status(
        '.terraform.lock.hcl: provider versions, hashes, commit it, init -upgrade, providers lock -platform.',
        point,
      ),
    ).not.toBe('hit');
  });
});

describe('talking-point matching: denials in other words that state a negative point', () => {
  const points: MatchablePoint[] = [
    {
      id: 'legacy',
      point: 'The old import command changes state at once, with no plan to review',
      description: 'The old terraform import command changes state at once, with no plan to review',
      match: ['import command changes|writes state'],
    },
    { id: 'block', point: 'An import block goes through plan', match: ['import block|blocks'] },
  ];

  it('counts "nobody gets to review a plan first" for a point whose idea is "no plan to review"', () => {
    const r = matchTalkingPoints(analyzer.analyze('With the command, nobody gets to review a plan first.'), points)[0]!;
    expect(r.status).toBe('hit');
    expect(r.reason).toMatch(/says the point, which is itself a denial \(review, plan\)/u);
  });

  it('keeps "we didn\'t review a plan" a denial', () => {
    expect(matchTalkingPoints(analyzer.analyze("We didn't review a plan first."), points)[0]!.status).toBe('negated');
  });

  it('reads "won\'t let you push a lower serial" as the refusal a point describes', () => {
    const point: MatchablePoint = {
      id: 'guards',
      point: 'state push refuses a lower serial',
      description: 'state push refuses a different lineage or a lower serial',
      match: ['push lower serial'],
    };
    expect(status("Terraform won't let you push a state with a lower serial.", point)).toBe('hit');
    expect(status('We did not push a state with a lower serial.', point)).toBe('negated');
  });

  it('reads "lives in the repo" and "keep it under version control" as committing', () => {
    const commit: MatchablePoint = { id: 'c', point: 'Commit it', match: ['commit it|file|lockfile'] };
    expect(status('The lock file lives in the repo next to the code.', commit)).toBe('hit');
    expect(status('We keep the file under version control.', commit)).toBe('hit');
    expect(status('We keep state out of Git.', commit)).toBe('missed');
  });
});

describe('talking-point matching: the denied verb must be the negative idea', () => {
  it('keeps "nobody stopped the pipelines while we restored" a denial of freezing applies', () => {
    const point: MatchablePoint = {
      id: 'freeze',
      point: 'Freeze applies so nobody writes while you restore',
      description: 'Freeze applies so nobody writes while you restore',
      match: ['stop|stopped|freeze pipelines|applies'],
    };
    expect(status('Nobody stopped the pipelines while we restored.', point)).toBe('negated');
    expect(status('I stopped the pipelines so nobody writes while I restore.', point)).toBe('hit');
  });

  it('reads a past tense the tagger takes for a noun after a name as a verb ("OpenTofu forked from 1.5")', () => {
    const point: MatchablePoint = { id: 'f', point: 'OpenTofu forked from Terraform 1.5', match: ['forked from'] };
    expect(status('OpenTofu forked from 1.5 and lives under the Linux Foundation.', point)).toBe('hit');
  });
});

import { describe, expect, it } from 'vitest';
import { loadAnswerAnalyzer } from '../../src/interview/answer-analysis.ts';
import { matchTalkingPoints as matchAnalysis, type MatchablePoint } from '../../src/interview/talking-point-matcher.ts';
import { highlightSegments } from '../../src/interview/highlight-segments.ts';

const analyzer = await loadAnswerAnalyzer();
type TalkingPoint = MatchablePoint;
const matchTalkingPoints = (answer: string, points: TalkingPoint[]) => matchAnalysis(analyzer.analyze(answer), points);

const lockTable: TalkingPoint = {
  id: 'lock-table',
  point: 'The older S3 pattern is a DynamoDB lock table with a LockID key',
  match: ['lock table', 'dynamodb', 'lockid'],
};

function status(answer: string, point: TalkingPoint): string {
  return matchTalkingPoints(answer, [point])[0]!.status;
}

function matched(answer: string, point: TalkingPoint): string[] {
  return matchTalkingPoints(answer, [point])[0]!.mentions.map((m) => answer.slice(m.start, m.end));
}

describe('talking-point matching: negation', () => {
  it('does not count "we did not use a lock table" for the lock-table point', () => {
    const r = matchTalkingPoints('We did not use a lock table.', [lockTable])[0]!;
    expect(r.status).toBe('negated');
    expect(r.mentions).toEqual([{ phrase: 'lock table', start: 17, end: 27, negated: true, named: false }]);
    expect(r.reason).toBe('Not counted: “lock table” is denied by “not” in the same clause.');
  });

  it.each([
    "We didn't use a lock table.",
    'We never had a lock table.',
    'There was no lock table at all.',
    'We ran without a lock table for a year.',
    'A lock table was not needed.',
    "The lock table wasn't there.",
    'Neither a lock table nor a lockfile was set up.',
  ])('treats "%s" as negated', (answer) => {
    expect(status(answer, lockTable)).toBe('negated');
  });

  it.each([
    'We used a lock table.',
    'We did not panic, we used a lock table.',
    'We used not only a lock table but also versioning.',
    'I did not wait: I created a lock table straight away.',
    'It was not easy. We added a lock table.',
    'No one liked it, but the lock table stopped the races.',
  ])('counts "%s"', (answer) => {
    expect(status(answer, lockTable)).toBe('hit');
  });

  it('counts a point when one mention is negated and another is not', () => {
    const answer = 'At first we did not use a lock table. After the incident we added a DynamoDB lock table.';
    const r = matchTalkingPoints(answer, [lockTable])[0]!;
    expect(r.status).toBe('hit');
    expect(r.mentions.map((m) => m.negated)).toContain(true);
    expect(r.mentions.map((m) => m.negated)).toContain(false);
  });

  it('keeps a negation that is part of the phrase itself ("never lock=false" is advice)', () => {
    const point: TalkingPoint = {
      id: 'no-lock-false',
      point: 'Never pass -lock=false on shared state',
      match: ['lock=false', 'never lock=false', 'not lock=false'],
    };
    expect(status('I would never pass -lock=false on shared state.', point)).toBe('hit');
    expect(status("Don't pass -lock=false to apply.", point)).toBe('hit');
    // "don't" is too far from -lock=false to be part of the phrase, but the point's idea is itself a
    // denial ("never pass -lock=false") and nobody says what they did not do: the advice is the point.
    expect(status("Don't ever run an apply with -lock=false.", point)).toBe('hit');
    expect(status('Some teams use -lock=false in CI.', point)).toBe('hit');
    expect(status('Locking is on by default.', point)).toBe('missed');
  });
});

describe('talking-point matching: stemming and synonyms', () => {
  it('matches inflected forms through the stemmer', () => {
    const point: TalkingPoint = { id: 'p', point: 'Acquire the lock before apply', match: ['acquire lock'] };
    expect(status('Terraform acquires locks before writing.', point)).toBe('hit');
    expect(status('It acquired the locking object.', point)).toBe('hit');
    expect(status('It requires a lock.', point)).toBe('missed');
  });

  it('folds irregular past tenses that stemmers cannot', () => {
    const point: TalkingPoint = { id: 'p', point: 'Run a plan afterwards', match: ['run plan'] };
    expect(matched('Then I ran a plan to check.', point)).toEqual(['ran a plan']);
    expect(status('Then I ran terraform plan to check.', point)).toBe('hit');
  });

  it('allows at most two words between the words of a phrase, within one clause', () => {
    const point: TalkingPoint = { id: 'p', point: 'Run a plan afterwards', match: ['run plan'] };
    expect(status('I run the full speculative plan.', point)).toBe('hit');
    expect(status('I run it against every single environment plan.', point)).toBe('missed');
    expect(status('I run, and plan.', point)).toBe('missed');
    expect(status('I run. Plan is next.', point)).toBe('missed');
  });

  it('treats synonyms as the same word on either side', () => {
    const pr: TalkingPoint = { id: 'pr', point: 'Changes go through a pull request', match: ['pull request'] };
    expect(status('Every change is a PR.', pr)).toBe('hit');
    expect(status('Every change is a merge request.', pr)).toBe('hit');
    expect(status('Every change goes through pull requests.', pr)).toBe('hit');
    const k8s: TalkingPoint = { id: 'k', point: 'Runs in Kubernetes', match: ['kubernetes cluster'] };
    expect(status('It runs in the k8s cluster.', k8s)).toBe('hit');
    const ddb: TalkingPoint = { id: 'd', point: 'Lock table in DynamoDB', match: ['dynamo db'] };
    expect(status('We kept locks in DynamoDB.', ddb)).toBe('hit');
    const pct: TalkingPoint = { id: 'c', point: 'A number', match: ['percent'] };
    expect(status('Adoption went to 72%.', pct)).toBe('hit');
  });

  it('folds British and American spellings', () => {
    const point: TalkingPoint = { id: 'p', point: 'Locking serializes writes', match: ['serialize writes'] };
    expect(status('Locking serialises writes to state.', point)).toBe('hit');
  });

  it('does not match a word that merely contains the phrase', () => {
    const point: TalkingPoint = { id: 'p', point: 'Use a lock', match: ['lock'] };
    expect(status('The block was unlocked by the clock.', point)).toBe('missed');
  });
});

describe('talking-point matching: punctuation', () => {
  const lockfile: TalkingPoint = {
    id: 'lockfile',
    point: 'use_lockfile creates a .tflock object with a conditional write',
    match: ['use_lockfile', 'tflock', 'if-none-match'],
  };

  it.each([
    ['use_lockfile = true', 'use_lockfile'],
    ['set use lockfile to true', 'use lockfile'],
    ['a `.tflock` object', 'tflock'],
    ['the "tflock" object', 'tflock'],
    ['sends If-None-Match: *', 'If-None-Match'],
    ['sends if none match', 'if none match'],
    ['(use_lockfile).', 'use_lockfile'],
  ])('matches %j', (answer, words) => {
    expect(matched(answer, lockfile)).toEqual([words]);
  });

  it('treats hyphens, equals signs and non-breaking hyphens as word breaks on both sides', () => {
    const point: TalkingPoint = { id: 'p', point: 'Use force-unlock', match: ['force-unlock', 'lock-timeout'] };
    expect(status('I ran terraform force unlock 1234.', point)).toBe('hit');
    expect(status('I ran terraform force\u2011unlock 1234.', point)).toBe('hit');
    expect(status('We pass -lock-timeout=10m.', point)).toBe('hit');
    expect(status('THEN WE RUN FORCE-UNLOCK!', point)).toBe('hit');
  });

  it('keeps file names and versions inside one sentence', () => {
    const point: TalkingPoint = { id: 'p', point: 'errored state', match: ['errored tfstate'] };
    expect(status('It left an errored.tfstate on the laptop.', point)).toBe('hit');
  });

  it('reports character offsets that highlight exactly what was written', () => {
    const answer = 'First, we used the "lock table" (DynamoDB).';
    const [r] = matchTalkingPoints(answer, [lockTable]);
    expect(r!.mentions.map((m) => answer.slice(m.start, m.end))).toEqual(['lock table', 'DynamoDB']);
    const segments = highlightSegments(answer, [r!]);
    expect(segments.map((s) => s.text).join('')).toBe(answer);
    expect(segments.filter((s) => s.hits.length > 0).map((s) => s.text)).toEqual(['lock table', 'DynamoDB']);
  });

  it('merges overlapping mentions of different points into one highlighted piece', () => {
    const id: TalkingPoint = { id: 'id', point: 'Use the lock ID', match: ['lock id'] };
    const force: TalkingPoint = {
      id: 'force',
      point: 'force-unlock with the ID',
      match: ['force-unlock with lock id'],
    };
    const answer = 'Run force-unlock with the lock ID.';
    const segments = highlightSegments(answer, matchTalkingPoints(answer, [id, force]));
    expect(segments).toEqual([
      { text: 'Run ', hits: [], negated: [], named: [] },
      { text: 'force-unlock with the ', hits: ['force'], negated: [], named: [] },
      { text: 'lock ID', hits: ['id', 'force'], negated: [], named: [] },
      { text: '.', hits: [], negated: [], named: [] },
    ]);
  });
});

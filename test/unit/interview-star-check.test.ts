import { describe, expect, it } from 'vitest';
import { loadAnswerAnalyzer } from '../../src/interview/answer-analysis.ts';
import { checkStar as checkAnalysis } from '../../src/interview/star-check.ts';

const analyzer = await loadAnswerAnalyzer();
const checkStar = (answer: string) => checkAnalysis(analyzer.analyze(answer));

const present = (answer: string) =>
  Object.fromEntries(checkStar(answer).parts.map((p) => [p.part, p.present])) as Record<string, boolean>;

describe('STAR check', () => {
  it('finds all four parts from cues, in order, with a measurable result', () => {
    const answer = [
      'At my last company our release pipeline kept failing on a stuck Terraform lock.',
      'I was on call, so I had to unblock three teams before a launch.',
      'I read the lock info, traced the CI job that held it, and ran force-unlock with its ID.',
      'Then I raised the job timeout.',
      'As a result the teams were unblocked in 25 minutes, and we had zero orphaned locks in the next eight months.',
    ].join(' ');
    const report = checkStar(answer);
    expect(report.parts.every((p) => p.present)).toBe(true);
    expect(report.parts.find((p) => p.part === 'task')?.evidence).toBe(
      'I was on call, so I had to unblock three teams before a launch.',
    );
    expect(report.measurableResult).toBe(true);
    expect(report.inOrder).toBe(true);
    expect(report.advice).toEqual([]);
  });

  it('uses explicit labels, and labelled sections are judged by their label alone', () => {
    const answer = `Situation: a hotfix in the console. It saved the evening.

Task: keep the fix but get the code back to being the truth.

Action: I imported the change into code and opened a PR.

Result: drift findings went from 15 a week to two.`;
    const report = checkStar(answer);
    expect(report.parts.map((p) => [p.part, p.evidence])).toEqual([
      ['situation', 'Situation: a hotfix in the console.'],
      ['task', 'Task: keep the fix but get the code back to being the truth.'],
      ['action', 'Action: I imported the change into code and opened a PR.'],
      ['result', 'Result: drift findings went from 15 a week to two.'],
    ]);
    expect(report.inOrder).toBe(true);
  });

  it('says what is missing and asks for a number in the result', () => {
    const report = checkStar('I fixed the pipeline. In the end everyone was happier.');
    expect(present('I fixed the pipeline. In the end everyone was happier.')).toEqual({
      situation: false,
      task: false,
      action: true,
      result: true,
    });
    expect(report.measurableResult).toBe(false);
    expect(report.advice).toEqual([
      'Set the scene in one or two sentences: where, when, and what was at stake.',
      'Say what you were responsible for: "My job was to…" or "I was on call, so I had to…".',
      'Give the result a number: minutes to recover, percent adopted, incidents since the fix.',
    ]);
  });

  it('does not take scene-setting numbers for a measurable result', () => {
    const report = checkStar('At a company of 200 engineers we had slow plans. I split the state. It felt better.');
    expect(report.measurableResult).toBe(false);
  });

  it('notices a result told before the actions, and a story told only as "we"', () => {
    const answer =
      'As a result we cut plan time by half. We had a huge state. We decided to split it. We moved resources. We were done in a month.';
    const report = checkStar(answer);
    expect(report.inOrder).toBe(false);
    expect(report.firstPerson).toEqual({ i: 0, we: 5 });
    expect(report.advice).toContain('Tell it in order: situation and task first, then your actions, then the result.');
    expect(report.advice).toContain('Most sentences say "we": make clear what you did yourself with "I".');
  });

  it('finds nothing in an empty answer', () => {
    expect(present('')).toEqual({ situation: false, task: false, action: false, result: false });
  });
});

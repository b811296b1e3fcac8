/**
 * Words and phrases an answer may use for the same thing. Each group's first entry is its canonical
 * form; both the answer and every `match` phrase are rewritten to canonical forms before matching,
 * so an entry that says "pull request" also matches "PR" and "merge request".
 *
 * Groups are written in plain words and run through the same tokenizer and stemmer as answers, so
 * they stay correct if the stemmer changes. Keep them to true equivalents in this domain: a loose
 * synonym makes every answer look good.
 */
import { answerTokens, type AnswerToken } from './answer-tokens.ts';

export const synonymGroups: readonly (readonly string[])[] = [
  ['pull request', 'pr', 'merge request', 'mr'],
  ['rollback', 'roll back'],
  // "locked down who can read it" restricts access; it takes no state lock.
  ['restrict', 'lock down'],
  ['kubernetes', 'k8s', 'kube'],
  ['opentofu', 'open tofu', 'tofu'],
  ['dynamodb', 'dynamo db', 'dynamo', 'ddb'],
  ['argocd', 'argo cd'],
  ['lockfile', 'lock file'],
  ['lockid', 'lock id'],
  ['statefile', 'state file'],
  ['self heal', 'selfheal'],
  ['auto sync', 'autosync', 'automated sync'],
  ['applicationset', 'application set', 'appset'],
  ['presync', 'pre sync'],
  ['postsync', 'post sync'],
  ['sync wave', 'syncwave'],
  ['gitops', 'git ops'],
  ['continuous integration', 'ci'],
  ['infrastructure as code', 'iac'],
  ['role based access control', 'rbac'],
  ['openid connect', 'oidc'],
  ['postmortem', 'post mortem', 'incident review', 'post incident review', 'retrospective', 'retro'],
  ['on call', 'oncall'],
  ['command line', 'cli'],
  ['mean time to recovery', 'mttr', 'mean time to restore', 'mean time to repair'],
  ['configuration', 'config'],
  // In GitOps talk "in Git" and "in the repo" name the same place: "deleted from the repo" = "deleted from Git".
  ['repository', 'repo', 'git'],
  ['environment', 'env'],
  ['production', 'prod'],
  ['development', 'dev'],
  ['application', 'app'],
  ['infrastructure', 'infra'],
  ['percent', '%', 'per cent', 'pct'],
  ['minute', 'min', 'mins'],
  // "failed twice" is a count: it meets "# times".
  ['2 times', 'twice'],
  ['hour', 'hr', 'hrs'],
  ['second', 'sec', 'secs'],
];

interface Variant {
  from: string[];
  to: string[];
}

function norms(phrase: string): string[] {
  return answerTokens(phrase).map((t) => t.norm);
}

// Longest variants first, so "post incident review" wins over "incident review".
const variants: Variant[] = synonymGroups
  .flatMap((group) => {
    const to = norms(group[0] ?? '');
    return group.slice(1).map((v) => ({ from: norms(v), to }));
  })
  .sort((a, b) => b.from.length - a.from.length);

/** Variants by their first norm, longest first: most words start no variant at all. */
const byFirst = new Map<string, Variant[]>();
for (const v of variants) byFirst.set(v.from[0] ?? '', [...(byFirst.get(v.from[0] ?? '') ?? []), v]);

/**
 * Rewrites synonym variants to their canonical form. A rewritten token keeps the span of the words
 * it replaced, so highlights still point at what the learner wrote.
 */
export function canonicalTokens(tokens: readonly AnswerToken[]): AnswerToken[] {
  const out: AnswerToken[] = [];
  let i = 0;
  while (i < tokens.length) {
    const variant = byFirst.get(tokens[i]?.norm ?? '')?.find((v) =>
      v.from.every((norm, k) => {
        const t = tokens[i + k];
        return t !== undefined && t.norm === norm && t.segment === tokens[i]?.segment;
      }),
    );
    const first = tokens[i];
    if (!first) break;
    if (!variant) {
      out.push(first);
      i++;
      continue;
    }
    const last = tokens[i + variant.from.length - 1] ?? first;
    for (const norm of variant.to) {
      // An analysed word also carries its lemma: the canonical form replaces it too ("lock ID" is
      // `lockid`, not a mention of "lock").
      const word: AnswerToken = { ...first, norm, end: last.end, article: false, negation: false };
      if ('lemmaNorm' in word) word.lemmaNorm = norm;
      // "state file" folded to `statefile` still meets a phrase about the "state".
      if (variant.to.length === 1 && variant.from.length > 1) word.parts = variant.from;
      out.push(word);
    }
    i += variant.from.length;
  }
  return out;
}

const phrases = new Map<string, string[]>();

/** Canonical norms of a `match` phrase, articles dropped (memoised: the bank's phrases come back with every answer). */
export function canonicalPhrase(phrase: string): string[] {
  let out = phrases.get(phrase);
  if (!out) {
    out = canonicalTokens(answerTokens(phrase))
      .filter((t) => !t.article)
      .map((t) => t.norm);
    phrases.set(phrase, out);
  }
  return out;
}

/**
 * Part of speech and lemma for each word, from wink-nlp with its English lite model. Both packages
 * are plain JavaScript with the model inside the npm package: nothing is fetched at run time, so the
 * analysis stays local and offline. The browser loads them only when the first feedback is computed
 * (a dynamic import: the practice page's own script does not grow).
 */
import type { ItsFunction } from 'wink-nlp';
import type { AnswerToken } from '../talking-point-matcher/answer-tokens.ts';

export interface Tagged {
  start: number;
  end: number;
  /** Universal POS tag: NOUN, VERB, AUX, PRON, DET, ADP, PART, CCONJ, SCONJ, ADJ, ADV, PROPN, NUM… */
  pos: string;
  lemma: string;
}

export type Tagger = (text: string) => Tagged[];

let loading: Promise<Tagger> | undefined;

/** The tagger, loaded once (about 100 ms the first time: the model is 3.6 MB of JavaScript). */
export function loadTagger(): Promise<Tagger> {
  loading ??= (async () => {
    const [{ default: winkNLP }, { default: model }] = await Promise.all([
      import('wink-nlp'),
      import('wink-eng-lite-web-model'),
    ]);
    const nlp = winkNLP(model, ['pos']);
    const its = nlp.its;
    return (text: string) => {
      const doc = nlp.readDoc(text);
      const values = doc.tokens().out(its.value) as string[];
      const pos = doc.tokens().out(its.pos) as string[];
      // wink-nlp's typings declare its.lemma with a different signature than out() accepts (the
      // function itself works as documented): cast at this one place.
      const lemma = doc.tokens().out(its.lemma as unknown as ItsFunction<string>) as string[];
      const out: Tagged[] = [];
      let cursor = 0;
      values.forEach((value, i) => {
        const at = text.indexOf(value, cursor);
        // wink may rewrite a token (e.g. some quotes); such a token keeps no offsets and is skipped.
        if (at < 0 || value.trim() === '') return;
        cursor = at + value.length;
        out.push({ start: at, end: cursor, pos: pos[i] ?? 'X', lemma: (lemma[i] ?? value).toLowerCase() });
      });
      return out;
    };
  })();
  return loading;
}

/** The tag of the wink token under each word's first character (words and wink tokens both ascend). */
export function tagsFor(tokens: readonly AnswerToken[], tagged: readonly Tagged[]): (Tagged | undefined)[] {
  const out: (Tagged | undefined)[] = [];
  let k = 0;
  for (const t of tokens) {
    while (k < tagged.length && (tagged[k]?.end ?? 0) <= t.start) k++;
    const tag = tagged[k];
    out.push(tag && tag.start <= t.start ? tag : undefined);
  }
  return out;
}

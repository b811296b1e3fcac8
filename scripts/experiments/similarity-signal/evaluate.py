"""Would a sentence-embedding model let the interview matcher find points made in other words?

Reads dump-pairs.ts's JSON and scores, for every answer and talking point of its question, three
similarity signals on top of the matcher's own verdicts (README.md in this folder):
  max sim    the highest cosine between a sentence of the answer and the point or its description;
  margin     that, minus the same sentence's highest cosine with any other point of the question
             (a sentence close to every point of the topic says none of them in particular);
  exemplars  margin, where a point is also represented by sentences of answers labelled as making
             it in the tuning sets (eval, fresh..fresh5; never the answer's own).
A signal grants a hit where the matcher found none, unless the matcher read the point as denied or
the answer is a keyword list. Its threshold is the lowest that keeps hit precision at 95 % on the
tuning set `eval`; fresh6, fresh7 (and later sets) are held out from that choice.

Usage: python evaluate.py pairs.json [embedding-cache.pkl]
"""
import json
import os
import pickle
import re
import sys
import time

import numpy as np

import minilm

TUNING = {'eval', 'fresh', 'fresh2', 'fresh3', 'fresh4', 'fresh5'}


def sentences(text):
    parts = re.split(r'(?<=[.!?;])\s+|\s+(?:—|--)\s+', text.strip())
    out = [p.strip() for p in parts if len(p.strip().split()) >= 3]
    return out or [text]


def main():
    data = json.load(open(sys.argv[1]))
    cache_path = sys.argv[2] if len(sys.argv) > 2 else os.path.splitext(sys.argv[1])[0] + '.embeddings.pkl'
    cache = pickle.load(open(cache_path, 'rb')) if os.path.exists(cache_path) else {}
    minilm.self_check()

    t0, fresh = time.time(), 0

    def emb(text):
        nonlocal fresh
        if text not in cache:
            cache[text] = minilm.embed(text)
            fresh += 1
        return cache[text]

    answers, questions = data['answers'], data['questions']
    # Exemplars: in each tuning answer labelled as making a point, the sentence closest to its description.
    exemplars = {}
    for a in answers:
        if a['set'] not in TUNING or a['style'] == 'list':
            continue
        sents = [emb(s) for s in sentences(a['text'])]
        for p in questions[a['question']]['points']:
            if p['id'] in a['hit']:
                d = emb(p['description'])
                best = max(sents, key=lambda v: float(v @ d))
                exemplars.setdefault((a['question'], p['id']), []).append((a['answer'], best))

    rows = []
    for a in answers:
        points = questions[a['question']]['points']
        s = np.array([emb(x) for x in sentences(a['text'])])
        base, ex = {}, {}
        for p in points:
            own = [emb(p['point']), emb(p['description'])]
            base[p['id']] = (s @ np.array(own).T).max(axis=1)
            more = [v for aid, v in exemplars.get((a['question'], p['id']), []) if aid != a['answer']]
            ex[p['id']] = (s @ np.array(own + more).T).max(axis=1)

        def margin(per, pid):
            others = [per[o] for o in per if o != pid]
            return float((per[pid] - (np.max(others, axis=0) if others else 0)).max())

        for p in points:
            expected = 'hit' if p['id'] in a['hit'] else 'denied' if p['id'] in a['denied'] else 'absent'
            rows.append({
                'set': a['set'], 'style': a['style'], 'expected': expected, 'found': a['verdicts'][p['id']],
                'max sim': float(base[p['id']].max()), 'margin': margin(base, p['id']),
                'exemplars': margin(ex, p['id']),
            })
    pickle.dump(cache, open(cache_path, 'wb'))
    print(f'{fresh} new embeddings in {time.time() - t0:.0f} s ({len(cache)} cached in {cache_path})\n')

    def score(rs, key=None, threshold=None):
        tp = fp = fn = den = den_ok = 0
        for r in rs:
            if r['style'] == 'list':
                continue
            credited = r['found'] == 'hit' or (
                key is not None and r[key] >= threshold and r['found'] != 'negated')
            if r['expected'] == 'denied':
                den += 1
                den_ok += not credited
            if r['expected'] == 'hit':
                tp += credited
                fn += not credited
            else:
                fp += credited
        return tp / max(1, tp + fp), tp / max(1, tp + fn), den_ok / max(1, den)

    def auc(rs, key):
        # Of the labelled hits the matcher missed, against every pair that is not a hit: how often
        # the signal ranks the missed hit higher (0.5 is chance).
        pos = np.array([r[key] for r in rs if r['expected'] == 'hit' and r['found'] != 'hit'])
        neg = np.array([r[key] for r in rs if r['expected'] != 'hit' and r['found'] != 'hit'])
        if not len(pos) or not len(neg):
            return float('nan')
        return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())

    sets = sorted({r['set'] for r in rows}, key=lambda x: (x != 'eval', len(x), x))
    shown = [s for s in sets if s == 'eval' or s not in TUNING]
    tuning = [r for r in rows if r['set'] == 'eval']
    head = f"{'signal':<22}{'threshold':>10}  " + ''.join(f'{s + " P / R / den":>26}' for s in shown)
    print(head)
    line = f"{'matcher alone':<22}{'':>10}  "
    for s in shown:
        p, rc, d = score([r for r in rows if r['set'] == s])
        line += f'{100 * p:>12.1f} / {100 * rc:4.1f} / {100 * d:5.1f}'
    print(line)
    grids = {'max sim': np.arange(0.30, 0.99, 0.01), 'margin': np.arange(-0.30, 0.80, 0.01),
             'exemplars': np.arange(-0.30, 0.80, 0.01)}
    for key, grid in grids.items():
        threshold = next((round(float(t), 2) for t in grid if score(tuning, key, t)[0] >= 0.95), None)
        if threshold is None:
            print(f'{key:<22} no threshold keeps precision at 95 % on eval')
            continue
        line = f'{"+ " + key:<22}{threshold:>10.2f}  '
        for s in shown:
            p, rc, d = score([r for r in rows if r['set'] == s], key, threshold)
            line += f'{100 * p:>12.1f} / {100 * rc:4.1f} / {100 * d:5.1f}'
        print(line)
    print('\nP / R: hit precision and recall on non-list answers; den: denials not credited as hits.')
    print('AUC of each signal, missed labelled hits against pairs that are not hits (0.5 = chance):')
    for key in grids:
        print(f'  {key:<10}' + ''.join(f'  {s} {auc([r for r in rows if r["set"] == s and r["style"] != "list"], key):.3f}'
                                       for s in shown))


if __name__ == '__main__':
    main()

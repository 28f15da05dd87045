import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ALPHABET, Tokenizer } from '../../../daemon/model/char/tokenizer.js';

test('default alphabet round-trips math, LaTeX and Python text', () => {
  const tok = Tokenizer.characters(DEFAULT_ALPHABET);
  assert.equal(tok.vocabSize, 100);
  const text = 'Compute 3/4 + 1.\nSo \\boxed{\\frac{7}{4}}\n```python\ndef f(x):\n    return [x % 2, x <= 3]\n```';
  const ids = tok.encode(text);
  assert.equal(ids.length, [...text].length);
  assert.ok(ids.every((i) => i >= 4 && i < tok.vocabSize), 'every character is in the alphabet');
  assert.equal(tok.decode(ids), text);
});

test('specials are distinct, dropped on decode; unknown characters map to unk', () => {
  const tok = Tokenizer.characters();
  assert.equal(new Set([tok.pad, tok.bos, tok.eos, tok.unk]).size, 4);
  assert.equal(tok.decode([tok.bos, ...tok.encode('ab'), tok.eos, tok.pad]), 'ab');
  assert.deepEqual(tok.encode('\t'), [tok.unk]);
});

test('toJSON / fromJSON preserve ids; bad JSON fails clearly', () => {
  const tok = Tokenizer.characters('xyz');
  const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.deepEqual(back.encode('zyx'), tok.encode('zyx'));
  assert.equal(back.vocabSize, 7);
  assert.throws(() => Tokenizer.fromJSON({ kind: 'bpe' }), /tokenizer: expected/);
  assert.throws(() => Tokenizer.characters('aa'), /repeated/);
});

// The function behind `rlvr model tokenize --model DIR --text T [--chat]`: its output shape.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelTokenize, runModelTokenize } from '../../../../daemon/cli/model/tokenize.js';
import { packageModelDir } from './models.js';

test('plain text: {"ids"} only, the post-processor\'s specials included', async () => {
  const out = await modelTokenize({ model: packageModelDir('llama3_1'), text: 'Hello world' });
  assert.deepEqual(Object.keys(out), ['ids']);
  assert.deepEqual(out.ids, [128000, 9906, 1917]);
});

test('--chat: T is the user message; {"ids", "text"} with the rendered template', async () => {
  const out = await modelTokenize({ model: packageModelDir('qwen3'), text: 'Hello world', chat: true });
  assert.equal(out.text, '<|im_start|>user\nHello world<|im_end|>\n<|im_start|>assistant\n');
  assert.deepEqual(out.ids, [151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198]);
});

test('missing options are an error that shows the usage', async () => {
  await assert.rejects(runModelTokenize(['tokenize', '--text', 'x']), /--model and --text are required\nusage: rlvr model tokenize/);
});

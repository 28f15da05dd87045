// `rlvr model logprobs|generate|tokenize|info` as a user runs them, on the HF fixtures: the output
// shapes the issue names (last stdout line one JSON object) and the reference values.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { LLAMA, QWEN2, skipWithoutFixtures } from '../unit/model/hf/helpers.js';
import { qwenTinyWithTokenizer } from '../unit/model/hf/models.js';
import { runCli } from './daemon.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rlvr-model-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);
const reference = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'reference.json'), 'utf8'));
function sequencesFile(name: string, sequences: unknown): string {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify({ sequences }));
  return file;
}

test('logprobs and greedy generate reproduce transformers\' references (qwen2-tiny, llama-tiny)', { skip: skipWithoutFixtures }, async () => {
  for (const dir of [QWEN2!, LLAMA!]) {
    const ref = reference(dir);
    const file = sequencesFile(`${path.basename(dir)}.json`, ref.sequences);
    const lp = await runCli(['model', 'logprobs', '--model', dir, '--sequences', file], 120_000);
    assert.equal(lp.code, 0, lp.stderr);
    const got = lastJson(lp.stdout).next_token_logprobs as number[][];
    assert.equal(got.length, ref.sequences.length);
    const worst = Math.max(...got.flatMap((row, i) => row.map((x, t) => Math.abs(x - ref.next_token_logprobs[i][t]))));
    assert.ok(worst <= 2e-3, `${path.basename(dir)}: max |diff| ${worst}`);

    const gen = await runCli(['model', 'generate', '--model', dir, '--sequences', file, '--max-new-tokens', '12', '--temperature', '0'], 120_000);
    assert.equal(gen.code, 0, gen.stderr);
    assert.deepEqual(lastJson(gen.stdout), { continuations: ref.greedy });
  }
});

test('sampling is seeded: the same seed the same continuations, another seed others', { skip: skipWithoutFixtures }, async () => {
  const file = sequencesFile('sample.json', [[1, 2, 3], [4, 5]]);
  const args = ['model', 'generate', '--model', LLAMA!, '--sequences', file, '--max-new-tokens', '8', '--temperature', '1', '--top-p', '0.9'];
  const [a, b, c] = await Promise.all([runCli([...args, '--seed', '1'], 60_000), runCli([...args, '--seed', '1'], 60_000), runCli([...args, '--seed', '2'], 60_000)]);
  assert.deepEqual(lastJson(a.stdout), lastJson(b.stdout));
  assert.notDeepEqual(lastJson(a.stdout), lastJson(c.stdout));
  assert.equal((lastJson(a.stdout).continuations as number[][])[0].length, 8);
});

test('info and tokenize describe a folder; tokenize --chat renders the template', { skip: skipWithoutFixtures }, async () => {
  const dir = qwenTinyWithTokenizer(QWEN2!, tmp);
  const info = await runCli(['model', 'info', '--model', dir]);
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual(lastJson(info.stdout), {
    architecture: 'Qwen2ForCausalLM', parameters: 4_883_744, dtype: 'BF16', vocabulary: 151_936, context_length: 4096, chat_template: true,
    tokenizer: true, layers: 2, hidden_size: 32, heads: 4, kv_heads: 2, head_dim: 8, tied_embeddings: true,
  });
  const tok = await runCli(['model', 'tokenize', '--model', dir, '--text', 'Hello world', '--chat']);
  assert.equal(tok.code, 0, tok.stderr);
  assert.deepEqual(lastJson(tok.stdout), { ids: [151644, 872, 198, 9707, 1879, 151645, 198, 151644, 77091, 198], text: '<|im_start|>user\nHello world<|im_end|>\n<|im_start|>assistant\n' });
});

test('a bad sequences file or folder is one line naming the file and field', { skip: skipWithoutFixtures }, async () => {
  const bad = sequencesFile('bad.json', [[1, 2], [3, 999999]]);
  const r = await runCli(['model', 'logprobs', '--model', LLAMA!, '--sequences', bad], 60_000);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.json: field 'sequences\[1\]\[1\]': 999999 is not a token id of this model \(0\.\.511\)/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  const none = await runCli(['model', 'info', '--model', tmp]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /not a model folder/);
});

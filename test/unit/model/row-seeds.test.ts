// GenerateOptions.rowSeeds: a row seeded on its own samples the same tokens whatever batch it
// is drawn in and wherever in it (pass-rate measurements batch problems differently in curate,
// eval and the editor's lens, and must still agree).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../daemon/model/backend.js';
import { CharGpt } from '../../../daemon/model/char/char-gpt.js';
import { Tokenizer } from '../../../daemon/model/char/tokenizer.js';

const tok = Tokenizer.characters();
let model: CharGpt;

before(async () => {
  await initBackend('wasm');
  model = CharGpt.create({ vocabSize: tok.vocabSize, contextLength: 48, dModel: 32, nLayers: 1, nHeads: 2, mlpRatio: 2 }, 5);
});

test('a row with its own seed samples the same tokens alone, first or last in a batch of prompts of other lengths', async () => {
  const ids = (s: string) => [tok.bos, ...tok.encode(s)];
  const mine = ids('7-2=?');
  const opts = { maxNewTokens: 16, temperature: 1, topP: 1, seed: 0, stopIds: [] };
  const alone = await model.generate([mine], { ...opts, rowSeeds: [42] });
  const last = await model.generate([ids('1+2+3+4=?'), ids('9=?'), mine], { ...opts, rowSeeds: [1, 2, 42] });
  const first = await model.generate([mine, ids('x')], { ...opts, seed: 99, rowSeeds: [42, 7] });
  assert.deepEqual(last[2].tokens, alone[0].tokens);
  assert.deepEqual(first[0].tokens, alone[0].tokens);
  // Without rowSeeds the stream follows the row's index: the same prompt elsewhere differs.
  const byIndex = await model.generate([ids('9=?'), mine], opts);
  const byIndexAlone = await model.generate([mine], opts);
  assert.notDeepEqual(byIndex[1].tokens, byIndexAlone[0].tokens);
  await assert.rejects(model.generate([mine], { ...opts, rowSeeds: [1, 2] }), /2 rowSeeds for 1 prompts/);
});

// A GRPO step on a Hugging Face checkpoint (qwen2-tiny: the real 151,936-id vocabulary, tied
// head), as the trainer takes it: sample a group per prompt, reward some responses, normalise
// within groups, one token-level update. The rewarded responses become more likely, the others
// less; a zero-variance group changes nothing of its own.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { groupAdvantages } from '../../../daemon/engine/grpo.js';
import { Policy } from '../../../daemon/engine/policy.js';
import { initBackend } from '../../../daemon/model/backend.js';
import { QWEN2, skipWithoutFixtures } from '../model/hf/helpers.js';

before(async () => {
  await initBackend('wasm');
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('a GRPO step on qwen2-tiny with mixed rewards raises the rewarded responses\' log-probs and lowers the others', { skip: skipWithoutFixtures }, async () => {
  const policy = await Policy.load(QWEN2!);
  try {
    const G = 4;
    const prompts = [[151644, 872, 198, 9707, 1879], [151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30]];
    const rows = prompts.flatMap((p) => Array.from({ length: G }, () => p));
    // A random-weight model is sharp (logits span ~30 nats): sample hot so the group's responses differ.
    const gens = await policy.generate(rows, { maxNewTokens: 6, temperature: 4, topP: 1, seed: 11, stopIds: [] });
    assert.equal(new Set(gens.slice(0, G).map((g) => g.tokens.join(','))).size, G, 'distinct responses in the mixed group');
    // Mixed rewards in the first group, all-wrong in the second (zero variance: advantage 0).
    const rewards = [1, 0, 1, 0, 0, 0, 0, 0];
    const { advantages, zeroVarianceGroups } = groupAdvantages(rewards, G);
    assert.equal(zeroVarianceGroups, 1);
    const samples = gens.map((g, i) => ({ prompt: rows[i], response: g.tokens, advantage: advantages[i], mask: true }));
    const before = (await policy.tokenLogProbs(samples)).map(sum);
    const stats = await policy.policyGradientStep(samples, { learningRate: 3e-3 });
    assert.ok(stats.gradNorm > 0 && Number.isFinite(stats.loss), `step ${JSON.stringify(stats)}`);
    assert.equal(stats.tokens, 8 * 6);
    const after = (await policy.tokenLogProbs(samples)).map(sum);
    for (let i = 0; i < G; i++) {
      const moved = after[i] - before[i];
      if (rewards[i] === 1) assert.ok(moved > 0.05, `rewarded response ${i}: log p ${before[i]} -> ${after[i]}`);
      else assert.ok(moved < -0.05, `unrewarded response ${i}: log p ${before[i]} -> ${after[i]}`);
    }
  } finally {
    policy.dispose();
  }
});

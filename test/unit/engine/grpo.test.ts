import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupAdvantages } from '../../../daemon/engine/grpo.js';
import { aggregate, passAtK } from '../../../daemon/engine/estimators.js';

const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

test('group advantages match a hand computation; zero-variance groups are counted', () => {
  // group 0: [1,0,0,0] mean .25, unbiased std sqrt(.75/3)=.5 -> [1.5, -.5, -.5, -.5]
  // group 1: all wrong -> zero variance; group 2: all right -> zero variance
  // group 3: [1,1,0,0] mean .5, std sqrt(1/3)=.57735 -> [.866, .866, -.866, -.866]
  const r = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
  const { advantages, groups, zeroVarianceGroups } = groupAdvantages(r, 4);
  assert.equal(groups, 4);
  assert.equal(zeroVarianceGroups, 2);
  const want = [1.5, -0.5, -0.5, -0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0.866025, 0.866025, -0.866025, -0.866025];
  want.forEach((w, i) => close(advantages[i], w));
  // Within a group the advantages sum to zero.
  close(advantages.slice(12).reduce((a, b) => a + b, 0), 0);
});

test('group advantages reject a ragged batch', () => {
  assert.throws(() => groupAdvantages([1, 0, 1], 2), /multiple of the group size 2/);
});

test('pass@k: the unbiased estimator against hand values', () => {
  // n=4, c=1, k=2: 1 - C(3,2)/C(4,2) = 1 - 3/6 = .5
  close(passAtK(4, 1, 2), 0.5);
  // n=5, c=2, k=3: 1 - C(3,3)/C(5,3) = 1 - 1/10 = .9
  close(passAtK(5, 2, 3), 0.9);
  // k=1 is the plain pass rate
  close(passAtK(8, 3, 1), 3 / 8);
  assert.equal(passAtK(4, 0, 4), 0);
  assert.equal(passAtK(4, 3, 2), 1);
  // n=10, c=2, k=5: 1 - C(8,5)/C(10,5) = 1 - 56/252
  close(passAtK(10, 2, 5), 1 - 56 / 252);
});

test('avg@k and pass@k aggregate over problems', () => {
  const { avgAtK, passAtK: p } = aggregate([{ n: 4, c: 1 }, { n: 4, c: 0 }, { n: 4, c: 4 }], 4);
  close(avgAtK, (0.25 + 0 + 1) / 3);
  close(p, (1 + 0 + 1) / 3);
});

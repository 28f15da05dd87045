// Malformed answers (what a policy early in training writes) never crash the verifier and
// never score: seeded random LaTeX token soup against random references.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyMath } from '../../../daemon/verify/math/index.js';

const TOKENS = [
  '\\frac{', '}{', '}', '{', '(', ')', '[', ']', '\\{', '\\}', 'x', 'y', '2', '3', '0', '-', '+', '^', '_', '\\sqrt{',
  '\\pi', '\\infty', ',', '=', '<', '\\le', '\\pm', '!', '\\text{', 'cm', '\\%', '.', '5', '\\cdot', '\\left(', '\\right)',
  '\\begin{pmatrix}', '\\end{pmatrix}', '&', '\\\\', '\\sum_{k=1}^{', '\\binom{', ':', '|', '\\ln', 'e', 'i', '\\cup', 'and', ' ',
];

test('random token soup: no verifier errors, and reward only for the same spelling', () => {
  let seed = 20250516;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const soup = () => Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => TOKENS[Math.floor(rnd() * TOKENS.length)]).join('');
  const errors: string[] = [];
  const rewarded: string[] = [];
  for (let i = 0; i < 600; i++) {
    const gold = soup();
    const pred = soup();
    const r = verifyMath({ kind: 'math', answer: gold }, `\\boxed{${pred}}`);
    if (r.verdict === 'verifier_error') errors.push(`${JSON.stringify(gold)} vs ${JSON.stringify(pred)}: ${r.details.kind === 'math' ? r.details.message : ''}`);
    if (r.reward === 1 && gold.replace(/\s/g, '') !== pred.replace(/\s/g, '')) rewarded.push(`${JSON.stringify(gold)} vs ${JSON.stringify(pred)}`);
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(rewarded, []);
});

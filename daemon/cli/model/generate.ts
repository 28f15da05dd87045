// `rlvr model generate --model DIR --sequences FILE.json --max-new-tokens N [--temperature T
// --top-p P --seed S]`: a continuation of each sequence, batched with the KV cache. Temperature 0
// is greedy. A continuation ends with the model's end token when it emits one (as transformers'
// generate stops at eos), else has N tokens.
//   -> {"continuations": [[ids...], ...]}   (last stdout line)
import { parseArgs } from 'node:util';
import { readSequences } from './sequences.js';
import { openModel } from './open.js';

const USAGE = `usage: rlvr model generate --model DIR --sequences FILE.json --max-new-tokens N
                          [--temperature T] [--top-p P] [--seed S] [--backend B]

  --temperature T   default 0 (greedy);  --top-p P  default 1;  --seed S  default 0`;

function num(v: string | undefined, flag: string, dflt: number, check: (n: number) => boolean, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new Error(`${flag}: expected ${what}, got '${v}'`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' }, sequences: { type: 'string' }, 'max-new-tokens': { type: 'string' }, temperature: { type: 'string' },
      'top-p': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model || !values.sequences || values['max-new-tokens'] === undefined) throw new Error(`--model, --sequences and --max-new-tokens are required\n${USAGE}`);
  const maxNewTokens = num(values['max-new-tokens'], '--max-new-tokens', 0, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
  const temperature = num(values.temperature, '--temperature', 0, (n) => n >= 0, 'a number >= 0');
  const topP = num(values['top-p'], '--top-p', 1, (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const seed = num(values.seed, '--seed', 0, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  const model = await openModel(values.model, values.backend);
  try {
    const sequences = readSequences(values.sequences, model.vocabSize, 1);
    const gens = await model.generate(sequences, { maxNewTokens, temperature, topP, seed, stopIds: model.tokenizer.stopIds });
    console.log(JSON.stringify({ continuations: gens.map((g) => g.tokens) }));
  } finally {
    model.dispose();
  }
  return 0;
}

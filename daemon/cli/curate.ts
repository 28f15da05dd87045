// `rlvr curate --input FILE... --out DIR`: raw problem sets in, clean RL prompts out.
// Writes DIR/kept.jsonl, DIR/dropped.jsonl (with filter and reason), DIR/report.json,
// and prints the per-filter table.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeCurateOutputs, formatReportTable } from '../data/curate/output.js';
import { curate, type CurateOptions } from '../data/curate/pipeline.js';
import { parseFieldMap, type ProblemKind } from '../data/records/record.js';
import { loadVerifier, type LoadedVerifier } from '../data/curate/verifier.js';

const HELP = `usage: rlvr curate --input FILE... --out DIR [options]

Reads JSONL / JSON / Parquet problem sets, drops what RL cannot use, and writes
DIR/kept.jsonl, DIR/dropped.jsonl (each with 'filter' and 'reason') and DIR/report.json.

options:
  --input FILE...         datasets to curate (.jsonl, .json, .parquet)
  --out DIR               output folder
  --kind math|code        treat every record as this kind (default: detected per record)
  --eval FILE...          more evaluation sets to decontaminate against
                          (always: every file in ../shared/fixtures/math/)
  --no-default-eval       do not decontaminate against the fixtures' evaluation sets
  --map field=path,...    where fields live in other shapes, e.g.
                          --map problem=prompt.0.content,answer=reward_model.ground_truth
  --skip NAME,...         leave out filters by name (see the table)
  --checkpoint C          difficulty filter: sample with this policy checkpoint
  --k K                   samples per problem (default 8)
  --min-pass X            keep pass rates >= X (default: solved at least once)
  --max-pass Y            keep pass rates <= Y (default: failed at least once)
  --seed S                sampling seed for the difficulty filter (default 0)
  --max-tokens N          response budget per sample (default: what the policy's
                          context leaves after the longest prompt)
                          (temperature 0.6, top-p 0.95: as rlvr eval samples)
  --concurrency N         verifier calls in flight (default 2)
  --format jsonl|verl     verl: also DIR/kept.parquet in verl's RLHFDataset schema
                          (data_source, prompt, ability, reward_model, extra_info), for
                          data.train_files=DIR/kept.parquet with \`rlvr verl reward-module\``;

/** `--input a b --eval c d`: a bare argument belongs to the list option before it. */
function collectLists(args: string[]): { input: string[]; eval: string[]; rest: string[] } {
  const lists = { input: [] as string[], eval: [] as string[] };
  const rest: string[] = [];
  let current: 'input' | 'eval' | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = a.match(/^--(input|eval)(?:=(.*))?$/);
    if (m) {
      current = m[1] as 'input' | 'eval';
      if (m[2] !== undefined) lists[current].push(m[2]);
    } else if (a.startsWith('-')) {
      current = null;
      rest.push(a);
      if (!a.includes('=') && !['--no-default-eval', '--help', '-h'].includes(a) && i + 1 < args.length) rest.push(args[++i]);
    } else if (current) lists[current].push(a);
    else throw new Error(`unexpected argument '${a}' (input files follow --input)`);
  }
  return { ...lists, rest };
}

function num(name: string, v: string | undefined, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < lo || x > hi) throw new Error(`--${name}: expected a number in [${lo}, ${hi}], got '${v}'`);
  return x;
}

export async function run(argv: string[]): Promise<number> {
  const lists = collectLists(argv);
  const { values } = parseArgs({
    args: lists.rest,
    options: {
      out: { type: 'string' },
      kind: { type: 'string' },
      map: { type: 'string' },
      skip: { type: 'string' },
      'no-default-eval': { type: 'boolean' },
      checkpoint: { type: 'string' },
      k: { type: 'string' },
      'min-pass': { type: 'string' },
      'max-pass': { type: 'string' },
      seed: { type: 'string' },
      'max-tokens': { type: 'string' },
      concurrency: { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (lists.input.length === 0) throw new Error('--input FILE... is required');
  if (!values.out) throw new Error('--out DIR is required');
  if (values.kind !== undefined && values.kind !== 'math' && values.kind !== 'code') {
    throw new Error(`--kind: expected math or code, got '${values.kind}'`);
  }
  if (values.format !== undefined && values.format !== 'jsonl' && values.format !== 'verl') {
    throw new Error(`--format: expected jsonl or verl, got '${values.format}'`);
  }
  const k = num('k', values.k, 1, 1024) ?? 8;
  const minPass = num('min-pass', values['min-pass'], 0, 1);
  const maxPass = num('max-pass', values['max-pass'], 0, 1);
  const maxNewTokens = num('max-tokens', values['max-tokens'], 1, 1 << 20);
  if (maxNewTokens !== undefined && !Number.isInteger(maxNewTokens)) throw new Error(`--max-tokens: expected an integer, got '${values['max-tokens']}'`);
  if (!values.checkpoint && (values.k || minPass !== undefined || maxPass !== undefined || maxNewTokens !== undefined)) {
    throw new Error('--k, --min-pass, --max-pass and --max-tokens need --checkpoint C (the policy that scores difficulty)');
  }
  const map = parseFieldMap(values.map);
  for (const [flag, files] of [['input', lists.input], ['eval', lists.eval]] as const) {
    for (const f of files) if (!existsSync(f)) throw new Error(`--${flag}: ${f}: no such file`);
  }

  let verifier: LoadedVerifier | undefined;
  const disposers: (() => Promise<void>)[] = [];
  try {
    verifier = await loadVerifier();
    disposers.push(verifier.close);
    const opts: CurateOptions = {
      kind: values.kind as ProblemKind | undefined,
      map,
      evalFiles: lists.eval,
      defaultEval: !values['no-default-eval'],
      verify: verifier.verify,
      verifyKinds: verifier.kinds,
      concurrency: num('concurrency', values.concurrency, 1, 64) ?? 2,
      skip: values.skip?.split(',').map((s) => s.trim()).filter(Boolean),
      log: (m) => process.stderr.write(`curate: ${m}\n`),
    };
    if (values.checkpoint) {
      const { loadCuratePolicy } = await import('../data/curate/policy-sampler.js');
      const policy = await loadCuratePolicy(values.checkpoint);
      disposers.push(policy.close);
      opts.difficulty = { k, minPass, maxPass, policy: policy.model, seed: num('seed', values.seed, 0, 2 ** 31) ?? 0, maxNewTokens };
    }
    const result = await curate(lists.input, opts);
    const files = await writeCurateOutputs(values.out, result);
    console.log(formatReportTable(result));
    const verl = values.format === 'verl' ? `, ${(await import('../verl/curate-adapter.js')).writeVerlKept(values.out, result.kept)}` : '';
    console.log(`\nwrote ${files.kept}, ${files.dropped}, ${files.report}${verl}`);
    if (result.report.rows > 0 && result.report.read_errors === result.report.rows) {
      // Nothing was curated: a script must not take an empty output for success.
      process.stderr.write(`curate: every one of the ${result.report.rows} rows in ${lists.input.join(', ')} was unreadable (file:line in ${files.dropped})\n`);
      return 1;
    }
    return 0;
  } finally {
    for (const d of disposers.reverse()) await d();
  }
}

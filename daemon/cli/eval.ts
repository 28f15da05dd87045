// `rlvr eval --checkpoint C --dataset D --k K`: avg@k and pass@k (unbiased estimator) of a
// checkpoint on a dataset, sampling at temperature 0.6 / top-p 0.95 by default as the paper
// does. Last line: one JSON object {"checkpoint","dataset","k","problems","avg_at_k","pass_at_k",...}.
// Samples the verifier failed on are counted apart ("verifier_failed"), never shown as a bare 0%.
// The same --seed gives the same per-problem counts as `rlvr curate --seed` and the editor's lens.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EVAL_DEFAULTS } from '../../shared/config.js';
import type { Problem, ProblemKind as Domain } from '../../shared/problem.js';
import { heldOutProblems } from '../data/embedded/index.js';
import { loadProblemsFile } from '../engine/dataset.js';
import { aggregate } from '../engine/estimators.js';
import { verifierFailedText } from '../../shared/eval-report.js';
import { evaluateProblems, verifierFailures } from '../engine/evaluate.js';
import { WARMSTART_DIR } from '../engine/run.js';
import { openVerifier } from '../engine/verifier.js';
import { describeBackend, initBackend } from '../model/backend.js';
import { loadModel, modelFolderKind } from '../model/load.js';
import { preflightEval, preflightEvalK } from '../engine/preflight.js';
import { closeVerifiers } from '../verify/index.js';

const USAGE = `usage: rlvr eval --checkpoint C --dataset D --k K [--problems N] [--temperature T] [--top-p P]
                 [--max-tokens N] [--seed N] [--backend B]

  --checkpoint C   a policy folder, a run checkpoint folder (with policy/), or "warmstart"
  --dataset D      embedded:math | embedded:code (their held-out splits) | a dataset file
                   (.jsonl / .json / .parquet, any shape rlvr curate reads, its kept.jsonl too)
  --k K            samples per problem: avg@K and pass@K
  --problems N     evaluate the first N problems (embedded default: 200)
  --temperature T  default 0.6;  --top-p P  default 0.95
  --max-tokens N   response limit (default: 48 math, 80 code)`;

function num(v: string | undefined, flag: string, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) throw new Error(`${flag}: expected a ${integer ? 'non-negative integer' : 'number'}, got '${v}'`);
  return n;
}

function resolveCheckpoint(c: string): string {
  if (c === 'warmstart') return WARMSTART_DIR;
  const dir = path.resolve(c);
  if (modelFolderKind(dir)) return dir;
  if (modelFolderKind(path.join(dir, 'policy'))) return path.join(dir, 'policy');
  throw new Error(`--checkpoint ${c}: no model there (expected an rlvr checkpoint's manifest.json or a Hugging Face config.json, in the folder or its policy/)`);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      dataset: { type: 'string' },
      k: { type: 'string' },
      problems: { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'max-tokens': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.checkpoint || !values.dataset || !values.k) throw new Error(`--checkpoint, --dataset and --k are required\n${USAGE}`);
  const k = num(values.k, '--k', 1, true);
  if (k < 1) throw new Error('--k: expected an integer >= 1');
  preflightEvalK(k);
  const ckDir = resolveCheckpoint(values.checkpoint);
  const limit = values.problems === undefined ? undefined : num(values.problems, '--problems', 0, true);

  let problems: Problem[];
  if (values.dataset === 'embedded:math' || values.dataset === 'embedded:code') {
    problems = heldOutProblems(values.dataset === 'embedded:math' ? 'math' : 'code', limit ?? EVAL_DEFAULTS.problems);
  } else {
    const all = await loadProblemsFile(path.resolve(values.dataset));
    problems = limit === undefined ? all : all.slice(0, limit);
  }
  // Before the model loads: the response limit fits its context, code problems have a sandbox.
  const present = [...new Set(problems.map((p) => p.kind))];
  try {
    await preflightEval({
      modelDir: ckDir,
      backend: values.backend,
      domains: present.map((domain) => ({ domain, maxNewTokens: num(values['max-tokens'], '--max-tokens', EVAL_DEFAULTS.max_response_length[domain], true), field: '--max-tokens' })),
    });
  } finally {
    await closeVerifiers();
  }
  const backend = await initBackend(values.backend);
  console.log(`backend: ${describeBackend(backend)}`);
  const model = await loadModel(ckDir);
  const verifier = await openVerifier();
  const temperature = num(values.temperature, '--temperature', EVAL_DEFAULTS.temperature);
  const topP = num(values['top-p'], '--top-p', EVAL_DEFAULTS.top_p);
  const seed = num(values.seed, '--seed', 0, true);
  try {
    // A dataset may mix math and code: evaluate each domain with its own length limit.
    const byDomain = new Map<Domain, Problem[]>();
    for (const p of problems) byDomain.set(p.kind, [...(byDomain.get(p.kind) ?? []), p]);
    const all: { n: number; c: number }[] = [];
    const domains: Record<string, { avg_at_k: number; pass_at_k: number; problems: number; verifier_failed: number; correct: number[] }> = {};
    let verifierFailed = 0;
    for (const [domain, ps] of byDomain) {
      const maxNewTokens = num(values['max-tokens'], '--max-tokens', EVAL_DEFAULTS.max_response_length[domain], true);
      // rlvr eval's sampling settings: --temperature / --top-p / --max-tokens / --seed as given.
      const e = await evaluateProblems(model, verifier.verify, domain, ps, { k, temperature, top_p: topP, maxNewTokens }, seed);
      const failed = verifierFailedText(domain, verifierFailures(e));
      const rates = `avg@${k} ${(100 * e.avgAtK).toFixed(1)}%  pass@${k} ${(100 * e.passAtK).toFixed(1)}%`;
      // Every sample failed in the verifier: there is no accuracy, only that failure to report.
      const shown = !failed ? rates : e.verifierFailed >= ps.length * k ? `${failed}: no sample was judged` : `${rates}  (${failed}, counted as unsolved)`;
      console.log(`${domain}: ${ps.length} problems, k=${k}: ${shown}  (${e.seconds.toFixed(1)} s)`);
      e.correct.forEach((c) => all.push({ n: k, c }));
      verifierFailed += e.verifierFailed;
      domains[domain] = { avg_at_k: e.avgAtK, pass_at_k: e.passAtK, problems: ps.length, verifier_failed: e.verifierFailed, correct: e.correct };
    }
    const total = aggregate(all, k);
    console.log(JSON.stringify({ checkpoint: ckDir, dataset: values.dataset, k, problems: problems.length, avg_at_k: total.avgAtK, pass_at_k: total.passAtK, verifier_failed: verifierFailed, temperature, top_p: topP, domains }));
  } finally {
    await verifier.close();
    model.dispose();
  }
  return 0;
}

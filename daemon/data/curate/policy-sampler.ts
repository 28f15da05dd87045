// Samples k responses per problem from a policy checkpoint, for the difficulty filter.
// Framing matches the trainer (bos, prompt, newline; stop at eos), so a pass rate here
// is the pass rate the policy would see in training. Seeds derive from the problem id,
// so the same checkpoint and seed give the same split whatever the input order.
import { initBackend } from '../../model/backend.js';
import { promptIds } from '../../engine/prompt.js';
import type { LanguageModel } from '../../model/language-model.js';
import { loadModel } from '../../model/load.js';
import type { SampleFn } from './filters/difficulty.js';
import { taskOf, type Problem } from './problem.js';
import { fnv1a } from './text.js';

export interface PolicySamplerOptions {
  seed?: number;
  temperature?: number;
  topP?: number;
  /** Response budget; by default what the policy's context leaves after the prompt. */
  maxNewTokens?: number;
  backend?: string;
}

export interface PolicySampler {
  sample: SampleFn;
  close(): Promise<void>;
}

export function samplerFor(model: LanguageModel, opts: PolicySamplerOptions = {}): SampleFn {
  const tok = model.tokenizer;
  return async (p: Problem, k: number) => {
    const ids = promptIds(tok, { domain: p.kind, prompt: p.prompt, starterCode: p.starter_code, task: taskOf(p) });
    const room = model.contextLength - ids.length;
    if (room < 1) throw new Error(`${p.source.file}:${p.source.line}: prompt (${ids.length} tokens) does not fit the policy's context (${model.contextLength})`);
    const gens = await model.generate(
      Array.from({ length: k }, () => ids),
      {
        maxNewTokens: Math.min(opts.maxNewTokens ?? room, room),
        // Evaluation settings (RECIPE.md): temperature 0.6, top_p 0.95.
        temperature: opts.temperature ?? 0.6,
        topP: opts.topP ?? 0.95,
        seed: (fnv1a(p.id) ^ (opts.seed ?? 0)) >>> 0,
        stopIds: tok.stopIds,
      },
    );
    return gens.map((g) => tok.decode(g.tokens));
  };
}

export async function policySampler(checkpoint: string, opts: PolicySamplerOptions = {}): Promise<PolicySampler> {
  await initBackend(opts.backend);
  const model = await loadModel(checkpoint);
  return { sample: samplerFor(model, opts), close: async () => model.dispose() };
}

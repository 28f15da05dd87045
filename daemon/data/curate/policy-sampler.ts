// The policy curation's difficulty filter measures with: a checkpoint loaded on a backend.
// The measurement itself is engine/pass-rates.ts's, the one held-out evaluation, the
// easy-prompt filter and the editor's lens use, so a pass rate here is the pass rate they see.
import { initBackend } from '../../model/backend.js';
import type { LanguageModel } from '../../model/language-model.js';
import { loadModel } from '../../model/load.js';

/** Curation samples as evaluation does (RECIPE.md): temperature 0.6, top_p 0.95. */
export const CURATE_TEMPERATURE = 0.6;
export const CURATE_TOP_P = 0.95;

export interface CuratePolicy {
  model: LanguageModel;
  close(): Promise<void>;
}

export async function loadCuratePolicy(checkpoint: string, backend?: string): Promise<CuratePolicy> {
  await initBackend(backend);
  const model = await loadModel(checkpoint);
  return { model, close: async () => model.dispose() };
}

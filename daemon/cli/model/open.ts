import { describeBackend, initBackend } from '../../model/backend.js';
import type { LanguageModel } from '../../model/language-model.js';
import { loadModel } from '../../model/load.js';

/** The backend (said on stderr: stdout's last line is the result) and the model. */
export async function openModel(dir: string, backend?: string): Promise<LanguageModel> {
  console.error(`backend: ${describeBackend(await initBackend(backend))}`);
  return loadModel(dir);
}

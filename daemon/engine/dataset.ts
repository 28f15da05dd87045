// A stage's dataset: the embedded generators (`embedded:math|code|mixed`) or a JSONL file of
// problems, one per line: {"id"?, "prompt", "answer"} (math) or {"id"?, "prompt", "tests",
// "fn_name"?} (code), with an optional "solution" (needed for sft stages).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StageConfig } from '../../shared/config.js';
import type { CodeTask } from '../../shared/verify.js';
import { embeddedTrainPool, type Problem } from '../data/embedded/index.js';

export function loadStageDataset(stage: StageConfig, seed: number, configDir: string): Problem[] {
  const embedded = embeddedTrainPool(stage.dataset, seed);
  if (embedded) return embedded;
  if (stage.dataset.startsWith('embedded:')) {
    throw new Error(`stage ${stage.name}: unknown dataset '${stage.dataset}' (expected embedded:math, embedded:code, embedded:mixed or a JSONL file)`);
  }
  return loadProblemsFile(path.resolve(configDir, stage.dataset), stage.kind === 'sft');
}

/** Problems from a JSONL file; a bad line fails naming file, line and field. */
export function loadProblemsFile(file: string, needSolution = false): Problem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read dataset ${file}: ${(err as Error).message}`);
  }
  const out: Problem[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${file}:${i + 1}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not JSON: ${(err as Error).message}`);
    }
    if (typeof o.prompt !== 'string' || !o.prompt) throw new Error(`${where}: prompt: expected a non-empty string`);
    if (needSolution && typeof o.solution !== 'string') throw new Error(`${where}: solution: an sft stage needs a reference solution`);
    const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : `${path.basename(file)}:${i + 1}`;
    const base = { id, level: typeof o.level === 'number' ? o.level : 0, prompt: o.prompt, solution: (o.solution as string) ?? '' };
    if (typeof o.answer === 'string' || typeof o.answer === 'number') {
      out.push({ ...base, domain: 'math', task: { kind: 'math', answer: String(o.answer) } });
    } else if (Array.isArray(o.tests) || (typeof o.tests === 'object' && o.tests !== null)) {
      const task: CodeTask = { kind: 'code', tests: o.tests as CodeTask['tests'] };
      if (typeof o.fn_name === 'string') task.fn_name = o.fn_name;
      out.push({ ...base, domain: 'code', task, ...(typeof o.starter_code === 'string' ? { starterCode: o.starter_code } : {}) });
    } else {
      throw new Error(`${where}: expected "answer" (math) or "tests" (code)`);
    }
  });
  if (out.length === 0) throw new Error(`${file}: no problems`);
  return out;
}

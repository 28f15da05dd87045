// startRun's preflight (daemon/engine/preflight.ts) on the params a client sent. Malformed
// params (a relative or missing configPath, a config with errors, a resumed run) are left to
// the run manager, which reports them with their own codes; a resumed run was checked when it began.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { StartRunParams } from '../../shared/protocol.js';
import { preflight } from '../engine/preflight.js';
import { effectiveCurriculum } from '../engine/run.js';

export async function preflightStartRun(p: StartRunParams): Promise<void> {
  if (p.resumeRunId !== undefined) return;
  if (p.configPath !== undefined && (!path.isAbsolute(p.configPath) || !existsSync(p.configPath))) return;
  let plan: ReturnType<typeof effectiveCurriculum>;
  try {
    plan = effectiveCurriculum({ configPath: p.configPath, stages: p.stages, maxStepsPerStage: p.maxStepsPerStage, seed: p.seed });
  } catch {
    return; // the run manager reports config errors, located, as ConfigInvalid
  }
  // The daemon's backend is the engine's to load (off this thread); everything else is checked.
  await preflight(plan.config, { configPath: plan.configPath, skipBackend: true });
}

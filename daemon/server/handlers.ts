// Every rlvr/* method, registered by its constant from shared/protocol.ts. The two tables
// below are keyed by the Methods constants and typed from them, so a method without a
// checker or a handler, or one whose types drift from the protocol, does not compile.
import { Methods, ErrorCodes, Notifications, type RequestType, type ServerStatus, type RolloutQuery } from '../../shared/protocol.js';
import type { VerifyResult, VerifyTask, Verdict } from '../../shared/verify.js';
import { RlvrError } from '../../shared/errors.js';
import type { RunStore } from '../store/index.js';
import type { Hub, ClientHandle } from './hub.js';
import { RPC_MEMORY_LIMIT_MB, RPC_TIME_LIMIT_S } from '../verify/code/limits.js';
import { arrayOf, between, bool, count, int, nonEmpty, num, obj, oneOf, opaque, opt, positive, str, type Check } from './params.js';
import { onRequest, type ParamsOf, type RequestRegistrar, type ResultOf } from './rpc.js';
import type { RunManager } from './runs.js';
import { rolloutProblem } from './rollout-problem.js';
import type { ProblemSampler } from './sampling.js';
import type { VerlWatches } from '../verl/watch.js';
import { preflightStartRun } from './preflight-start.js';

type M = typeof Methods;
type Key = keyof M;

const VERDICTS: readonly Verdict[] = [
  'correct', 'wrong', 'no_answer', 'timeout', 'verifier_error', 'passed', 'wrong_answer', 'runtime_error',
  'time_limit_exceeded', 'memory_limit_exceeded', 'syntax_error', 'no_code', 'sandbox_error',
];

const runRef = obj({ runId: nonEmpty });

const verifyTask: Check<VerifyTask> = (v, at) => {
  const kind = oneOf(['math', 'code'] as const)((v as { kind?: unknown } | null)?.kind, `${at}.kind`);
  if (kind === 'math') return obj({ kind: oneOf(['math'] as const), answer: str })(v, at);
  const tests: Check<{ input: string; output: string }[] | { functional: string }> = (t, tat) =>
    Array.isArray(t) ? arrayOf(obj({ input: str, output: str }))(t, tat) : obj({ functional: str })(t, tat);
  return obj({
    kind: oneOf(['code'] as const),
    tests,
    fn_name: opt(str),
    time_limit_s: opt(between(RPC_TIME_LIMIT_S.min, RPC_TIME_LIMIT_S.max)),
    memory_limit_mb: opt(between(RPC_MEMORY_LIMIT_MB.min, RPC_MEMORY_LIMIT_MB.max)),
  })(v, at);
};

export const PARAMS: { [K in Key]: Check<ParamsOf<M[K]>> } = {
  startRun: obj({
    configPath: opt(nonEmpty),
    stages: opt(arrayOf(nonEmpty)),
    maxStepsPerStage: opt(positive),
    name: opt(str),
    seed: opt(int),
    resumeRunId: opt(nonEmpty),
  }),
  stopRun: runRef,
  pauseRun: runRef,
  resumeRun: runRef,
  listRuns: obj({ offset: opt(count), limit: opt(positive) }),
  getRun: runRef,
  queryRollouts: obj({
    runId: nonEmpty,
    stage: opt(str),
    step: opt(int),
    problemId: opt(str),
    verdict: opt(oneOf(VERDICTS)),
    reward: opt(num),
    truncated: opt(bool),
    offset: opt(count),
    limit: opt(positive),
  }) satisfies Check<RolloutQuery>,
  getRollout: obj({ id: int }),
  metricSeries: runRef,
  passRates: obj({ runId: nonEmpty, stage: opt(str) }),
  evalResults: runRef,
  verify: obj({ task: verifyTask, response: str }),
  importVerlRun: obj({ dir: nonEmpty, name: opt(str) }),
  exportVerlRun: obj({ runId: nonEmpty, dir: nonEmpty }),
  watchVerlRun: obj({ rolloutDir: nonEmpty, metricsFile: opt(nonEmpty), name: opt(str) }),
  status: obj({}) as Check<Record<string, never>>,
  subscribe: obj({ runId: opt(nonEmpty) }),
  sampleProblem: obj({
    file: nonEmpty,
    line: positive,
    record: opaque<Record<string, unknown>>('a JSON object (the problem record)'),
    k: opt(positive),
    maxNewTokens: opt(positive),
    checkpoint: opt(nonEmpty),
    seed: opt(count),
  }),
  rolloutProblem: obj({ id: int }),
};

export interface DaemonContext {
  store: RunStore;
  runs: RunManager;
  hub: Hub;
  version: string;
  /** The backend report, computed once on first ask (it loads TensorFlow.js). */
  backend: () => Promise<ServerStatus['backend']>;
  verify: (task: VerifyTask, response: string) => Promise<VerifyResult>;
  /** "Sample k rollouts" on a dataset problem (daemon/server/sampling.ts). */
  sampler: ProblemSampler;
  /** Live verl runs followed from their files (daemon/verl/watch.ts). */
  verlWatches: VerlWatches;
}

type Handlers = { [K in Key]: (p: ParamsOf<M[K]>) => Promise<ResultOf<M[K]>> | ResultOf<M[K]> };

function handlersFor(ctx: DaemonContext, client: ClientHandle): Handlers {
  const { store, runs, hub } = ctx;
  const writable = (runId: string) => {
    if (store.getRun(runId).readOnly) throw new RlvrError(ErrorCodes.ReadOnlyRun, `run ${runId} is read-only (imported)`);
  };
  return {
    // The preflight runs here, before the run manager creates a run row: a missing piece is
    // one PreflightFailed error naming it and its fix, and no failed run is left behind.
    startRun: async (p) => (await preflightStartRun(p), runs.start(p)),
    stopRun: (p) => runs.stop(p.runId),
    pauseRun: (p) => (writable(p.runId), runs.pause(p.runId)),
    resumeRun: (p) => (writable(p.runId), runs.resume(p.runId)),
    listRuns: (p) => store.listRuns(p),
    getRun: (p) => store.getRun(p.runId),
    queryRollouts: (p) => store.queryRollouts(p),
    getRollout: (p) => store.getRollout(p.id),
    metricSeries: (p) => store.metricSeries(p.runId),
    passRates: (p) => store.passRates(p.runId, p.stage),
    evalResults: (p) => store.evalResults(p.runId),
    verify: async (p) => {
      try {
        return await ctx.verify(p.task, p.response);
      } catch (err) {
        throw new RlvrError(ErrorCodes.VerifierFailed, `verifier failed: ${(err as Error).message}`);
      }
    },
    importVerlRun: async (p) => {
      const out = await store.importVerl(p.dir, p.name);
      hub.broadcast(Notifications.runChanged, store.getRun(out.runId));
      return out;
    },
    exportVerlRun: (p) => store.exportVerl(p.runId, p.dir),
    watchVerlRun: (p) => ctx.verlWatches.watch(p),
    status: async () => ({
      version: ctx.version,
      pid: process.pid,
      backend: await ctx.backend(),
      node: process.version,
      tfjs: TFJS_VERSION,
      activeRun: runs.current,
      clients: hub.size,
    }),
    subscribe: (p) => {
      if (p.runId !== undefined) store.getRun(p.runId); // RunNotFound rather than a silent no-op
      hub.subscribe(client, p.runId);
      return { subscribed: true as const };
    },
    sampleProblem: (p) => ctx.sampler.sample(p),
    rolloutProblem: (p) => rolloutProblem(store, p.id),
  };
}

// The tfjs version the daemon depends on, without loading tfjs to ask it.
const TFJS_VERSION = '4.22.0';

function registerOne<K extends Key>(conn: RequestRegistrar, key: K, handlers: Handlers): void {
  // The correlation between Methods[K], PARAMS[K] and handlers[K] is enforced by the
  // tables' types above; TypeScript cannot follow it through a generic index, hence the cast.
  const type = Methods[key] as unknown as RequestType<ParamsOf<M[K]>, ResultOf<M[K]>>;
  onRequest(conn, type, PARAMS[key], handlers[key]);
}

/** Registers every rlvr/* method on `conn` for this client; returns the methods' names. */
export function registerMethods(conn: RequestRegistrar, ctx: DaemonContext, client: ClientHandle): string[] {
  const handlers = handlersFor(ctx, client);
  for (const key of Object.keys(Methods) as Key[]) registerOne(conn, key, handlers);
  return Object.values(Methods).map((m) => m.method);
}

// verl's SandboxFusion client against our POST /run_code: one HTTP request per test case, all
// in flight at once as verl's check_correctness sends them, against the baseline of the same
// cases run straight on the same sandbox pool (no HTTP, no JSON), both measured here.
import http from 'node:http';
import os from 'node:os';
import { httpRoutes } from '../server/http-routes.js';
import type { RunCodeResponse } from '../server/sandbox-fusion.js';
import { SandboxPool } from '../verify/code/index.js';

const CASES = 60;
const PROGRAM = 'n, k = map(int, input().split())\nprint(sum(i * i % k for i in range(n)))';
const inputs = Array.from({ length: CASES }, (_, i) => `${1000 + i} ${7 + (i % 5)}\n`);

async function overHttp(port: number): Promise<number> {
  const start = performance.now();
  const answers = await Promise.all(
    inputs.map(async (stdin) => {
      const r = await fetch(`http://127.0.0.1:${port}/run_code?token=bench-token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ compile_timeout: 10, run_timeout: 10, code: PROGRAM, stdin, memory_limit_MB: 1024, language: 'python', files: {}, fetch_files: [] }),
      });
      return (await r.json()) as RunCodeResponse;
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  if (answers.some((a) => a.status !== 'Success')) throw new Error(`bench program failed: ${JSON.stringify(answers.find((a) => a.status !== 'Success'))}`);
  return CASES / seconds;
}

async function direct(pool: SandboxPool): Promise<number> {
  const start = performance.now();
  await Promise.all(inputs.map((input) => pool.run({ mode: 'stdio', program: PROGRAM, input, time_limit_s: 10, wall_limit_s: 10, memory_limit_mb: 1024, output_limit: 8 << 20 })));
  return CASES / ((performance.now() - start) / 1000);
}

export async function run(): Promise<void> {
  const size = os.availableParallelism();
  const pool = new SandboxPool({ size });
  const routes = httpRoutes({ token: 'bench-token', pool: async () => pool });
  const server = http.createServer((req, res) => void routes(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  try {
    await direct(pool); // warm up: workers started
    const base = await direct(pool);
    const viaHttp = await overHttp(port);
    console.log(`SandboxFusion /run_code, ${CASES} stdin cases at once, ${size} sandbox workers, load average ${os.loadavg()[0].toFixed(1)}`);
    console.log(`  POST /run_code (one request per case)   ${viaHttp.toFixed(1)} cases/s`);
    console.log(`  baseline: the same pool, no HTTP        ${base.toFixed(1)} cases/s`);
    console.log(`  ratio HTTP / direct                     ${(viaHttp / base).toFixed(2)}x`);
  } finally {
    server.close();
    server.closeAllConnections();
    await pool.close();
  }
}

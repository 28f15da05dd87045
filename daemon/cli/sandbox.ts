// `rlvr sandbox`: SandboxFusion's API alone (POST /run_code, GET /v1/ping), plus rlvr/verify
// over POST /rpc for the verl reward module, for a cluster whose reward workers run on other
// machines: a drop-in for SandboxFusion that needs bubblewrap instead of Docker. No run
// store, no training. Off loopback a token is mandatory (--token-file).
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { httpRoutes } from '../server/http-routes.js';
import type { VerifyResult, VerifyTask } from '../../shared/verify.js';

const USAGE = `usage: rlvr sandbox [--host H] [--port P] [--token-file F]

  --host H        address to listen on (default 127.0.0.1)
  --port P        port (default 8080, SandboxFusion's; 0: any free port)
  --token-file F  a file holding the token callers must send (Authorization: Bearer T, or
                  ?token=T in the URL, e.g. http://H:P/run_code?token=T for verl's
                  sandbox_fusion.url). Mandatory when H is not a loopback address.

Prints one JSON line {"host","port","url"} once it accepts requests; stops on SIGINT/SIGTERM.`;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The token in a file: its first line, trimmed. Short tokens are refused: they can be guessed. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--token-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const token = text.split('\n')[0].trim();
  if (token.length < 16) throw new Error(`--token-file ${file}: line 1 holds a token of ${token.length} characters; use at least 16 (e.g. openssl rand -hex 32 > ${file})`);
  if ((statSync(file).mode & 0o077) !== 0) console.error(`rlvr sandbox: warning: ${file} is readable by other users (chmod 600 ${file})`);
  return token;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'token-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const host = values.host!;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer 0..65535, got ${values.port}`);
  const tokenFile = values['token-file'];
  if (!tokenFile && !isLoopback(host)) {
    throw new Error(`--host ${host} is reachable from other machines: a token is mandatory there (--token-file F)`);
  }
  const token = tokenFile ? readTokenFile(tokenFile) : null;

  const verify = async (task: VerifyTask, response: string): Promise<VerifyResult> => (await import('../verify/index.js')).verify(task, response);
  const routes = httpRoutes({ token, pool: async () => (await import('../verify/code/index.js')).defaultPool(), verify });
  const server = http.createServer((req, res) => {
    if (routes(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found: this server answers GET /v1/ping, POST /run_code and POST /rpc' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(JSON.stringify({ host, port: bound, url: `http://${urlHost}:${bound}/run_code` }) + '\n');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.error(`rlvr sandbox: ${signal}: stopping`);
  server.close();
  server.closeAllConnections();
  await (await import('../verify/index.js')).closeVerifiers();
  return 0;
}

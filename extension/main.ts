// Entry point. activate() shows its own failure: VS Code would otherwise swallow it.
import * as vscode from 'vscode';
import { Methods, type RequestType } from '../shared/protocol.js';
import { registerCommands } from './commands/index.js';
import { Ctx } from './ctx.js';

/** What the extension exports: used by the extension-host tests, and by other extensions. */
export interface RlvrApi {
  ctx: Ctx;
  ensureDaemon(): Promise<void>;
  request<P, R>(type: RequestType<P, R>, params: P): Promise<R>;
  methods: typeof Methods;
}

let current: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<RlvrApi> {
  try {
    const ctx = new Ctx(context);
    current = ctx;
    context.subscriptions.push(ctx, ...registerCommands(ctx));
    void ctx.attachIfRunning().catch((err) => ctx.output.appendLine(`daemon: ${err instanceof Error ? err.message : err}`));
    return {
      ctx,
      ensureDaemon: () => ctx.ensureDaemon(),
      request: (type, params) => ctx.client.request(type, params),
      methods: Methods,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`RLVR Studio failed to activate: ${message}`);
    throw err;
  }
}

export async function deactivate(): Promise<void> {
  // Stops the daemon only if this window started it; a daemon started elsewhere keeps running.
  await current?.client.stop();
  current = undefined;
}

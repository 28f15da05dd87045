// The extension's one connection to the daemon: a LanguageClient whose transport is the
// daemon's WebSocket, so LSP (config/dataset diagnostics) and the rlvr/* methods share it.
// Callers pass the typed constants of shared/protocol.ts, never a method string.
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  ResponseError,
  State,
  type LanguageClientOptions,
  type MessageTransports,
} from 'vscode-languageclient/node.js';
import {
  ErrorCodes,
  Methods,
  Notifications,
  type NotificationType,
  type RequestType,
} from '../../shared/protocol.js';
import type { Config } from '../config.js';
import { locateDaemon, type DaemonEndpoint } from './locate.js';
import { openTransport, type Transport } from './transport.js';

export type ConnectionState = 'stopped' | 'starting' | 'running';

/** A request made while no daemon is connected. */
export class DaemonNotRunningError extends Error {
  constructor(why?: string) {
    super(`The RLVR daemon is not running${why ? `: ${why}` : ''}.`);
  }
}

const MAX_RESTARTS = 4;

export class DaemonClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private endpoint: DaemonEndpoint | undefined;
  private lastError: string | undefined;
  private restarts = 0;
  private readonly handlers = new Map<string, Set<(params: unknown) => void>>();
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private _state: ConnectionState = 'stopped';

  constructor(
    private readonly config: Config,
    private readonly output: vscode.OutputChannel,
  ) {}

  get state(): ConnectionState {
    return this._state;
  }

  /** Why the last connection attempt failed, for the "not running" message. */
  get failure(): string | undefined {
    return this.lastError;
  }

  get daemonPid(): number | undefined {
    return this.endpoint?.pid;
  }

  async start(): Promise<void> {
    if (this.client) return;
    this.setState('starting');
    // Find (or start) the daemon before the LanguageClient exists, so a daemon that cannot
    // start gives one clear message rather than the client's generic "couldn't create connection".
    let pending: Transport | undefined;
    try {
      pending = await this.connect();
    } catch (err) {
      this.setState('stopped');
      throw new DaemonNotRunningError(this.lastError ?? (err as Error).message);
    }
    const options: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'yaml' },
        { scheme: 'file', pattern: '**/*.jsonl' },
      ],
      outputChannel: this.output,
      // Read by the daemon's LSP on every (re)connect: the k of its "Sample k rollouts" lenses.
      initializationOptions: () => ({ sampleK: this.config.sampleRollouts }),
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => {
          // The daemon went away: reconnect (serverOptions finds or restarts it), a few times.
          this.restarts += 1;
          if (this.restarts > MAX_RESTARTS) {
            this.lastError = 'the connection closed too many times';
            return { action: CloseAction.DoNotRestart, handled: true };
          }
          this.output.appendLine(`connection closed; reconnecting (${this.restarts}/${MAX_RESTARTS})`);
          return { action: CloseAction.Restart, handled: true };
        },
      },
      initializationFailedHandler: (err) => {
        this.lastError = err instanceof Error ? err.message : String(err);
        return false;
      },
    };
    const serverOptions = async (): Promise<MessageTransports> => {
      // The first connection is the one made above; a restart after a close finds the daemon again.
      const t = pending ?? (await this.connect());
      pending = undefined;
      return { reader: t.reader, writer: t.writer, detached: false };
    };
    const client = new LanguageClient('rlvr', 'RLVR daemon', serverOptions, options);
    for (const type of Object.values(Notifications)) {
      client.onNotification(type.method, (params: unknown) => this.dispatch(type.method, params));
    }
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) {
        this.lastError = undefined;
        this.restarts = 0;
        this.setState('running');
        // Subscriptions live on the connection: renew them after every reconnect.
        void client.sendRequest(Methods.subscribe.method, {}).catch((err) => this.output.appendLine(`subscribe failed: ${err}`));
      } else if (newState === State.Starting) {
        this.setState('starting');
      } else {
        this.setState('stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.restarts = 0;
    } catch (err) {
      this.lastError = this.lastError ?? (err instanceof Error ? err.message : String(err));
      this.client = undefined;
      this.setState('stopped');
      void client.dispose().catch(() => undefined);
      throw new DaemonNotRunningError(this.lastError);
    }
  }

  private async connect(): Promise<Transport> {
    try {
      // The daemon reads these when it starts (settings that need a restart).
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        RLVR_SANDBOX_TIME_LIMIT_S: String(this.config.sandboxTimeLimitSeconds),
        RLVR_SANDBOX_MEMORY_MB: String(this.config.sandboxMemoryLimitMb),
      };
      if (this.config.backend !== 'auto') env.RLVR_BACKEND = this.config.backend;
      this.endpoint = await locateDaemon({
        dataDir: this.config.dataDirectory,
        ...this.config.daemonCommand,
        port: this.config.daemonPort,
        env,
        log: (line) => this.output.appendLine(line),
      });
      const transport = await openTransport(this.endpoint);
      this.output.appendLine(`connected to the daemon (pid ${this.endpoint.pid}, port ${this.endpoint.port})`);
      return transport;
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.output.appendLine(`daemon: ${this.lastError}`);
      throw err;
    }
  }

  async request<P, R>(type: RequestType<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = this.client;
    if (!client || this._state !== 'running') throw new DaemonNotRunningError(this.lastError);
    // A trailing `undefined` would be sent as a second positional parameter: pass the token only when there is one.
    const result = token ? await client.sendRequest(type.method, params, token) : await client.sendRequest(type.method, params);
    return result as R;
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): vscode.Disposable {
    let set = this.handlers.get(type.method);
    if (!set) this.handlers.set(type.method, (set = new Set()));
    const h = handler as (params: unknown) => void;
    set.add(h);
    return new vscode.Disposable(() => set!.delete(h));
  }

  private dispatch(method: string, params: unknown): void {
    for (const handler of this.handlers.get(method) ?? []) {
      try {
        handler(params);
      } catch (err) {
        this.output.appendLine(`handler for ${method} failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  /** Stops the connection, and the daemon too when this extension started it. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.dispose(2000).catch(() => undefined);
    const child = this.endpoint?.child;
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 3000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.endpoint = undefined;
    this.setState('stopped');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private setState(state: ConnectionState): void {
    if (state === this._state) return;
    this._state = state;
    this.stateEmitter.fire(state);
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
  }
}

/** One place decides how a failed request reads to the user. */
export function describeRequestError(err: unknown): string {
  if (err instanceof DaemonNotRunningError) return err.message;
  if (err instanceof ResponseError) {
    const data = err.data as { file?: string; line?: number; field?: string } | undefined;
    const where = data?.file ? ` (${data.file}${data.line ? `:${data.line}` : ''}${data.field ? `, ${data.field}` : ''})` : '';
    switch (err.code) {
      case ErrorCodes.RunAlreadyActive:
        return `A run is already training: stop it first. ${err.message}`;
      case ErrorCodes.ConfigInvalid:
        return `The stage config is invalid${where}: ${err.message}`;
      case ErrorCodes.RunNotFound:
      case ErrorCodes.RolloutNotFound:
      case ErrorCodes.ProblemNotFound:
        return `Not found: ${err.message}`;
      case ErrorCodes.MethodNotFound:
        return `The daemon does not support this request (is it older than the extension?): ${err.message}`;
      default:
        return `The daemon refused the request: ${err.message}${where}`;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

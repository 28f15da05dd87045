// Every connected client and what it subscribed to. A notification is serialised once and
// written to each subscribed socket in the order it was raised, so every client sees the
// same sequence (the WebSocket keeps per-socket order).
import type { NotificationType } from '../../shared/protocol.js';
import type { WebSocketMessageWriter } from '../../shared/transport.js';

export interface ClientHandle {
  id: number;
  writer: WebSocketMessageWriter;
  /** null = not subscribed; 'all' = every run; else the run ids. */
  subscriptions: Set<string> | 'all' | null;
}

function runIdOf(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const p = params as { runId?: unknown; id?: unknown };
  // RunSummary (runChanged) names its run `id`; every other notification `runId`.
  if (typeof p.runId === 'string') return p.runId;
  if (typeof p.id === 'string') return p.id;
  return undefined;
}

export class Hub {
  private readonly clients = new Map<number, ClientHandle>();
  private nextId = 1;
  /** Notifications sent, counted per client write (for status and benches). */
  sent = 0;

  add(writer: WebSocketMessageWriter): ClientHandle {
    const c: ClientHandle = { id: this.nextId++, writer, subscriptions: null };
    this.clients.set(c.id, c);
    return c;
  }

  remove(c: ClientHandle): void {
    this.clients.delete(c.id);
  }

  get size(): number {
    return this.clients.size;
  }

  subscribe(c: ClientHandle, runId?: string): void {
    if (runId === undefined) c.subscriptions = 'all';
    else if (c.subscriptions === null) c.subscriptions = new Set([runId]);
    else if (c.subscriptions !== 'all') c.subscriptions.add(runId);
  }

  broadcast<P>(type: NotificationType<P>, params: P): void {
    const runId = runIdOf(params);
    let text: string | null = null;
    for (const c of this.clients.values()) {
      const s = c.subscriptions;
      if (s === null) continue;
      if (s !== 'all' && (runId === undefined || !s.has(runId))) continue;
      text ??= JSON.stringify({ jsonrpc: '2.0', method: type.method, params });
      c.writer.writeRaw(text);
      this.sent++;
    }
  }
}

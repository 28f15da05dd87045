// A subscriber that keeps counters, not messages: for load tests and benches, where holding
// every notification would measure the client's memory instead of the daemon's.
import WebSocket from 'ws';
import { Methods, Notifications, type RolloutRecord, type RunSummary } from '../../shared/protocol.js';

export interface Counts {
  messages: number;
  rollouts: number;
  steps: number;
  /** Notifications that arrived out of order (a step or rollout id not after the last). */
  outOfOrder: number;
  finished: boolean;
}

export async function countingClient(port: number, token: string, onFinished?: () => void): Promise<{ counts: Counts; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { Authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const counts: Counts = { messages: 0, rollouts: 0, steps: 0, outOfOrder: 0, finished: false };
  let lastStep = 0;
  let lastId = 0;
  let subscribed!: () => void;
  const ready = new Promise<void>((r) => (subscribed = r));
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { id?: number; method?: string; params?: unknown };
    if (msg.id === 1) return subscribed();
    counts.messages++;
    if (msg.method === Notifications.rollouts.method) {
      const p = msg.params as { step: number; rollouts: RolloutRecord[] };
      if (p.step !== lastStep + 1) counts.outOfOrder++;
      lastStep = p.step;
      counts.steps++;
      for (const r of p.rollouts) {
        if (r.id <= lastId) counts.outOfOrder++;
        lastId = r.id;
        counts.rollouts++;
      }
    } else if (msg.method === Notifications.runChanged.method) {
      const s = (msg.params as RunSummary).status;
      if (s === 'finished' || s === 'stopped' || s === 'failed') {
        counts.finished = true;
        onFinished?.();
      }
    }
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: Methods.subscribe.method, params: {} }));
  await ready;
  return { counts, close: () => ws.close() };
}

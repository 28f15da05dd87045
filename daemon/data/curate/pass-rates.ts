// Pass rates measured from the editor ("Sample k rollouts" on a dataset line), kept so the
// "Pass rate: n/k" lens survives edits elsewhere in the file, a reopened file and a daemon
// restart. Keyed by the problem's content, not its file and line: moving a record keeps its
// measurement, editing its prompt or reference drops it (the old number no longer applies).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProblemPassRate } from '../../../shared/protocol.js';
import { problemKey, type Problem } from '../records/record.js';

export { problemKey };

type Listener = (m: ProblemPassRate) => void;

export class PassRateBook {
  private readonly byKey = new Map<string, ProblemPassRate>();
  private readonly listeners = new Set<Listener>();
  /** The file ends without a newline (a write cut short): the next record starts a new line. */
  private torn = false;

  /** `file`: a JSONL file the measurements are appended to and read back from (null: memory only). */
  constructor(private readonly file: string | null) {
    if (file && existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      this.torn = text.length > 0 && !text.endsWith('\n');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const m = JSON.parse(line) as ProblemPassRate;
          if (typeof m.problemKey === 'string' && Number.isInteger(m.passed) && Number.isInteger(m.k)) this.byKey.set(m.problemKey, m);
        } catch {
          // A line cut short by a kill: the measurements before it still count.
        }
      }
    }
  }

  /** How many problems have a measurement. */
  get size(): number {
    return this.byKey.size;
  }

  getByKey(key: string): ProblemPassRate | undefined {
    return this.byKey.get(key);
  }

  get(p: Problem): ProblemPassRate | undefined {
    return this.byKey.get(problemKey(p));
  }

  record(m: ProblemPassRate): void {
    this.byKey.set(m.problemKey, m);
    if (this.file) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      // The samples stay out of the file: the lens needs the count, the caller already has them.
      appendFileSync(this.file, (this.torn ? '\n' : '') + JSON.stringify({ ...m, samples: [] }) + '\n');
      this.torn = false;
    }
    for (const l of this.listeners) l(m);
  }

  onRecord(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

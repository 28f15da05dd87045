// Near-duplicate search run again and again over a list that is being edited (an open
// dataset in the editor): the same answers as nearDuplicates(), but a record is matched
// again only when one of its LSH bands saw a change. On a 100,000-record file an edit
// re-checked every record's candidates: seconds per keystroke.
import type { Problem } from '../../records/record.js';
import { NEAR_DUPLICATE_THRESHOLD, NearDuplicateBuckets, type DuplicateOf, type NearSignature } from './dedup.js';

/** One record of the list: `id` names it across runs (the same record text at the same occurrence). */
export interface NearItem {
  id: number;
  p: Problem;
  /** Its LSH band keys (kept between runs); the full signature is computed only when it must be matched or compared. */
  keys: Int32Array;
  signature: () => NearSignature;
}

interface Outcome {
  order: number;
  keys: Int32Array;
  /** The record as it is now (its line moves). */
  p: Problem;
  /** The id of the kept record it duplicates, or null when it is kept itself. */
  firstId: number | null;
  jaccard: number;
}

export class RepeatedNearDuplicates {
  private previous = new Map<number, Outcome>();
  /** How many records the last run matched again (the rest kept their answer). */
  rematched = 0;

  constructor(private readonly threshold = NEAR_DUPLICATE_THRESHOLD) {}

  run(items: readonly NearItem[]): (DuplicateOf | null)[] {
    // A band whose kept records changed (one added, removed or no longer kept) may change the
    // answer of every record in it; a record with no such band gets its last answer again.
    const dirty = new Set<number>();
    const present = new Set(items.map((x) => x.id));
    for (const [id, o] of this.previous) if (o.firstId === null && !present.has(id)) for (const k of o.keys) dirty.add(k);
    // A record that moved past others changes who comes first in its bands, before and after
    // its new place: the records that kept their relative order are the longest run of
    // increasing old positions; the others count as moved, and their bands are dirty.
    const inPlace = longestIncreasing(items.map((x) => this.previous.get(x.id)?.order ?? -1));
    items.forEach((x, i) => {
      if (!inPlace[i] && this.previous.has(x.id)) for (const k of x.keys) dirty.add(k);
    });
    this.rematched = 0;
    const buckets = new NearDuplicateBuckets<{ p: Problem; id: number }>(this.threshold, items.length);
    const next = new Map<number, Outcome>();
    const touchesDirty = (keys: Int32Array) => {
      if (dirty.size === 0) return false;
      for (const k of keys) if (dirty.has(k)) return true;
      return false;
    };
    const out = items.map((x, order) => {
      const was = this.previous.get(x.id);
      let now: Outcome;
      if (inPlace[order] && was && !touchesDirty(x.keys) && (was.firstId === null || next.get(was.firstId)?.firstId === null)) {
        now = was; // its bands saw no change: the same answer
        now.order = order;
        now.p = x.p;
      } else {
        const m = buckets.match(x.signature());
        this.rematched++;
        now = { order, keys: x.keys, p: x.p, firstId: m ? m.first.id : null, jaccard: m ? m.jaccard : 1 };
        if (!was || (was.firstId === null) !== (now.firstId === null)) for (const k of x.keys) dirty.add(k);
      }
      next.set(x.id, now);
      if (now.firstId === null) {
        buckets.keep({ p: x.p, id: x.id }, x.keys, x.signature);
        return null;
      }
      return { first: next.get(now.firstId)!.p, jaccard: now.jaccard };
    });
    this.previous = next;
    return out;
  }
}

/** Marks the members of one longest strictly increasing subsequence of the non-negative values (patience sorting, O(n log n)). */
function longestIncreasing(values: readonly number[]): Uint8Array {
  const tails: number[] = []; // index of the smallest tail of an increasing run of each length
  const before = new Int32Array(values.length).fill(-1);
  values.forEach((v, i) => {
    if (v < 0) return;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) before[i] = tails[lo - 1];
    tails[lo] = i;
  });
  const member = new Uint8Array(values.length);
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = before[i]) member[i] = 1;
  return member;
}

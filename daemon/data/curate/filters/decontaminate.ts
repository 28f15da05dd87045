// Decontamination: drop a training problem that shares an n-gram with any evaluation
// problem (9-gram for math, 14-gram for code, as the paper). Evaluation texts shorter
// than 2n tokens get two more checks, since a single edited token can remove every
// n-gram they have: their whole token sequence found inside a training text, and a
// training text of the same length that differs from them in at most one token.
import path from 'node:path';
import { readRows } from '../../formats/index.js';
import type { Filter } from '../filter.js';
import { promptOf, type Problem, type ProblemKind } from '../../records/record.js';
import { tokenHashes, tokenize, windowHash, windowHash32, type TokenHashes } from '../text.js';

export const NGRAM: Record<ProblemKind, number> = { math: 9, code: 14 };

export interface EvalRef {
  file: string;
  line: number;
}

export interface EvalText extends EvalRef {
  text: string;
}

/** Every evaluation text of the given files (any format readRows knows; rows without a prompt are skipped). */
export async function loadEvalTexts(files: readonly string[]): Promise<{ texts: EvalText[]; skipped: number }> {
  const texts: EvalText[] = [];
  let skipped = 0;
  for (const file of files) {
    for await (const row of readRows(file)) {
      const text = row.ok ? promptOf(row.value) : null;
      if (text) texts.push({ file, line: row.line, text });
      else skipped++;
    }
  }
  return { texts, skipped };
}

/** The whole sequence with each position in turn read as a wildcard: equal for texts one token apart. */
function maskedKeys(h: TokenHashes, len: number): number[] {
  const keys: number[] = [];
  for (let j = 0; j < len; j++) keys.push(windowHash(h, 0, len, j));
  return keys;
}

export class ContaminationIndex {
  /** n-gram hash -> first evaluation text holding it. */
  private readonly grams = new Map<number, EvalRef>();
  /** Short evaluation texts (< n tokens) by length: whole-sequence hash -> ref. */
  private readonly shortWhole = new Map<number, Map<number, EvalRef>>();
  /** Texts < 2n tokens, each token in turn replaced by a wildcard. */
  private readonly masked = new Map<number, EvalRef>();
  /** 32-bit hashes of every key above: most windows miss it, without building a 52-bit key. */
  private readonly pre = new Set<number>();
  readonly boilerplate: number;

  constructor(readonly n: number, texts: readonly EvalText[]) {
    // An n-gram found in many evaluation problems is template text ("Please solve the
    // programming task below..."), not content: leave it out or it matches everything.
    const docFreq = new Map<number, number>();
    const perDoc = texts.map((t) => {
      const tokens = tokenize(t.text);
      const h = tokenHashes(tokens);
      const grams = new Set<number>();
      for (let i = 0; i + n <= tokens.length; i++) grams.add(windowHash(h, i, n));
      for (const g of grams) docFreq.set(g, (docFreq.get(g) ?? 0) + 1);
      return { t, tokens, h, grams };
    });
    const maxDocs = Math.max(2, Math.ceil(texts.length * 0.02));
    let boilerplate = 0;
    for (const { t, tokens, h, grams } of perDoc) {
      const ref = { file: t.file, line: t.line };
      for (const g of grams) {
        if (docFreq.get(g)! > maxDocs) boilerplate++;
        else if (!this.grams.has(g)) this.grams.set(g, ref);
      }
      for (let i = 0; i + n <= tokens.length; i++) this.pre.add(windowHash32(h, i, n));
      if (tokens.length > 0 && tokens.length < n) {
        let byLen = this.shortWhole.get(tokens.length);
        if (!byLen) this.shortWhole.set(tokens.length, (byLen = new Map()));
        byLen.set(windowHash(h, 0, tokens.length), ref);
        this.pre.add(windowHash32(h, 0, tokens.length));
      }
      if (tokens.length >= 3 && tokens.length < 2 * n) {
        for (const k of maskedKeys(h, tokens.length)) if (!this.masked.has(k)) this.masked.set(k, ref);
        for (let j = 0; j < tokens.length; j++) this.pre.add(windowHash32(h, 0, tokens.length, j));
      }
    }
    this.boilerplate = boilerplate;
  }

  get size(): number {
    return this.grams.size;
  }

  /** The first evaluation text the given text overlaps, and how. */
  find(text: string): { ref: EvalRef; how: string } | null {
    const tokens = tokenize(text);
    const h = tokenHashes(tokens);
    const n = this.n;
    const quote = (i: number, len: number) => tokens.slice(i, i + len).join(' ');
    for (let i = 0; i + n <= tokens.length; i++) {
      if (!this.pre.has(windowHash32(h, i, n))) continue;
      const ref = this.grams.get(windowHash(h, i, n));
      if (ref) return { ref, how: `${n}-gram overlap ('${quote(i, n)}')` };
    }
    for (const [len, byLen] of this.shortWhole) {
      for (let i = 0; i + len <= tokens.length; i++) {
        if (!this.pre.has(windowHash32(h, i, len))) continue;
        const ref = byLen.get(windowHash(h, i, len));
        if (ref) return { ref, how: `contains the whole evaluation problem ('${quote(i, len)}')` };
      }
    }
    if (tokens.length >= 3 && tokens.length < 2 * n) {
      for (let j = 0; j < tokens.length; j++) {
        if (!this.pre.has(windowHash32(h, 0, tokens.length, j))) continue;
        const ref = this.masked.get(windowHash(h, 0, tokens.length, j));
        if (ref) return { ref, how: 'the same problem with at most one token changed' };
      }
    }
    return null;
  }
}

export interface EvalSets {
  files: string[];
  texts: EvalText[];
}

export function decontaminate(evalSets: EvalSets): Filter & { index(kind: ProblemKind): ContaminationIndex } {
  const indexes = new Map<ProblemKind, ContaminationIndex>();
  const index = (kind: ProblemKind): ContaminationIndex => {
    let idx = indexes.get(kind);
    if (!idx) indexes.set(kind, (idx = new ContaminationIndex(NGRAM[kind], evalSets.texts)));
    return idx;
  };
  return {
    name: 'contamination',
    kinds: ['math', 'code'],
    description: `n-gram overlap (math ${NGRAM.math}, code ${NGRAM.code}) with ${evalSets.files.length} evaluation file(s)`,
    index,
    async run(problems: readonly Problem[]) {
      return problems.map((p) => {
        const hit = index(p.kind).find(p.prompt);
        return hit ? `${hit.how} with ${path.basename(hit.ref.file)}:${hit.ref.line}` : null;
      });
    },
  };
}

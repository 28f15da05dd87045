// `--save-dtype`: what an HF-sourced run's checkpoints store. `source` (the default) keeps the
// checkpoint's own dtype, so a save of an unchanged model is the same bytes as its source.
import type { FloatDtype } from './dtype.js';

export const SAVE_DTYPES = ['source', 'f32', 'bf16'] as const;
export type SaveDtype = (typeof SAVE_DTYPES)[number];

export function isSaveDtype(v: unknown): v is SaveDtype {
  return (SAVE_DTYPES as readonly unknown[]).includes(v);
}

/** The dtype written for a `--save-dtype` choice and the source checkpoint's dtype. */
export function savedDtype(choice: SaveDtype, source: FloatDtype): FloatDtype {
  if (choice === 'f32') return 'F32';
  if (choice === 'bf16') return 'BF16';
  return source;
}

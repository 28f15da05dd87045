// External fixtures are read at run time, never copied into the project:
// RLVR_FIXTURES, else ../shared/fixtures next to the checkout.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function fixturesDir(): string {
  return process.env.RLVR_FIXTURES ?? path.resolve(PROJECT_ROOT, '../shared/fixtures');
}

/** The fixture path, or null when the fixtures folder is absent (tests then say so and skip). */
export function fixturePath(relative: string): string | null {
  const p = path.join(fixturesDir(), relative);
  return existsSync(p) ? p : null;
}

export function missingFixturesMessage(relative: string): string {
  return `fixtures absent: ${path.join(fixturesDir(), relative)} not found (set RLVR_FIXTURES or place ../shared/fixtures beside the checkout)`;
}

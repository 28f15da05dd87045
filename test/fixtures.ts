// How tests meet the external fixtures (../shared/fixtures or RLVR_FIXTURES): where they are
// absent a test says so and skips, except where RLVR_FIXTURES_REQUIRED=1 (CI, which always
// has them): there a missing fixture fails the test file, naming what is missing, rather
// than letting a conformance test pass by skipping.
import { fixturePath, missingFixturesMessage } from '../daemon/data/fixtures.js';

const required = () => process.env.RLVR_FIXTURES_REQUIRED === '1';

function missing(relative: string): never {
  throw new Error(`${missingFixturesMessage(relative)}; RLVR_FIXTURES_REQUIRED=1 makes that a failure`);
}

/** For a test's `skip` option: false when every fixture named is there, else why it skips (or a throw where they are required). */
export function skipUnlessFixtures(...relative: string[]): string | false {
  const absent = relative.find((r) => fixturePath(r) === null);
  if (absent === undefined) return false;
  if (required()) missing(absent);
  return missingFixturesMessage(absent);
}

/** A fixture a test can do without (it then checks less), or null; where fixtures are required, its absence throws. */
export function optionalFixture(relative: string): string | null {
  const p = fixturePath(relative);
  if (p === null && required()) missing(relative);
  return p;
}

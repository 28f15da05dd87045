// The run store's schema, as an ordered list of migrations. PRAGMA user_version holds the
// number of migrations applied; opening a store applies the missing ones in one
// transaction each, so a store written by an older build upgrades in place and a store
// written by a newer build is refused instead of being misread.
import type Database from 'better-sqlite3';

export type Migration = { name: string; sql: string };

export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'initial schema',
    sql: `
      CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        status      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        config_path TEXT,
        config_json TEXT,
        seed        INTEGER NOT NULL DEFAULT 0,
        read_only   INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        -- The process that writes the run: a 'running' run whose writer is gone was
        -- interrupted (kill -9, crash) and is marked so on the next daemon start.
        owner_pid   INTEGER
      );

      CREATE TABLE stages (
        run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL,
        status        TEXT NOT NULL,
        steps_done    INTEGER NOT NULL,
        steps_planned INTEGER NOT NULL,
        PRIMARY KEY (run_id, idx)
      );

      -- One row per optimisation step; the full StepMetrics object is kept as JSON so a
      -- new metric needs no migration, the keys we sort and filter on are columns.
      CREATE TABLE steps (
        run_id       TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        stage_index  INTEGER NOT NULL,
        stage        TEXT NOT NULL,
        step         INTEGER NOT NULL,
        global_step  INTEGER NOT NULL,
        mean_reward  REAL NOT NULL,
        accuracy     REAL NOT NULL,
        metrics_json TEXT NOT NULL,
        recorded_at  TEXT NOT NULL,
        PRIMARY KEY (run_id, stage_index, step)
      );
      CREATE INDEX steps_by_global ON steps(run_id, global_step);

      CREATE TABLE rollouts (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id           TEXT NOT NULL,
        stage_index      INTEGER NOT NULL,
        stage            TEXT NOT NULL,
        step             INTEGER NOT NULL,
        global_step      INTEGER NOT NULL,
        problem_id       TEXT NOT NULL,
        sample_index     INTEGER NOT NULL,
        kind             TEXT NOT NULL,
        prompt           TEXT NOT NULL,
        response         TEXT NOT NULL,
        gold             TEXT NOT NULL,
        reward           REAL NOT NULL,
        advantage        REAL NOT NULL,
        verdict          TEXT NOT NULL,
        extracted_answer TEXT,
        prompt_tokens    INTEGER NOT NULL,
        response_tokens  INTEGER NOT NULL,
        truncated        INTEGER NOT NULL,
        -- VerifyResult without details.tests (those are rows of test_results).
        verify_json      TEXT,
        FOREIGN KEY (run_id, stage_index, step) REFERENCES steps(run_id, stage_index, step) ON DELETE CASCADE,
        -- A redone step can never store a response twice.
        UNIQUE (run_id, stage_index, step, problem_id, sample_index)
      );
      CREATE INDEX rollouts_by_problem ON rollouts(run_id, problem_id, global_step);
      CREATE INDEX rollouts_by_verdict ON rollouts(run_id, verdict);

      CREATE TABLE test_results (
        rollout_id       INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
        idx              INTEGER NOT NULL,
        verdict          TEXT NOT NULL,
        input            TEXT,
        expected         TEXT,
        actual           TEXT,
        first_diff_line  INTEGER,
        stderr_tail      TEXT,
        wall_ms          REAL,
        cpu_ms           REAL,
        peak_memory_kb   REAL,
        PRIMARY KEY (rollout_id, idx)
      );

      CREATE TABLE checkpoints (
        run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        stage_index INTEGER NOT NULL,
        step        INTEGER NOT NULL,
        path        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (run_id, stage_index, step)
      );

      -- (run, after, domain) is unique: an evaluation redone after a resume replaces the
      -- first one rather than being counted twice.
      CREATE TABLE evals (
        run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        after     TEXT NOT NULL,
        domain    TEXT NOT NULL,
        avg_at_k  REAL NOT NULL,
        pass_at_k REAL NOT NULL,
        k         INTEGER NOT NULL,
        problems  INTEGER NOT NULL,
        seq       INTEGER NOT NULL,
        PRIMARY KEY (run_id, after, domain)
      );
    `,
  },
  {
    // Samples the verifier could not judge (sandbox or verifier error, checker timeout): an
    // evaluation whose samples all failed there must not read as a 0% policy.
    name: 'evaluation samples the verifier failed on',
    sql: `ALTER TABLE evals ADD COLUMN verifier_failed INTEGER NOT NULL DEFAULT 0;`,
  },
];

/** Applies the migrations `db` has not seen yet; returns the resulting schema version. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, file = db.name): number {
  const tooNew = (current: number) =>
    new Error(`${file}: store schema version ${current} is newer than this build knows (${migrations.length}); upgrade rlvr-studio`);
  const seen = db.pragma('user_version', { simple: true }) as number;
  if (seen > migrations.length) throw tooNew(seen);
  if (seen === migrations.length) return migrations.length;
  // One write transaction (BEGIN IMMEDIATE) that reads the version and applies what is
  // missing: two processes opening a fresh store at once would otherwise both read version 0
  // and the second fail with "table runs already exists". The second waits (busy_timeout),
  // then finds the schema current. PRAGMA user_version commits with the schema change.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) throw tooNew(current);
    for (let v = current; v < migrations.length; v++) {
      db.exec(migrations[v].sql);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
  return migrations.length;
}

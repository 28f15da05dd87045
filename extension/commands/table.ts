// Command ids and titles, declared once (runtime-free). commands/index.ts maps each id to
// its handler; a unit test checks package.json's contributes.commands against this table.

export interface CommandSpec {
  title: string;
  icon?: string;
  /** Shown in the command palette (false: only from a view or a context menu). */
  palette: boolean;
}

export const COMMANDS = {
  'rlvr.startStage': { title: 'Start RL stage', icon: '$(play)', palette: true },
  'rlvr.stopStage': { title: 'Stop stage', icon: '$(debug-stop)', palette: true },
  'rlvr.openDashboard': { title: 'Open dashboard', icon: '$(graph-line)', palette: true },
  'rlvr.showRollouts': { title: 'Show rollouts', icon: '$(list-tree)', palette: true },
  'rlvr.compareExpectedActual': { title: 'Compare expected/actual', icon: '$(diff)', palette: true },
  'rlvr.verifyProblem': { title: 'Verify problem', icon: '$(check)', palette: true },
  'rlvr.openRun': { title: 'Open run', icon: '$(folder-opened)', palette: true },
  'rlvr.filterRollouts': { title: 'Filter rollouts', icon: '$(filter)', palette: true },
  'rlvr.refreshRuns': { title: 'Refresh runs', icon: '$(refresh)', palette: true },
  'rlvr.openRollout': { title: 'Open rollout', palette: false },
  'rlvr.sampleProblem': { title: 'Sample rollouts for this problem', icon: '$(beaker)', palette: true },
  'rlvr.openCurationReport': { title: 'Open curation report', icon: '$(graph)', palette: true },
  // Follows a live verl job's rollout_data_dir (and file logger) as a run (rlvr/watchVerlRun).
  'rlvr.watchVerlRun': { title: 'Watch verl run...', icon: '$(eye)', palette: true },
  // Also offered by any command that needs the daemon when no `rlvr` is found (only the .vsix installed).
  'rlvr.installDaemon': { title: 'Install daemon', icon: '$(cloud-download)', palette: true },
  // On a test item of the Test Explorer (menu testing/item/context): its cases on a new sample.
  'rlvr.runLatestSample': { title: "Run again with the latest checkpoint's sample", icon: '$(beaker)', palette: false },
} as const satisfies Record<string, CommandSpec>;

export type CommandId = keyof typeof COMMANDS;
export const CATEGORY = 'RLVR';

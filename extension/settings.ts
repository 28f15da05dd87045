// The extension's settings, declared once. package.json's contributes.configuration is
// checked against this table by a unit test, so the two cannot drift apart. Runtime-free.

export interface SettingSpec {
  type: 'string' | 'number' | 'boolean';
  default: string | number | boolean;
  description: string;
  enum?: string[];
  minimum?: number;
  /** A change only takes effect after the daemon restarts. */
  restartsDaemon: boolean;
}

export const SETTINGS = {
  'rlvr.daemon.path': {
    type: 'string',
    default: '',
    description: 'The `rlvr` CLI that starts the daemon: its bin/rlvr.js (run with rlvr.daemon.nodePath) or an executable. Empty: the CLI beside the extension (a checkout), else the one "RLVR: Install daemon" put into the extension\'s storage, else `rlvr` on PATH (npm install -g rlvr-studio).',
    restartsDaemon: true,
  },
  'rlvr.daemon.package': {
    type: 'string',
    default: '',
    description: 'Where "Install daemon" gets the daemon when none is found: a path (absolute or workspace-relative) or URL of the npm package tarball rlvr-studio-<version>.tgz that `npm run package` writes beside the .vsix, or any npm install spec. Empty: rlvr-studio@<this extension\'s version> from the npm registry. npm installs it and its dependencies into the extension\'s global storage.',
    restartsDaemon: false,
  },
  'rlvr.daemon.nodePath': {
    type: 'string',
    default: 'node',
    description: 'Node.js executable (20 or newer) that runs the daemon.',
    restartsDaemon: true,
  },
  'rlvr.daemon.port': {
    type: 'number',
    default: 0,
    minimum: 0,
    description: 'Port the daemon listens on (127.0.0.1 only). 0: any free port, found again through the lock file.',
    restartsDaemon: true,
  },
  'rlvr.backend': {
    type: 'string',
    default: 'auto',
    enum: ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
    description: 'TensorFlow.js backend for training. auto: the first that loads, in order webgpu, tensorflow, wasm, cpu.',
    restartsDaemon: true,
  },
  'rlvr.dataDirectory': {
    type: 'string',
    default: '',
    description: 'Where runs, checkpoints and the daemon lock file live. Empty: $RLVR_DATA_DIR or ~/.local/share/rlvr-studio.',
    restartsDaemon: true,
  },
  'rlvr.sandbox.timeLimitSeconds': {
    type: 'number',
    default: 4,
    minimum: 0.1,
    description: 'Wall-clock limit per test when the code sandbox runs a program.',
    restartsDaemon: true,
  },
  'rlvr.sandbox.memoryLimitMb': {
    type: 'number',
    default: 512,
    minimum: 16,
    description: 'Memory limit per program run in the code sandbox.',
    restartsDaemon: true,
  },
  'rlvr.maxStepsPerStage': {
    type: 'number',
    default: 0,
    minimum: 0,
    description: 'Cap every stage at this many steps when starting from the editor (quick demos). 0: the config decides.',
    restartsDaemon: false,
  },
  'rlvr.openDashboardOnStart': {
    type: 'boolean',
    default: true,
    description: 'Open the dashboard when a stage starts.',
    restartsDaemon: false,
  },
  'rlvr.curation.sampleRollouts': {
    type: 'number',
    default: 8,
    minimum: 1,
    description: 'k of the "Sample k rollouts" code lens on dataset problems (at most 64): responses sampled from the latest run checkpoint (or the shipped warm start) and verified; the lens then shows "Pass rate: n/k".',
    // The lens titles come from the daemon connection, which reads it when it starts.
    restartsDaemon: true,
  },
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;

// One class of typed getters over the `rlvr.*` settings (declared in settings.ts).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultDataDir } from '../shared/data-dir.js';
import { findOnPath, installedCli, packageSpec } from './daemon/install.js';
import { SETTINGS, type SettingKey } from './settings.js';

type Backend = (typeof SETTINGS)['rlvr.backend']['enum'][number];

export class Config {
  /**
   * @param installRoot the extension's global storage folder for daemons it installed
   * @param version the extension's version: the installed daemon of this version is used
   */
  constructor(
    private readonly extensionPath: string,
    readonly installRoot: string,
    readonly version: string,
  ) {}

  private get<T>(key: SettingKey): T {
    const [section, ...rest] = key.split('.');
    const value = vscode.workspace.getConfiguration(section).get<T>(rest.join('.'));
    return (value ?? SETTINGS[key].default) as T;
  }

  /**
   * How to run `rlvr`: the configured path (a .js file runs under nodePath, anything else is
   * executed), else the CLI beside the extension (a checkout or development install), else
   * the daemon of this version installed into the extension's storage (install.ts), else
   * `rlvr` on PATH (the npm CLI: the .vsix does not carry the daemon).
   */
  get daemonCommand(): { command: string; args: string[] } {
    const cli = this.daemonCli;
    if (!cli) return { command: 'rlvr', args: [] };
    return /\.[cm]?js$/.test(cli) ? { command: this.nodePath, args: [cli] } : { command: cli, args: [] };
  }

  /** The daemon's CLI, where one is known before looking at PATH. */
  private get daemonCli(): string | null {
    const configured = this.get<string>('rlvr.daemon.path').trim();
    if (configured) return this.resolveWorkspacePath(configured);
    const beside = path.join(this.extensionPath, 'bin', 'rlvr.js');
    if (existsSync(beside)) return beside;
    const installed = installedCli(this.installRoot, this.version);
    return existsSync(installed) ? installed : null;
  }

  /** False when only the .vsix is installed: no configured or installed CLI, no `rlvr` on PATH. */
  get hasDaemon(): boolean {
    return this.daemonCli !== null || findOnPath('rlvr') !== null;
  }

  /** What "Install daemon" installs: a tarball path (resolved), a URL or an npm spec. */
  get daemonPackage(): string {
    const configured = this.get<string>('rlvr.daemon.package').trim();
    const isFile = /\.(tgz|tar\.gz)$/i.test(configured) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(configured);
    return packageSpec(isFile ? this.resolveWorkspacePath(configured) : configured, this.version);
  }

  get nodePath(): string {
    return this.get<string>('rlvr.daemon.nodePath').trim() || 'node';
  }

  get daemonPort(): number {
    return Math.max(0, Math.floor(this.get<number>('rlvr.daemon.port')));
  }

  get backend(): Backend {
    return this.get<Backend>('rlvr.backend');
  }

  /** Same resolution as `rlvr serve` and `rlvr train`, so all three meet at one lock file. */
  get dataDirectory(): string {
    const configured = this.get<string>('rlvr.dataDirectory').trim();
    return configured ? this.resolveWorkspacePath(configured) : defaultDataDir();
  }

  get sandboxTimeLimitSeconds(): number {
    return this.get<number>('rlvr.sandbox.timeLimitSeconds');
  }

  get sandboxMemoryLimitMb(): number {
    return this.get<number>('rlvr.sandbox.memoryLimitMb');
  }

  get maxStepsPerStage(): number | undefined {
    const n = Math.floor(this.get<number>('rlvr.maxStepsPerStage'));
    return n > 0 ? n : undefined;
  }

  get openDashboardOnStart(): boolean {
    return this.get<boolean>('rlvr.openDashboardOnStart');
  }

  /** k for "Sample k rollouts" (the daemon accepts 1..64). */
  get sampleRollouts(): number {
    return Math.min(64, Math.max(1, Math.floor(this.get<number>('rlvr.curation.sampleRollouts')) || 8));
  }

  /** True when a change touches a setting the running daemon was started with. */
  static needsDaemonRestart(event: vscode.ConfigurationChangeEvent): boolean {
    return (Object.keys(SETTINGS) as SettingKey[]).some((k) => SETTINGS[k].restartsDaemon && event.affectsConfiguration(k));
  }

  private resolveWorkspacePath(p: string): string {
    if (path.isAbsolute(p)) return p;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return root ? path.join(root, p) : path.resolve(p);
  }
}

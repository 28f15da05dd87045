// One class of typed getters over the `rlvr.*` settings (declared in settings.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { defaultDataDir } from '../daemon/store/paths.js';
import { SETTINGS, type SettingKey } from './settings.js';

type Backend = (typeof SETTINGS)['rlvr.backend']['enum'][number];

export class Config {
  constructor(private readonly extensionPath: string) {}

  private get<T>(key: SettingKey): T {
    const [section, ...rest] = key.split('.');
    const value = vscode.workspace.getConfiguration(section).get<T>(rest.join('.'));
    return (value ?? SETTINGS[key].default) as T;
  }

  /** The CLI that starts the daemon: the setting, else the copy shipped in the extension. */
  get daemonPath(): string {
    const configured = this.get<string>('rlvr.daemon.path').trim();
    return configured ? this.resolveWorkspacePath(configured) : path.join(this.extensionPath, 'bin', 'rlvr.js');
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

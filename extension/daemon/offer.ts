// The offer made when a command needs the daemon and none is found (only the .vsix is
// installed: no checkout, no rlvr.daemon.path, no `rlvr` on PATH): install the daemon of the
// extension's own version into its global storage, from rlvr.daemon.package (a tarball path
// or URL; empty: the npm registry) or a tarball the user picks, with a progress notification
// and npm's output in the RLVR output channel.
import * as vscode from 'vscode';
import type { Config } from '../config.js';

/** What an install needs of the extension's context (not Ctx itself, which calls back into this module). */
export interface InstallHost {
  readonly config: Config;
  readonly output: vscode.OutputChannel;
}
import { DAEMON_PACKAGE, installDaemon } from './install.js';

const INSTALL = 'Install daemon';
const CHOOSE = 'Choose tarball...';

/**
 * Asks, then installs. Resolves true once a daemon is installed, false when the user
 * cancelled or the install failed (the failure is shown with what to do).
 * `reason`: why it is asked (no daemon found) or undefined for the explicit command.
 */
export async function offerDaemonInstall(ctx: InstallHost, reason?: string): Promise<boolean> {
  const { version } = ctx.config;
  const source = ctx.config.daemonPackage;
  const message = reason
    ? `RLVR Studio needs its daemon and found none (${reason}). Install ${DAEMON_PACKAGE} ${version}?`
    : `Install the RLVR daemon (${DAEMON_PACKAGE} ${version})?`;
  const detail =
    `npm installs it with its dependencies (TensorFlow.js, better-sqlite3; about 500 MB, a few minutes) into the extension's storage, from ${source}. ` +
    `"${CHOOSE}" installs the rlvr-studio-${version}.tgz that \`npm run package\` writes beside the .vsix (the rlvr.daemon.package setting remembers one).`;
  const choice = await vscode.window.showInformationMessage(message, { modal: true, detail }, INSTALL, CHOOSE);
  if (choice === INSTALL) return install(ctx, source);
  if (choice === CHOOSE) {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Install daemon',
      filters: { 'npm package tarball': ['tgz'] },
      title: `The ${DAEMON_PACKAGE}-${version}.tgz to install`,
    });
    return picked?.[0] ? install(ctx, picked[0].fsPath) : false;
  }
  return false;
}

async function install(ctx: InstallHost, source: string): Promise<boolean> {
  const { output, config } = ctx;
  output.appendLine(`--- installing the daemon (${DAEMON_PACKAGE} ${config.version}) from ${source}`);
  try {
    const cli = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'RLVR: installing the daemon', cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: `npm install ${source}` });
        return installDaemon({
          source,
          installRoot: config.installRoot,
          version: config.version,
          nodePath: config.nodePath,
          signal: abort.signal,
          log: (line) => {
            output.appendLine(line);
            // The notification shows what npm is doing now (the native build is the long part).
            if (/\S/.test(line)) progress.report({ message: line.trim().slice(0, 100) });
          },
        });
      },
    );
    output.appendLine(`daemon installed: ${cli}`);
    return true;
  } catch (err) {
    const why = (err as Error).message;
    output.appendLine(`daemon install failed: ${why}`);
    void vscode.window.showErrorMessage(`RLVR: the daemon could not be installed: ${why}`, 'Show log').then((c) => (c ? output.show() : undefined));
    return false;
  }
}

// The one HTML shell every webview panel loads: a strict CSP (nothing but the bundle's own
// nonce'd script, its stylesheet and fonts from the extension), assets through asWebviewUri.
// Kept in one place so no panel can drift to a looser policy.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface WebviewShell {
  /** Bundle name in dist/: `<bundle>.js` and `<bundle>.css`. */
  bundle: string;
  title: string;
  /** Shown until the script has rendered. */
  loading: string;
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, shell: WebviewShell): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', name));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(`${shell.bundle}.css`)}">
<title>${shell.title}</title>
</head>
<body>
<div id="app"><p class="muted">${shell.loading}</p></div>
<script nonce="${nonce}" src="${asset(`${shell.bundle}.js`)}"></script>
</body>
</html>`;
}

// Writes package.json's contributes.commands and contributes.configuration from the two
// tables that declare them (extension/commands/table.ts, extension/settings.ts), so the
// manifest is generated, never hand-edited. A unit test fails when they drift apart.
// Run under `flock /tmp/npm.lock` when others may be editing package.json.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const bundle = await esbuild.build({
  stdin: { contents: "export * from './extension/commands/table.ts'; export * from './extension/settings.ts';", resolveDir: '.', loader: 'ts' },
  bundle: true,
  format: 'esm',
  write: false,
  platform: 'neutral',
});
const url = `data:text/javascript;base64,${Buffer.from(bundle.outputFiles[0].text).toString('base64')}`;
const { COMMANDS, CATEGORY, SETTINGS } = await import(url);

export function contributedCommands() {
  return Object.entries(COMMANDS).map(([command, spec]) => ({ command, title: spec.title, category: CATEGORY, ...(spec.icon ? { icon: spec.icon } : {}) }));
}

export function contributedConfiguration() {
  const properties = {};
  for (const [key, spec] of Object.entries(SETTINGS)) {
    properties[key] = { type: spec.type, default: spec.default, description: spec.description, ...(spec.enum ? { enum: spec.enum } : {}), ...(spec.minimum !== undefined ? { minimum: spec.minimum } : {}) };
  }
  return { title: 'RLVR Studio', properties };
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
pkg.contributes ??= {};
pkg.contributes.commands = contributedCommands();
pkg.contributes.configuration = contributedConfiguration();
pkg.contributes.menus ??= {};
pkg.contributes.menus.commandPalette = Object.entries(COMMANDS)
  .filter(([, spec]) => !spec.palette)
  .map(([command]) => ({ command, when: 'false' }));
writeFileSync('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`package.json: ${pkg.contributes.commands.length} commands, ${Object.keys(pkg.contributes.configuration.properties).length} settings`);

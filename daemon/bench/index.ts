// `npm run bench`: every `*.bench.js` beside this file, in name order (or only those named
// on the command line). Each prints its own measurements with ratios against a baseline
// measured in the same run; nothing here asserts on time.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

for (const file of benches) {
  console.log(`\n## ${file.replace(/\.bench\.js$/, '')}`);
  const bench = (await import(path.join(here, file))) as { run(): Promise<void> };
  await bench.run();
}

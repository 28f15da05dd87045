// Curation throughput: records/s per filter on a generated 100K-record JSONL file, beside
// the plain read of the same file (readline + JSON.parse) measured in the same run; each
// as wall-clock and as CPU-time rates, with the ratio to the read.
// Sandbox and policy steps are left out: their cost is the verifier's and the model's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRows } from '../data/formats/index.js';
import { buildFilters, loadProblems, runFilters } from '../data/curate/pipeline.js';
import { DatasetChecker, diagnoseDataset } from '../data/curate/diagnostics.js';

const RECORDS = 100_000;

// Templated problems with random fill: like synthetic training sets, many records share
// most of their words, which is the hard case for near-duplicate search.
const TEMPLATES = [
  'A {n} has {a} {m}s and buys {b} more every day. After {c} days it gives away {d} of them. How many {m}s does it have now?',
  'Let $f(x) = {a}x^2 + {b}x + {c}$. Find the sum of all real $x$ with $f(x) = {d}$, for the {n} problem.',
  'A {n} walks {a} km at {b} km/h and then {c} km at {d} km/h. What is the average speed of the {m} trip in km/h?',
  'How many positive integers less than {a}{b} are divisible by {c} but not by {d}? The {n} asked the {m}.',
  'The {n} arranges {a} red and {b} blue {m}s in a row so that no two blue ones touch. In how many ways can this be done if {c} are fixed and {d} removed?',
];
const WORDS = 'farmer baker teacher student robot pilot sailor painter miner writer apple coin stamp marble card book shell pencil token ticket'.split(' ');

function generate(file: string): void {
  let seed = 12345;
  const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) {
    // 2% exact repeats of an earlier record, as scraped pools have.
    if (i > 100 && rand(50) === 0) {
      lines.push(lines[rand(lines.length)]);
      continue;
    }
    const problem = TEMPLATES[rand(TEMPLATES.length)].replace(/\{(\w)\}/g, (_, k: string) =>
      k === 'n' || k === 'm' ? WORDS[rand(WORDS.length)] : String(1 + rand(997)),
    );
    lines.push(JSON.stringify({ problem, answer: String(rand(10_000)) }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * The editor's diagnostics of this file after a one-line edit: the open document's kept
 * DatasetChecker (what the LSP's dataset worker does) beside a check from scratch (baseline).
 */
function editorRecheck(text: string): void {
  const lines = text.split('\n');
  const checker = new DatasetChecker();
  let t0 = performance.now();
  checker.diagnose(text, 'train.jsonl');
  const firstS = (performance.now() - t0) / 1000;
  const middle = Math.floor(lines.length / 2);
  lines[middle] = lines[middle].replace('How many', 'Exactly how many').replace('Find', 'Now find');
  const edited = lines.join('\n');
  t0 = performance.now();
  diagnoseDataset(edited, 'train.jsonl');
  const freshS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  checker.diagnose(edited, 'train.jsonl');
  const keptS = (performance.now() - t0) / 1000;
  const { records, checked, rematched } = checker.lastCheck;
  console.log(`editor diagnostics, ${records} records: first check ${firstS.toFixed(2)} s; after a one-line edit, from scratch ${freshS.toFixed(2)} s (baseline)`);
  console.log(`editor diagnostics after the edit, kept checker: ${keptS.toFixed(2)} s (${(freshS / keptS).toFixed(1)}x faster), ${checked} record read again, ${rematched} matched again`);
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function rate(n: number, seconds: number): string {
  return `${Math.round(n / seconds).toLocaleString('en-US')} records/s`;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rlvr-curate-bench-'));
  try {
    const file = path.join(dir, 'train.jsonl');
    generate(file);

    // Wall time and CPU time both: on a shared machine wall time mostly measures the others.
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    let rows = 0;
    for await (const r of readRows(file)) if (r.ok) rows++;
    const readS = (performance.now() - t0) / 1000;
    const readCpu = cpuSeconds(c0);
    const baseline = rows / readS;
    const baselineCpu = rows / readCpu;
    console.log(`baseline  plain JSONL read (readline + JSON.parse): ${rate(rows, readS)} wall, ${rate(rows, readCpu)} CPU`);

    t0 = performance.now();
    c0 = process.cpuUsage();
    const { problems } = await loadProblems([file], { kind: 'math' });
    const loadS = (performance.now() - t0) / 1000;
    const loadCpu = cpuSeconds(c0);
    console.log(`read + shape detection: ${rate(problems.length, loadS)} wall (${(problems.length / loadS / baseline).toFixed(2)}x the plain read), ${rate(problems.length, loadCpu)} CPU (${(problems.length / loadCpu / baselineCpu).toFixed(2)}x)`);

    const { filters } = await buildFilters({ skip: ['reference-fails'] });
    const { kept, reports } = await runFilters(problems, filters, {});
    for (const r of reports) {
      if (r.seen === 0) continue;
      const cpu = r.cpu_seconds ?? r.seconds;
      console.log(
        `${r.name.padEnd(20)} ${rate(r.seen, r.seconds).padStart(22)} wall (${(r.per_s / baseline).toFixed(2)}x)  ${rate(r.seen, cpu).padStart(22)} CPU (${(r.seen / cpu / baselineCpu).toFixed(2)}x)  dropped ${r.dropped} of ${r.seen}`,
      );
    }
    const total = reports.reduce((a, r) => a + r.seconds, 0) + loadS;
    console.log(`whole pipeline: ${rate(problems.length, total)} end to end, ${kept.length} of ${RECORDS} kept`);
    editorRecheck(readFileSync(file, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The dashboard's entry point: receives ToWebview messages from the extension and draws
// the run; sends FromWebview messages back. No network: everything comes by postMessage.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { RunSummary, StepMetrics } from '../shared/protocol.js';
import type { FromWebview, ToWebview } from '../shared/webview-messages.js';
import { MetricCharts } from './charts.js';
import { drawEvals } from './evals.js';
import { PassRateMap } from './heatmap.js';
import { RolloutTable } from './table.js';

declare function acquireVsCodeApi(): { postMessage(msg: FromWebview): void };
const vscode = acquireVsCodeApi();
const send = (msg: FromWebview) => vscode.postMessage(msg);

function section(title: string, id: string): HTMLElement {
  const s = document.createElement('section');
  s.id = id;
  const h = document.createElement('h2');
  h.textContent = title;
  s.appendChild(h);
  return s;
}

const app = document.getElementById('app')!;
app.replaceChildren();
const header = document.createElement('header');
const title = document.createElement('h1');
const live = document.createElement('div');
live.id = 'live';
live.className = 'live';
live.textContent = 'waiting for the first step…';
const errorBox = document.createElement('div');
errorBox.className = 'error';
errorBox.hidden = true;
header.append(title, live, errorBox);
const timeline = section('Stages', 'timeline');
const charts = section('Per-step curves', 'charts');
const chartGrid = document.createElement('div');
chartGrid.className = 'chart-grid';
charts.appendChild(chartGrid);
const evaluations = section('Held-out evaluation', 'evals');
const heat = section('Pass rate per problem over steps', 'passrates');
const table = section('Rollouts', 'rollouts');
app.append(header, timeline, charts, evaluations, heat, table);

const curves = new MetricCharts(chartGrid);
const passMap = new PassRateMap(heat);
const rollouts = new RolloutTable(
  table,
  (filter) => send({ type: 'queryRollouts', filter }),
  (id) => send({ type: 'openRollout', id }),
);
let metrics: StepMetrics[] = [];
/** Steps that arrived as notifications after the snapshot: what makes the dashboard live. */
let liveUpdates = 0;

function drawRun(r: RunSummary): void {
  title.textContent = `${r.name} — ${r.status}${r.readOnly ? ' (read-only)' : ''}`;
  const bar = document.createElement('div');
  bar.className = 'stages';
  const total = r.stages.reduce((n, s) => n + Math.max(1, s.stepsPlanned), 0);
  for (const s of r.stages) {
    const seg = document.createElement('div');
    seg.className = `stage ${s.kind} ${s.status}`;
    seg.style.flexGrow = String(Math.max(1, s.stepsPlanned) / total);
    const fill = document.createElement('div');
    fill.className = 'fill';
    fill.style.width = `${s.stepsPlanned ? (100 * s.stepsDone) / s.stepsPlanned : 0}%`;
    const label = document.createElement('span');
    label.textContent = `${s.name} · ${s.kind} · ${s.stepsDone}/${s.stepsPlanned} · ${s.status}`;
    seg.append(fill, label);
    bar.appendChild(seg);
  }
  timeline.querySelector('.stages')?.remove();
  timeline.appendChild(bar);
  rollouts.setStages(r);
  curves.setBoundaries(boundaries());
}

/** The first global step of every stage after the first: the curriculum boundaries. */
function boundaries(): number[] {
  const first = new Map<number, number>();
  for (const m of metrics) first.set(m.stageIndex, Math.min(first.get(m.stageIndex) ?? Infinity, m.globalStep));
  return [...first].filter(([stage]) => stage > 0).map(([, step]) => step);
}

function drawLive(): void {
  const m = metrics[metrics.length - 1];
  live.textContent = m
    ? `${metrics.length} steps · last: ${m.stage} step ${m.step} · reward ${m.meanReward.toFixed(3)} · accuracy ${m.accuracy.toFixed(3)} · entropy ${m.entropy.toFixed(3)} · ${Math.round(m.tokensPerSecond)} tok/s`
    : 'no steps yet';
  live.dataset.steps = String(metrics.length);
  live.dataset.liveUpdates = String(liveUpdates);
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'snapshot':
      errorBox.hidden = true;
      metrics = [...msg.metrics].sort((a, b) => a.globalStep - b.globalStep);
      drawRun(msg.run);
      curves.setMetrics(metrics);
      curves.setBoundaries(boundaries());
      passMap.draw(msg.passRates);
      drawEvals(evaluations, msg.evals);
      rollouts.show(msg.rollouts.total, msg.rollouts.rollouts, msg.rollouts.filter);
      drawLive();
      break;
    case 'stepMetrics':
      liveUpdates += 1;
      metrics = metrics.filter((m) => m.globalStep !== msg.metrics.globalStep).concat(msg.metrics).sort((a, b) => a.globalStep - b.globalStep);
      curves.addStep(msg.metrics);
      curves.setBoundaries(boundaries());
      drawLive();
      break;
    case 'run':
      drawRun(msg.run);
      break;
    case 'passRates':
      passMap.draw(msg.cells);
      break;
    case 'rollouts':
      rollouts.show(msg.total, msg.rollouts, msg.filter);
      break;
    case 'error':
      errorBox.textContent = msg.message;
      errorBox.hidden = false;
      break;
  }
});

send({ type: 'ready' });

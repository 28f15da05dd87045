// The curation report: what `rlvr curate` kept and dropped, per filter, and the difficulty
// histogram (problems by times solved out of k, bars inside the keep range in green).
// Receives ToReportView messages from the extension; no network.
import 'uplot/dist/uPlot.min.css';
import '../style.css';
import './style.css';
import type { DroppedReasons, FromReportView, ReportChartData, ToReportView } from '../../shared/curate-view.js';
import { BarChart, barColors } from './bars.js';

declare function acquireVsCodeApi(): { postMessage(msg: FromReportView): void };
const vscode = acquireVsCodeApi();
const send = (msg: FromReportView) => vscode.postMessage(msg);

const app = document.getElementById('app')!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function filterTable(chart: ReportChartData, reasons: DroppedReasons | null): HTMLTableElement {
  const table = el('table', undefined, 'filters-table');
  const head = el('tr');
  for (const h of ['filter', 'seen', 'kept', 'dropped', 'what it drops']) head.appendChild(el('th', h));
  table.appendChild(head);
  for (const f of chart.filters) {
    const row = el('tr');
    row.dataset.filter = f.name;
    row.append(el('td', f.name), el('td', String(f.seen), 'num'), el('td', String(f.kept), 'num'), el('td', String(f.dropped), f.dropped ? 'num dropped' : 'num'), el('td', f.description, 'muted'));
    table.appendChild(row);
    // Why, from dropped.jsonl: the filter's most frequent reasons.
    const why = reasons?.[f.name];
    if (why && f.dropped > 0) {
      const sub = el('tr', undefined, 'reasons');
      const cell = el('td');
      cell.colSpan = 5;
      const list = el('ul');
      for (const r of why.reasons) list.appendChild(el('li', `${r.count} × ${r.reason}`));
      if (why.others) list.appendChild(el('li', `${why.others} more with other reasons (dropped.jsonl)`, 'muted'));
      cell.appendChild(list);
      sub.appendChild(cell);
      table.appendChild(sub);
    }
  }
  return table;
}

async function draw(file: string, chart: ReportChartData, evalFiles: number, reasons: DroppedReasons | null): Promise<void> {
  app.replaceChildren();
  const colors = barColors();
  const t = chart.totals;
  const header = el('header');
  header.append(
    el('h1', 'Curation report'),
    el('div', file, 'muted path'),
    el('p', `${t.rows} rows → ${t.kept} kept, ${t.dropped} dropped (math ${t.problems.math}, code ${t.problems.code}; ${t.readErrors} unreadable; decontaminated against ${evalFiles} evaluation file(s))`, 'summary'),
  );
  const actions = el('div', undefined, 'actions');
  for (const which of ['kept', 'dropped'] as const) {
    const b = el('button', `Open ${which}.jsonl`);
    b.addEventListener('click', () => send({ type: 'openOutput', which }));
    actions.appendChild(b);
  }
  header.appendChild(actions);
  app.appendChild(header);

  const perFilter = el('section');
  perFilter.id = 'filters';
  perFilter.appendChild(el('h2', 'Kept and dropped per filter (each sees what the filters before it kept)'));
  app.appendChild(perFilter);
  const filters = new BarChart(perFilter, {
    title: 'Problems per filter',
    xLabel: 'filter',
    categories: chart.filters.map((f) => f.name),
    series: [
      { label: 'kept', values: chart.filters.map((f) => f.kept), color: colors.kept },
      { label: 'dropped', values: chart.filters.map((f) => f.dropped), color: colors.dropped },
    ],
    slantLabels: true,
    height: 300,
  });
  perFilter.appendChild(filterTable(chart, reasons));

  const diff = el('section');
  diff.id = 'difficulty';
  app.appendChild(diff);
  let histogram: BarChart | null = null;
  if (chart.histogram) {
    const h = chart.histogram;
    diff.appendChild(el('h2', `Difficulty: problems by times solved out of ${h.k} (kept: pass rate in ${h.range})`));
    histogram = new BarChart(diff, {
      title: `Pass count over ${h.k} samples`,
      xLabel: 'solved',
      categories: h.bars.map((b) => b.label),
      series: [
        { label: 'kept', values: h.bars.map((b) => (b.kept ? b.problems : null)), color: colors.kept },
        { label: 'dropped', values: h.bars.map((b) => (b.kept ? null : b.problems)), color: colors.dropped },
      ],
    });
  } else {
    diff.appendChild(el('h2', 'Difficulty'));
    diff.appendChild(el('p', 'The difficulty filter did not run (rlvr curate --checkpoint C scores each problem by the pass rate of k samples).', 'muted'));
  }
  send({
    type: 'rendered',
    filterBars: await filters.countDrawnBars(),
    histogramBars: (await histogram?.countDrawnBars()) ?? 0,
    reasonRows: perFilter.querySelectorAll('tr.reasons').length,
  });
}

window.addEventListener('message', (event: MessageEvent<ToReportView>) => {
  const msg = event.data;
  if (msg.type === 'report') void draw(msg.file, msg.chart, msg.evalFiles, msg.reasons);
  else if (msg.type === 'error') {
    app.replaceChildren(el('div', msg.message, 'error'));
  }
});

send({ type: 'ready' });

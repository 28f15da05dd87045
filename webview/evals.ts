// Held-out evaluations of the run: avg@k and pass@k per domain at each evaluation point, and
// what the verifier failed on. A domain whose every sample failed there reads "verifier
// failed", never 0% (shared/eval-report.ts words it as the CLI does).
import { evalCell, verifierFailedText } from '../shared/eval-report.js';
import type { EvalResult } from '../shared/protocol.js';

function cell(text: string, className = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

export function drawEvals(root: HTMLElement, evals: readonly EvalResult[]): void {
  root.querySelector('table')?.remove();
  root.querySelector('.muted')?.remove();
  if (evals.length === 0) {
    const none = document.createElement('div');
    none.className = 'muted';
    none.textContent = 'no evaluation yet';
    root.appendChild(none);
    return;
  }
  const table = document.createElement('table');
  table.className = 'evals';
  const head = document.createElement('tr');
  for (const h of ['after', 'domain', 'avg@k', 'pass@k', 'k', 'problems', '']) {
    const th = document.createElement('th');
    th.textContent = h;
    head.appendChild(th);
  }
  table.appendChild(head);
  for (const e of evals) {
    const failures = { failed: e.verifierFailed ?? 0, samples: e.problems * e.k };
    const row = document.createElement('tr');
    row.dataset.domain = e.domain;
    row.dataset.after = e.after;
    const note = verifierFailedText(e.domain, failures);
    if (note) row.className = 'verifier-failed';
    row.append(
      cell(e.after),
      cell(e.domain),
      cell(evalCell(e.avgAtK, failures)),
      cell(evalCell(e.passAtK, failures)),
      cell(String(e.k)),
      cell(String(e.problems)),
      cell(note ?? '', 'note'),
    );
    table.appendChild(row);
  }
  root.appendChild(table);
}

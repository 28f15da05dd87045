// The rollout table with its filters; a click on a row opens that rollout in the editor.
import type { RolloutRecord, RunSummary } from '../shared/protocol.js';
import { ALL_VERDICTS, type RolloutFilter } from '../shared/webview-messages.js';


function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export class RolloutTable {
  private readonly stage = el('select', { title: 'Stage' });
  private readonly verdict = el('select', { title: 'Verdict' });
  private readonly failed = el('input', { type: 'checkbox', id: 'failed-only' });
  private readonly truncated = el('input', { type: 'checkbox', id: 'truncated-only' });
  private readonly body = el('tbody');
  private readonly count = el('span', { className: 'muted' });
  private readonly prev = el('button', { textContent: '‹ Prev' });
  private readonly next = el('button', { textContent: 'Next ›' });
  private filter: RolloutFilter = {};
  private total = 0;

  constructor(
    root: HTMLElement,
    private readonly query: (filter: RolloutFilter) => void,
    private readonly open: (id: number) => void,
  ) {
    this.verdict.append(el('option', { value: '', textContent: 'any verdict' }), ...ALL_VERDICTS.map((v) => el('option', { value: v, textContent: v })));
    const bar = el(
      'div',
      { className: 'filters' },
      this.stage,
      this.verdict,
      el('label', {}, this.failed, ' failed only'),
      el('label', {}, this.truncated, ' truncated only'),
      this.prev,
      this.next,
      this.count,
    );
    const head = el('thead', {}, el('tr', {}, ...['#', 'stage', 'step', 'problem', 'sample', 'verdict', 'reward', 'tokens', 'response'].map((h) => el('th', { textContent: h }))));
    root.append(bar, el('table', { className: 'rollouts' }, head, this.body));
    for (const input of [this.stage, this.verdict, this.failed, this.truncated]) input.addEventListener('change', () => this.changed(0));
    this.prev.addEventListener('click', () => this.changed(Math.max(0, (this.filter.offset ?? 0) - (this.filter.limit ?? 200))));
    this.next.addEventListener('click', () => this.changed((this.filter.offset ?? 0) + (this.filter.limit ?? 200)));
  }

  setStages(run: RunSummary): void {
    const current = this.stage.value;
    this.stage.replaceChildren(el('option', { value: '', textContent: 'all stages' }), ...run.stages.map((s) => el('option', { value: s.name, textContent: s.name })));
    this.stage.value = current;
  }

  private changed(offset: number): void {
    this.filter = {
      stage: this.stage.value || undefined,
      verdict: (this.verdict.value || undefined) as RolloutFilter['verdict'],
      failedOnly: this.failed.checked || undefined,
      truncatedOnly: this.truncated.checked || undefined,
      offset,
      limit: 200,
    };
    this.query(this.filter);
  }

  show(total: number, rollouts: RolloutRecord[], filter: RolloutFilter): void {
    this.filter = filter;
    this.total = total;
    const offset = filter.offset ?? 0;
    this.count.textContent = total ? `${offset + 1}-${offset + rollouts.length} of ${total} rollouts` : 'no rollouts match';
    this.prev.disabled = offset === 0;
    this.next.disabled = offset + rollouts.length >= this.total;
    this.body.replaceChildren(
      ...rollouts.map((r) => {
        const ok = r.reward > 0;
        const row = el(
          'tr',
          { className: `rollout ${ok ? 'ok' : 'fail'}`, title: 'Open in the editor' },
          el('td', { textContent: String(r.id) }),
          el('td', { textContent: r.stage }),
          el('td', { textContent: String(r.step) }),
          el('td', { textContent: r.problemId }),
          el('td', { textContent: String(r.sampleIndex) }),
          el('td', { className: `verdict ${ok ? 'ok' : 'fail'}`, textContent: r.verdict }),
          el('td', { textContent: String(r.reward) }),
          el('td', { textContent: `${r.responseTokens}${r.truncated ? ' ✂' : ''}` }),
          el('td', { className: 'preview', textContent: r.response.slice(0, 80).replace(/\s+/g, ' ') }),
        );
        row.dataset.rolloutId = String(r.id);
        row.dataset.kind = r.kind;
        row.addEventListener('click', () => this.open(r.id));
        return row;
      }),
    );
  }
}

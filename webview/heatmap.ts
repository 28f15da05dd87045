// Per-problem pass rate over steps: one row per problem, one column per step, drawn on a
// canvas (hundreds of problems x steps would be too many DOM nodes).
import type { PassRateCell } from '../shared/protocol.js';
import { palette } from './theme.js';

export class PassRateMap {
  private readonly canvas = document.createElement('canvas');
  private readonly tip = document.createElement('div');
  private layout: { problems: string[]; steps: number[]; cw: number; ch: number; cells: Map<string, PassRateCell> } | null = null;

  constructor(root: HTMLElement) {
    this.canvas.className = 'heatmap';
    this.tip.className = 'heatmap-tip muted';
    this.tip.textContent = 'Hover a cell for its problem, step and pass rate.';
    root.append(this.canvas, this.tip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
  }

  draw(cells: PassRateCell[]): void {
    const problems = [...new Set(cells.map((c) => c.problemId))];
    const steps = [...new Set(cells.map((c) => c.step))].sort((a, b) => a - b);
    const width = Math.max(200, (this.canvas.parentElement?.clientWidth ?? 600) - 8);
    const cw = Math.max(4, Math.min(28, Math.floor((width - 4) / Math.max(1, steps.length))));
    const ch = Math.max(3, Math.min(14, Math.floor(420 / Math.max(1, problems.length))));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = steps.length * cw * dpr;
    this.canvas.height = problems.length * ch * dpr;
    this.canvas.style.width = `${steps.length * cw}px`;
    this.canvas.style.height = `${problems.length * ch}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.scale(dpr, dpr);
    const colors = palette();
    const row = new Map(problems.map((p, i) => [p, i]));
    const col = new Map(steps.map((s, i) => [s, i]));
    const index = new Map<string, PassRateCell>();
    for (const c of cells) {
      index.set(`${c.problemId}\u0000${c.step}`, c);
      const rate = c.total ? c.passed / c.total : 0;
      // Failed cells in red, solved cells in green, opacity by how far from 0/1.
      ctx.fillStyle = rate > 0 ? colors.green : colors.red;
      ctx.globalAlpha = rate > 0 ? 0.25 + 0.75 * rate : 0.35;
      ctx.fillRect(col.get(c.step)! * cw, row.get(c.problemId)! * ch, cw - 1, ch - 1);
    }
    ctx.globalAlpha = 1;
    this.layout = { problems, steps, cw, ch, cells: index };
    if (!cells.length) this.tip.textContent = 'No pass rates yet.';
  }

  private hover(e: MouseEvent): void {
    if (!this.layout) return;
    const rect = this.canvas.getBoundingClientRect();
    const { problems, steps, cw, ch, cells } = this.layout;
    const p = problems[Math.floor((e.clientY - rect.top) / ch)];
    const s = steps[Math.floor((e.clientX - rect.left) / cw)];
    const c = p !== undefined && s !== undefined ? cells.get(`${p}\u0000${s}`) : undefined;
    this.tip.textContent = c ? `${c.problemId} · step ${c.step}: ${c.passed}/${c.total} passed` : '';
  }
}

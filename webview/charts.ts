// One uPlot chart per metric over the global step, with the curriculum's stage boundaries
// drawn as vertical lines on every chart.
import uPlot from 'uplot';
import type { StepMetrics } from '../shared/protocol.js';
import { palette } from './theme.js';

interface Curve {
  key: string;
  title: string;
  value: (m: StepMetrics) => number | null;
  color: keyof ReturnType<typeof palette>;
  /** Shares and rates live in [0, 1]: a fixed axis keeps a flat 0 from looking like noise. */
  unit?: boolean;
}

export const CURVES: Curve[] = [
  { key: 'reward', unit: true, title: 'Mean reward', value: (m) => m.meanReward, color: 'blue' },
  { key: 'heldout', unit: true, title: 'Held-out accuracy', value: (m) => m.heldOutAccuracy ?? null, color: 'green' },
  { key: 'entropy', title: 'Entropy', value: (m) => m.entropy, color: 'purple' },
  { key: 'length', title: 'Response length (tokens)', value: (m) => m.meanResponseLength, color: 'orange' },
  { key: 'truncated', unit: true, title: 'Truncated share', value: (m) => m.truncatedShare, color: 'red' },
  { key: 'zerovar', unit: true, title: 'Zero-variance group share', value: (m) => m.zeroVarianceShare, color: 'yellow' },
  { key: 'tps', title: 'Tokens/s (sampling)', value: (m) => m.tokensPerSecond, color: 'blue' },
  { key: 'verify', title: 'Verifier seconds', value: (m) => m.verifySeconds, color: 'purple' },
];

export class MetricCharts {
  private readonly charts: uPlot[] = [];
  private metrics: StepMetrics[] = [];
  private boundaries: number[] = [];

  constructor(private readonly root: HTMLElement) {
    const colors = palette();
    for (const curve of CURVES) {
      const cell = document.createElement('div');
      cell.className = 'chart';
      cell.dataset.metric = curve.key;
      root.appendChild(cell);
      const axis = { stroke: colors.muted, grid: { stroke: colors.grid, width: 0.5 }, ticks: { stroke: colors.grid, width: 0.5 } };
      const opts: uPlot.Options = {
        title: curve.title,
        width: this.chartWidth(),
        height: 150,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: curve.unit ? { range: [0, 1] } : {} },
        // Steps are whole numbers: no 1.2, 1.4 ticks.
        axes: [{ ...axis, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, { ...axis, size: 48 }],
        series: [{ label: 'step' }, { label: curve.title, stroke: colors[curve.color], width: 1.5, spanGaps: true, points: { show: true, size: 4 } }],
        hooks: { draw: [(u) => this.drawBoundaries(u, colors.muted)] },
      };
      this.charts.push(new uPlot(opts, [[], []], cell));
    }
    window.addEventListener('resize', () => this.charts.forEach((c) => c.setSize({ width: this.chartWidth(), height: 150 })));
  }

  private chartWidth(): number {
    const w = this.root.clientWidth || window.innerWidth;
    const columns = w > 900 ? 3 : w > 560 ? 2 : 1;
    return Math.max(220, Math.floor(w / columns) - 16);
  }

  setMetrics(metrics: StepMetrics[]): void {
    this.metrics = [...metrics].sort((a, b) => a.globalStep - b.globalStep);
    this.redraw();
  }

  addStep(m: StepMetrics): void {
    this.metrics = this.metrics.filter((x) => x.globalStep !== m.globalStep);
    this.metrics.push(m);
    this.metrics.sort((a, b) => a.globalStep - b.globalStep);
    this.redraw();
  }

  /** Global steps at which a new stage begins. */
  setBoundaries(globalSteps: number[]): void {
    this.boundaries = globalSteps;
    this.charts.forEach((c) => c.redraw(false, false));
  }

  get points(): number {
    return this.metrics.length;
  }

  private redraw(): void {
    const xs = this.metrics.map((m) => m.globalStep);
    CURVES.forEach((curve, i) => {
      const ys = this.metrics.map((m) => curve.value(m));
      this.charts[i].setData([xs, ys as number[]]);
    });
  }

  private drawBoundaries(u: uPlot, color: string): void {
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.setLineDash([4, 4]);
    ctx.lineWidth = 1;
    for (const b of this.boundaries) {
      const x = Math.round(u.valToPos(b - 0.5, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  }
}

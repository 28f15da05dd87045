// Bar charts on uPlot (the dashboard's chart library): categories on x, one or two series
// of bars per category, every colour from the editor theme. `each` counts the bars uPlot
// actually drew, so the view can report that it drew the report (see FromReportView).
import uPlot from 'uplot';
import { palette } from '../theme.js';

export interface BarSeries {
  label: string;
  /** One value per category; null draws no bar. */
  values: (number | null)[];
  color: string;
}

export interface BarChartSpec {
  title: string;
  categories: string[];
  series: BarSeries[];
  /** What a category is (the legend names the one under the cursor). */
  xLabel: string;
  /** Long category names (filter names) are drawn slanted. */
  slantLabels?: boolean;
  height?: number;
}

export class BarChart {
  readonly plot: uPlot;
  private drawnBars = 0;

  constructor(root: HTMLElement, private readonly spec: BarChartSpec) {
    const colors = palette();
    const cell = document.createElement('div');
    cell.className = 'chart';
    root.appendChild(cell);
    const xs = spec.categories.map((_, i) => i);
    const n = spec.series.length;
    const axis = { stroke: colors.muted, grid: { stroke: colors.grid, width: 0.5 }, ticks: { stroke: colors.grid, width: 0.5 } };
    const opts: uPlot.Options = {
      title: spec.title,
      width: this.width(root),
      height: spec.height ?? 240,
      legend: { show: n > 1 },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, spec.categories.length - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        {
          ...axis,
          splits: () => xs,
          values: (_u, splits) => splits.map((i) => spec.categories[i] ?? ''),
          ...(spec.slantLabels ? { rotate: -35, size: 110 } : {}),
        },
        // Counts of problems: whole-number ticks only.
        { ...axis, size: 48, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6] },
      ],
      series: [
        { label: spec.xLabel, value: (_u, i) => (i === null ? '--' : (spec.categories[i] ?? '')) },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: s.color,
          fill: s.color,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars!({ size: [n > 1 ? 0.4 : 0.7, 80], align: (n === 1 ? 0 : i === 0 ? -1 : 1) as -1 | 0 | 1, each: () => void (this.drawnBars += 1) }),
        })),
      ],
    };
    this.plot = new uPlot(opts, [xs, ...spec.series.map((s) => s.values)] as uPlot.AlignedData, cell);
    window.addEventListener('resize', () => this.plot.setSize({ width: this.width(root), height: spec.height ?? 240 }));
  }

  /** Redraws and counts the bars uPlot drew (it draws on a microtask, hence async). */
  async countDrawnBars(): Promise<number> {
    this.drawnBars = 0;
    this.plot.redraw(true, true);
    await new Promise((r) => setTimeout(r, 0));
    return this.drawnBars;
  }

  private width(root: HTMLElement): number {
    return Math.max(320, Math.min(900, (root.clientWidth || window.innerWidth) - 24));
  }
}

export const barColors = () => {
  const c = palette();
  return { kept: c.green, dropped: c.red, neutral: c.blue };
};

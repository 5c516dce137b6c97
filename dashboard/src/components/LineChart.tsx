// One metric over rounds, drawn with uPlot (canvas), with the same numbers as a table for screen readers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type Series = { label: string; points: { round: number; value: number }[]; format: (v: number) => string };

export function LineChart({ title, series, color, empty = 'No figures yet.' }: { title: string; series: Series; color: string; empty?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el || series.points.length === 0) return;
    const data: uPlot.AlignedData = [series.points.map((p) => p.round), series.points.map((p) => p.value)];
    const width = () => Math.max(240, el.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        axes: [
          { label: 'round', stroke: '#3d4757', grid: { stroke: '#e4e8ee' }, incrs: [1, 2, 5, 10, 20, 50], values: (_u, ticks) => ticks.map((t) => String(t)) },
          { stroke: '#3d4757', grid: { stroke: '#e4e8ee' }, size: 64, values: (_u, ticks) => ticks.map((t) => series.format(t)) },
        ],
        series: [{}, { label: series.label, stroke: color, width: 2, points: { show: true, size: 7, fill: color } }],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, color]);
  return (
    <figure class="chart" aria-label={`${title} per round`}>
      <figcaption>{title}</figcaption>
      {series.points.length === 0 ? <p class="muted">{empty}</p> : <div ref={host} class="chart-canvas" aria-hidden="true" />}
      {series.points.length > 0 && (
        <table class="visually-hidden">
          <caption>{title} per round</caption>
          <thead>
            <tr>
              <th scope="col">round</th>
              <th scope="col">{series.label}</th>
            </tr>
          </thead>
          <tbody>
            {series.points.map((p) => (
              <tr key={p.round}>
                <td>{p.round}</td>
                <td>{series.format(p.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}

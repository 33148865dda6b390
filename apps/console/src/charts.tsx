// Plain SVG charts: four small shapes do not justify a chart library, SVG stays crisp, prints,
// needs no inline style (strict CSP) and carries its own accessible name. Colours live in styles.css.
import { useI18n, formatNumber, formatPercent } from './i18n';

/** A horizontal 0-100 % bar with the probability filled and the threshold marked. */
export function ProbabilityGauge({ probability, threshold }: { probability: number; threshold: number }) {
  const { lang, t } = useI18n();
  const w = 600;
  const x = (v: number) => 10 + v * (w - 20);
  const label = t('gaugeLabel', { p: formatPercent(lang, probability), t: formatPercent(lang, threshold) });
  return (
    <svg class="chart gauge" viewBox={`0 0 ${w} 70`} role="img" aria-label={label}>
      <title>{label}</title>
      <rect class="gauge-track" x={x(0)} y={14} width={x(1) - x(0)} height={22} rx={4} />
      <rect class={probability >= threshold ? 'gauge-fill high' : 'gauge-fill low'} x={x(0)} y={14} width={x(probability) - x(0)} height={22} rx={4} />
      <line class="gauge-threshold" x1={x(threshold)} x2={x(threshold)} y1={6} y2={44} />
      <text class="chart-text" x={x(threshold)} y={60} text-anchor="middle">
        {t('threshold')} {formatPercent(lang, threshold)}
      </text>
      <text class="chart-text muted" x={x(0)} y={60} text-anchor="start">0 %</text>
      <text class="chart-text muted" x={x(1)} y={60} text-anchor="end">100 %</text>
    </svg>
  );
}

/** One bar of a diverging bar chart. */
export interface Bar {
  label: string;
  value: number;
  detail?: string;
}

/** A bar's label short enough for its column: without the parenthesised scale, then cut. */
function shortLabel(label: string): string {
  const bare = label.replace(/\s*\([^)]*\)\s*$/, '') || label;
  return bare.length > 38 ? `${bare.slice(0, 37)}…` : bare;
}

/**
 * Horizontal bars around zero: positive values to the right (class `pos`), negative to the left
 * (class `neg`). Each bar has a text twin in a list for screen readers.
 */
export function DivergingBars({ bars, title, format }: { bars: Bar[]; title: string; format: (v: number) => string }) {
  const rowH = 28;
  const labelW = 300;
  const w = 720;
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 1e-9);
  const hasNeg = bars.some((b) => b.value < 0);
  const zero = hasNeg ? labelW + (w - labelW) / 2 : labelW + 10;
  const span = hasNeg ? (w - labelW) / 2 - 60 : w - labelW - 80;
  return (
    <figure class="chart-figure">
      <svg class="chart bars" viewBox={`0 0 ${w} ${bars.length * rowH + 10}`} role="img" aria-label={title}>
        <title>{title}</title>
        <line class="axis" x1={zero} x2={zero} y1={0} y2={bars.length * rowH + 6} />
        {bars.map((b, i) => {
          const len = (Math.abs(b.value) / max) * span;
          const y = i * rowH + 5;
          return (
            <g key={i}>
              <title>{`${b.label}: ${format(b.value)}`}</title>
              <text class="chart-text" x={labelW - 8} y={y + 15} text-anchor="end">
                {shortLabel(b.label)}
              </text>
              <rect class={b.value >= 0 ? 'bar pos' : 'bar neg'} x={b.value >= 0 ? zero : zero - len} y={y} width={Math.max(len, 1)} height={rowH - 8} />
              <text class="chart-text" x={b.value >= 0 ? zero + len + 4 : zero - len - 4} y={y + 15} text-anchor={b.value >= 0 ? 'start' : 'end'}>
                {format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul class="sr-only">
        {bars.map((b, i) => (
          <li key={i}>
            {b.label}: {format(b.value)}
            {b.detail ? ` (${b.detail})` : ''}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Reliability diagram: mean predicted probability against observed rate per bin, and the diagonal. */
export function ReliabilityPlot({ bins }: { bins: { predicted: number; observed: number }[] }) {
  const { lang, t } = useI18n();
  const s = 300;
  const pad = 40;
  const x = (v: number) => pad + v * (s - pad - 10);
  const y = (v: number) => s - pad - v * (s - pad - 10);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <figure class="chart-figure">
      <svg class="chart reliability" viewBox={`0 0 ${s} ${s}`} role="img" aria-label={t('calibrationChart')}>
        <title>{t('calibrationChart')}</title>
        {ticks.map((v) => (
          <g key={v}>
            <line class="grid" x1={x(0)} x2={x(1)} y1={y(v)} y2={y(v)} />
            <text class="chart-text small" x={pad - 4} y={y(v) + 4} text-anchor="end">{formatNumber(lang, v, 2)}</text>
            <text class="chart-text small" x={x(v)} y={s - pad + 16} text-anchor="middle">{formatNumber(lang, v, 2)}</text>
          </g>
        ))}
        <line class="diagonal" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} />
        <polyline class="curve" points={bins.map((b) => `${x(b.predicted)},${y(b.observed)}`).join(' ')} />
        {bins.map((b, i) => (
          <circle key={i} class="point" cx={x(b.predicted)} cy={y(b.observed)} r={4} />
        ))}
        <text class="chart-text small" x={(x(0) + x(1)) / 2} y={s - 6} text-anchor="middle">{t('predicted')}</text>
        <text class="chart-text small" x={12} y={y(0.5)} text-anchor="middle" transform={`rotate(-90 12 ${y(0.5)})`}>{t('observed')}</text>
      </svg>
    </figure>
  );
}

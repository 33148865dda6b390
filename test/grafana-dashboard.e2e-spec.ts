import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { TestApp, useTestApp } from './support/app';

const DASHBOARD = join(__dirname, '../deploy/grafana/attrition-dashboard.json');

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without',
  'le', 'on', 'ignoring', 'and', 'or', 'unless', 'label_values',
]);

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string }[];
}

/** Metric names a PromQL expression selects: identifiers outside label matchers and grouping lists. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  return (bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((word) => !PROMQL_WORDS.has(word));
}

/** `# TYPE` lines of a Prometheus text exposition: metric name -> type. */
function exposedTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

/** The family a series name belongs to, and its type as the dashboard uses it. */
function family(series: string, types: Map<string, string>): { name: string; type?: string } {
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (histogram && types.get(histogram[1]) === 'histogram') {
    return { name: histogram[1], type: 'histogram' };
  }
  return { name: series, type: types.get(series) };
}

describe('Grafana dashboard (deploy/grafana/attrition-dashboard.json)', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; title: string; panels: Panel[] };
  const queried = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricsIn(t.expr)));
  let api: TestApp;
  const booted = useTestApp('sqlite');
  beforeAll(() => (api = booted()));

  it('is a Grafana dashboard: uid, title, panels with unique ids, grid positions and queries', () => {
    expect(dashboard.uid).toBe('attrition-fleet');
    expect(dashboard.title).toBeTruthy();
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.w).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      if (panel.type !== 'row') expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the app exposes on /metrics with their type', async () => {
    await request(api.url).post('/predict').send({ features: {} }); // one timed request, so the histogram has series
    const { text } = await request(api.url).get('/metrics').expect(200);
    const types = exposedTypes(text);
    const unknown = queried.filter((series) => !family(series, types).type);
    expect(unknown).toEqual([]);
    // A histogram's _bucket/_sum/_count on the dashboard must be a histogram on /metrics.
    for (const series of queried.filter((s) => /_(bucket|sum|count)$/.test(s))) {
      expect({ series, type: family(series, types).type }).toEqual({ series, type: 'histogram' });
    }
  });

  it('has a panel on every metric operators alert on', () => {
    const families = new Set(queried.map((s) => s.replace(/_(bucket|sum|count)$/, '')));
    for (const name of [
      'http_request_duration_seconds', 'attrition_model_info', 'attrition_live_roc_auc', 'attrition_live_brier',
      'attrition_drift_psi', 'attrition_predicted_positive_rate', 'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds', 'process_resident_memory_bytes', 'attrition_group_commit_batch_size',
      'attrition_inference_batch_size', 'attrition_db_write_duration_seconds', 'attrition_db_pool_waiting_clients',
    ]) {
      expect({ name, onDashboard: families.has(name) }).toEqual({ name, onDashboard: true });
    }
  });
});

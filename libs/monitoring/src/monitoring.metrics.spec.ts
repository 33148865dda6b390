import { Gauge, Registry } from 'prom-client';
import { MonitoringMetrics } from './monitoring.metrics';
import { MonitoringService } from './monitoring.service';

function gauges(registry: Registry) {
  return {
    auc: new Gauge({ name: 'auc', help: 'h', labelNames: ['model_version'], registers: [registry] }),
    brier: new Gauge({ name: 'brier', help: 'h', labelNames: ['model_version'], registers: [registry] }),
    psi: new Gauge({ name: 'psi', help: 'h', labelNames: ['feature'], registers: [registry] }),
    rate: new Gauge({ name: 'rate', help: 'h', labelNames: ['attribute', 'group'], registers: [registry] }),
  };
}

describe('MonitoringMetrics', () => {
  const reports = {
    performance: jest.fn().mockResolvedValue({ model_version: '1.1.0', roc_auc: { value: 0.87 }, brier: 0.08 }),
    drift: jest.fn().mockResolvedValue({ features: [{ feature: 'age', psi: 0.31 }] }),
    fairness: jest.fn().mockResolvedValue({ attributes: [{ attribute: 'genre', groups: [{ group: 'genre = 0 (female)', predicted_positive_rate: 0.2 }, { group: 'genre = 1 (male)', predicted_positive_rate: null }] }] }),
  };

  it('computes on its schedule, never on a scrape, and clears its values on shutdown', async () => {
    // Arrange
    const registry = new Registry();
    const g = gauges(registry);
    const metrics = new MonitoringMetrics(reports as unknown as MonitoringService, { refreshIntervalMs: 3_600_000 }, g.auc, g.brier, g.psi, g.rate);
    // Act
    metrics.onApplicationBootstrap();
    await metrics.tick();
    const calls = reports.performance.mock.calls.length;
    const text = await registry.metrics();
    await registry.metrics();
    // Assert
    expect(reports.performance.mock.calls.length).toBe(calls);
    expect(text).toContain('auc{model_version="1.1.0"} 0.87');
    expect(text).toContain('brier{model_version="1.1.0"} 0.08');
    expect(text).toContain('psi{feature="age"} 0.31');
    expect(text).toContain('rate{attribute="genre",group="genre = 0 (female)"} 0.2');
    expect(text).not.toContain('genre = 1 (male)');
    await metrics.onApplicationShutdown();
    expect(await registry.metrics()).not.toMatch(/^auc\{/m);
  });

  it('removes a gauge that has no trustworthy value any more, and survives a failed refresh', async () => {
    const registry = new Registry();
    const g = gauges(registry);
    const metrics = new MonitoringMetrics(reports as unknown as MonitoringService, { refreshIntervalMs: 3_600_000 }, g.auc, g.brier, g.psi, g.rate);
    await metrics.tick();
    reports.performance.mockResolvedValueOnce({ model_version: '1.1.0', roc_auc: null, brier: null });
    await metrics.tick();
    expect(await registry.metrics()).not.toMatch(/^auc\{/m);
    reports.drift.mockRejectedValueOnce(new Error('database down'));
    await expect(metrics.tick()).resolves.toBeUndefined();
    await metrics.onApplicationShutdown();
  });
});

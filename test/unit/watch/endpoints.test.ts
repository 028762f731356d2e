import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { parseListenAddress, serveEndpoints, type EndpointServer } from '../../../src/watch/http.js';
import { WatchMetrics } from '../../../src/watch/metrics.js';

describe('--listen addresses', () => {
  it.each([
    ['127.0.0.1:9480', { host: '127.0.0.1', port: 9480 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:9480', { host: '::1', port: 9480 }],
    [':9480', { host: '::', port: 9480 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected);
  });
  it.each(['9480', '127.0.0.1', '127.0.0.1:99999', '::1:9480', 'host:port'])('refuses %j', (text) => {
    expect(() => parseListenAddress(text)).toThrow(/--listen takes HOST:PORT/);
  });
});

describe('the HTTP endpoints', () => {
  let server: EndpointServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('answers /healthz, /readyz, /plan and /metrics as docs/watch.md says', async () => {
    const metrics = new WatchMetrics();
    metrics.startProject('shop');
    metrics.driftActions.set({ project: 'shop', engine: 'e1' }, 3);
    metrics.reconcileTotal.inc({ project: 'shop', result: 'changed' });
    metrics.reconcileDuration.observe(0.7);
    metrics.lastReconcile.set(1_800_000_000);
    metrics.engineUp.set({ engine: 'e1' }, 1);
    metrics.specValid.set(1);
    let ready: string | undefined = 'no reconcile has completed yet';
    let plan: string | undefined = undefined;
    server = await serveEndpoints(parseListenAddress('127.0.0.1:0'), {
      notReadyBecause: () => ready,
      latestPlanJson: () => plan,
      metrics: () => metrics.render(),
    });
    const get = (path: string, method = 'GET') => fetch(`http://${server!.address}${path}`, { method });

    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect([notReady.status, await notReady.text()]).toEqual([
      503,
      'not ready: no reconcile has completed yet\n',
    ]);
    expect((await get('/plan')).status).toBe(503);

    ready = undefined;
    plan = '{"project":"shop","actions":[]}\n';
    expect((await get('/readyz')).status).toBe(200);
    const planResponse = await get('/plan');
    expect(planResponse.headers.get('content-type')).toBe('application/json');
    expect(await planResponse.json()).toEqual({ project: 'shop', actions: [] });

    const scraped = await get('/metrics');
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await scraped.text());
    const family = (name: string) => families.find((f) => f.name === name);
    expect(family('netform_drift_actions')).toMatchObject({
      type: 'GAUGE',
      metrics: [{ labels: { project: 'shop', engine: 'e1' }, value: '3' }],
    });
    expect(family('netform_reconcile_total')?.type).toBe('COUNTER');
    expect(
      Object.fromEntries(family('netform_reconcile_total')!.metrics.map((m) => [m.labels?.result, m.value])),
    ).toEqual({ converged: '0', changed: '1', drift: '0', failed: '0' });
    expect(family('netform_reconcile_duration_seconds')).toMatchObject({
      type: 'HISTOGRAM',
      metrics: [{ count: '1', sum: '0.7' }],
    });
    expect(family('netform_last_reconcile_timestamp_seconds')?.metrics).toEqual([{ value: '1800000000' }]);
    expect(family('netform_engine_up')?.metrics).toEqual([{ labels: { engine: 'e1' }, value: '1' }]);
    expect(family('netform_spec_valid')?.metrics).toEqual([{ value: '1' }]);

    expect((await get('/nothing')).status).toBe(404);
    expect((await get('/healthz', 'POST')).status).toBe(405);
    const head = await get('/healthz', 'HEAD');
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('says why it cannot listen on an address in use', async () => {
    const sources = {
      notReadyBecause: () => undefined,
      latestPlanJson: () => undefined,
      metrics: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
    };
    server = await serveEndpoints(parseListenAddress('127.0.0.1:0'), sources);
    await expect(serveEndpoints(parseListenAddress(server.address), sources)).rejects.toThrow(
      /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMeterRegistry } from '../../../src/metrics/registry.js';
import { Diag } from '../../../src/core/diag.js';
import { defaultTimerBuckets } from '../../../src/metrics/buckets.js';
import { longTaskTimerBucketsFor } from '../../../src/metrics/distribution.js';
import { seriesOf } from '../../helpers/registry.js';

function registry(distribution: NonNullable<Parameters<typeof createMeterRegistry>[0]>['distribution']) {
  return createMeterRegistry({ commonTags: { application: 'a' }, distribution, diag: new Diag('error', () => {}) });
}

test('a histogram setting for a prefix reaches the .active long task timer (Spring prefix rule)', async (t) => {
  let now = 1_000_000;
  t.mock.method(performance, 'now', () => now);
  const r = registry({
    percentilesHistogram: { 'http.client.requests': true },
    slo: { 'http.client.requests': [1, 10] },
    minimumExpectedValue: { 'http.client.requests': 0.5 },
    maximumExpectedValue: { 'http.client.requests': 20 },
  });
  const ltt = r.longTaskTimer('http.client.requests.active', { labelNames: ['method'] });
  const server = r.longTaskTimer('http.server.requests.active', { labelNames: ['method'] });
  const oldest = ltt.start({ method: 'GET' }); // will have run 15 s
  now += 12_000;
  ltt.start({ method: 'GET' }); // 3 s
  now += 2_500;
  ltt.start({ method: 'GET' }); // 0.5 s
  now += 500;
  server.start({ method: 'GET' });

  const text = await r.scrape('text');
  const buckets = seriesOf(text, 'http_client_requests_active_seconds_bucket');
  const expectedLe = [...new Set([1, 10, ...defaultTimerBuckets(0.5, 20)])].sort((a, b) => a - b);
  assert.equal(buckets.length, expectedLe.length + 1);
  const at = (le: string) => buckets.find((b) => b.labels.le === le)?.value;
  assert.equal(at('0.5'), 1, 'the 0.5 s task is in le=0.5 (<=, as Micrometer)');
  assert.equal(at('1.0'), 1);
  assert.equal(at('10.0'), 2);
  assert.equal(at('20.0'), 3);
  assert.equal(at('+Inf'), 3);
  assert.deepEqual(buckets[0]!.labels, { method: 'GET', le: '0.5', application: 'a' });
  // text 0.0.4: a histogram without _count/_sum, then _gcount and _gsum gauges, as Prometheus' Java client writes it
  assert.match(text, /# TYPE http_client_requests_active_seconds histogram\n/);
  assert.match(text, /# TYPE http_client_requests_active_seconds_gcount gauge\n/);
  assert.match(text, /# TYPE http_client_requests_active_seconds_gsum gauge\n/);
  assert.doesNotMatch(text, /http_client_requests_active_seconds_(count|sum)\{/);
  assert.equal(seriesOf(text, 'http_client_requests_active_seconds_gcount')[0]!.value, 3);
  assert.equal(seriesOf(text, 'http_client_requests_active_seconds_gsum')[0]!.value, 18.5);
  assert.equal(seriesOf(text, 'http_client_requests_active_seconds_max')[0]!.value, 15);
  // no setting for http.server.requests: a summary, as before
  assert.match(text, /# TYPE http_server_requests_active_seconds summary\n/);

  // OpenMetrics: one gaugehistogram family with _bucket, _gcount, _gsum
  const om = await r.scrape('openmetrics');
  assert.match(om, /# TYPE http_client_requests_active_seconds gaugehistogram\n/);
  assert.match(
    om,
    /http_client_requests_active_seconds_bucket\{method="GET",le="\+Inf",application="a"\} 3\nhttp_client_requests_active_seconds_gcount\{method="GET",application="a"\} 3\nhttp_client_requests_active_seconds_gsum\{method="GET",application="a"\} 18.5\n/,
  );
  assert.doesNotMatch(om, /_gcount gauge|_gsum gauge/);
  assert.match(om, /# TYPE http_client_requests_active_seconds_max gauge\n/);
  assert.deepEqual(r.familyNames().filter((n) => n.startsWith('http_client')), [
    'http_client_requests_active_seconds',
    'http_client_requests_active_seconds_gcount',
    'http_client_requests_active_seconds_gsum',
    'http_client_requests_active_seconds_max',
  ]);

  oldest.stop();
  oldest.stop();
  const after = await r.scrape('text');
  assert.equal(seriesOf(after, 'http_client_requests_active_seconds_gcount')[0]!.value, 2);
  assert.equal(seriesOf(after, 'http_client_requests_active_seconds_bucket').find((b) => b.labels.le === '+Inf')!.value, 2);
});

test('long task timer ladder defaults to Micrometer\'s LongTaskTimer range (2 min … 2 h), not the timer one', () => {
  const b = longTaskTimerBucketsFor('http.server.requests.active', { percentilesHistogram: { all: true } })!;
  assert.equal(b[0], 120);
  assert.equal(b.at(-1), 7200);
  assert.equal(longTaskTimerBucketsFor('http.server.requests.active', {}), undefined);
  assert.deepEqual(longTaskTimerBucketsFor('jobs.active', { slo: { jobs: [5, 1] } }), [1, 5]);
});

test('removing a gauge-histogram long task timer removes all its families from both formats', async () => {
  const r = registry({ percentilesHistogram: { jobs: true } });
  const ltt = r.longTaskTimer('jobs.active');
  ltt.start();
  r.remove(ltt);
  assert.deepEqual(r.familyNames(), []);
  assert.equal((await r.scrape('text')).trim(), '');
  assert.equal((await r.scrape('openmetrics')).trim(), '# EOF');
});

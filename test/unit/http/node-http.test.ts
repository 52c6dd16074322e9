/**
 * Plain node:http: every server is observed through Node's diagnostics channel; a route resolver gives templates,
 * and the max-uri-tags guard keeps the series count bounded whatever the resolver returns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { instrument } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';
import { waitForSeries } from '../../helpers/series.js';

test('node:http without a resolver: uri UNKNOWN (NOT_FOUND for 404s)', async () => {
  const nm = instrument({ serviceName: 'plain', diagLevel: 'silent' });
  const server = createServer((req, res) => {
    if (nm.actuator.serve(req, res)) return;
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end('x');
  });
  const url = await listen(server);
  try {
    await fetch(`${url}/orders/1`);
    await fetch(`${url}/missing`);
    await fetch(`${url}/actuator/prometheus`);
    const scrape = () => nm.scrape();
    await waitForSeries(scrape, 'http_server_requests_seconds_count', { uri: 'UNKNOWN', status: '200', outcome: 'SUCCESS' });
    await waitForSeries(scrape, 'http_server_requests_seconds_count', { uri: 'NOT_FOUND', status: '404' });
    const uris = parseExposition(await scrape()).filter((s) => s.name === 'http_server_requests_seconds_count').map((s) => s.labels.uri);
    // the actuator's own request is recorded under its mapping, as Spring records its actuator's requests
    assert.deepEqual(uris.sort(), ['/actuator/prometheus', 'NOT_FOUND', 'UNKNOWN']);
  } finally {
    await close(server);
    await nm.shutdown();
  }
});

test('100k distinct URLs through a resolver that returns raw paths: series stay bounded, drops are counted', async () => {
  const messages: string[] = [];
  const nm = instrument({
    serviceName: 'flood',
    diagLevel: 'warn',
    http: { server: { maxUriTags: 100, routeResolver: (req) => (req.url ?? '/').split('?')[0] } },
  });
  nm.diag.setSink((level, message) => messages.push(`${level} ${message}`));
  const server = createServer((_req, res) => res.end());
  const url = await listen(server);
  const dispatcher = new Agent({ connections: 32, pipelining: 1 });
  const TOTAL = 100_000;
  try {
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        const res = await request(`${url}/item/${i}`, { dispatcher });
        await res.body.dump();
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    // As Spring's maximumAllowableTags filter, the limit counts distinct values across the meters of the name,
    // so the `.active` timer's `UNKNOWN` (a request's uri before routing) is one of the 100.
    const kept = 99;
    const denied = await waitForSeries(() => nm.scrape(), 'nodemeter_observations_denied_total', { meter: 'http.server.requests' }, TOTAL - kept, 30_000);
    assert.equal(denied.value, TOTAL - kept);
    const series = parseExposition(await nm.scrape()).filter((s) => s.name === 'http_server_requests_seconds_count');
    assert.equal(series.length, kept);
    assert.equal(series.reduce((a, s) => a + s.value, 0), kept);
    assert.equal(messages.filter((m) => m.startsWith('warn NMWRN007')).length, 1, 'warned once');
  } finally {
    await dispatcher.close();
    await close(server);
    await nm.shutdown();
  }
});

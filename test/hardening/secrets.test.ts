// @backends zipkin victorialogs
/**
 * Secrets never leave through nodemeter: `Authorization`, `Cookie`, `Set-Cookie`, credentials in URLs
 * (`user:pass@`) and query strings, planted in server requests, responses and outgoing calls (fetch and
 * http.request), must not appear in the metric exposition, in the spans the REAL Zipkin stored, or in the lines the
 * REAL VictoriaLogs stored (nodemeter's own lines: the request's line and the ERROR line of an unhandled error,
 * which names the request's URL). The service is an Express app (nodemeter logs an unhandled error there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import express from 'express';
import { instrument, currentTraceContext } from '../../src/index.js';
import { close, listen, waitFor } from '../helpers/http.js';
import { untracedFetch } from '../helpers/untraced.js';
import { ZIPKIN_URL, requireZipkin, waitForTrace } from '../helpers/zipkin.js';
import { forceFlush, lokiPushUrl, query, requireVictoriaLogs } from '../helpers/victorialogs.js';

test('Authorization, Cookie, Set-Cookie, user:pass@ and query strings appear in no label, span tag or log line', async () => {
  requireZipkin();
  requireVictoriaLogs();
  const tag = randomBytes(4).toString('hex');
  const app = `secrets-${tag}`;
  // Every secret carries this marker, so one search finds any of them.
  const S = (what: string) => `SECRET${what}${tag}`;
  const nm = instrument({
    serviceName: app,
    diagLevel: 'silent',
    shutdown: { onSignals: false },
    tracing: { samplingProbability: 1, zipkin: { endpoint: `${ZIPKIN_URL}/api/v2/spans` }, export: { scheduledDelayMs: 200 } },
    logging: { console: false, flushOnSignals: false, loki: { url: lokiPushUrl(), batchIntervalMs: 200 } },
  });
  const downstream = createServer((req, res) => {
    res.setHeader('set-cookie', `session=${S('downcookie')}`);
    res.end('down');
  });
  const downUrl = await listen(downstream);
  const downPort = new URL(downUrl).port;
  const traceIds: string[] = [];
  const web = express();
  web.use(nm.express());
  web.use((_req, _res, next) => {
    traceIds.push(currentTraceContext()?.traceId ?? '');
    nm.logger.info('handled');
    next();
  });
  web.get('/boom', () => {
    throw new Error('boom');
  });
  web.get('/orders/:id', (_req, res, next) => {
    void (async () => {
      await (await fetch(`${downUrl}/f?api_key=${S('fetchquery')}`, { headers: { authorization: `Bearer ${S('fetchauth')}`, cookie: `c=${S('fetchcookie')}` } })).text();
      await new Promise<void>((resolve, reject) => {
        const r = request(`http://user:${S('urlpass')}@127.0.0.1:${downPort}/r?token=${S('reqquery')}`, { headers: { cookie: `c=${S('reqcookie')}` } }, (resp) => {
          resp.resume();
          resp.on('end', resolve);
        });
        r.on('error', reject);
        r.end();
      });
      res.setHeader('set-cookie', [`session=${S('setcookie')}`]);
      res.end('ok');
    })().catch(next);
  });
  web.use(nm.expressErrorHandler());
  const server = createServer(web);
  server.on('clientError', () => {});
  const url = await listen(server);
  try {
    const headers = { authorization: `Basic ${Buffer.from(`u:${S('auth')}`).toString('base64')} ${S('authplain')}`, cookie: `sid=${S('cookie')}` };
    const r1 = await untracedFetch(`${url}/orders/7?password=${S('query')}&x=1`, { headers });
    assert.equal(r1.status, 200);
    await r1.text();
    const r2 = await untracedFetch(`${url}/boom?secret=${S('boomquery')}`, { headers });
    assert.equal(r2.status, 500);
    await r2.text();
    await nm.tracing!.forceFlush();

    // Metrics.
    const exposition = await nm.scrape();
    const openmetrics = await nm.scrape('openmetrics');
    // Zipkin: the two server traces, each with its client spans.
    const [t1, t2] = traceIds;
    const spans1 = await waitForTrace(t1!, 3);
    const spans2 = await waitForTrace(t2!, 1);
    const zipkinText = JSON.stringify([spans1, spans2]);
    // VictoriaLogs: every line of this service (the request lines and the unhandled error).
    const lines = await waitFor('3 lines in VictoriaLogs', async () => {
      await forceFlush();
      const got = await query(`{app="${app}"}`);
      return got.length >= 3 ? got : undefined;
    }, 30_000, 300);
    const logsText = JSON.stringify(lines);

    // The planted secrets, and the Basic credentials' base64 prefix (`u:SECRET`).
    const leaks = (text: string): string[] => [...(text.match(new RegExp(`SECRET[a-z]+${tag}`, 'g')) ?? []), ...(text.match(/dTpTRUNSRVRh/g) ?? [])];
    const urls = spans1.concat(spans2).map((s) => `${s.kind} ${s.tags?.['http.url']}`).sort();
    console.log(
      `secrets: ${spans1.length + spans2.length} spans in Zipkin (${urls.join(', ')}), ${lines.length} lines in VictoriaLogs, ` +
        `exposition ${exposition.length} B; leaks: metrics ${leaks(exposition + openmetrics).length}, spans ${leaks(zipkinText).length}, logs ${leaks(logsText).length}`,
    );
    assert.ok(spans1.some((s) => s.kind === 'CLIENT') && lines.some((l) => /boom/.test(JSON.stringify(l))), 'the planted calls and the error line were recorded');
    assert.deepEqual(leaks(exposition + openmetrics), [], 'metrics');
    assert.deepEqual(leaks(zipkinText), [], 'spans');
    assert.deepEqual(leaks(logsText), [], 'log lines');
  } finally {
    await close(server);
    await close(downstream);
    await nm.shutdown();
  }
});

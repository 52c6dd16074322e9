/**
 * `metrics.enabled=false` skips the runtime binders only (docs/reference/configuration.md): HTTP timers and the
 * application's own meters stay in the scrape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { instrument } from '../../../src/index.js';
import { close, listen } from '../../helpers/http.js';
import { parseExposition } from '../../helpers/registry.js';

test('metrics.enabled=false: no runtime binder families; HTTP and application meters stay', async () => {
  const nm = instrument({ serviceName: 'off', diagLevel: 'silent', metrics: { enabled: false } });
  const server = createServer((_req, res) => res.end('ok'));
  const url = await listen(server);
  try {
    nm.registry.counter('orders.placed').inc(2);
    await (await fetch(`${url}/x`)).text();
    const deadline = Date.now() + 5000;
    let names: Set<string>;
    do {
      names = new Set(parseExposition(await nm.scrape()).map((s) => s.name));
      if (names.has('http_server_requests_seconds_count')) break;
      await new Promise((r) => setImmediate(r));
    } while (Date.now() < deadline);
    assert.ok(names.has('http_server_requests_seconds_count'), [...names].join(' '));
    assert.ok(names.has('http_client_requests_seconds_count'), 'the fetch client timer too');
    assert.ok(names.has('orders_placed_total'));
    for (const runtime of ['process_uptime_seconds', 'jvm_memory_used_bytes', 'process_cpu_usage', 'jvm_threads_live_threads']) {
      assert.ok(!names.has(runtime), `${runtime} is a runtime binder family`);
    }
  } finally {
    await close(server);
    await nm.shutdown();
  }
});

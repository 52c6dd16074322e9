/**
 * Tracing is on by default and sends to localhost:9411, as Spring Boot does. A service with no Zipkin there (here:
 * a port nobody listens on) sees one warning, which says how to point export elsewhere or switch it off, and
 * nothing more when it shuts down with spans still queued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { instrument } from '../../../src/index.js';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('no Zipkin: one coded warning with the way out, and none at shutdown', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}/api/v2/spans`;
  const nm = instrument({
    serviceName: 'no-zipkin',
    tracing: { samplingProbability: 1, zipkin: { endpoint }, export: { scheduledDelayMs: 50 } },
  });
  const messages: string[] = [];
  nm.diag.setSink((level, m) => messages.push(`${level} ${m}`));
  try {
    // One span exported by the schedule (fails), one left queued for the flush at shutdown (fails again).
    nm.tracing!.tracer.startSpan('first').end();
    const deadline = Date.now() + 5_000;
    while (!messages.some((m) => m.includes('NMWRN008')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    nm.tracing!.tracer.startSpan('second').end();
  } finally {
    await nm.shutdown();
  }
  const warnings = messages.filter((m) => m.startsWith('warn'));
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^warn NMWRN008 span export to .* failed/);
  assert.match(warnings[0]!, /MANAGEMENT_ZIPKIN_TRACING_ENDPOINT/);
  assert.match(warnings[0]!, /MANAGEMENT_TRACING_ENABLED=false/);
});

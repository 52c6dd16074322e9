// instrument() with the default options loads no pino module until the application reads `nm.logger`: the logger
// and its console stream are created on first use (docs/benchmarks.md, start-up). Checked in a fresh process, since
// this process has loaded pino already through other tests' imports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runProbe } from '../../helpers/probe.js';

const PROBE = `
import { createRequire } from 'node:module';
import { instrument } from './src/index.ts';
const cache = createRequire(import.meta.url).cache;
const pinoModules = () => Object.keys(cache).filter((k) => /node_modules[\\\\/]pino[\\\\/]/.test(k)).length;
const nm = instrument({ serviceName: 'lazy-probe' });
const atStart = pinoModules();
const scrape = await nm.scrape();
const afterScrape = pinoModules();
nm.logger.info('first line');
const afterFirstUse = pinoModules();
await nm.shutdown();
console.log(JSON.stringify({ atStart, afterScrape, afterFirstUse, meters: /logback_events_total/.test(scrape) }));
`;

function probe(env: Record<string, string>): { out: Record<string, unknown>; lines: string[] } {
  const lines = runProbe(PROBE, env);
  return { out: JSON.parse(lines.pop() ?? '{}') as Record<string, unknown>, lines };
}

test('instrument() with default options loads pino only when nm.logger is first read', () => {
  // The defaults, except no span export to a Zipkin that is not there.
  const { out, lines } = probe({ OTEL_TRACES_EXPORTER: 'none' });
  assert.equal(out.atStart, 0, 'pino modules loaded by instrument()');
  assert.equal(out.afterScrape, 0, 'pino modules loaded by a scrape');
  assert.ok((out.afterFirstUse as number) > 0, 'pino is loaded on first use of nm.logger');
  // What was there before stays: logback_events_total from the start, the console line once something is logged.
  assert.equal(out.meters, true);
  // The default console is Spring Boot's line: `… INFO <pid> --- [lazy-probe] [           main] […] ROOT … : first line`.
  const line = lines.find((l) => l.includes('first line')) ?? '';
  assert.match(line, / INFO \d+ --- \[lazy-probe\] \[ +main\] \[ {49}\] ROOT +: first line$/);
});

test('the same with tracing off', () => {
  const { out } = probe({ NODEMETER_TRACING_ENABLED: 'false' });
  assert.equal(out.atStart, 0);
  assert.ok((out.afterFirstUse as number) > 0);
});

// Cost of one log call: nodemeter's logger (trace mixin + logback_events_total count) vs plain pino, both writing
// to the same /dev/null SonicBoom, in the same process, rounds alternated so drift hits every variant alike.
// Outside a span the mixin adds a context read and a counter increment; inside one it also adds the two ids.
//
//   node --import tsx benchmarks/logging/log-call.mjs [callsPerRound=200000] [rounds=7]
//
// (benchmarks/logging/run.mjs runs it as its second table; LOG_CALL_JSON=<file> writes the table there.)
//
// The consoles, as instrument() builds them (the Fanout in front of each): the JSON line (pino's), Spring Boot's
// console pattern (the default since 0.3), and the Sleuth-era text; they write to the same /dev/null destination.
//
// Measures and prints; asserts nothing. Goal: nodemeter ≤ 1.2× plain; the Boot console no dearer than the JSON one.
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { createLogger } from '../../src/logging/logger.ts';
import { LogEventCounter } from '../../src/logging/log-events.ts';
import { Fanout } from '../../src/logging/fanout.ts';
import { PrettyDestination } from '../../src/logging/pretty.ts';

const CALLS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 7);

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const span = trace.wrapSpanContext({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
});
const spanContext = trace.setSpan(context.active(), span);

// One destination for all: buffered writes to /dev/null, so the formatting is what is measured.
const destination = pino.destination({ dest: '/dev/null', minLength: 8 * 1024, sync: false });
const plain = pino({ base: { pid: process.pid, app: 'bench' } }, destination);
const nodemeter = createLogger({ serviceName: 'bench' }, { destination, events: new LogEventCounter() });
const nodemeterOtel = createLogger({ serviceName: 'bench', keys: 'otel' }, { destination, events: new LogEventCounter() });
const consoleLogger = (stream) =>
  createLogger({ serviceName: 'bench' }, { destination: new Fanout(stream, undefined, undefined), events: new LogEventCounter() });
const jsonConsole = consoleLogger(destination);
const springConsole = consoleLogger(new PrettyDestination('bench', 'spring', destination, 'spring'));
const sleuthConsole = consoleLogger(new PrettyDestination('bench', 'spring', destination, 'sleuth'));

function loop(logger) {
  for (let i = 0; i < CALLS; i++) logger.info({ orderId: i }, 'order placed');
}

// Plain pino given the same two ids by hand: what writing the ids costs, without the mixin.
const { traceId, spanId } = span.spanContext();
function loopExplicit(logger) {
  for (let i = 0; i < CALLS; i++) logger.info({ traceId, spanId, orderId: i }, 'order placed');
}

const VARIANTS = {
  'plain pino, no span': () => loop(plain),
  'nodemeter, no span': () => loop(nodemeter),
  'plain pino, in span': () => context.with(spanContext, () => loop(plain)),
  'nodemeter, in span': () => context.with(spanContext, () => loop(nodemeter)),
  'plain pino + ids by hand, in span': () => context.with(spanContext, () => loopExplicit(plain)),
  "nodemeter keys 'otel', in span": () => context.with(spanContext, () => loop(nodemeterOtel)),
  'console json, no span': () => loop(jsonConsole),
  'console spring, no span': () => loop(springConsole),
  'console json, in span': () => context.with(spanContext, () => loop(jsonConsole)),
  'console spring, in span': () => context.with(spanContext, () => loop(springConsole)),
  'console sleuth, in span': () => context.with(spanContext, () => loop(sleuthConsole)),
};
const names = Object.keys(VARIANTS);
const samples = Object.fromEntries(names.map((n) => [n, []]));

// Warm-up: let every variant get optimised before measuring.
for (const name of names) VARIANTS[name]();
await new Promise((r) => destination.flush(r));

for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const t0 = process.hrtime.bigint();
    VARIANTS[name]();
    const ns = Number(process.hrtime.bigint() - t0) / CALLS;
    samples[name].push(ns);
    await new Promise((r) => destination.flush(r));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
console.log(`node ${process.version}, ${CALLS} calls x ${ROUNDS} rounds, median ns per call:`);
for (const name of names) console.log(`  ${name.padEnd(36)} ${result[name].toFixed(0).padStart(6)} ns`);
const ratio = (a, b) => (result[a] / result[b]).toFixed(2);
console.log(`ratio no span: ${ratio('nodemeter, no span', 'plain pino, no span')}x plain`);
console.log(`ratio in span: ${ratio('nodemeter, in span', 'plain pino, in span')}x plain (two more fields per line)`);
console.log(`ratio in span vs ids by hand: ${ratio('nodemeter, in span', 'plain pino + ids by hand, in span')}x (the mixin's own cost)`);
console.log(`ratio in span, otel keys: ${ratio("nodemeter keys 'otel', in span", 'plain pino, in span')}x plain (three more fields)`);
console.log(`console spring / json, no span: ${ratio('console spring, no span', 'console json, no span')}x`);
console.log(`console spring / json, in span: ${ratio('console spring, in span', 'console json, in span')}x`);
console.log(`console sleuth / json, in span: ${ratio('console sleuth, in span', 'console json, in span')}x`);
if (process.env.LOG_CALL_JSON) {
  const spread = (n) => `${Math.min(...samples[n]).toFixed(0)}–${Math.max(...samples[n]).toFixed(0)}`;
  const base = (n) => (n.includes('console') ? (n.includes('no span') ? 'console json, no span' : 'console json, in span') : n.includes('no span') ? 'plain pino, no span' : 'plain pino, in span');
  writeFileSync(
    process.env.LOG_CALL_JSON,
    JSON.stringify({
      columns: ['variant', 'ns per call (median)', 'range over rounds', 'ratio'],
      rows: names.map((n) => [n, result[n].toFixed(0), spread(n), ratio(n, base(n))]),
      calls: CALLS,
      rounds: ROUNDS,
    }),
  );
}
destination.end();

/**
 * Spring Boot's log line, as nodemeter writes it to Loki (FILE_LOG_PATTERN, `[%t]`) and to the console
 * (CONSOLE_LOG_PATTERN, `[%15.15t]`), checked against the line a running Spring Boot 3.5.7 / 4.0.7 service wrote
 * (docs/guides/logging.md); logback's level names; one derived-field regex for Java, Boot-pattern and JSON lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpringConsoleLine } from '../../../src/logging/pretty.js';
import { formatBootLine, logbackLevel, loggerNameOf, TRACE_ID_DERIVED_FIELD_REGEX } from '../../../src/logging/spring-format.js';

const TRACE = '6b0d62751ff255b9c5f6aeec48755f68';
const SPAN = 'c5f6aeec48755f68';
/** The line a Spring Boot 4.0.7 service shipped through loki4j (measured), in the same receiver as nodemeter's. */
const JAVA_LINE = `2026-11-30T11:48:05.538Z  INFO 21417 --- [java-svc] [http-nio-127.0.0.1-29080-exec-2] [${TRACE}-${SPAN}] acc.JavaSvc                              : calling node-svc`;

test("logback's level names: pino's fatal is ERROR; labels too; custom levels by name or the standard one below", () => {
  assert.deepEqual([10, 20, 30, 40, 50, 60].map((l) => logbackLevel(l)), ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'ERROR']);
  assert.deepEqual(['trace', 'info', 'warn', 'fatal'].map((l) => logbackLevel(l)), ['TRACE', 'INFO', 'WARN', 'ERROR']);
  assert.equal(logbackLevel(35), 'INFO');
  assert.equal(logbackLevel(35, 'audit'), 'AUDIT');
});

test('the logger: the name binding, else the module binding, else ROOT', () => {
  assert.equal(loggerNameOf({ name: 'orders', module: 'db' }), 'orders');
  assert.equal(loggerNameOf({ module: 'db' }), 'db');
  assert.equal(loggerNameOf({}), 'ROOT');
});

test("Boot's line, column for column as the Java service's, with [traceId-spanId]", () => {
  // The Java line was printed in UTC; the date column follows the process's zone, so render this one in UTC too.
  const saved = process.env.TZ;
  process.env.TZ = 'UTC';
  let line: string;
  try {
    line = formatBootLine({
      time: Date.parse('2026-11-30T11:48:05.538Z'),
      level: 'INFO',
      pid: 21417,
      app: 'node-svc',
      thread: 'main',
      traceId: TRACE,
      spanId: SPAN,
      logger: 'acc.JavaSvc',
      msg: 'calling node-svc',
      rest: undefined,
      err: undefined,
    });
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
  assert.equal(line, JAVA_LINE.replace('[java-svc] [http-nio-127.0.0.1-29080-exec-2]', '[node-svc] [main]'));
});

test('outside a span the correlation is [ + 49 spaces + ], as Boot prints it; the stack follows on the next lines', () => {
  const err = new Error('boom');
  const line = formatBootLine({ time: 0, level: 'ERROR', pid: 1, app: 'a', thread: 'main', traceId: undefined, spanId: undefined, logger: 'ROOT', msg: 'failed', rest: { orderId: 7 }, err });
  assert.ok(line.includes(`[main] [${' '.repeat(49)}] ROOT${' '.repeat(36)} : failed {"orderId":7}\nError: boom\n    at `), line);
  const serialized = formatBootLine({ time: 0, level: 'ERROR', pid: 1, app: 'a', thread: 'main', traceId: undefined, spanId: undefined, logger: 'x'.repeat(45), msg: 'm', rest: undefined, err: { type: 'TypeError', message: 'bad' } });
  assert.ok(serialized.includes(`] ${'x'.repeat(40)} : m\nTypeError: bad`), 'logger truncated to its last 40 characters; serialized errors without a stack');
});

test("the console: Boot's console pattern ([%15.15t]), from pino's line parts", () => {
  const line = formatSpringConsoleLine(
    { level: 60, time: '1714564800123', msg: 'down', obj: { traceId: TRACE, spanId: SPAN, orderId: 1 } },
    'order-service',
    'spring',
    'orders',
  );
  assert.match(line, new RegExp(String.raw`ERROR ${process.pid} --- \[order-service\] \[           main\] \[${TRACE}-${SPAN}\] orders {34} : down \{"orderId":1\}\n$`));
});

test('one derived-field regex finds the trace id in the Java line, the Node Boot line and the Node JSON line', () => {
  const re = new RegExp(TRACE_ID_DERIVED_FIELD_REGEX);
  const node = formatBootLine({ time: 0, level: 'INFO', pid: 1, app: 'node-svc', thread: 'main', traceId: TRACE, spanId: 'aaaaaaaaaaaaaaaa', logger: 'ROOT', msg: 'hello answered', rest: undefined, err: undefined });
  const json = `{"level":30,"time":1796039285576,"pid":21492,"app":"node-svc","traceId":"${TRACE}","spanId":"12d04a8cfd15dfa0","msg":"hello answered"}`;
  for (const line of [JAVA_LINE, node, json]) assert.equal(re.exec(line)?.[1], TRACE, line);
  const outside = formatBootLine({ time: 0, level: 'INFO', pid: 1, app: 'a', thread: 'main', traceId: undefined, spanId: undefined, logger: 'ROOT', msg: 'm', rest: undefined, err: undefined });
  assert.equal(re.exec(outside), null, 'no trace id outside a span');
  assert.equal(/\[.+,(.+?),/.exec(JAVA_LINE), null, "the Sleuth-era regex matches no Boot 3/4 line (the old guide's claim)");
});

test('the date column equals a plain Date rendering in zones with odd offsets and across DST changes (the per-second and per-quarter-hour caches)', () => {
  const saved = process.env.TZ;
  /** The reference: what the column was before the caches, one Date per line. */
  const reference = (ms: number): string => {
    const d = new Date(ms);
    const offset = -d.getTimezoneOffset();
    if (offset === 0) return d.toISOString();
    const abs = Math.abs(offset);
    return `${new Date(ms + offset * 60_000).toISOString().slice(0, -1)}${offset > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  };
  try {
    for (const tz of ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
      process.env.TZ = tz;
      // Around the 2026 spring-forward and fall-back instants of Europe and North America, and any time.
      for (const start of [Date.parse('2026-03-29T00:59:58Z'), Date.parse('2026-10-25T00:59:58Z'), Date.parse('2026-03-08T05:29:58Z'), Date.parse('2026-11-01T04:29:58Z'), 7, Date.parse('2026-04-04T14:59:58Z')]) {
        for (let ms = start; ms < start + 4_000; ms += 7) {
          const line = formatBootLine({ time: ms, level: 'INFO', pid: 1, app: 'a', thread: 'main', traceId: undefined, spanId: undefined, logger: 'ROOT', msg: '', rest: undefined, err: undefined });
          assert.equal(line.slice(0, line.indexOf(' ')), reference(ms), `${tz} ${ms}`);
        }
      }
    }
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('the console writes the fields outside the pattern as JSON: strings escaped, objects nested, non-finite numbers null, undefined and BigInt left out', () => {
  const line = formatSpringConsoleLine(
    { level: 30, time: '0', msg: 'm', obj: { a: 'say "hi"\n', n: 1.5, inf: Infinity, ok: false, nested: { x: [1] }, gone: undefined, big: 1n } },
    'app',
    'spring',
  );
  assert.ok(line.endsWith(` : m {"a":"say \\"hi\\"\\n","n":1.5,"inf":null,"ok":false,"nested":{"x":[1]}}\n`), line);
  assert.ok(formatSpringConsoleLine({ level: 30, time: '0', msg: 'm', obj: { traceId: TRACE, spanId: SPAN } }, 'app', 'spring').endsWith(' : m\n'), 'no fields, no JSON');
});

// Diag reports declared warnings: the code first, the doc link last, once per code and subject at warn level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Diag, type DiagLevel } from '../../../src/core/diag.js';
import { formatWarning, Warnings, type Warning } from '../../../src/core/warnings.js';

function collecting(level: DiagLevel = 'debug'): { diag: Diag; messages: string[] } {
  const messages: string[] = [];
  return { diag: new Diag(level, (lvl, m) => messages.push(`${lvl} ${m}`)), messages };
}

test('a warning prints its code, its message and its doc section', () => {
  const { diag, messages } = collecting();
  assert.equal(diag.warn(Warnings.DISK_PATH_UNREADABLE, { path: '/data', code: 'ENOENT' }, '/data'), true);
  assert.deepEqual(messages, [
    'warn NMWRN004 disk-space path /data cannot be read (ENOENT); its disk_free_bytes and disk_total_bytes are left ' +
      'out (see docs/reference/warnings.md#nmwrn004)',
  ]);
  assert.equal(formatWarning(Warnings.INSTRUMENT_AGAIN, undefined).startsWith('NMWRN005 instrument() was called again'), true);
});

test('once per code and subject at warn level, then at debug', () => {
  const { diag, messages } = collecting();
  const limit = (meter: string) => ({ meter, max: 100, tag: 'uri' });
  assert.equal(diag.warn(Warnings.TAG_VALUES_LIMIT, limit('a'), 'a'), true);
  assert.equal(diag.warn(Warnings.TAG_VALUES_LIMIT, limit('a'), 'a'), false);
  assert.equal(diag.warn(Warnings.TAG_VALUES_LIMIT, limit('b'), 'b'), true, 'another subject warns again');
  diag.warn(Warnings.INSTRUMENT_AGAIN);
  diag.warn(Warnings.INSTRUMENT_AGAIN);
  assert.deepEqual(
    messages.map((m) => m.slice(0, m.indexOf(' ', 6))),
    ['warn NMWRN007', 'debug NMWRN007', 'warn NMWRN007', 'warn NMWRN005', 'debug NMWRN005'],
  );
});

test('warnings sharing a code and a subject share the once', () => {
  const { diag, messages } = collecting();
  diag.warn(Warnings.LOGGER_NOT_PINO);
  diag.warn(Warnings.LOGGER_TIME_NOT_NUMERIC);
  assert.deepEqual(messages.map((m) => m.split(' ', 2).join(' ')), ['warn NMWRN021', 'debug NMWRN021']);
});

test('warnings declared everyTime are printed at warn level every time', () => {
  const { diag, messages } = collecting();
  diag.warn(Warnings.SHUTDOWN_FAILED, { step: 'tracing', error: new Error('x') });
  diag.warn(Warnings.SHUTDOWN_FAILED, { step: 'tracing', error: new Error('x') });
  assert.deepEqual(messages, [
    'warn NMWRN016 shutdown of tracing failed: Error: x (see docs/reference/warnings.md#nmwrn016)',
    'warn NMWRN016 shutdown of tracing failed: Error: x (see docs/reference/warnings.md#nmwrn016)',
  ]);
});

test('a message is formatted only when its level is printed', () => {
  let formatted = 0;
  const counted: Warning<number> = { ...Warnings.LOKI_UNSENT_AT_SHUTDOWN, everyTime: false, message: (n) => `${++formatted}/${n}` };
  const { diag, messages } = collecting('warn');
  diag.warn(counted, 1);
  diag.warn(counted, 2);
  diag.warn(counted, 3);
  assert.equal(formatted, 1, 'repeats go to debug, which is not printed: not formatted');
  assert.equal(messages.length, 1);
  const silent = new Diag('silent', () => assert.fail('nothing is written when silent'));
  assert.equal(silent.warn(counted, 1), true, 'still counted as the first time');
  assert.equal(formatted, 1);
});

test('a broken sink never breaks the caller', () => {
  const diag = new Diag('debug', () => {
    throw new Error('sink down');
  });
  assert.doesNotThrow(() => diag.warn(Warnings.KAFKA_LAG_UNREADABLE, new Error('no brokers')));
});

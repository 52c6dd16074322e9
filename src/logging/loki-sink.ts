/**
 * The Sink of the Loki worker: pino-loki, which sends the push requests, with their outcome observed through the
 * diagnostics channels of Node's fetch (see compat/pino-loki.ts). This file decides, once per worker, whether the
 * installed pino-loki is one whose requests can be observed.
 *
 *   pino-loki in PINO_LOKI_SUPPORTED ──► outcome of each request: sent, retried, rejected (counted)
 *   other versions                   ──► still shipped; a batch counts as sent once handed to pino-loki; one warning
 */
import { PinoLokiSink, pinoLokiVerdict, PINO_LOKI_SUPPORTED, type ClosableSink, type SinkOptions } from './compat/pino-loki.js';

export type { ClosableSink, SinkOptions } from './compat/pino-loki.js';

/** pino-loki outside the supported versions, as the worker reports it to the main thread. */
export interface SinkVersionEvent {
  type: 'unsupported';
  package: string;
  version: string;
  range: string;
}

/**
 * The worker's Sink. `version` is the installed pino-loki unless given (tests).
 * @since 0.2.0
 */
export function createLokiSink(options: SinkOptions, report: (event: SinkVersionEvent) => void, version?: string): ClosableSink {
  const verdict = pinoLokiVerdict(version);
  if (!verdict.supported) {
    report({ type: 'unsupported', package: PINO_LOKI_SUPPORTED.package, version: verdict.version, range: PINO_LOKI_SUPPORTED.range });
  }
  return new PinoLokiSink(options, verdict.supported);
}

/**
 * Graceful shutdown's signal wiring for one handle: on SIGTERM/SIGINT the handle's whole ordered shutdown runs
 * (readiness 503, HTTP servers and Kafka handlers drained, spans and log lines flushed, binders unbound: see
 * core/lifecycle.ts), from the one process-wide listener of core/signals.ts, which also decides whether the
 * process then ends by the signal (no handler of the application's) or is left to the application.
 *
 * Off with `shutdown.onSignals: false` (or the older `logging.flushOnSignals: false`, which turned the signal
 * listener off when only the logs were flushed on signals).
 */
import type { ShutdownCause } from '../core/lifecycle.js';
import { onShutdownSignals } from '../core/signals.js';
import type { ResolvedConfig } from './config.js';

/** Runs `shutdown('signal')` on SIGTERM/SIGINT; returns the function that stops listening. */
export function shutdownOnSignals(config: ResolvedConfig, shutdown: (cause: ShutdownCause) => Promise<void>): () => void {
  if (!config.shutdown.onSignals || !config.logging.flushOnSignals) return () => {};
  return onShutdownSignals(() => shutdown('signal'));
}

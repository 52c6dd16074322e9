/**
 * Flush on SIGTERM and SIGINT, for a logging setup used on its own (`setupLogging`). Under instrument() the logging
 * setup does not listen itself: the composition root runs the whole ordered shutdown, flush of the logs included,
 * from the one process-wide listener in core/signals.ts, which this also uses (so the two never wait for each
 * other).
 */
import { onShutdownSignals } from '../core/signals.js';

/** Flushes with `flush` on SIGTERM/SIGINT until the returned function is called. */
export function flushOnSignals(flush: () => Promise<void>): () => void {
  return onShutdownSignals(flush);
}

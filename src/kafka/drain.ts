/**
 * Kafka handlers in flight at shutdown get the grace period, as Spring's listener containers finish the record
 * they hold before they stop: the drain step of shutdown (core/lifecycle.ts) waits until no `eachMessage` /
 * `eachBatch` handler runs, bounded by the phase deadline. It counts the consumer observations themselves (this is
 * an observation handler, added after the tracing handler, so a handler counts as done once its span ended): no
 * wrapper, no closure per record.
 *
 * It does not stop the consumers: they are the application's (stop them with `consumer.disconnect()` in your own
 * shutdown, see docs/guides/shutdown.md).
 */
import type { ObservationContext } from '../observation/context.js';
import type { ObservationHandler } from '../observation/handler.js';
import { KafkaBatchContext, KafkaReceiverContext } from './context.js';

export class KafkaHandlerDrain implements ObservationHandler {
  readonly name = 'kafka handler drain';
  #inflight = 0;
  #idle: (() => void) | undefined;

  /** Handlers (records and batches) running now. */
  get inflight(): number {
    return this.#inflight;
  }

  supportsContext(context: ObservationContext): boolean {
    return context instanceof KafkaReceiverContext || context instanceof KafkaBatchContext;
  }

  onStart(): void {
    this.#inflight++;
  }

  onStop(): void {
    if (--this.#inflight > 0 || this.#idle === undefined) return;
    const idle = this.#idle;
    this.#idle = undefined;
    idle();
  }

  /** Resolves when no handler runs (at once if none does); the lifecycle abandons it at the deadline. */
  drain(): Promise<void> {
    if (this.#inflight <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle = resolve;
    });
  }
}

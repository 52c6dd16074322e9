/**
 * The batch span processor reports its own drops (queue full) and queue size through an OpenTelemetry
 * MeterProvider. This adapter is that provider, feeding nodemeter's registry, so the processor's own accounting
 * (not a guess from outside) is what `nodemeter_spans_total{result="dropped",reason="queue_full"}` shows.
 */
import type { Attributes, MeterProvider } from '@opentelemetry/api';
import type { Counter } from '../metrics/counter.js';
import type { MeterRegistry } from '../metrics/registry.js';

/** `onQueueFull` is called, synchronously, for each span the processor drops because its queue is full. */
export function selfObservabilityMeterProvider(
  registry: MeterRegistry,
  spans: Counter,
  onQueueFull?: () => void,
): MeterProvider {
  const callbacks: ((result: { observe(value: number, attributes?: Attributes): void }) => void)[] = [];
  let queueSize = 0;
  registry.gauge('nodemeter.spans.queue.size', {
    description: 'Spans waiting in the batch span processor queue',
    collect: (g) => {
      for (const cb of callbacks) cb({ observe: (v) => (queueSize = v) });
      g.set(queueSize);
    },
  });
  const noop = { add() {}, record() {}, addCallback() {}, removeCallback() {} };
  const meter = {
    createCounter(name: string) {
      if (!name.endsWith('span.processed')) return noop;
      return {
        add(value: number, attributes?: Attributes) {
          // Successful and failed exports are counted by the exporter wrapper; only queue drops are counted here.
          if (attributes?.['error.type'] !== 'queue_full') return;
          spans.inc({ result: 'dropped', reason: 'queue_full' }, value);
          onQueueFull?.();
        },
      };
    },
    createUpDownCounter: () => noop,
    createObservableUpDownCounter(name: string) {
      if (!name.endsWith('queue.size')) return noop;
      return {
        addCallback(cb: (typeof callbacks)[number]) {
          callbacks.push(cb);
        },
        removeCallback(cb: (typeof callbacks)[number]) {
          const i = callbacks.indexOf(cb);
          if (i !== -1) callbacks.splice(i, 1);
        },
      };
    },
    createHistogram: () => noop,
    createGauge: () => noop,
    createObservableGauge: () => noop,
    createObservableCounter: () => noop,
    addBatchObservableCallback() {},
    removeBatchObservableCallback() {},
  };
  return { getMeter: () => meter } as unknown as MeterProvider;
}

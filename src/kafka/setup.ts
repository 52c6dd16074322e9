/** Kafka as one integration: `nm.kafka`, whose admin clients and health indicators are closed at shutdown. */
import type { Integration } from '../core/integration.js';
import type { KafkaDeps } from './deps.js';
import { createKafkaInstrumentation, type KafkaInstrumentation } from './index.js';
import { KafkaHandlerDrain } from './drain.js';

export const KAFKA: Integration<KafkaDeps, { readonly kafka: KafkaInstrumentation }> = {
  name: 'kafka',
  setup(deps, closers) {
    const kafka = createKafkaInstrumentation(deps);
    closers.add('kafka', () => kafka.close());
    // Handlers in flight get the grace period at shutdown (drain.ts); added after the tracing handler.
    const drain = new KafkaHandlerDrain();
    closers.add('kafka drain handler', deps.observations.addHandler(drain));
    closers.add('kafka handlers', () => drain.drain(), 'drain');
    return { handle: { kafka } };
  },
};

/** Kafka as one integration: `nm.kafka`, whose admin clients and health indicators are closed at shutdown. */
import type { Integration } from '../core/integration.js';
import type { KafkaDeps } from './deps.js';
import { createKafkaInstrumentation, type KafkaInstrumentation } from './index.js';

export const KAFKA: Integration<KafkaDeps, { readonly kafka: KafkaInstrumentation }> = {
  name: 'kafka',
  setup(deps, closers) {
    const kafka = createKafkaInstrumentation(deps);
    closers.add('kafka', () => kafka.close());
    return { handle: { kafka } };
  },
};

/**
 * The differences between a Spring Boot service and a nodemeter service that stay, each with its reason: the
 * table "Allowed differences" of docs/guides/spring-interop.md, as the interop test reads it. A difference the
 * parity test finds that is not here fails the test; an entry here that the run did not find fails it too (the
 * table would promise a difference that is gone). Each `id` is the difference's text as helpers/parity.ts writes
 * it, after normalisation (`<app>`: the service's name, `<topic>`, `/<side>/`), and appears verbatim in the guide.
 */
import type { BootLine } from './spring.js';

export interface Allowed {
  id: string;
  /** the Boot lines it occurs on (default both) */
  lines?: BootLine[];
  reason: string;
}

const LISTENER_ID =
  'Spring names a listener container after its bean registration (`org.springframework.kafka.KafkaListenerEndpointContainer#<n>-<m>`, ' +
  'a counter over the application\'s @KafkaListener methods); a Node consumer has no such registry, so nodemeter uses `<groupId>-0` ' +
  '(docs/guides/kafka.md). Dashboards group by it rarely; they filter by topic and consumer group, which are equal.';

export const ALLOWED: Allowed[] = [
  {
    id: 'metrics: spring_kafka_listener_seconds {spring_kafka_listener_id}: Java org.springframework.kafka.KafkaListenerEndpointContainer#0-0 / nodemeter <app>-0',
    reason: LISTENER_ID,
  },
  {
    id: 'metrics: spring_kafka_listener_active_seconds {spring_kafka_listener_id}: Java org.springframework.kafka.KafkaListenerEndpointContainer#0-0 / nodemeter <app>-0',
    reason: LISTENER_ID,
  },
  {
    id: 'metrics: Kafka client families {client_id}: Java <app>-producer-1 consumer-<app>-1 / nodemeter <app>',
    reason: 'Each client\'s own id: the Java client makes one up per producer and consumer (`<app>-producer-1`, `consumer-<group>-1`) ' +
      'when none is configured, the nodemeter service gives its kafkajs client the service name. Both are what the application chose.',
  },
  {
    id: 'metrics: Kafka client families {spring_id}: Java kafkaConsumerFactory.consumer-<app>-1 kafkaProducerFactory.<app>-producer-1 / nodemeter kafkaConsumerFactory.<app> kafkaProducerFactory.<app>',
    reason: 'Spring\'s `<factory bean>.<client id>`: the same form on both sides, with each side\'s own client id (row above).',
  },
  {
    id: 'metrics: Kafka client families {kafka_version}: Java 3.9.1 / nodemeter 2.2.4',
    lines: ['35'],
    reason: 'The version of the Kafka client library in use: kafka-clients 3.9.1 under Boot 3.5, kafkajs 2.2.4 under nodemeter.',
  },
  {
    id: 'metrics: Kafka client families {kafka_version}: Java 4.1.2 / nodemeter 2.2.4',
    lines: ['40'],
    reason: 'The version of the Kafka client library in use: kafka-clients 4.1.2 under Boot 4.0, kafkajs 2.2.4 under nodemeter.',
  },
];

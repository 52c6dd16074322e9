/**
 * Observation contexts of one produced record (PRODUCER, a sender context: the record's headers are its carrier),
 * one consumed record (CONSUMER, a receiver context: the record's headers carry the producer's trace) and one
 * batch given to a batch listener (meters only: its records have their own spans).
 *
 * The remote service of both span kinds is Spring Kafka's `Apache Kafka: <clusterId>` (Zipkin's dependency graph
 * draws the broker from it), read from the client's ClusterInfo when the context is created: `Apache Kafka` until
 * the cluster id is known, as Spring writes it when its admin has no cluster id.
 */
import { ObservationContext, ReceiverContext, SenderContext } from '../observation/context.js';
import type { ObservationConvention } from '../observation/convention.js';
import { HEADERS_GETTER, HEADERS_SETTER, type KafkaHeaders } from './headers.js';

/** The cluster a client talks to, as far as it is known; one per client, shared by its producers and consumers. */
export interface ClusterInfo {
  /** `Apache Kafka: <clusterId>`, or `Apache Kafka` while the id is unknown. */
  remoteService: string;
}

/** Spring Kafka's remote service name for a cluster id (KafkaRecordSenderContext / ReceiverContext). */
export function remoteServiceOf(clusterId: string | undefined): string {
  return clusterId ? `Apache Kafka: ${clusterId}` : 'Apache Kafka';
}

/** @since 0.1.0 */
export class KafkaSenderContext extends SenderContext<KafkaHeaders> {
  readonly kind = 'producer' as const;
  /** Key and value bytes of the record, for the client families. */
  bytes = 0;

  constructor(
    readonly topic: string,
    /** The producer's name (Spring: the KafkaTemplate bean name). */
    readonly name: string,
    readonly clientId: string,
    /** The headers object of the outgoing record, built by nodemeter (the caller's headers plus propagation). */
    headers: KafkaHeaders,
    readonly convention: ObservationConvention<KafkaSenderContext>,
    cluster: ClusterInfo,
  ) {
    super(headers, HEADERS_SETTER);
    this.remoteServiceName = cluster.remoteService;
  }
}

/** What a consumer's records share: built once per consumer, not per record. @since 0.3.0 */
export interface KafkaListenerInfo {
  /** Observation-off `name` tag (Spring: the listener container's bean name). */
  readonly name: string;
  /** `spring_kafka_listener_id` (Spring: the listener container id). */
  readonly listenerId: string;
  readonly groupId: string;
  readonly clientId: string;
  /** `messaging.consumer.id`: `<group> - <clientId>`, as Spring Kafka writes it. */
  readonly consumerId: string;
  readonly cluster: ClusterInfo;
}

/** @since 0.1.0 */
export class KafkaReceiverContext extends ReceiverContext<KafkaHeaders | undefined> {
  readonly kind = 'consumer' as const;
  readonly name: string;
  readonly listenerId: string;
  readonly groupId: string;
  readonly clientId: string;
  readonly consumerId: string;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly key: Buffer | string | null | undefined,
    listener: KafkaListenerInfo,
    headers: KafkaHeaders | undefined,
    readonly convention: ObservationConvention<KafkaReceiverContext>,
  ) {
    super(headers, HEADERS_GETTER);
    this.name = listener.name;
    this.listenerId = listener.listenerId;
    this.groupId = listener.groupId;
    this.clientId = listener.clientId;
    this.consumerId = listener.consumerId;
    this.remoteServiceName = listener.cluster.remoteService;
  }
}

/** One execution of a batch listener (Spring's batch listener: one timer record per batch). @since 0.2.0 */
export class KafkaBatchContext extends ObservationContext {
  readonly kind = 'consumer' as const;
  readonly name: string;
  readonly listenerId: string;
  readonly groupId: string;

  constructor(
    readonly topic: string,
    readonly partition: number,
    listener: KafkaListenerInfo,
    readonly convention: ObservationConvention<KafkaBatchContext>,
  ) {
    super();
    this.name = listener.name;
    this.listenerId = listener.listenerId;
    this.groupId = listener.groupId;
  }
}

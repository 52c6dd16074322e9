/**
 * The shapes of kafkajs that nodemeter's wrappers use, declared structurally (as OpenTelemetry's kafkajs
 * instrumentation does) so that nodemeter's published types never import kafkajs: a TypeScript application without
 * kafkajs compiles against them, and one with kafkajs passes its own clients, whose types the wrappers return
 * unchanged (`instrument<K extends KafkaLike>(kafka: K): K`). Only what the wrappers read or call is declared.
 */

/** Record headers (kafkajs' IHeaders). @since 0.1.0 */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/** A record to send (kafkajs' Message). @since 0.2.0 */
export interface KafkaMessageToSend {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: KafkaHeaders;
}

/** `producer.send()`'s argument (kafkajs' ProducerRecord). @since 0.2.0 */
export interface KafkaProducerRecordLike {
  topic: string;
  messages: KafkaMessageToSend[];
}

/** `producer.sendBatch()`'s argument (kafkajs' ProducerBatch). @since 0.2.0 */
export interface KafkaProducerBatchLike {
  topicMessages?: KafkaProducerRecordLike[];
}

/** What sends records: a producer or a transaction. @since 0.2.0 */
export interface KafkaSenderLike {
  send(record: KafkaProducerRecordLike): Promise<unknown>;
  sendBatch(batch: KafkaProducerBatchLike): Promise<unknown>;
}

/** The parts of a kafkajs producer nodemeter uses. @since 0.2.0 */
export interface KafkaProducerLike extends KafkaSenderLike {
  transaction?(): Promise<KafkaSenderLike>;
}

/** A consumed record (kafkajs' KafkaMessage). @since 0.2.0 */
export interface KafkaConsumedMessageLike {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  offset: string;
  headers?: KafkaHeaders;
}

/** `eachMessage`'s argument (kafkajs' EachMessagePayload). @since 0.2.0 */
export interface KafkaEachMessagePayloadLike {
  topic: string;
  partition: number;
  message: KafkaConsumedMessageLike;
}

/** `eachBatch`'s argument (kafkajs' EachBatchPayload). @since 0.2.0 */
export interface KafkaEachBatchPayloadLike {
  batch: { topic: string; partition: number; messages: KafkaConsumedMessageLike[] };
}

/** `consumer.run()`'s argument (kafkajs' ConsumerRunConfig). @since 0.2.0 */
export interface KafkaConsumerRunConfigLike {
  eachMessage?: (payload: KafkaEachMessagePayloadLike) => Promise<void>;
  eachBatch?: (payload: KafkaEachBatchPayloadLike) => Promise<void>;
}

/** `consumer.subscribe()`'s argument, in both of kafkajs' forms. @since 0.2.0 */
export interface KafkaSubscriptionLike {
  topic?: string | RegExp;
  topics?: (string | RegExp)[];
}

/** The parts of a kafkajs consumer nodemeter uses. @since 0.2.0 */
export interface KafkaConsumerLike {
  subscribe(subscription: KafkaSubscriptionLike): Promise<unknown>;
  run(config?: KafkaConsumerRunConfigLike): Promise<unknown>;
}

/** The parts of a kafkajs admin client nodemeter uses (health, consumer lag). @since 0.2.0 */
export interface KafkaAdminLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** kafkajs; @confluentinc/kafka-javascript's admin has none (health then lists topics, the cluster id is unknown). */
  describeCluster?(): Promise<{ clusterId: string; brokers: readonly unknown[] }>;
  /** The health check of admins without describeCluster. */
  listTopics?(): Promise<string[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; high: string; low: string }[]>;
  fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** The parts of a kafkajs `Kafka` client nodemeter uses. @since 0.1.0 */
export interface KafkaLike {
  producer(config?: object): KafkaProducerLike;
  /** kafkajs: `{ groupId }`; @confluentinc/kafka-javascript: `{ kafkaJS: { groupId } }`. */
  consumer(config: object): KafkaConsumerLike;
  admin(config?: object): KafkaAdminLike;
}

/**
 * The eachBatch payload, with per-message tracing. With kafkajs' own types: `TracedEachBatchPayload<EachBatchPayload>`.
 * @since 0.1.0
 */
export type TracedEachBatchPayload<P extends KafkaEachBatchPayloadLike = KafkaEachBatchPayloadLike> = P & {
  /** Runs `fn` inside `message`'s own CONSUMER span, child of the trace that produced it. */
  processMessage<T>(message: P['batch']['messages'][number], fn: () => T): T;
};

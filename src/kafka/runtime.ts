/**
 * What the wrappers of one Kafka client share: the conventions of the fleet's Spring Boot line, the client
 * families, the cluster the client talks to (its id, fetched once through the admin client and cached, names the
 * remote service of every span), the client library's version, and the listeners to remove at close.
 */
import { installedVersion } from '../core/supported-versions.js';
import type { KafkaClientMetrics } from './client-metrics.js';
import { remoteServiceOf, type ClusterInfo } from './context.js';
import type { KafkaConventions } from './conventions.js';

/** @internal */
export interface KafkaRuntime {
  /** The default of `observationConventions`. */
  readonly observationConventions: boolean;
  conventions(observation: boolean): KafkaConventions;
  /** The client families (registered on first use, so a service without Kafka has none of them). */
  metrics(): KafkaClientMetrics;
  readonly cluster: ClusterInfo;
  /** Starts reading the cluster id, once; a failed read is retried by the next call. */
  fetchClusterId(): void;
  /** The `kafka_version` label: the version of the client library behind `client`. */
  kafkaVersion(client: object): string;
  /** Functions to run at close (event listeners to remove). */
  onClose(fns: readonly (() => void)[]): void;
}

/**
 * The library version: kafkajs clients have instrumentation events, @confluentinc/kafka-javascript's KafkaJS API
 * has none. Read once per library from its installed package.json.
 */
export function clientLibraryVersion(client: object): string {
  const kafkajs = typeof (client as { events?: unknown }).events === 'object';
  return installedVersion(kafkajs ? 'kafkajs' : '@confluentinc/kafka-javascript') ?? 'unknown';
}

/** A cluster whose id is read by `describe` (once it succeeds); `Apache Kafka` until then, as Spring. */
export function clusterOf(describe: (() => Promise<{ clusterId: string }>) | undefined): { cluster: ClusterInfo; fetch: () => void } {
  const cluster: ClusterInfo = { remoteService: remoteServiceOf(undefined) };
  let state: 'idle' | 'reading' | 'done' = describe === undefined ? 'done' : 'idle';
  return {
    cluster,
    fetch() {
      if (state !== 'idle') return;
      state = 'reading';
      describe!().then(
        (c) => {
          cluster.remoteService = remoteServiceOf(c.clusterId);
          state = 'done';
        },
        () => {
          state = 'idle';
        },
      );
    },
  };
}

/**
 * What the wrappers of one Kafka client share: the conventions of the fleet's Spring Boot line, the client
 * families, the cluster the client talks to (its id, fetched once through the admin client and cached, names the
 * remote service of every span), the client library's version, and the listeners to remove at close.
 */
import { installedVersion } from '../core/supported-versions.js';
import { eventsOf } from './client-events.js';
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
  /** While the cluster id is being read: a promise that settles when it is known or after a short wait. */
  clusterPending(): Promise<void> | undefined;
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
  const kafkajs = eventsOf(client) !== undefined;
  return installedVersion(kafkajs ? 'kafkajs' : '@confluentinc/kafka-javascript') ?? 'unknown';
}

/** How long a send waits for the cluster id being read (once per client; Spring's template blocks on it). */
const CLUSTER_WAIT_MS = 2_000;

/**
 * A cluster whose id is read by `describe` (once it succeeds); `Apache Kafka` until then, as Spring. While the id
 * is being read, `pending()` gives a promise that settles when it is known or after CLUSTER_WAIT_MS, whichever
 * comes first: sends wait for it, as Spring's KafkaTemplate asks its admin for the cluster id before the first
 * record, so even the first span names the cluster.
 */
export function clusterOf(describe: (() => Promise<{ clusterId?: string }>) | undefined): {
  cluster: ClusterInfo;
  fetch: () => void;
  pending: () => Promise<void> | undefined;
} {
  const cluster: ClusterInfo = { remoteService: remoteServiceOf(undefined) };
  let state: 'idle' | 'reading' | 'done' = describe === undefined ? 'done' : 'idle';
  let reading: Promise<void> | undefined;
  return {
    cluster,
    fetch() {
      if (state !== 'idle') return;
      state = 'reading';
      const read = describe!().then(
        (c) => {
          cluster.remoteService = remoteServiceOf(c.clusterId);
          state = 'done';
        },
        () => {
          state = 'idle';
        },
      );
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLUSTER_WAIT_MS);
        timer.unref();
      });
      reading = Promise.race([read, waited]).finally(() => {
        clearTimeout(timer);
        reading = undefined;
      });
    },
    pending: () => reading,
  };
}

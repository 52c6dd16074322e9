/**
 * The Kafka client families that Spring binds from the Java client (Micrometer's KafkaClientMetrics, names
 * `kafka.<group>.<metric>` with `-metrics` dropped), rebuilt for Node clients under the same Prometheus names and
 * the labels `{client_id, kafka_version, spring_id}` (+ `topic` where Java has it):
 *
 *   wrapper (any client)        records/bytes consumed and sent, send errors     counters + 30 s windowed rates
 *                               (per-topic totals are plain numbers read at scrape, as Micrometer's FunctionCounters
 *                               read the Java client's: a consumed record costs two additions, not a series lookup)
 *   kafkajs instrumentation     REQUEST (Fetch, OffsetCommit, Produce, all)      fetch/commit/request latency avg/max,
 *   events (consumer.events.*,                                                  totals, outgoing bytes, connections
 *   producer.events.*)          GROUP_JOIN, HEARTBEAT, CONNECT, DISCONNECT       assigned partitions, rebalances …
 *   admin offsets (lag.ts)      high watermark − committed offset                records_lag, records_lag_max
 *
 * Windowed values (`*_avg`, `*_max`, `*_rate`) follow the Java client's sampled statistics: two samples of 30 s,
 * NaN for avg/max while no value fell in the window, 0 for rates. Latencies are in milliseconds, as Java's.
 *
 * Everything is bounded: at most MAX_CLIENTS clients and MAX_TOPICS topics per client; what does not fit is not
 * recorded and counted in `nodemeter_kafka_series_denied_total`. Gauges are registered once per registry and read
 * every client's state at scrape time, so a client added later shows without a registration of its own.
 */
import type { Counter, CounterChild } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';
import type { MeterRegistry } from '../metrics/registry.js';

export const MAX_CLIENTS = 1_000;
export const MAX_TOPICS = 1_000;
const WINDOW_MS = 30_000;

/** Kafka's SampledStat with two 30 s samples: avg, max and rate over the last 30–60 s. */
export class WindowedStat {
  readonly #start = [0, 0];
  readonly #sum = [0, 0];
  readonly #count = [0, 0];
  readonly #max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  #cur = 0;

  constructor(readonly now: () => number = Date.now) {}

  record(value: number): void {
    this.recordAt(value, this.now());
  }

  /** record() at a time already read (several stats of one event share one clock read). */
  recordAt(value: number, t: number): void {
    let i = this.#cur;
    if (this.#count[i] === 0 && this.#start[i] === 0) this.#start[i] = t;
    else if (t - (this.#start[i] as number) >= WINDOW_MS) {
      i = this.#cur = 1 - i;
      this.#reset(i, t);
    }
    this.#sum[i] = (this.#sum[i] as number) + value;
    this.#count[i] = (this.#count[i] as number) + 1;
    if (value > (this.#max[i] as number)) this.#max[i] = value;
  }

  #reset(i: number, start: number): void {
    this.#start[i] = start;
    this.#sum[i] = 0;
    this.#count[i] = 0;
    this.#max[i] = Number.NEGATIVE_INFINITY;
  }

  /** Samples older than two windows no longer count. */
  #purge(t: number): void {
    for (let i = 0; i < 2; i++) if (this.#count[i] !== 0 && t - (this.#start[i] as number) >= 2 * WINDOW_MS) this.#reset(i, 0);
  }

  avg(): number {
    this.#purge(this.now());
    const n = (this.#count[0] as number) + (this.#count[1] as number);
    return n === 0 ? Number.NaN : ((this.#sum[0] as number) + (this.#sum[1] as number)) / n;
  }

  max(): number {
    this.#purge(this.now());
    const m = Math.max(this.#max[0] as number, this.#max[1] as number);
    return m === Number.NEGATIVE_INFINITY ? Number.NaN : m;
  }

  /** Sum of the recorded values per second (records, bytes). */
  rate(): number {
    return this.#perSecond(this.#sum);
  }

  /** Recordings per second (requests, when each records its latency). */
  countRate(): number {
    return this.#perSecond(this.#count);
  }

  /** The elapsed time counts at least one full window, as Kafka's Rate. */
  #perSecond(of: number[]): number {
    const t = this.now();
    this.#purge(t);
    const total = (of[0] as number) + (of[1] as number);
    if (total === 0) return 0;
    let oldest = t;
    for (let i = 0; i < 2; i++) if (this.#count[i] !== 0 && (this.#start[i] as number) < oldest) oldest = this.#start[i] as number;
    return total / (Math.max(t - oldest, WINDOW_MS) / 1000);
  }
}

/** The labels every client family has. */
export interface ClientLabels {
  readonly client_id: string;
  readonly kafka_version: string;
  readonly spring_id: string;
}

type TopicLabels = ClientLabels & { readonly topic: string } & Readonly<Record<string, string>>;

/**
 * The per-topic totals of one label set. Clients with the same labels (two consumers of one client id) share it, as
 * they would share a counter series.
 */
interface TopicTotals {
  readonly kind: 'consumer' | 'producer';
  readonly labels: TopicLabels;
  records: number;
  bytes: number;
  errors: number;
}

interface TopicState {
  readonly labels: TopicLabels;
  readonly totals: TopicTotals;
  readonly recordRate: WindowedStat;
  readonly byteRate: WindowedStat;
}

/** One instrumented consumer's or producer's state. */
export class ClientState {
  readonly topics = new Map<string, TopicState>();
  readonly fetchLatency = new WindowedStat();
  readonly commitLatency = new WindowedStat();
  readonly requestLatency = new WindowedStat();
  readonly rebalanceLatency = new WindowedStat();
  readonly sendRate = new WindowedStat();
  readonly brokers = new Set<string>();
  assignedPartitions = 0;
  connected = false;

  constructor(
    readonly kind: 'consumer' | 'producer',
    readonly labels: ClientLabels,
    readonly counters: Record<string, CounterChild>,
  ) {}
}

type CounterName = 'fetch' | 'commit' | 'rebalance' | 'heartbeat' | 'request' | 'outgoingBytes' | 'send' | 'sendErrors';

/** The client families of one registry. */
export class KafkaClientMetrics {
  readonly #registry: MeterRegistry;
  readonly #clients = new Set<ClientState>();
  readonly #denied: Counter;
  readonly #counters = new Map<string, Counter>();
  /** Per-topic totals by label set, read by the per-topic counter families at scrape (kept after remove()). */
  readonly #totals = new Map<string, TopicTotals>();

  constructor(registry: MeterRegistry) {
    this.#registry = registry;
    this.#denied = registry.counter('nodemeter.kafka.series.denied', {
      description: 'Kafka client series not recorded because a bound (clients, topics per client) was reached',
    });
    this.#registerGauges();
    this.#registerTopicCounters();
  }

  #registerTopicCounters(): void {
    const labelNames = ['client_id', 'kafka_version', 'spring_id', 'topic'];
    const family = (kind: 'consumer' | 'producer', name: string, description: string, value: (t: TopicTotals) => number): void => {
      this.#registry.functionCounter(name, {
        description,
        labelNames,
        read: (emit) => {
          for (const t of this.#totals.values()) if (t.kind === kind) emit(value(t), t.labels);
        },
      });
    };
    family('consumer', 'kafka.consumer.fetch.manager.records.consumed', 'The total number of records consumed', (t) => t.records);
    family('consumer', 'kafka.consumer.fetch.manager.bytes.consumed', 'The total number of bytes consumed', (t) => t.bytes);
    family('producer', 'kafka.producer.topic.record.send', 'The total number of records sent for a topic', (t) => t.records);
    family('producer', 'kafka.producer.topic.byte', 'The total number of bytes sent for a topic', (t) => t.bytes);
    // At 0 from the topic's first send, as the Kafka client's per-topic sensor.
    family('producer', 'kafka.producer.topic.record.error', 'The total number of record sends that resulted in errors for a topic', (t) => t.errors);
  }

  #counter(name: string, description: string): Counter {
    let c = this.#counters.get(name);
    if (c === undefined) {
      c = this.#registry.counter(name, {
        description,
        labelNames: ['client_id', 'kafka_version', 'spring_id'],
      });
      this.#counters.set(name, c);
    }
    return c;
  }

  /** A new client's state, or undefined past MAX_CLIENTS (counted). */
  client(kind: 'consumer' | 'producer', labels: ClientLabels): ClientState | undefined {
    if (this.#clients.size >= MAX_CLIENTS) {
      this.#denied.inc();
      return undefined;
    }
    const counters: Partial<Record<CounterName, CounterChild>> = {};
    const add = (key: CounterName, name: string, description: string): void => {
      counters[key] = this.#counter(name, description).child({ ...labels });
    };
    if (kind === 'consumer') {
      add('fetch', 'kafka.consumer.fetch.manager.fetch', 'The total number of fetch requests');
      add('commit', 'kafka.consumer.coordinator.commit', 'The total number of commit calls');
      add('rebalance', 'kafka.consumer.coordinator.rebalance', 'The total number of rebalance events (group joins)');
      add('heartbeat', 'kafka.consumer.coordinator.heartbeat', 'The total number of heartbeats');
      add('request', 'kafka.consumer.request', 'The total number of requests sent');
      add('outgoingBytes', 'kafka.consumer.outgoing.byte', 'The total number of outgoing bytes sent to all servers');
    } else {
      add('send', 'kafka.producer.record.send', 'The total number of records sent');
      add('sendErrors', 'kafka.producer.record.error', 'The total number of record sends that resulted in errors');
      // The Kafka client registers its error counters with the producer, so Java shows them at 0 from the start;
      // alerts on `increase(...) > 0` need the series before the first error.
      counters.sendErrors!.inc(0);
      add('request', 'kafka.producer.request', 'The total number of requests sent');
      add('outgoingBytes', 'kafka.producer.outgoing.byte', 'The total number of outgoing bytes sent to all servers');
    }
    const state = new ClientState(kind, labels, counters as Record<string, CounterChild>);
    this.#clients.add(state);
    return state;
  }

  /** Forgets a client (its series stay until the next scrape resets the gauges; counters keep their totals). */
  remove(state: ClientState): void {
    this.#clients.delete(state);
  }

  /** The per-topic state of a client, or undefined past MAX_TOPICS (counted). */
  topic(state: ClientState, topic: string): TopicState | undefined {
    let t = state.topics.get(topic);
    if (t !== undefined) return t;
    if (state.topics.size >= MAX_TOPICS) {
      this.#denied.inc();
      return undefined;
    }
    const labels: TopicLabels = { ...state.labels, topic };
    const key = `${state.kind}\u0000${labels.client_id}\u0000${labels.kafka_version}\u0000${labels.spring_id}\u0000${topic}`;
    let totals = this.#totals.get(key);
    if (totals === undefined) {
      totals = { kind: state.kind, labels, records: 0, bytes: 0, errors: 0 };
      this.#totals.set(key, totals);
    }
    t = { labels, totals, recordRate: new WindowedStat(), byteRate: new WindowedStat() };
    state.topics.set(topic, t);
    return t;
  }

  /** Records of one topic consumed or sent (`bytes`: keys and values). */
  records(state: ClientState, topic: string, count: number, bytes: number): void {
    const t = state.topics.get(topic) ?? this.topic(state, topic);
    if (t === undefined) return;
    t.totals.records += count;
    t.totals.bytes += bytes;
    const now = t.recordRate.now();
    t.recordRate.recordAt(count, now);
    t.byteRate.recordAt(bytes, now);
    if (state.kind === 'producer') {
      state.counters.send?.inc(count);
      state.sendRate.recordAt(count, now);
    }
  }

  /** Records of one topic whose send failed. */
  sendErrors(state: ClientState, topic: string, count: number): void {
    state.counters.sendErrors?.inc(count);
    const t = this.topic(state, topic);
    if (t !== undefined) t.totals.errors += count;
  }

  #registerGauges(): void {
    const base = ['client_id', 'kafka_version', 'spring_id'];
    const withTopic = [...base, 'topic'];
    const gauge = (name: string, description: string, labelNames: string[], read: (g: Gauge) => void): void => {
      this.#registry.gauge(name, {
        description,
        labelNames,
        collect: (g) => {
          g.reset();
          read(g);
        },
      });
    };
    const perClient = (kind: 'consumer' | 'producer', name: string, description: string, value: (s: ClientState) => number): void =>
      gauge(name, description, base, (g) => {
        for (const s of this.#clients) if (s.kind === kind) g.set({ ...s.labels }, value(s));
      });
    const perTopic = (kind: 'consumer' | 'producer', name: string, description: string, value: (t: TopicState) => number): void =>
      gauge(name, description, withTopic, (g) => {
        for (const s of this.#clients) if (s.kind === kind) for (const t of s.topics.values()) g.set({ ...t.labels }, value(t));
      });

    perTopic('consumer', 'kafka.consumer.fetch.manager.records.consumed.rate', 'The average number of records consumed per second', (t) => t.recordRate.rate());
    perTopic('consumer', 'kafka.consumer.fetch.manager.bytes.consumed.rate', 'The average number of bytes consumed per second', (t) => t.byteRate.rate());
    perClient('consumer', 'kafka.consumer.fetch.manager.fetch.rate', 'The number of fetch requests per second', (s) => s.fetchLatency.countRate());
    perClient('consumer', 'kafka.consumer.fetch.manager.fetch.latency.avg', 'The average time taken for a fetch request', (s) => s.fetchLatency.avg());
    perClient('consumer', 'kafka.consumer.fetch.manager.fetch.latency.max', 'The max time taken for any fetch request', (s) => s.fetchLatency.max());
    perClient('consumer', 'kafka.consumer.coordinator.commit.rate', 'The number of commit calls per second', (s) => s.commitLatency.countRate());
    perClient('consumer', 'kafka.consumer.coordinator.commit.latency.avg', 'The average time taken for a commit request', (s) => s.commitLatency.avg());
    perClient('consumer', 'kafka.consumer.coordinator.commit.latency.max', 'The max time taken for a commit request', (s) => s.commitLatency.max());
    perClient('consumer', 'kafka.consumer.coordinator.rebalance.latency.avg', 'The average time taken for a group to complete a successful rebalance', (s) => s.rebalanceLatency.avg());
    perClient('consumer', 'kafka.consumer.coordinator.rebalance.latency.max', 'The max time taken for a group to complete a successful rebalance', (s) => s.rebalanceLatency.max());
    perClient('consumer', 'kafka.consumer.coordinator.assigned.partitions', 'The number of partitions currently assigned to this consumer', (s) => s.assignedPartitions);
    perClient('consumer', 'kafka.consumer.connection.count', 'The current number of active connections', (s) => (s.connected ? s.brokers.size : 0));
    perClient('producer', 'kafka.producer.record.send.rate', 'The average number of records sent per second', (s) => s.sendRate.rate());
    perClient('producer', 'kafka.producer.request.latency.avg', 'The average request latency in ms', (s) => s.requestLatency.avg());
    perClient('producer', 'kafka.producer.request.latency.max', 'The maximum request latency in ms', (s) => s.requestLatency.max());
    perClient('producer', 'kafka.producer.connection.count', 'The current number of active connections', (s) => (s.connected ? s.brokers.size : 0));
    perTopic('producer', 'kafka.producer.topic.record.send.rate', 'The average number of records sent per second for a topic', (t) => t.recordRate.rate());
    perTopic('producer', 'kafka.producer.topic.byte.rate', 'The average number of bytes sent per second for a topic', (t) => t.byteRate.rate());
  }
}

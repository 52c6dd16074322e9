/**
 * Consumer lag per client, topic and partition, computed from real offsets: the partition's high watermark minus
 * the group's committed offset (minus the low watermark when the group has committed nothing yet), read with each
 * client's admin at scrape time. Reads are cached for a second and bounded by a timeout, so scrapes never hammer
 * the brokers or hang on them; a failed read leaves the series out (Warnings.KAFKA_LAG_UNREADABLE, once) until the
 * next succeeds.
 *
 * Names and labels follow the Kafka client's metrics as Micrometer exposes them (topic/partition level):
 * `kafka_consumer_fetch_manager_records_lag{client_id,kafka_version,spring_id,topic,partition}` (current lag) and
 * `kafka_consumer_fetch_manager_records_lag_max` (the largest lag of the partition in the last read: the same read
 * as records_lag). Both gauges wait for the same read at scrape time, so both have their series on the first
 * scrape, with the current value (prom-client collects the families of a scrape concurrently; a value set in one
 * family's collect reaches another only at the next scrape).
 *
 * One monitor per instrumentation, fed by every instrumented client (each with its own admin): a gauge is
 * registered once, so one collect must see every client. Java has no `group` label (a Java consumer's client id is
 * unique); two groups of one Node client reading the same partition would make one series twice: the first group
 * read wins and the other is counted in nodemeter_kafka_series_denied_total.
 */
import { Warnings } from '../core/warnings.js';
import type { Counter } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';
import type { KafkaDeps } from './deps.js';
import type { KafkaAdminLike } from './types.js';

interface Tracked {
  clientId: string;
  kafkaVersion: string;
  topics: Set<string>;
}

/** One client: its admin and the groups its consumers joined. */
interface Source {
  admin: () => Promise<KafkaAdminLike>;
  groups: Map<string, Tracked>;
}

interface Row {
  labels: { client_id: string; kafka_version: string; spring_id: string; topic: string; partition: string };
  lag: number;
}

const MAX_TRACKED_TOPICS = 1_000;

export class LagMonitor {
  readonly #sources: Source[] = [];
  readonly #deps: KafkaDeps;
  readonly #denied: Counter;
  #rows: Row[] = [];
  #readAt = 0;
  #reading: Promise<void> | undefined;

  constructor(deps: KafkaDeps, readonly timeoutMs = 3_000) {
    this.#deps = deps;
    this.#denied = deps.registry.counter('nodemeter.kafka.series.denied', {
      description: 'Kafka client series not recorded because a bound (clients, topics per client) was reached',
    });
    const labelNames = ['client_id', 'kafka_version', 'spring_id', 'topic', 'partition'];
    deps.registry.gauge('kafka.consumer.fetch.manager.records.lag', {
      description: 'The latest lag of the partition',
      labelNames,
      collect: (g) => this.#collect(g),
    });
    deps.registry.gauge('kafka.consumer.fetch.manager.records.lag.max', {
      description: 'The max lag of the partition',
      labelNames,
      collect: (g) => this.#collect(g),
    });
  }

  /** A client whose consumers' lag is read with `admin`; returns its tracker. */
  source(admin: () => Promise<KafkaAdminLike>): (groupId: string, clientId: string, kafkaVersion: string, topics: readonly (string | RegExp)[]) => void {
    const source: Source = { admin, groups: new Map() };
    this.#sources.push(source);
    return (groupId, clientId, kafkaVersion, topics) => {
      let t = source.groups.get(groupId);
      if (!t) {
        t = { clientId, kafkaVersion, topics: new Set() };
        source.groups.set(groupId, t);
      }
      // Topics given as patterns have no fixed list; only named topics are followed.
      for (const topic of topics) {
        if (typeof topic !== 'string' || t.topics.has(topic)) continue;
        if (t.topics.size >= MAX_TRACKED_TOPICS) this.#denied.inc();
        else t.topics.add(topic);
      }
    };
  }

  /** Both gauges: wait for the one shared read (cached for a second), then set this gauge from its rows. */
  async #collect(g: Gauge): Promise<void> {
    if (!this.#sources.some((s) => s.groups.size > 0)) return;
    if (Date.now() - this.#readAt >= 1_000) {
      this.#reading ??= this.#read().finally(() => {
        this.#reading = undefined;
      });
    }
    if (this.#reading) await this.#reading;
    g.reset();
    for (const row of this.#rows) g.set(row.labels, row.lag);
  }

  async #read(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const rows = await Promise.race([
        this.#query(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
          timer.unref();
        }),
      ]);
      this.#rows = rows;
    } catch (err) {
      this.#rows = [];
      this.#deps.diag.warn(Warnings.KAFKA_LAG_UNREADABLE, err);
    } finally {
      if (timer) clearTimeout(timer);
      this.#readAt = Date.now();
    }
  }

  async #query(): Promise<Row[]> {
    const rows: Row[] = [];
    const seen = new Set<string>();
    for (const source of this.#sources) {
      if (source.groups.size === 0) continue;
      const admin = await source.admin();
      for (const [group, tracked] of source.groups) {
        for (const topic of tracked.topics) {
          const [watermarks, committed] = await Promise.all([
            admin.fetchTopicOffsets(topic),
            admin.fetchOffsets({ groupId: group, topics: [topic] }),
          ]);
          const byPartition = new Map<number, string>();
          for (const t of committed) for (const p of t.partitions) byPartition.set(p.partition, p.offset);
          for (const w of watermarks) {
            const key = `${tracked.clientId}\u0000${topic}\u0000${w.partition}`;
            if (seen.has(key)) {
              this.#denied.inc();
              continue;
            }
            seen.add(key);
            const high = Number(w.high);
            const done = Number(byPartition.get(w.partition) ?? '-1');
            const lag = done >= 0 ? high - done : high - Number(w.low);
            rows.push({
              labels: {
                client_id: tracked.clientId,
                kafka_version: tracked.kafkaVersion,
                spring_id: `kafkaConsumerFactory.${tracked.clientId}`,
                topic,
                partition: String(w.partition),
              },
              lag: Math.max(0, lag),
            });
          }
        }
      }
    }
    return rows;
  }
}

/**
 * Consumer lag per group, topic and partition, computed from real offsets: the partition's high watermark minus
 * the group's committed offset (minus the low watermark when the group has committed nothing yet), read with the
 * kafkajs admin client at scrape time. Reads are cached for a second and bounded by a timeout, so scrapes never
 * hammer the brokers or hang on them; a failed read leaves the series out (Warnings.KAFKA_LAG_UNREADABLE, once) until the next succeeds.
 *
 * Names follow the Kafka client's metrics as Micrometer exposes them:
 * `kafka_consumer_fetch_manager_records_lag{client_id,group,topic,partition}` (current lag) and
 * `kafka_consumer_fetch_manager_records_lag_max` (the largest lag of the partition seen since the previous read).
 */
import { Warnings } from '../core/warnings.js';
import type { Gauge } from '../metrics/gauge.js';
import type { KafkaDeps } from './deps.js';
import type { KafkaAdminLike } from './types.js';

interface Tracked {
  clientId: string;
  topics: Set<string>;
}

interface Row {
  labels: { client_id: string; group: string; topic: string; partition: string };
  lag: number;
}

export class LagMonitor {
  readonly #groups = new Map<string, Tracked>();
  readonly #deps: KafkaDeps;
  readonly #admin: () => Promise<KafkaAdminLike>;
  readonly #lag: Gauge;
  readonly #lagMax: Gauge;
  #rows: Row[] = [];
  #readAt = 0;
  #reading: Promise<void> | undefined;

  constructor(admin: () => Promise<KafkaAdminLike>, deps: KafkaDeps, readonly timeoutMs = 3_000) {
    this.#admin = admin;
    this.#deps = deps;
    const labelNames = ['client_id', 'group', 'topic', 'partition'];
    this.#lag = deps.registry.gauge('kafka.consumer.fetch.manager.records.lag', {
      description: 'The latest lag of the partition: high watermark minus the group\'s committed offset',
      labelNames,
      collect: (g) => this.#collect(g),
    });
    this.#lagMax = deps.registry.gauge('kafka.consumer.fetch.manager.records.lag.max', {
      description: 'The max lag in terms of number of records for the partition',
      labelNames,
    });
  }

  track(groupId: string, clientId: string, topics: readonly (string | RegExp)[]): void {
    let t = this.#groups.get(groupId);
    if (!t) {
      t = { clientId, topics: new Set() };
      this.#groups.set(groupId, t);
    }
    // Topics given as patterns have no fixed list; only named topics are followed.
    for (const topic of topics) if (typeof topic === 'string') t.topics.add(topic);
  }

  async #collect(g: Gauge): Promise<void> {
    if (this.#groups.size === 0) return;
    if (Date.now() - this.#readAt >= 1_000) {
      this.#reading ??= this.#read().finally(() => {
        this.#reading = undefined;
      });
      await this.#reading;
    }
    g.reset();
    this.#lagMax.reset();
    for (const row of this.#rows) {
      g.set(row.labels, row.lag);
      this.#lagMax.set(row.labels, row.lag);
    }
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
    const admin = await this.#admin();
    const rows: Row[] = [];
    for (const [group, tracked] of this.#groups) {
      for (const topic of tracked.topics) {
        const [watermarks, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId: group, topics: [topic] }),
        ]);
        const byPartition = new Map<number, string>();
        for (const t of committed) for (const p of t.partitions) byPartition.set(p.partition, p.offset);
        for (const w of watermarks) {
          const high = Number(w.high);
          const done = Number(byPartition.get(w.partition) ?? '-1');
          const lag = done >= 0 ? high - done : high - Number(w.low);
          rows.push({
            labels: { client_id: tracked.clientId, group, topic, partition: String(w.partition) },
            lag: Math.max(0, lag),
          });
        }
      }
    }
    return rows;
  }
}

/**
 * kafkajs instrumentation events → the client families of client-metrics.ts. kafkajs emits them on every consumer
 * and producer (`consumer.on(consumer.events.REQUEST, …)`, which returns the function that removes the listener);
 * clients without them (@confluentinc/kafka-javascript's KafkaJS API has no instrumentation events) get only the
 * families the wrappers and the admin offsets give.
 *
 *   REQUEST           apiName Fetch → fetch total, rate, latency; OffsetCommit → commit total, rate, latency;
 *                     Produce → producer request latency; every request → request total, outgoing bytes, brokers
 *   GROUP_JOIN        rebalance total and latency, assigned partitions (from memberAssignment)
 *   HEARTBEAT         heartbeat total
 *   CONNECT/DISCONNECT/CRASH/STOP   connection count: brokers requested since connect, 0 when disconnected
 */
import type { ClientState } from './client-metrics.js';

/** Brokers remembered per client for the connection count (a cluster has few). */
const MAX_BROKERS = 1_000;

/** The instrumentation event API of a kafkajs consumer or producer. */
export interface InstrumentationEmitterLike {
  readonly events?: Readonly<Record<string, string>>;
  on?(event: string, listener: (event: { payload?: unknown }) => void): unknown;
}

interface RequestPayload {
  broker?: string;
  size?: number;
  duration?: number;
  apiName?: string;
}

interface GroupJoinPayload {
  duration?: number;
  memberAssignment?: Record<string, readonly unknown[]>;
}

/** Subscribes the client's events; returns the functions that unsubscribe (empty when the client has none). */
/**
 * The client's event names, or undefined: @confluentinc/kafka-javascript declares `events` and `on` for kafkajs
 * compatibility and throws "not implemented" from both.
 */
export function eventsOf(client: object): Readonly<Record<string, string>> | undefined {
  try {
    const events = (client as InstrumentationEmitterLike).events;
    return events !== null && typeof events === 'object' ? events : undefined;
  } catch {
    return undefined;
  }
}

export function bindClientEvents(client: InstrumentationEmitterLike, state: ClientState): (() => void)[] {
  const events = eventsOf(client);
  if (typeof client.on !== 'function' || events === undefined) return [];
  const offs: (() => void)[] = [];
  const on = (name: string | undefined, listener: (payload: Record<string, unknown>) => void): void => {
    if (typeof name !== 'string') return;
    let off: unknown;
    try {
      off = client.on!(name, (e) => {
      // Telemetry never breaks the client: a payload of an unexpected shape is ignored.
      try {
        const payload = e?.payload;
        if (payload !== null && typeof payload === 'object') listener(payload as Record<string, unknown>);
      } catch {
        // ignored
      }
      });
    } catch {
      return; // a client without this event
    }
    if (typeof off === 'function') offs.push(off as () => void);
  };

  on(events.REQUEST, (p) => {
    const r = p as RequestPayload;
    state.counters.request?.inc();
    if (typeof r.size === 'number') state.counters.outgoingBytes?.inc(r.size);
    if (typeof r.broker === 'string' && state.brokers.size < MAX_BROKERS) state.brokers.add(r.broker);
    state.connected = true;
    const ms = typeof r.duration === 'number' ? r.duration : undefined;
    if (ms === undefined) return;
    switch (r.apiName) {
      case 'Fetch':
        state.counters.fetch?.inc();
        state.fetchLatency.record(ms);
        break;
      case 'OffsetCommit':
        state.counters.commit?.inc();
        state.commitLatency.record(ms);
        break;
      case 'Produce':
        state.requestLatency.record(ms);
        break;
    }
  });
  on(events.GROUP_JOIN, (p) => {
    const j = p as GroupJoinPayload;
    state.counters.rebalance?.inc();
    if (typeof j.duration === 'number') state.rebalanceLatency.record(j.duration);
    let n = 0;
    if (j.memberAssignment && typeof j.memberAssignment === 'object') {
      for (const partitions of Object.values(j.memberAssignment)) if (Array.isArray(partitions)) n += partitions.length;
    }
    state.assignedPartitions = n;
  });
  on(events.HEARTBEAT, () => state.counters.heartbeat?.inc());
  on(events.CONNECT, () => {
    state.connected = true;
  });
  const disconnected = (): void => {
    state.connected = false;
    state.brokers.clear();
    state.assignedPartitions = 0;
  };
  on(events.DISCONNECT, disconnected);
  on(events.STOP, disconnected);
  on(events.CRASH, disconnected);
  return offs;
}

/**
 * Questions to every process of a node:cluster, over the IPC channel the cluster already has. Any process asks;
 * the primary fans the question out to every connected worker, answers it itself if it has a responder, and sends
 * the collected answers back:
 *
 *   worker W ──{gather}──► primary ──{ask}──► worker 1..N (W included) ──{answer}──► primary ──{gathered}──► W
 *
 * Every hop has a deadline: a worker that does not answer in `timeoutMs` is left out and counted (`missing`); a
 * primary that does not answer (it does not run nodemeter) leaves the asking worker with its own answer only
 * (`primaryMissing`). Messages are plain data; all carry `nodemeter: <kind>` so other IPC traffic is left alone.
 * Used for the aggregate scrape and by the health endpoint (`topic` 'health', health/cluster.ts).
 *
 * A worker whose primary never answered (the primary does not run nodemeter) stops asking after the first miss and
 * answers alone at once: a health probe must not wait for a primary that will never relay it. Under PM2's cluster
 * mode the primary is PM2's daemon, so the processes ask each other directly instead (peers.ts).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Cluster, Worker } from 'node:cluster';

/**
 * node:cluster, loaded only where it is in use: it brings child_process, dgram and net with it (about 3 MB of RSS on
 * Node 24), which a service that never forks should not pay at start. A cluster worker has it already (Node loads it
 * while starting a worker); a primary has it once the application forks, which is when the primary subscribes.
 */
let clusterModule: Cluster | undefined;
function loadCluster(): Cluster {
  return (clusterModule ??= process.getBuiltinModule('node:cluster') as unknown as Cluster);
}

/**
 * A cluster worker always has an IPC channel to its primary; a process without one is no worker, and is told so
 * without loading node:cluster. (Node removes NODE_UNIQUE_ID, its own marker, from a worker's environment at start.)
 */
function isClusterWorker(): boolean {
  return process.channel !== undefined && loadCluster().isWorker;
}

/** The answers of one gather. @since 0.3.0 */
export interface Gathered {
  /** One answer per process that answered (the primary's too if it has a responder). */
  readonly answers: unknown[];
  /** Workers that were asked and did not answer in time, or answered with an error. */
  readonly missing: number;
  /** True when a worker asked and the primary did not answer: `answers` holds this worker's own answer only. */
  readonly primaryMissing: boolean;
}

/** Asking every process of the cluster. @since 0.3.0 */
export interface ClusterExchange {
  /**
   * `worker` in a cluster worker; `peer` in a worker that asks its peers directly (PM2, peers.ts); `primary`
   * otherwise (a process without node:cluster is a primary without workers).
   */
  readonly role: 'primary' | 'worker' | 'peer';
  /** Answers `topic` in this process; returns the function that stops answering. */
  respond(topic: string, answer: (arg: unknown) => unknown): () => void;
  /**
   * Every process's answer to `topic`, each within `timeoutMs` (default: the exchange's; health allows for its
   * indicators' timeout). Never rejects.
   */
  gather(topic: string, arg?: unknown, timeoutMs?: number): Promise<Gathered>;
  /** The number of workers the primary knows (0 in a worker: it does not know). */
  workerCount(): number;
  /** Stops listening. */
  close(): void;
}

type Message =
  | { nodemeter: 'gather'; id: number; topic: string; arg: unknown; timeoutMs?: number }
  | { nodemeter: 'gathered'; id: number; answers: unknown[]; missing: number }
  | { nodemeter: 'ask'; id: number; topic: string; arg: unknown }
  | { nodemeter: 'answer'; id: number; ok: boolean; value: unknown };

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { nodemeter?: unknown }).nodemeter === 'string';
}

/** A pending question with a deadline; settles once. */
interface Pending {
  expect: number;
  answers: unknown[];
  missing: number;
  timer: NodeJS.Timeout;
  done: (answers: unknown[], missing: number) => void;
}

/** The exchange of this process. `timeoutMs`: the deadline of one worker's answer. */
export function createClusterExchange(timeoutMs: number): ClusterExchange {
  return isClusterWorker() ? new WorkerExchange(timeoutMs) : new PrimaryExchange(timeoutMs);
}

abstract class BaseExchange {
  protected readonly responders = new Map<string, (arg: unknown) => unknown>();
  protected nextId = 1;

  constructor(protected readonly timeoutMs: number) {}

  respond(topic: string, answer: (arg: unknown) => unknown): () => void {
    this.responders.set(topic, answer);
    return () => {
      if (this.responders.get(topic) === answer) this.responders.delete(topic);
    };
  }

  /** This process's own answer; undefined when it has no responder or the responder failed. */
  protected async own(topic: string, arg: unknown): Promise<{ ok: boolean; value: unknown } | undefined> {
    const responder = this.responders.get(topic);
    if (responder === undefined) return undefined;
    try {
      return { ok: true, value: await responder(arg) };
    } catch (err) {
      return { ok: false, value: err instanceof Error ? err.message : String(err) };
    }
  }
}

class PrimaryExchange extends BaseExchange implements ClusterExchange {
  readonly role = 'primary' as const;
  readonly #pending = new Map<number, Pending>();
  readonly #onMessage = (worker: Worker, message: unknown): void => {
    if (!isMessage(message)) return;
    if (message.nodemeter === 'answer') this.#answer(message.id, message.ok, message.value);
    else if (message.nodemeter === 'gather') {
      void this.gather(message.topic, message.arg, message.timeoutMs).then(({ answers, missing }) => {
        if (worker.isConnected()) worker.send({ nodemeter: 'gathered', id: message.id, answers, missing } satisfies Message);
      });
    }
  };

  /**
   * Node publishes every new child process on the `child_process` diagnostics channel, cluster.fork() included, so
   * the primary loads node:cluster and listens to its workers when the application first starts a child process
   * (the same turn as the fork, before the worker can ask anything). A process that starts a child process of
   * another kind loads node:cluster then, once. Workers forked before instrument() ran are not seen: the primary
   * instruments before it forks (docs/guides/exemplars-and-cluster.md).
   */
  readonly #onChildProcess = (): void => {
    unsubscribe('child_process', this.#onChildProcess);
    this.#listening = true;
    loadCluster().on('message', this.#onMessage);
  };
  #listening = false;

  constructor(timeoutMs: number) {
    super(timeoutMs);
    subscribe('child_process', this.#onChildProcess);
  }

  /** The workers the primary knows; none before it listens (no child process was started yet). */
  #workers(): Worker[] {
    if (!this.#listening) return [];
    return Object.values(loadCluster().workers ?? {}).filter((w): w is Worker => w !== undefined);
  }

  workerCount(): number {
    return this.#workers().length;
  }

  async gather(topic: string, arg?: unknown, timeoutMs = this.timeoutMs): Promise<Gathered> {
    const workers = this.#workers().filter((w) => w.isConnected());
    const [own, fromWorkers] = await Promise.all([this.own(topic, arg), this.#ask(workers, topic, arg, timeoutMs)]);
    const answers = own?.ok ? [own.value, ...fromWorkers.answers] : fromWorkers.answers;
    return { answers, missing: fromWorkers.missing, primaryMissing: false };
  }

  #ask(workers: Worker[], topic: string, arg: unknown, timeoutMs: number): Promise<{ answers: unknown[]; missing: number }> {
    if (workers.length === 0) return Promise.resolve({ answers: [], missing: 0 });
    return new Promise((resolve) => {
      const id = this.nextId++;
      const pending: Pending = {
        expect: workers.length,
        answers: [],
        missing: 0,
        // A hung worker must not hang the question: whoever has not answered by now is missing.
        timer: setTimeout(() => this.#settle(id, pending.expect - pending.answers.length - pending.missing), timeoutMs),
        done: (answers, missing) => resolve({ answers, missing }),
      };
      pending.timer.unref();
      this.#pending.set(id, pending);
      for (const w of workers) {
        try {
          w.send({ nodemeter: 'ask', id, topic, arg } satisfies Message);
        } catch {
          pending.missing++;
        }
      }
      this.#check(id);
    });
  }

  #answer(id: number, ok: boolean, value: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return; // late: already settled without it
    if (ok) pending.answers.push(value);
    else pending.missing++;
    this.#check(id);
  }

  #check(id: number): void {
    const pending = this.#pending.get(id);
    if (pending !== undefined && pending.answers.length + pending.missing >= pending.expect) this.#settle(id, 0);
  }

  #settle(id: number, late: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.done(pending.answers, pending.missing + late);
  }

  close(): void {
    unsubscribe('child_process', this.#onChildProcess);
    if (this.#listening) loadCluster().off('message', this.#onMessage);
    for (const id of [...this.#pending.keys()]) this.#settle(id, 0);
  }
}

class WorkerExchange extends BaseExchange implements ClusterExchange {
  readonly role = 'worker' as const;
  readonly #pending = new Map<number, { timer: NodeJS.Timeout; done: (m: { answers: unknown[]; missing: number } | undefined) => void }>();
  /** The primary has answered once: it runs nodemeter, a later miss is a busy primary, worth asking again. */
  #primaryAnswered = false;
  /** The primary missed its first question without ever answering: it does not run nodemeter; ask it no more. */
  #primaryAbsent = false;
  readonly #onMessage = (message: unknown): void => {
    if (!isMessage(message)) return;
    if (message.nodemeter === 'ask') {
      void this.own(message.topic, message.arg).then((own) => {
        // No responder here: an answer that does not count, so the primary need not wait for the deadline.
        const reply: Message = { nodemeter: 'answer', id: message.id, ok: own?.ok ?? false, value: own?.value ?? null };
        process.send?.(reply);
      });
    } else if (message.nodemeter === 'gathered') {
      this.#primaryAnswered = true;
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      pending.done({ answers: message.answers, missing: message.missing });
    }
  };

  constructor(timeoutMs: number) {
    super(timeoutMs);
    // A 'message' listener keeps the IPC channel referenced until close() (nm.shutdown()) removes it. Unreferencing
    // the channel instead would let a worker exit while node:cluster still waits for its listen() to be handed over.
    process.on('message', this.#onMessage);
  }

  workerCount(): number {
    return 0;
  }

  async gather(topic: string, arg?: unknown, timeoutMs = this.timeoutMs): Promise<Gathered> {
    const id = this.nextId++;
    const relayed = this.#primaryAbsent ? undefined : await new Promise<{ answers: unknown[]; missing: number } | undefined>((resolve) => {
      // The primary waits `timeoutMs` for the slowest worker; this allows for that plus the two hops.
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        if (!this.#primaryAnswered) this.#primaryAbsent = true;
        resolve(undefined);
      }, timeoutMs * 2);
      timer.unref();
      this.#pending.set(id, { timer, done: resolve });
      try {
        process.send?.({ nodemeter: 'gather', id, topic, arg, timeoutMs } satisfies Message);
      } catch {
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(undefined);
      }
    });
    if (relayed !== undefined) return { ...relayed, primaryMissing: false };
    const own = await this.own(topic, arg);
    return { answers: own?.ok ? [own.value] : [], missing: 0, primaryMissing: true };
  }

  close(): void {
    process.off('message', this.#onMessage);
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.done(undefined);
    }
  }
}

/**
 * Ordered shutdown, as Spring's context close: everything nodemeter starts registers a step here; shutdown() runs
 * the steps in three phases and never rejects. Things handed to us (pools, clients) are never closed.
 *
 *   refuse   readiness → REFUSING_TRAFFIC (the readiness probe answers 503), in the order added;
 *            then `readinessDrainMs` of waiting, so a load balancer can take the endpoint out first
 *   drain    stop taking work and let work in flight finish (HTTP servers, Kafka handlers), all at once,
 *            together bounded by `timeoutPerPhaseMs` (Spring's `spring.lifecycle.timeout-per-shutdown-phase`);
 *            at the deadline each step's AbortSignal fires (servers drop what is left) and it is abandoned
 *   close    flush spans and log lines, unbind binders, close the management server: last added first,
 *            each step bounded by `timeoutPerPhaseMs` (a hanging span flush must not starve the log flush;
 *            the flushes have tighter bounds of their own: exportTimeoutMs, flushTimeoutMs)
 *
 * A step that outlives its deadline is abandoned with Warnings.SHUTDOWN_SLOW; one that throws, with
 * Warnings.SHUTDOWN_FAILED; both are counted in `abandoned` / `failed`. Either way the next step runs.
 */
import type { Diag } from './diag.js';
import { Warnings } from './warnings.js';

/**
 * One shutdown step. Drain steps get an AbortSignal that fires at the phase deadline (the moment to force what
 * is left); most steps ignore it.
 * @since 0.1.0
 */
export type Closer = (deadline: AbortSignal) => void | Promise<void>;

/** The phase a step belongs to (see the file comment). @since 0.3.0 */
export type ShutdownPhase = 'refuse' | 'drain' | 'close';

/** How long each phase may take. @since 0.3.0 */
export interface ShutdownTimings {
  /** Bound of the drain phase, and of each close step. Default 30 000 (Spring's 30 s). */
  readonly timeoutPerPhaseMs: number;
  /** Wait between readiness turning 503 and the drain phase. Default 0 (as Spring). */
  readonly readinessDrainMs: number;
  /**
   * False is Spring's `server.shutdown=immediate`: the drain phase ends at once (its steps' AbortSignal fires
   * straight away, servers close every connection) and no readiness wait. Default true.
   */
  readonly graceful: boolean;
}

/** Why shutdown runs: an application's call, or a signal nodemeter handles. @since 0.3.0 */
export type ShutdownCause = 'call' | 'signal';

interface Step {
  readonly name: string;
  readonly run: Closer;
  readonly phase: ShutdownPhase;
  /** Only when the shutdown comes from a signal (closing the application's listeners). */
  readonly onSignalOnly: boolean;
}

const DEFAULT_TIMINGS: ShutdownTimings = { timeoutPerPhaseMs: 30_000, readinessDrainMs: 0, graceful: true };

export class Lifecycle {
  readonly #steps: Step[] = [];
  readonly #diag: Diag;
  readonly #timings: ShutdownTimings;
  #shutdown: Promise<void> | undefined;
  #cause: ShutdownCause | undefined;
  /** Steps abandoned at a deadline and steps that threw, for tests and diagnostics. */
  abandoned = 0;
  failed = 0;

  constructor(diag: Diag, timings: Partial<ShutdownTimings> = {}) {
    this.#diag = diag;
    this.#timings = { ...DEFAULT_TIMINGS, ...timings };
  }

  get isShutDown(): boolean {
    return this.#shutdown !== undefined;
  }

  /** What started the shutdown; undefined before it. */
  get cause(): ShutdownCause | undefined {
    return this.#cause;
  }

  /**
   * Adds a step to `phase` (default `close`). `onSignalOnly`: the step runs only when the shutdown comes from a
   * signal nodemeter handles (the application's own listeners are closed only when the process is ending).
   */
  add(name: string, close: Closer, phase: ShutdownPhase = 'close', onSignalOnly = false): void {
    this.#steps.push({ name, run: close, phase, onSignalOnly });
  }

  /** Runs every step once, phase by phase. The same promise is returned to every caller, whatever the cause. */
  shutdown(cause: ShutdownCause = 'call'): Promise<void> {
    if (this.#shutdown === undefined) {
      this.#cause = cause;
      this.#shutdown = this.#run(cause);
    }
    return this.#shutdown;
  }

  async #run(cause: ShutdownCause): Promise<void> {
    const steps = this.#steps.filter((s) => cause === 'signal' || !s.onSignalOnly);
    this.#steps.length = 0;
    const { timeoutPerPhaseMs, readinessDrainMs, graceful } = this.#timings;

    const refuse = steps.filter((s) => s.phase === 'refuse');
    for (const step of refuse) await this.#bounded([step], Date.now() + timeoutPerPhaseMs);
    if (graceful && refuse.length > 0 && readinessDrainMs > 0) await delay(readinessDrainMs);

    const drain = steps.filter((s) => s.phase === 'drain');
    if (drain.length > 0) await this.#bounded(drain, graceful ? Date.now() + timeoutPerPhaseMs : undefined);

    // Each close step has its own bound: a flush that hangs (Zipkin not answering) must not take the log
    // flush's time away.
    for (const step of steps.filter((s) => s.phase === 'close').reverse()) {
      await this.#bounded([step], Date.now() + timeoutPerPhaseMs);
    }
  }

  /**
   * Runs `steps` together until they settle or `deadline` passes; never rejects. Without a deadline the steps are
   * told to stop at once (their signal is already aborted) and are still waited for, up to the phase timeout.
   */
  async #bounded(steps: readonly Step[], until?: number): Promise<void> {
    const abort = new AbortController();
    if (until === undefined) abort.abort();
    const deadline = until ?? Date.now() + this.#timings.timeoutPerPhaseMs;
    const pending = new Set(steps);
    const runs = steps.map((step) =>
      Promise.resolve()
        .then(() => step.run(abort.signal))
        .then(
          () => {
            pending.delete(step);
          },
          (err: unknown) => {
            pending.delete(step);
            this.failed++;
            this.#diag.warn(Warnings.SHUTDOWN_FAILED, { step: step.name, error: err });
          },
        ),
    );
    let timer: NodeJS.Timeout | undefined;
    // Not unref'd: a step waiting on nothing that keeps the loop alive would otherwise let the process end, with
    // status 0, in the middle of the shutdown. The timer is cleared as soon as the steps settle.
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([Promise.all(runs), timedOut]);
    clearTimeout(timer);
    if (pending.size === 0) return;
    abort.abort();
    const timeoutMs = this.#timings.timeoutPerPhaseMs;
    for (const step of pending) {
      this.abandoned++;
      this.#diag.warn(Warnings.SHUTDOWN_SLOW, { step: step.name, timeoutMs });
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

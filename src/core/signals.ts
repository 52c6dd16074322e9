/**
 * The one place nodemeter listens to SIGTERM and SIGINT, without taking the signal away from the application.
 *
 * Listening to a signal replaces Node's default (terminate at once, losing what is buffered). So, at signal time:
 * - every registered shutdown runs (instrument()'s whole ordered shutdown; a standalone logging setup's flush);
 * - if some other listener handles the signal too (the application's own graceful shutdown), nodemeter only does
 *   its part and leaves the decision to exit to it;
 * - if nodemeter's is the only listener, then once its part is done it removes itself and raises the signal
 *   again, so the process ends exactly as it would have without nodemeter (killed by the signal, status 128+n).
 *
 * A second signal while the shutdown runs does not start another one. A second SIGINT (Ctrl-C twice) ends the
 * process at once, by the signal, unless the application listens to SIGINT itself; a second SIGTERM is ignored
 * (the shutdown already runs, bounded by its deadlines).
 *
 * Our listener is prepended, so it runs before the application's and still counts a listener added with
 * `process.once` (Node removes those before calling them). One process-wide state serves every setup (two setups
 * must not each take the other for the application's handler and wait for ever); it is shared across copies of
 * nodemeter through a Symbol.for key.
 */

type Runner = () => Promise<void>;

interface SignalState {
  readonly runners: Set<Runner>;
  readonly handlers: Map<NodeJS.Signals, (signal: NodeJS.Signals) => void>;
  running: Promise<void> | undefined;
}

// The key of the logging-only version of this file: a copy of that version and this one share one state.
const kState = Symbol.for('nodemeter.0.logging.signals');
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

function state(): SignalState {
  const g = globalThis as Record<symbol, SignalState | undefined>;
  const s = (g[kState] ??= { runners: new Set(), handlers: new Map(), running: undefined });
  // A state made by an older copy has no `running`; `runners` was called `flushers` there.
  (s as { runners?: Set<Runner> }).runners ??= (s as unknown as { flushers: Set<Runner> }).flushers;
  return s;
}

function uninstall(s: SignalState): void {
  for (const [signal, handler] of s.handlers) process.removeListener(signal, handler);
  s.handlers.clear();
}

function install(s: SignalState): void {
  for (const signal of SIGNALS) {
    const handler = (sig: NodeJS.Signals): void => {
      const others = process.listenerCount(sig) - 1;
      if (s.running !== undefined) {
        // Already shutting down: a second Ctrl-C forces the exit; anything else waits for the first shutdown.
        if (sig === 'SIGINT' && others === 0) {
          uninstall(s);
          process.kill(process.pid, sig);
        }
        return;
      }
      // A ref'd timer while the shutdown runs: its own timers are unref'd, and a process that ran out of work
      // half-way would otherwise end with status 0 instead of the signal's.
      const keepAlive = setInterval(() => {}, 1 << 30);
      s.running = Promise.allSettled([...s.runners].map((run) => run())).then(() => {
        clearInterval(keepAlive);
      });
      if (others > 0) return;
      void s.running.then(() => {
        uninstall(s);
        process.kill(process.pid, sig);
      });
    };
    s.handlers.set(signal, handler);
    process.prependListener(signal, handler);
  }
}

/**
 * Runs `run` on SIGTERM/SIGINT (once, whatever the number of signals) until the returned function is called.
 * @since 0.3.0
 */
export function onShutdownSignals(run: Runner): () => void {
  const s = state();
  s.runners.add(run);
  if (s.handlers.size === 0) install(s);
  return () => {
    s.runners.delete(run);
    if (s.runners.size === 0) {
      uninstall(s);
      s.running = undefined;
    }
  };
}

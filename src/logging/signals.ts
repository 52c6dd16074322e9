/**
 * Flush on SIGTERM and SIGINT without taking the signal away from the application.
 *
 * Listening to a signal replaces Node's default (terminate at once, losing what is buffered). So:
 * - if some other listener handles the signal too (the application's graceful shutdown), nodemeter only flushes and
 *   leaves the decision to exit to it;
 * - if nodemeter's is the only listener, it flushes (bounded by the flush timeout), removes itself and raises the
 *   signal again, so the process ends exactly as it would have without nodemeter (killed by the signal, status
 *   128+n); a second signal during the flush finds no listener and terminates at once.
 *
 * One process-wide handler serves every logging setup (two setups must not each take the other for the
 * application's handler and wait for ever); it is shared across copies of nodemeter through a Symbol.for key.
 */

type Flusher = () => Promise<void>;

interface SignalState {
  readonly flushers: Set<Flusher>;
  readonly handlers: Map<NodeJS.Signals, (signal: NodeJS.Signals) => void>;
}

const kState = Symbol.for('nodemeter.0.logging.signals');
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

function state(): SignalState {
  const g = globalThis as Record<symbol, SignalState | undefined>;
  return (g[kState] ??= { flushers: new Set(), handlers: new Map() });
}

function uninstall(s: SignalState): void {
  for (const [signal, handler] of s.handlers) process.removeListener(signal, handler);
  s.handlers.clear();
}

function install(s: SignalState): void {
  for (const signal of SIGNALS) {
    const handler = (sig: NodeJS.Signals): void => {
      const others = process.listenerCount(sig) - 1;
      const flushAll = () => Promise.allSettled([...s.flushers].map((f) => f())).then(() => undefined);
      if (others > 0) {
        void flushAll();
        return;
      }
      uninstall(s);
      void flushAll().then(() => process.kill(process.pid, sig));
    };
    s.handlers.set(signal, handler);
    process.on(signal, handler);
  }
}

/** Flushes with `flush` on SIGTERM/SIGINT until the returned function is called. */
export function flushOnSignals(flush: Flusher): () => void {
  const s = state();
  s.flushers.add(flush);
  if (s.handlers.size === 0) install(s);
  return () => {
    s.flushers.delete(flush);
    if (s.flushers.size === 0) uninstall(s);
  };
}

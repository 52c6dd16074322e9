/**
 * Levels of nodemeter's application logger and its named children, in Spring's terms, for `/actuator/loggers`:
 * `ROOT` is `nm.logger`; a child created with a `name` binding (`nm.logger.child({ name: 'orders' })`) is the logger
 * of that name. Levels are pino's, shown as Spring's: OFF (silent), ERROR (error and fatal), WARN, INFO, DEBUG, TRACE.
 *
 * Children without a level of their own follow their parent in pino (their level methods come from the parent's
 * prototype), so setting ROOT changes every such child live. Named children are found through pino's `onChild`
 * hook, set on the application logger when it is attached; children are held weakly and at most 10 000 are kept.
 * The shape is the actuator's `LoggerLevels` (structural: signals do not import integrations).
 */
import type { Logger } from 'pino';

/** Spring's level names. @since 0.3.0 */
export type SpringLevel = 'OFF' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
/** @since 0.3.0 */
export const SPRING_LEVELS: readonly SpringLevel[] = ['OFF', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'];

const TO_PINO: Record<SpringLevel, string> = { OFF: 'silent', ERROR: 'error', WARN: 'warn', INFO: 'info', DEBUG: 'debug', TRACE: 'trace' };
const MAX_CHILDREN = 10_000;

function toSpring(pinoLevel: string): SpringLevel {
  switch (pinoLevel) {
    case 'silent':
      return 'OFF';
    case 'fatal':
    case 'error':
      return 'ERROR';
    case 'warn':
      return 'WARN';
    case 'debug':
      return 'DEBUG';
    case 'trace':
      return 'TRACE';
    default:
      return 'INFO';
  }
}

/** One logger's levels. */
export interface LoggerLevelView {
  configuredLevel: SpringLevel | null;
  effectiveLevel: SpringLevel;
}

/** The levels of the application logger and its named children. */
export interface LoggingLevels {
  /** Hooks the application logger (idempotent); children created from then on are known by name. */
  attach(root: Logger): void;
  list(): Record<string, LoggerLevelView>;
  get(name: string): LoggerLevelView | undefined;
  /** Sets (or, with null, resets to the parent's) a level; false when no logger has that name. */
  set(name: string, level: SpringLevel | null): boolean;
}

type Hooked = Logger & { onChild: (child: Logger) => void };

/** @since 0.3.0 */
export function createLoggingLevels(getRoot: () => Logger): LoggingLevels {
  let root: Logger | undefined;
  let rootConfigured: SpringLevel | null = null;
  const children = new Set<WeakRef<Logger>>();
  const configured = new WeakMap<Logger, SpringLevel>();

  function attach(logger: Logger): void {
    if (root === logger) return;
    root = logger;
    const hooked = logger as Hooked;
    const previous = hooked.onChild;
    hooked.onChild = function onChild(this: Logger, child: Logger) {
      if (children.size >= MAX_CHILDREN) prune();
      if (children.size < MAX_CHILDREN && typeof nameOf(child) === 'string') children.add(new WeakRef(child));
      if (typeof previous === 'function') previous.call(this, child);
    };
  }

  function prune(): void {
    for (const ref of children) if (ref.deref() === undefined) children.delete(ref);
  }

  function nameOf(logger: Logger): unknown {
    try {
      return (logger.bindings() as { name?: unknown }).name;
    } catch {
      return undefined;
    }
  }

  function named(name: string): Logger[] {
    const out: Logger[] = [];
    for (const ref of children) {
      const child = ref.deref();
      if (child === undefined) children.delete(ref);
      else if (nameOf(child) === name) out.push(child);
    }
    return out;
  }

  function theRoot(): Logger {
    const r = getRoot();
    attach(r);
    return r;
  }

  function view(logger: Logger, configuredLevel: SpringLevel | null): LoggerLevelView {
    return { configuredLevel, effectiveLevel: toSpring(logger.level) };
  }

  return {
    attach,
    list() {
      const r = theRoot();
      const out: Record<string, LoggerLevelView> = { ROOT: view(r, rootConfigured) };
      const names = new Set<string>();
      for (const ref of children) {
        const child = ref.deref();
        const name = child && nameOf(child);
        if (typeof name === 'string') names.add(name);
      }
      for (const name of [...names].sort()) {
        const first = named(name)[0];
        if (first) out[name] = view(first, configured.get(first) ?? null);
      }
      return out;
    },
    get(name) {
      const r = theRoot();
      if (name === 'ROOT') return view(r, rootConfigured);
      const first = named(name)[0];
      return first ? view(first, configured.get(first) ?? null) : undefined;
    },
    set(name, level) {
      const r = theRoot();
      if (name === 'ROOT') {
        rootConfigured = level;
        // Resetting ROOT goes back to INFO, as a Spring application without a configured root level.
        r.level = TO_PINO[level ?? 'INFO'];
        // Named children without a configured level follow ROOT (one reset earlier carries a level of its own).
        for (const ref of children) {
          const child = ref.deref();
          if (child && !configured.has(child)) child.level = r.level;
        }
        return true;
      }
      const loggers = named(name);
      if (loggers.length === 0) return false;
      for (const child of loggers) {
        if (level === null) {
          configured.delete(child);
          const parent = Object.getPrototypeOf(child) as Logger;
          child.level = parent.level;
        } else {
          configured.set(child, level);
          child.level = TO_PINO[level];
        }
      }
      return true;
    },
  };
}

/**
 * The OpenTelemetry context an observation runs in: its parent context plus its span, what `trace.setSpan(parent,
 * span)` returns, for less. The API's own context (BaseContext) copies its parent's Map and makes three closures
 * per instance; one such context per request was the largest allocation of an unsampled request's tracing
 * (docs/benchmarks.md). This one is an object of three fields that asks its parent for every other key.
 *
 * It implements the API's `Context` interface, which is all the SDK, the propagators and the context manager use
 * (`getValue`, `setValue`, `deleteValue`). Values set on it later are entries of the same kind, each shadowing the
 * key it sets; `deleteValue` shadows the key with undefined, which `getValue` cannot tell from absent, as the API's
 * own. A span set on a context that holds a span replaces it in place of stacking, so nested observations keep the
 * chain as short as the keys set on the way (span, suppression, baggage), not as deep as the nesting.
 *
 * Once its span has ended, the context answers with a non-recording span of the same span context
 * ({@link releaseEndedSpan}): contexts outlive their observation (Node's timers, sockets and promises keep the
 * context they were created in), and the SDK's ended span, with its attributes, is no longer needed by anything
 * that reads the context later, which only asks for its ids.
 */
import type { Context, Span } from '@opentelemetry/api';

// trace.setSpan's key: the API's createContextKey(description) is Symbol.for(description).
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

class Entry implements Context {
  constructor(
    readonly parent: Context,
    readonly key: symbol,
    /** Written once more, by releaseEndedSpan. */
    public value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    let c: Context = this;
    while (c instanceof Entry) {
      if (c.key === key) return c.value;
      c = c.parent;
    }
    return c.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new Entry(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new Entry(this, key, undefined);
  }
}

/**
 * A context that holds nothing, as the API's `ROOT_CONTEXT`, whose values set later are entries: what a receiver's
 * propagators extract into (`trace.setSpanContext(root, …)` on the API's root copies its Map into a new context).
 */
class Empty implements Context {
  getValue(_key: symbol): unknown {
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new Entry(this, key, value);
  }

  deleteValue(_key: symbol): Context {
    return this;
  }
}

export const EMPTY_CONTEXT: Context = new Empty();

/** `parent` with `span` as its span: the same answers as `trace.setSpan(parent, span)`. */
export function contextWithSpan(parent: Context, span: Span): Context {
  const base = parent instanceof Entry && parent.key === SPAN_KEY ? parent.parent : parent;
  return new Entry(base, SPAN_KEY, span);
}

/**
 * After `span` has ended: `context`, made by {@link contextWithSpan} with that span, answers with `view` (a
 * non-recording span of the same span context) from now on. For one: an HTTP server's keep-alive socket re-arms its
 * idle timer as the response finishes, in the request's context, and keeps that timer (and so the context) until the
 * connection's next request (Node 24, 26) or next response (Node 22), or its end; a timer or pool created during a
 * request keeps it for as long as it lives. Without this, each kept the sampled request's whole span. Reads of the
 * context see the same ids and flags either way, and an ended span records nothing either way; only the span object
 * differs.
 */
export function releaseEndedSpan(context: Context | undefined, span: Span, view: Span): void {
  if (context instanceof Entry && context.value === span) context.value = view;
}

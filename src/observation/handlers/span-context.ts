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
 */
import type { Context, Span } from '@opentelemetry/api';

// trace.setSpan's key: the API's createContextKey(description) is Symbol.for(description).
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

class Entry implements Context {
  constructor(
    readonly parent: Context,
    readonly key: symbol,
    readonly value: unknown,
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

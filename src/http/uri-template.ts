/**
 * The URI template of outgoing calls, given by the caller (Spring's RestTemplate knows it from
 * `getForObject("/orders/{id}", …, id)`; a Node client does not). Shared by every copy of nodemeter through a
 * versioned global key, so a template set with one copy is seen by the observer of another.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const kStore = Symbol.for('nodemeter.0.uriTemplate');
const g = globalThis as unknown as Record<symbol, AsyncLocalStorage<string> | undefined>;
const store: AsyncLocalStorage<string> = (g[kStore] ??= new AsyncLocalStorage<string>());

/**
 * Runs `fn`; HTTP client calls started inside it get `uri` = `template` on `http_client_requests_seconds`.
 *
 * ```ts
 * const order = await withUriTemplate('/orders/{id}', () => fetch(`${base}/orders/${id}`));
 * ```
 * @since 0.1.0
 */
export function withUriTemplate<T>(template: string, fn: () => T): T {
  return store.run(template, fn);
}

/** The template of the current call, if any. */
export function currentUriTemplate(): string | undefined {
  return store.getStore();
}

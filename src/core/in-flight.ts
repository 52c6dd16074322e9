/**
 * The things in flight now (requests being served), added and removed once each: a plain array with swap-remove.
 *
 * Why not a Set: a Set that lives long sits in V8's old generation, and every rehash of its table (when adds have
 * used up the free slots, when deletes leave it a quarter full) allocates the new table in the old generation too.
 * With one add and one delete per request, that is old-generation garbage every few requests, which only a full
 * GC frees: two such Sets made half of what a metrics-only server promoted to old space under load, and about
 * 18 MB of its resident memory after 100,000 requests (docs/benchmarks.md, footprint). An array keeps its
 * backing store and only grows it to the concurrency; removal is a linear scan of the requests in flight, which
 * are few next to the work of serving one.
 */
export class InFlight<T> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
  }

  /** Removes one occurrence of `item` (order is not kept); nothing if it is not there. */
  delete(item: T): void {
    const items = this.#items;
    const i = items.indexOf(item);
    if (i < 0) return;
    const last = items.pop() as T;
    if (i < items.length) items[i] = last;
  }

  [Symbol.iterator](): IterableIterator<T> {
    // A copy: callers may remove items while they iterate (a response that ends during drain).
    return [...this.#items][Symbol.iterator]();
  }
}

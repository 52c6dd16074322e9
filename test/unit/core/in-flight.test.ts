import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../../../src/core/in-flight.js';

test('in-flight list: add, delete in any order, size and iteration', () => {
  const list = new InFlight<object>();
  const [a, b, c] = [{}, {}, {}];
  list.add(a);
  list.add(b);
  list.add(c);
  assert.equal(list.size, 3);
  list.delete(a);
  assert.deepEqual(new Set(list), new Set([b, c]));
  list.delete({}); // not there: nothing happens
  list.delete(c);
  assert.deepEqual([...list], [b]);
  list.delete(b);
  assert.equal(list.size, 0);
  assert.deepEqual([...list], []);
});

test('in-flight list: deleting while iterating does not skip an item', () => {
  const list = new InFlight<number>();
  for (let i = 0; i < 5; i++) list.add(i);
  const seen: number[] = [];
  for (const i of list) {
    seen.push(i);
    list.delete(i);
  }
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
  assert.equal(list.size, 0);
});

/**
 * Lower-case hex, the only case W3C Trace Context allows and the case B3 ids must have to be used (propagation.ts):
 * the check both propagators make on every id they read.
 *
 * A table rather than comparisons: the digits of random ids make the comparisons' branches unpredictable, and a
 * table read does not branch on the digit (a 55-character `traceparent` parsed, with its decoding from bytes,
 * medians of 5 rounds: 296 → 164 ns on Node 24, 300 → 147 on Node 26, 407 → 289 on Node 22; docs/benchmarks.md,
 * "Twelfth look").
 */

/** What `hexDigit` answers for any character that is not a lower-case hex digit: a bit no digit has. */
export const NOT_HEX = 16;

/** Each ASCII code's value as a lower-case hex digit, or NOT_HEX. */
const HEX_VALUE = new Uint8Array(128).fill(NOT_HEX);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;

/** 0–15 for a lower-case hex digit, NOT_HEX for any other character. */
export function hexDigit(c: number): number {
  return c < 128 ? (HEX_VALUE[c] as number) : NOT_HEX;
}

/**
 * The digits of `value` from `from` to `to` OR-ed together: NOT_HEX set when any character is not lower-case hex,
 * otherwise 0 only when every digit is 0.
 */
export function hexBits(value: string, from: number, to: number): number {
  let all = 0;
  for (let i = from; i < to; i++) all |= hexDigit(value.charCodeAt(i));
  return all;
}

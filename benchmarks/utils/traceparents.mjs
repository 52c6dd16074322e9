// W3C `traceparent` values as a fleet traced at Spring's default sends them: random ids, one in ten sampled (the
// first of every ten). Drawn before a measurement, so a benchmark pays for carrying and reading the header, not for
// making ids.
const HEX = '0123456789abcdef';

function hex(length) {
  let s = '';
  for (let i = 0; i < length; i++) s += HEX[(Math.random() * 16) | 0];
  return s;
}

/** `count` traceparents; the i-th is sampled when i % 10 === 0. */
export function traceparents(count = 1000) {
  return Array.from({ length: count }, (_, i) => `00-${hex(32)}-${hex(16)}-${i % 10 === 0 ? '01' : '00'}`);
}

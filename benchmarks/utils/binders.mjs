// `BENCH_BINDERS` for the benchmark servers: runtime binder names joined by `+` (a comma would split the VARIANTS
// list), or `none`, as nodemeter's `metrics.binders` (those on, every other off). An unknown name is an error.
export function chosenBinders(spec, names) {
  const on = spec === 'none' || spec === '' ? [] : spec.split('+');
  const unknown = on.filter((b) => !names.includes(b));
  if (unknown.length > 0) throw new Error(`BENCH_BINDERS: unknown binder ${unknown.join(', ')} (known: ${names.join(', ')}, or none)`);
  return Object.fromEntries(names.map((b) => [b, on.includes(b)]));
}

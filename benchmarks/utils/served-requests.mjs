// Observations of served requests through nodemeter's public observation registry, as the HTTP integration makes
// them (a ReceiverContext without trace headers, Spring's four tags and the URL), without framework or socket: what
// the observation and held-span benchmarks measure.
//
//   const observe = servedRequests(nodemeter, nm);   // nodemeter: the module; nm: what instrument() returned
//   observe(100_000);                                  // that many observations, one after the other
//
// `{ otherKinds: n }` (1–4): after every `every` (1,000) served requests, one observation of another kind (a
// client call, a produced record, a consumed record, an internal task, each its own context class and convention),
// in turn, as a service that also calls out, produces and consumes does. Counted per served request (the other
// observations' own cost, one in 1,000, is in the figure).
export function servedRequests(nodemeter, nm, { otherKinds = 0, every = 1000 } = {}) {
  const convention = {
    name: 'http.server.requests',
    lowCardinalityKeyNames: ['method', 'outcome', 'status', 'uri'],
    lowCardinalityValues(_c, out) {
      out[0] = 'GET';
      out[1] = 'SUCCESS';
      out[2] = '200';
      out[3] = '/orders/{id}';
    },
    highCardinality: () => ({ 'http.url': '/orders/1' }),
    contextualName: () => 'http get /orders/{id}',
  };
  const getter = { get: (c, k) => c[k], keys: (c) => Object.keys(c) };
  class Served extends nodemeter.ReceiverContext {
    kind = 'server';
    convention = convention;
  }
  const work = () => 1;
  if (otherKinds === 0) {
    return (count) => {
      for (let i = 0; i < count; i++) nm.observations.observe(new Served({}, getter), work);
    };
  }
  const others = ['client', 'producer', 'consumer', 'internal'].slice(0, otherKinds).map((kind, j) => {
    const other = {
      name: `other.${kind}`,
      lowCardinalityKeyNames: ['kind', 'outcome'],
      lowCardinalityValues(_c, out) {
        out[0] = kind;
        out[1] = 'SUCCESS';
      },
      highCardinality: () => ({}),
      contextualName: () => `${kind} ${j}`,
    };
    if (kind === 'client' || kind === 'producer') {
      const setter = { set: (c, k, v) => (c[k] = v) };
      class Sent extends nodemeter.SenderContext {
        kind = kind;
        convention = other;
      }
      return () => new Sent({}, setter);
    }
    class Received extends nodemeter.ReceiverContext {
      kind = kind;
      convention = other;
    }
    return () => new Received({}, getter);
  });
  let turn = 0;
  return (count) => {
    for (let i = 0; i < count; i++) {
      nm.observations.observe(new Served({}, getter), work);
      if (i % every === every - 1) nm.observations.observe((others[turn++ % others.length])(), work);
    }
  };
}

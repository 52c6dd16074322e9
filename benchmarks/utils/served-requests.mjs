// Observations of served requests through nodemeter's public observation registry, as the HTTP integration makes
// them (a ReceiverContext without trace headers, Spring's four tags and the URL), without framework or socket: what
// the observation and held-span benchmarks measure.
//
//   const observe = servedRequests(nodemeter, nm);   // nodemeter: the module; nm: what instrument() returned
//   observe(100_000);                                  // that many observations, one after the other
export function servedRequests(nodemeter, nm) {
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
  return (count) => {
    for (let i = 0; i < count; i++) nm.observations.observe(new Served({}, getter), work);
  };
}

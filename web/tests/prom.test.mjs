// Reading the host's /metrics (Prometheus text) without a browser: counters
// turned into per-second rates, histogram buckets into quantiles.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, ratesBy, quantile, total } from '../app/prom.js';

const before = parse(`
# HELP idempo_actions_total Actions by outcome.
# TYPE idempo_actions_total counter
idempo_actions_total{outcome="accepted"} 10
idempo_actions_total{outcome="rejected"} 2
# TYPE idempo_matches_active gauge
idempo_matches_active 1
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="0.01"} 5
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="0.1"} 10
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="+Inf"} 10
`);
const after = parse(`
idempo_actions_total{outcome="accepted"} 30
idempo_actions_total{outcome="rejected"} 2
idempo_matches_active 3
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="0.01"} 15
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="0.1"} 30
http_request_duration_seconds_bucket{route="/v1/matches/{id}/actions",method="POST",status="200",le="+Inf"} 30
`);

test('counters become rates per outcome, gauges are read as they are', () => {
  const rates = ratesBy(before, after, 10, 'idempo_actions_total', 'outcome');
  assert.equal(rates.get('accepted'), 2);
  assert.equal(rates.get('rejected'), 0);
  assert.equal(total(after, 'idempo_matches_active'), 3);
  assert.equal(total(after, 'no_such_metric'), null);
});

test('quantiles come from the buckets filled between two scrapes', () => {
  // 20 new requests: 10 under 10 ms, 10 between 10 and 100 ms.
  assert.equal(quantile(before, after, 'http_request_duration_seconds', 0.5), 0.01);
  assert.ok(Math.abs(quantile(before, after, 'http_request_duration_seconds', 0.95) - 0.091) < 1e-9);
  assert.equal(quantile(after, after, 'http_request_duration_seconds', 0.5), null, 'no request, no quantile');
});

test('a counter that went down was reset and counts from zero', () => {
  const reset = parse('idempo_actions_total{outcome="accepted"} 4\n');
  assert.equal(ratesBy(after, reset, 2, 'idempo_actions_total', 'outcome').get('accepted'), 2);
});

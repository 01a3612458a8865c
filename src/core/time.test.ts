import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffNanos, formatRfc3339 } from './time.js';

test('RFC 3339 with the capture precision', () => {
  assert.equal(formatRfc3339(1367526033, 491822000, 6), '2013-05-02T20:20:33.491822Z');
  assert.equal(formatRfc3339(1367526033, 491822123, 9), '2013-05-02T20:20:33.491822123Z');
  assert.equal(formatRfc3339(1367526033, 5000, 9), '2013-05-02T20:20:33.000005000Z');
  assert.equal(formatRfc3339(0, 0, 0), '1970-01-01T00:00:00Z');
  assert.equal(formatRfc3339(1367526033, 999999999, 3), '2013-05-02T20:20:33.999Z'); // truncates, never rounds up a second
});

test('RFC 3339 agrees with Date for whole milliseconds over many years', () => {
  for (let sec = 0; sec < 4102444800; sec += 86_399_937) {
    assert.equal(formatRfc3339(sec, 123_000_000, 3), new Date(sec * 1000 + 123).toISOString());
  }
});

test('durations in ns', () => {
  assert.equal(diffNanos(10, 5, 9, 999_999_999), 6);
  assert.equal(diffNanos(1367526045, 717615000, 1367526036, 616804000), 9_100_811_000);
});

import { describe, expect, it } from 'vitest';
import { countCalls, countingLogger, type CallCounts } from './counting.js';

describe('countCalls', () => {
  it('counts calls by method, and the close of a watch a call returned', async () => {
    const counts: CallCounts = new Map();
    let closed = 0;
    const target = {
      list: () => Promise.resolve([1]),
      watchThings: () => ({ close: () => Promise.resolve(void closed++) }),
    };
    const counted = countCalls(target, counts);
    await counted.list();
    await counted.list();
    const w = counted.watchThings();
    await w.close();
    await w.close(); // idempotent: counted once
    expect(Object.fromEntries(counts)).toEqual({ list: 2, watchThings: 1, 'watchThings.close': 1 });
    expect(closed).toBe(2);
  });
});

describe('countingLogger', () => {
  it('counts warnings and errors by message, one key for every machine ID', () => {
    const counts: CallCounts = new Map();
    const log = countingLogger(counts);
    log.info({}, 'not counted');
    log.warn({}, 'machine session lost; registering again');
    log.error({ err: new RangeError('x') }, `machine ID ${'a'.repeat(32)} is already registered`);
    log.child({}).error({}, `machine ID ${'b'.repeat(32)} is already registered`);
    expect(Object.fromEntries(counts)).toEqual({
      'warn machine session lost; registering again': 1,
      'error machine ID <id> is already registered (RangeError)': 1,
      'error machine ID <id> is already registered': 1,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

const never = new Promise<never>(() => undefined);

describe('Semaphore', () => {
  it('grants up to its limit, then queues in order', async () => {
    const sem = new Semaphore(2);
    const r1 = await sem.acquire(never);
    await sem.acquire(never);
    const order: number[] = [];
    const third = sem.acquire(never).then((release) => (order.push(3), release));
    const fourth = sem.acquire(never).then((release) => (order.push(4), release));
    expect(sem.active).toBe(2);
    r1();
    r1(); // a second release is ignored
    (await third)();
    (await fourth)();
    expect(order).toEqual([3, 4]);
  });

  it('lets a waiter give up when its abort promise rejects', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire(never);
    let abort!: (err: Error) => void;
    const aborted = new Promise<never>((_, reject) => (abort = reject));
    aborted.catch(() => undefined);
    const waiting = sem.acquire(aborted);
    abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    release();
    expect(sem.active).toBe(0);
  });

  it('rejects a bad limit', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

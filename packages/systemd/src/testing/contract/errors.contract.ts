// Contract: failures are typed, retryable when retrying can help, and never a hang.
import { isFleetError } from '@fleet/runtime';
import { expect, it } from 'vitest';
import { SystemdError } from '../../errors.js';
import type { ContractContext } from './context.js';

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<SystemdError> {
  const err: unknown = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SystemdError);
  expect(isFleetError(err)).toBe(true);
  return err as SystemdError;
}

export function errorsContract(ctx: ContractContext): void {
  it('fails calls on an unavailable bus with a retryable error instead of hanging', async () => {
    const broken = await ctx.h().unavailable();
    const name = ctx.unit('unreachable');
    for (const call of [
      () => broken.start(name),
      () => broken.unitStates([name]),
      () => broken.daemonReload(),
      () => broken.link(name),
    ]) {
      const err = await failure(call());
      expect(err.retryable).toBe(true);
      expect(['SYSTEMD_UNAVAILABLE', 'SYSTEMD_TIMEOUT']).toContain(err.code);
    }
  });

  it('after close, every call fails with SYSTEMD_CLOSED (not retryable); close is idempotent', async () => {
    const { systemd } = ctx.h();
    await systemd.close();
    await systemd.close();
    const name = ctx.unit('closed');
    for (const call of [
      () => systemd.start(name),
      () => systemd.writeUnit(name, '[Service]\nExecStart=/bin/true\n'),
      () => systemd.unitStates([name]),
      () => systemd.listUnitFiles(),
    ]) {
      const err = await failure(call());
      expect(err).toMatchObject({ code: 'SYSTEMD_CLOSED', retryable: false });
    }
    // watch() is checked like every other call: closed first (even before a bad name), and
    // named by its operation.
    for (const names of [[name], ['no suffix']]) {
      const err = await failure(Promise.resolve().then(() => systemd.watch(names)));
      expect(err).toMatchObject({ code: 'SYSTEMD_CLOSED', operation: 'watch' });
    }
    const bad = await failure(systemd.start('no suffix'));
    expect(bad).toMatchObject({ code: 'SYSTEMD_CLOSED' });
  });
}

// A machine's session: one lease carrying its machine record and every unit state it
// publishes, so that when the machine dies all of it disappears in one revision.
import { encodeMachine, encodeUnitState } from '../codec.js';
import {
  InvalidInputError,
  LeaseExpiredError,
  MachineExistsError,
  SessionLostError,
} from '../errors.js';
import type { KvLease, KvOp, KvTxn, KvTxnResult } from '../kv/kv.js';
import type { MachineSession, RegisterOptions } from '../registry.js';
import type { MachineRecord, UnitStateInput } from '../types.js';
import type { Core } from './core.js';
import { checkMachineRecord, checkTtl, checkStoredUnitName, checkUnitState } from './validate.js';

/** A registered machine. */
export class Session implements MachineSession {
  private readonly controller = new AbortController();
  /** etcd refused a write for the lease: it no longer exists, there is nothing to revoke. */
  private expired = false;
  /** The unit states this session published (key to value): what a hand-over moves. */
  private readonly published = new Map<string, string>();

  constructor(
    private readonly core: Core,
    private readonly lease: KvLease,
    readonly machineId: string,
    readonly ttlSeconds: number,
  ) {
    // A lease lost before the session existed (between grant and here) must end it at once:
    // an abort listener added after the abort never runs.
    if (lease.lost.aborted) this.lose(lease.lost.reason);
    else lease.lost.addEventListener('abort', () => this.lose(lease.lost.reason), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get leaseId(): string {
    return this.lease.id.toString();
  }

  lastRenewedAt(): number {
    return this.lease.lastRenewedAt();
  }

  private lose(cause: unknown): void {
    if (this.controller.signal.aborted) return;
    this.lease.stopRenewing();
    this.controller.abort(new SessionLostError(this.machineId, { cause }));
  }

  private async run(txn: KvTxn): Promise<KvTxnResult> {
    if (this.signal.aborted)
      throw new SessionLostError(this.machineId, { cause: this.signal.reason });
    try {
      return await this.core.kv.txn(txn);
    } catch (err) {
      if (!(err instanceof LeaseExpiredError)) throw err;
      this.expired = true;
      this.lose(err);
      throw new SessionLostError(this.machineId, { cause: err });
    }
  }

  async update(record: MachineRecord): Promise<void> {
    checkMachineRecord(record);
    if (record.id !== this.machineId) {
      throw new InvalidInputError(
        `session of ${this.machineId} cannot update machine ${record.id}`,
      );
    }
    const key = this.core.keys.machine(this.machineId);
    const res = await this.run({
      compare: [{ key, target: 'lease', op: '==', value: this.lease.id }],
      success: [
        { type: 'put', key, value: encodeMachine(record, this.ttlSeconds), lease: this.lease.id },
      ],
      failure: [],
    });
    if (!res.succeeded) {
      const err = new SessionLostError(this.machineId);
      this.lose(err);
      throw err;
    }
  }

  async publishUnitState(state: UnitStateInput): Promise<void> {
    await this.publishUnitStates([state]);
  }

  async publishUnitStates(states: readonly UnitStateInput[]): Promise<void> {
    for (const state of states) checkUnitState(state);
    const puts = states.map((state): KvOp => ({
      type: 'put',
      key: this.core.keys.state(state.unit, this.machineId),
      value: encodeUnitState(this.machineId, state),
      lease: this.lease.id,
    }));
    const per = this.core.limits.maxOpsPerTxn;
    for (let i = 0; i < puts.length; i += per) {
      const chunk = puts.slice(i, i + per);
      await this.run({ compare: [], success: chunk, failure: [] });
      for (const op of chunk) if (op.type === 'put') this.published.set(op.key, op.value);
    }
  }

  async removeUnitState(unit: string): Promise<void> {
    const key = this.core.keys.state(checkStoredUnitName(unit), this.machineId);
    if (this.signal.aborted) return;
    this.published.delete(key);
    await this.core.kv.txn({
      compare: [{ key, target: 'lease', op: '==', value: this.lease.id }],
      success: [{ type: 'delete', key }],
      failure: [],
    });
  }

  /**
   * Ends the session and revokes its lease, even if the session was already lost locally
   * (renewals given up on, record taken over, released): only a lease etcd is known to have
   * dropped is not revoked. The revoke is retried; if etcd cannot be told, this rejects and a
   * later call tries again.
   */
  async close(): Promise<void> {
    if (!this.signal.aborted)
      this.controller.abort(new SessionLostError(this.machineId, { cause: 'closed' }));
    if (this.expired || this.lease.gone()) return;
    await this.lease.revoke();
  }

  /** Stops keepalives and nothing else, as if the process froze (fault tests). */
  stall(): void {
    this.lease.stopRenewing();
  }

  /** Stops keepalives without revoking (registry close): the session expires after its TTL. */
  detach(reason = 'the registry was closed'): void {
    this.lease.stopRenewing();
    this.lose(reason);
  }

  release(): void {
    this.detach('released');
  }

  async handOver(ttlIn: number): Promise<string> {
    const ttl = checkTtl(ttlIn);
    const key = this.core.keys.machine(this.machineId);
    const held = { key, target: 'lease', op: '==', value: this.lease.id } as const;
    const read = await this.run({
      compare: [held],
      success: [{ type: 'range', key }],
      failure: [],
    });
    const rec = read.results[0]?.type === 'range' ? read.results[0].kvs[0] : undefined;
    if (!read.succeeded || rec === undefined) throw this.lostKey();
    const next = await this.core.kv.grantLease(ttl);
    next.stopRenewing(); // nobody renews it: the successor takes it over, or it expires
    const moves: KvOp[] = [...this.published].map(([k, value]) => ({
      type: 'put',
      key: k,
      value,
      lease: next.id,
    }));
    const per = this.core.limits.maxOpsPerTxn;
    try {
      const put = { type: 'put', key, value: rec.value, lease: next.id } as const;
      const first = await this.run({
        compare: [held],
        success: [put, ...moves.slice(0, per - 1)],
        failure: [{ type: 'range', key }],
      });
      const now = first.results[0]?.type === 'range' ? first.results[0].kvs[0] : undefined;
      if (!first.succeeded && !(first.retried && now?.lease === next.id)) throw this.lostKey();
      // States beyond the first transaction: one that fails goes with the old lease.
      for (let i = per - 1; i < moves.length; i += per)
        await this.core.kv
          .txn({ compare: [], success: moves.slice(i, i + per), failure: [] })
          .catch(() => undefined);
    } catch (err) {
      await next.revoke().catch(() => undefined);
      throw err;
    }
    // Over before the old lease goes, so that its end reads as a hand-over, not a lost heartbeat.
    this.lease.stopRenewing();
    this.controller.abort(new SessionLostError(this.machineId, { cause: 'handed over' }));
    await this.lease.revoke().catch(() => undefined);
    return next.id.toString();
  }

  private lostKey(): SessionLostError {
    const err = new SessionLostError(this.machineId);
    this.lose(err);
    return err;
  }
}

/** See {@link Registry.registerMachine}. */
export async function registerMachine(
  core: Core,
  record: MachineRecord,
  ttlIn: number,
  opts: RegisterOptions = {},
): Promise<Session> {
  checkMachineRecord(record);
  const ttl = checkTtl(ttlIn);
  const replacing = opts.replacing === undefined ? undefined : checkLeaseId(opts.replacing);
  const lease = await core.kv.grantLease(ttl);
  const key = core.keys.machine(record.id);
  let ok = false;
  let tookOver = false;
  try {
    const put = { type: 'put', key, value: encodeMachine(record, ttl), lease: lease.id } as const;
    const res = await core.kv.txn({
      compare: [{ key, target: 'create', op: '==', value: 0n }],
      success: [put],
      failure: [{ type: 'range', key }],
    });
    const found = res.results[0];
    const rec = found?.type === 'range' ? found.kvs[0] : undefined;
    // A retried request that won shows our own lease on the key.
    ok = res.succeeded || (res.retried && rec?.lease === lease.id);
    if (!ok && replacing !== undefined && rec?.lease === replacing) {
      // The key is still held by this machine's previous session, whose process is gone: take
      // it over in place (the machine never disappears), then end the old lease.
      const swap = await core.kv.txn({
        compare: [{ key, target: 'lease', op: '==', value: replacing }],
        success: [put],
        failure: [{ type: 'range', key }],
      });
      const now = swap.results[0];
      ok =
        swap.succeeded || (swap.retried && now?.type === 'range' && now.kvs[0]?.lease === lease.id);
      tookOver = ok;
    }
  } finally {
    if (!ok) await lease.revoke().catch(() => undefined);
  }
  if (!ok) throw new MachineExistsError(record.id);
  // The old lease still carries the unit states the dead process published: they go with it.
  if (tookOver && replacing !== undefined)
    await core.kv.revokeLease(replacing).catch(() => undefined);
  return new Session(core, lease, record.id, ttl);
}

function checkLeaseId(id: string): bigint {
  if (!/^[1-9][0-9]{0,18}$/.test(id)) {
    throw new InvalidInputError(
      `invalid lease ID ${JSON.stringify(id)}: expected a positive integer`,
    );
  }
  return BigInt(id);
}

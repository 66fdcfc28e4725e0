// Translation between the Kv port's transactions and etcd's raw gRPC messages.
import { CompareResult, CompareTarget } from 'etcd3';
import type {
  ICompare,
  IKeyValue,
  IRequestOp,
  IResponseOp,
  ITxnRequest,
  ITxnResponse,
} from 'etcd3';
import type { KvCompare, KvOp, KvOpResult, KvRecord, KvTxn } from './kv.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

const RESULTS: Record<KvCompare['op'], CompareResult> = {
  '==': CompareResult.Equal,
  '!=': CompareResult.NotEqual,
  '<': CompareResult.Less,
  '>': CompareResult.Greater,
};

function toCompare(c: KvCompare): ICompare {
  const base: ICompare = {
    key: b(c.key),
    result: RESULTS[c.op],
    ...(c.rangeEnd === undefined ? {} : { range_end: b(c.rangeEnd) }),
  };
  switch (c.target) {
    case 'create':
      return { ...base, target: CompareTarget.Create, create_revision: c.value.toString() };
    case 'mod':
      return { ...base, target: CompareTarget.Mod, mod_revision: c.value.toString() };
    case 'version':
      return { ...base, target: CompareTarget.Version, version: c.value.toString() };
    case 'lease':
      return { ...base, target: CompareTarget.Lease, lease: c.value.toString() };
    case 'value':
      return { ...base, target: CompareTarget.Value, value: b(c.value) };
  }
}

function toRequestOp(op: KvOp): IRequestOp {
  switch (op.type) {
    case 'put':
      return {
        request_put: {
          key: b(op.key),
          value: b(op.value),
          ...(op.lease === undefined ? {} : { lease: op.lease.toString() }),
        },
      };
    case 'delete':
      return {
        request_delete_range: {
          key: b(op.key),
          ...(op.rangeEnd === undefined ? {} : { range_end: b(op.rangeEnd) }),
        },
      };
    case 'range':
      return {
        request_range: {
          key: b(op.key),
          ...(op.rangeEnd === undefined ? {} : { range_end: b(op.rangeEnd) }),
        },
      };
    case 'txn':
      return { request_txn: toTxnRequest(op.txn) };
  }
}

/** A Kv transaction as etcd's TxnRequest. */
export function toTxnRequest(txn: KvTxn): ITxnRequest {
  return {
    compare: txn.compare.map(toCompare),
    success: txn.success.map(toRequestOp),
    failure: txn.failure.map(toRequestOp),
  };
}

/**
 * The same read-only transaction served by the answering member alone (etcd serves a txn whose
 * every op is a serializable range locally, without its leader); `undefined` if it writes.
 */
export function toSerializableTxn(req: ITxnRequest): ITxnRequest | undefined {
  const ops = [...(req.success ?? []), ...(req.failure ?? [])];
  if (!ops.every((op) => op.request_range !== undefined)) return undefined;
  const local = (op: IRequestOp): IRequestOp => ({
    request_range: { ...op.request_range, serializable: true },
  });
  return {
    ...req,
    success: (req.success ?? []).map(local),
    failure: (req.failure ?? []).map(local),
  };
}

/** etcd's KeyValue as a KvRecord. */
export function fromKeyValue(kv: IKeyValue): KvRecord {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: BigInt(kv.create_revision),
    modRevision: BigInt(kv.mod_revision),
    version: BigInt(kv.version),
    lease: BigInt(kv.lease || '0'),
  };
}

function fromResponseOp(r: IResponseOp): KvOpResult {
  if (r.response_range) return { type: 'range', kvs: r.response_range.kvs.map(fromKeyValue) };
  if (r.response_put) return { type: 'put' };
  if (r.response_delete_range) {
    return { type: 'delete', deleted: Number(r.response_delete_range.deleted) };
  }
  if (r.response_txn) {
    return {
      type: 'txn',
      succeeded: r.response_txn.succeeded,
      results: r.response_txn.responses.map(fromResponseOp),
    };
  }
  throw new Error('etcd returned a transaction response of an unknown kind');
}

/** etcd's TxnResponse results, in op order. */
export function fromTxnResponses(res: ITxnResponse): KvOpResult[] {
  return res.responses.map(fromResponseOp);
}

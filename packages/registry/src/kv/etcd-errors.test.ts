// etcd3's errors as the registry reports them: etcd's refusals of who we are are one
// AccessDeniedError line, never retried; a member that is down stays a retryable outage.
import {
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  GRPCUnavailableError,
} from 'etcd3';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, UnavailableError } from '../errors.js';
import { isTransient, mapEtcdError, tlsProblem } from './etcd-errors.js';

const ctx = { endpoints: ['https://10.0.0.1:2379'] };
const unavailable = (lastError: string) =>
  new GRPCUnavailableError(
    `14 UNAVAILABLE: No connection established. Last error: ${lastError}. Resolution note: `,
  );

describe("etcd's refusals", () => {
  it.each([
    [
      unavailable(
        '80CC8148947F0000:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 42 (2026-12-04T02:45:03.508Z)',
      ),
      'etcd at https://10.0.0.1:2379 refused the TLS handshake (sslv3 alert bad certificate): it needs a client certificate signed by a CA it trusts (etcd_certfile, etcd_keyfile)',
    ],
    [
      unavailable('Error: unable to verify the first certificate'),
      'etcd at https://10.0.0.1:2379 presented a certificate that is not trusted (unable to verify the first certificate): etcd_cafile must name the CA that signed it',
    ],
    [
      // Node 24's wording adds a hint about the system's CA store.
      unavailable(
        'Error: unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
      ),
      'etcd at https://10.0.0.1:2379 presented a certificate that is not trusted (unable to verify the first certificate): etcd_cafile must name the CA that signed it',
    ],
    [
      new EtcdAuthenticationFailedError(
        '3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password',
      ),
      'etcd at https://10.0.0.1:2379 refused the login: invalid user name or password (etcd_username, etcd_password)',
    ],
    [
      new EtcdPermissionDeniedError('7 PERMISSION_DENIED: etcdserver: permission denied'),
      "etcd denied the request: permission denied (the etcd user, or the certificate's CN, needs a role with readwrite on fleet's key prefix)",
    ],
  ])('%s is one AccessDeniedError line, not retried', (err, line) => {
    expect(isTransient(err)).toBe(false);
    const mapped = mapEtcdError(err, ctx);
    expect(mapped).toBeInstanceOf(AccessDeniedError);
    expect(mapped.retryable).toBe(false);
    expect(mapped.message).toBe(line);
  });

  it('keeps a member that does not answer a retryable outage', () => {
    const err = unavailable('Failed to connect (2026-12-04T02:46:29.590Z)');
    expect(tlsProblem(err)).toBeUndefined();
    expect(isTransient(err)).toBe(true);
    expect(mapEtcdError(err, ctx)).toBeInstanceOf(UnavailableError);
  });
});

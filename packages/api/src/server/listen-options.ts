// The options of FleetServer.listen, and what it reports about its listeners.
import type { Clock, Logger } from '@fleet/runtime';
import type { ActivationOptions } from './activation.js';
import type { ApiLimits } from './limits.js';
import type { ReadSocketOptions, TcpListenOptions, TlsOptions } from './listener.js';

/** Options of FleetServer.listen. */
export interface ListenOptions {
  /**
   * The unix socket to create. Default: `/run/fleet.sock` (DEFAULT_SOCKET_PATH), unless systemd passed
   * sockets (then systemd owns the socket). `null`: no unix socket. Its callers are admin.
   */
  readonly unixSocket?: string | null;
  /** Mode of the unix socket file (default 0o660). */
  readonly socketMode?: number;
  /** A read-only unix socket beside the admin one. */
  readonly readSocket?: ReadSocketOptions;
  /** TCP (and TLS) listeners, in addition to the others. */
  readonly tcp?: readonly TcpListenOptions[];
  /** Where to look for systemd's sockets; `false` to ignore them. Default: this process. */
  readonly activation?: ActivationOptions | false;
  /** TLS of the TCP sockets systemd passes (unix ones stay plain). Default: plain. */
  readonly activatedTls?: TlsOptions;
  /**
   * Serve plain HTTP on addresses other than loopback (the operator's explicit opt-in, warned
   * about at start and every hour). Otherwise such a listener throws InsecureListenerError.
   */
  readonly insecure?: boolean;
  /** Host names plain listeners answer to besides loopback, `localhost` and IP addresses. */
  readonly allowedHosts?: readonly string[];
  readonly logger?: Logger;
  /** Timers of the hourly warning and of the TLS failure counts (default: the system clock). */
  readonly clock?: Clock;
  /** Connections, requests in flight, timeouts (default DEFAULT_LIMITS). */
  readonly limits?: Partial<ApiLimits>;
}

/** Where a listener listens. */
export type ListenerAddress =
  | { readonly kind: 'unix'; readonly path: string; readonly role?: 'read' }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls: boolean }
  | {
      readonly kind: 'activated';
      readonly fd: number;
      readonly address: string;
      readonly tls: boolean;
      /** `read`: a plain socket its unit named `read` (FileDescriptorName=read). */
      readonly role?: 'read';
    };

// Loading the API client. @fleet/api's main entry also loads its server side, and with it the
// registry, etcd3, gRPC and protobufjs: about 0.7 s of startup for every API command. fleetctl
// uses the "./client" subpath, which imports nothing but node built-ins and zod; it is loaded
// only by commands that talk to the cluster (version and help start without it).
import type * as Client from '@fleet/api/client';

/** What fleetctl uses of @fleet/api at run time. */
export type ApiModule = Pick<typeof Client, 'FleetClient' | 'parseEndpoint'>;

/** The API client module. */
export async function loadApi(): Promise<ApiModule> {
  return import('@fleet/api/client');
}

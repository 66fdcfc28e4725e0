// "The API does not schedule" is a type fact: routes see the registry only as a UnitStore. The
// `@ts-expect-error` lines below are compiled by `tsc -b`: if a route could call one of these
// methods, the directive would be unused and the build would fail.
import type { UnitStore } from '@fleet/registry';
import { describe, expectTypeOf, it } from 'vitest';
import type { ApiOptions } from './api.js';
import type { RouteDeps } from './route.js';

/** Never called: it only has to compile. */
export function routesCannot(deps: RouteDeps): void {
  // @ts-expect-error the engine's fenced write
  void deps.registry.applyAssignments('1', []);
  // @ts-expect-error the engine's fenced reason
  void deps.registry.setUnitReason('1', 'a.service', null);
  // @ts-expect-error engine leadership
  void deps.registry.campaign('api', 10);
  // @ts-expect-error an agent's registration
  void deps.registry.registerMachine({}, 10);
  // @ts-expect-error the engine's and agents' change streams
  deps.registry.watchAssignments(undefined, '0', () => {});
  // @ts-expect-error the engine's fenced rollout writes
  void deps.registry.putRollout('1', {} as never);
  // @ts-expect-error the engine's fenced rollback
  void deps.registry.revertUnits('1', []);
}

describe('the API role of the registry', () => {
  it('is what routes and createApi are typed with', () => {
    expectTypeOf<RouteDeps['registry']>().toEqualTypeOf<UnitStore>();
    expectTypeOf<ApiOptions['registry']>().toEqualTypeOf<UnitStore>();
    expectTypeOf<UnitStore>().not.toHaveProperty('applyAssignments');
    expectTypeOf<UnitStore>().not.toHaveProperty('campaign');
    expectTypeOf<UnitStore>().not.toHaveProperty('registerMachine');
    expectTypeOf<UnitStore>().toHaveProperty('getPlacement');
  });
});

// What the client accepts from the server, checked at the boundary. Lenient where fleet's Go
// server was terse (omitted empty lists and fields), strict about types.
import { z } from 'zod';
import type { WireMachine, WireUnit, WireUnitState } from './wire.js';

const desiredState = z.enum(['inactive', 'loaded', 'launched']);

const option = z.object({ section: z.string(), name: z.string(), value: z.string() });

/** A unit. */
export const unitSchema: z.ZodType<WireUnit> = z
  .object({
    name: z.string(),
    options: z.array(option).default([]),
    desiredState,
    currentState: desiredState.optional(),
    machineID: z.string().optional(),
    reason: z.string().optional(),
  })
  .transform((u): WireUnit => {
    const { currentState, machineID, reason, ...rest } = u;
    return {
      ...rest,
      ...(currentState === undefined ? {} : { currentState }),
      ...(machineID === undefined || machineID === '' ? {} : { machineID }),
      ...(reason === undefined || reason === '' ? {} : { reason }),
    };
  });

/** A unit state. */
export const unitStateSchema: z.ZodType<WireUnitState> = z
  .object({
    name: z.string(),
    hash: z.string(),
    machineID: z.string(),
    systemdLoadState: z.string().optional(),
    systemdActiveState: z.string().optional(),
    systemdSubState: z.string().optional(),
    // Newer fleetds only; anything else (an older or foreign server) is as if it were absent.
    state: z.unknown().optional(),
  })
  .transform((s): WireUnitState => {
    const { systemdLoadState, systemdActiveState, systemdSubState, state, ...rest } = s;
    return {
      ...rest,
      ...(systemdLoadState === undefined ? {} : { systemdLoadState }),
      ...(systemdActiveState === undefined ? {} : { systemdActiveState }),
      ...(systemdSubState === undefined ? {} : { systemdSubState }),
      ...(state === 'loaded' || state === 'launched' ? { state } : {}),
    };
  });

/**
 * A JSON object of strings, every key kept: zod's record drops a key named `__proto__`, which
 * fleet's metadata keys (`[A-Za-z0-9_.-]+`) allow and the server stores.
 */
const stringRecord = z
  .custom<Record<string, string>>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.values(v).every((x) => typeof x === 'string'),
    { message: 'expected an object of strings' },
  )
  .transform((v) => Object.fromEntries(Object.entries(v)) as Record<string, string>);

/** A machine. */
export const machineSchema: z.ZodType<WireMachine> = z
  .object({
    id: z.string(),
    primaryIP: z.string().optional(),
    metadata: stringRecord.optional(),
    // Not in fleet's API: a fleet server leaves them out, and malformed ones are dropped.
    health: z.record(z.string(), z.unknown()).optional().catch(undefined),
    version: z.string().optional().catch(undefined),
  })
  .transform((m): WireMachine => ({
    id: m.id,
    ...(m.primaryIP === undefined ? {} : { primaryIP: m.primaryIP }),
    ...(m.metadata === undefined ? {} : { metadata: m.metadata }),
    ...(m.health === undefined ? {} : { health: m.health }),
    ...(m.version === undefined ? {} : { version: m.version }),
  }));

const token = z.string().optional();

export const unitPageSchema = z.object({
  units: z.array(unitSchema).default([]),
  nextPageToken: token,
});
export const unitStatePageSchema = z.object({
  states: z.array(unitStateSchema).default([]),
  nextPageToken: token,
});
export const machinePageSchema = z.object({
  machines: z.array(machineSchema).default([]),
  nextPageToken: token,
});

/** fleet's error body, as far as it is there. */
export const errorSchema = z.object({
  error: z.object({ code: z.number().optional(), message: z.string().optional() }),
});

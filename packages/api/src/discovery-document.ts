// The API's Google-style discovery document (fleet's schema/v1.json), describing every resource
// this server answers under /fleet/v1, including the additive PATCH /machines, GET /state/<name>
// and the unit `reason` field. `$ENDPOINT` is left for the client to substitute, as in fleet.
const str = { type: 'string' } as const;
const states = { type: 'string', enum: ['inactive', 'loaded', 'launched'] } as const;
const pageToken = { nextPageToken: { type: 'string', location: 'query' } } as const;
const unitNameParam = {
  parameters: { unitName: { type: 'string', location: 'path', required: true } },
  parameterOrder: ['unitName'],
} as const;

function page(id: string, field: string, item: string) {
  return {
    id,
    type: 'object',
    properties: { [field]: { type: 'array', items: { $ref: item } }, nextPageToken: str },
  };
}

/** The discovery document served at `GET /fleet/v1/discovery` (and `/discovery.json`). */
export const DISCOVERY_DOCUMENT = {
  kind: 'discovery#restDescription',
  discoveryVersion: 'v1',
  id: 'fleet:v1',
  name: 'schema',
  version: 'v1',
  title: 'fleet API',
  description: 'Cluster-wide systemd unit scheduling: units, their states, and machines.',
  documentationLink: 'https://github.com/coreos/fleet/blob/master/Documentation/api-v1.md',
  protocol: 'rest',
  labels: [],
  baseUrl: '$ENDPOINT/fleet/v1/',
  basePath: '/fleet/v1/',
  rootUrl: '$ENDPOINT/',
  servicePath: 'fleet/v1/',
  batchPath: 'batch',
  parameters: {},
  auth: {},
  schemas: {
    Machine: {
      id: 'Machine',
      type: 'object',
      properties: {
        id: str,
        primaryIP: str,
        metadata: { type: 'object', properties: {}, additionalProperties: str },
      },
    },
    MachinePage: page('MachinePage', 'machines', 'Machine'),
    MachineMetadataOp: {
      id: 'MachineMetadataOp',
      type: 'object',
      properties: {
        op: { type: 'string', enum: ['add', 'replace', 'remove'] },
        path: { type: 'string', description: '/<machineID>/metadata/<key>' },
        value: {
          type: 'any',
          description: 'a string, or {"value": "<string>"}; required for add and replace',
        },
      },
    },
    UnitOption: {
      id: 'UnitOption',
      type: 'object',
      properties: { section: str, name: str, value: str },
    },
    Unit: {
      id: 'Unit',
      type: 'object',
      properties: {
        name: str,
        options: { type: 'array', items: { $ref: 'UnitOption' } },
        desiredState: states,
        currentState: states,
        machineID: str,
        reason: { type: 'string', description: 'why the scheduler placed the unit or waits' },
      },
    },
    UnitPage: page('UnitPage', 'units', 'Unit'),
    UnitState: {
      id: 'UnitState',
      type: 'object',
      properties: {
        name: str,
        hash: str,
        machineID: str,
        systemdLoadState: str,
        systemdActiveState: str,
        systemdSubState: str,
        state: str,
        health: {
          type: 'object',
          description: 'the unit health check result: status (passing|failing), output, checkedAt',
        },
      },
    },
    UnitStatePage: page('UnitStatePage', 'states', 'UnitState'),
  },
  resources: {
    Machines: {
      methods: {
        List: {
          id: 'fleet.Machine.List',
          description: 'Retrieve a page of Machine objects.',
          httpMethod: 'GET',
          path: 'machines',
          parameters: pageToken,
          response: { $ref: 'MachinePage' },
        },
        Patch: {
          id: 'fleet.Machine.Patch',
          description: 'Add, replace or remove dynamic machine metadata.',
          httpMethod: 'PATCH',
          path: 'machines',
          request: { type: 'array', items: { $ref: 'MachineMetadataOp' } },
        },
      },
    },
    Units: {
      methods: {
        List: {
          id: 'fleet.Unit.List',
          description: 'Retrieve a page of Unit objects.',
          httpMethod: 'GET',
          path: 'units',
          parameters: pageToken,
          response: { $ref: 'UnitPage' },
        },
        Get: {
          id: 'fleet.Unit.Get',
          description: 'Retrieve a single Unit object.',
          httpMethod: 'GET',
          path: 'units/{unitName}',
          ...unitNameParam,
          response: { $ref: 'Unit' },
        },
        Delete: {
          id: 'fleet.Unit.Delete',
          description: 'Delete the referenced Unit object.',
          httpMethod: 'DELETE',
          path: 'units/{unitName}',
          ...unitNameParam,
        },
        Set: {
          id: 'fleet.Unit.Set',
          description: 'Create or update a Unit.',
          httpMethod: 'PUT',
          path: 'units/{unitName}',
          ...unitNameParam,
          request: { $ref: 'Unit' },
        },
      },
    },
    UnitState: {
      methods: {
        List: {
          id: 'fleet.UnitState.List',
          description: 'Retrieve a page of UnitState objects.',
          httpMethod: 'GET',
          path: 'state',
          parameters: {
            ...pageToken,
            unitName: { type: 'string', location: 'query' },
            machineID: { type: 'string', location: 'query' },
          },
          response: { $ref: 'UnitStatePage' },
        },
        Get: {
          id: 'fleet.UnitState.Get',
          description: 'Retrieve the state of a unit on the first machine reporting it.',
          httpMethod: 'GET',
          path: 'state/{unitName}',
          ...unitNameParam,
          response: { $ref: 'UnitState' },
        },
      },
    },
  },
} as const;

// L1: text from the cluster never reaches the terminal with raw control characters: metadata,
// IPs, descriptions, states, reasons and unit contents are escaped in tables, cat and lines;
// JSON output keeps the exact values (JSON escapes them itself).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeControls } from '../output/escape.js';
import { Harness, M1 } from '../testing/harness.js';

const OSC52 = '\x1b]52;c;ZWNobyBwd25lZA==\x07';
const CLEAR = '\x1b[2J\x1b[1;1H';
const NASTY = `${OSC52}${CLEAR}fake\nline\x9b`;
/** Raw C0 (but tab and newline), DEL and C1 characters. */
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const SHOWN = '\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2J\\x1b[1;1Hfake\\x0aline\\x9b';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
  await h.machine({ id: M1.id, ip: `127.0.0.1${CLEAR}` }, { note: NASTY });
  await h.registry.createUnit({
    name: 'nasty.service',
    options: [
      { section: 'Unit', name: 'Description', value: NASTY },
      { section: 'Service', name: 'ExecStart', value: `/bin/echo ${OSC52}` },
    ],
    desiredState: 'launched',
  });
  await h.assign('nasty.service', M1.id);
  await h.publish('nasty.service', M1.id, {
    activeState: `active${OSC52}`,
    subState: `running${CLEAR}`,
    state: 'launched',
  });
  await h.reason('nasty.service', `placed because ${NASTY}`);
});
afterEach(() => h.close());

describe('terminal escapes', () => {
  it('escapes every control character except kept ones', () => {
    expect(escapeControls(NASTY)).toBe(SHOWN);
    expect(escapeControls('a\tb\nc\x00', '\t\n')).toBe('a\tb\nc\\x00');
    expect(escapeControls('plain ü text')).toBe('plain ü text');
  });

  it.each([
    ['list-machines', ['list-machines', '--full', '--fields', 'machine,ip,metadata']],
    ['list-unit-files', ['list-unit-files', '--fields', 'unit,desc,reason,state,target']],
    ['list-units', ['list-units', '--fields', 'unit,machine,active,sub']],
    ['cat', ['cat', 'nasty.service']],
  ])('%s prints no raw control character', async (_what, args) => {
    const r = await h.fleetctl(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW);
    expect(r.stdout).toMatch(/\\x1b/);
  });

  it('shows the escaped text in place of the value', async () => {
    const machines = await h.fleetctl(['list-machines', '--no-legend', '--full']);
    expect(machines.stdout).toBe(
      `${M1.id}\t127.0.0.1\\x1b[2J\\x1b[1;1H\tnote=${SHOWN}\tschedulable\n`,
    );
    const cat = await h.fleetctl(['cat', 'nasty.service']);
    expect(cat.stdout).toBe(
      `[Unit]\nDescription=${SHOWN}\n\n[Service]\nExecStart=/bin/echo \\x1b]52;c;ZWNobyBwd25lZA==\\x07\n`,
    );
  });

  it('escapes lines and errors too (start: a unit line with a machine legend)', async () => {
    await h.registry.setDesiredState('nasty.service', 'loaded');
    const r = await h.fleetctl(['start', '--block-attempts=1', 'nasty.service']);
    expect(r.stderr).toBe(
      'Error waiting for units: timed out waiting for unit nasty.service to report state launched (and systemd active): launched on c31e44e1.../127.0.0.1\\x1b[2J\\x1b[1;1H, systemd active\\x1b]52;c;ZWNobyBwd25lZA==\\x07 (running\\x1b[2J\\x1b[1;1H)\n',
    );
    const missing = await h.fleetctl(['status', `x${OSC52}.service`]);
    expect(missing.stderr).not.toMatch(RAW);
  });

  it('keeps the exact values in JSON', async () => {
    const r = await h.fleetctl(['list-machines', '--output', 'json', '--fields', 'metadata']);
    expect(JSON.parse(r.stdout)).toEqual([{ metadata: { note: NASTY } }]);
    expect(r.stdout).not.toMatch(RAW);
  });
});

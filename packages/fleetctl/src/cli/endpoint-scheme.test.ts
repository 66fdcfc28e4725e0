// An --endpoint written without a scheme (`host:port`, a socket path) gets one line naming the
// endpoint meant, and exit 1, whatever the command.
import { describe, expect, it } from 'vitest';
import { run } from './run.js';
import { Capture, input } from '../testing/streams.js';

async function fleetctl(args: string[]) {
  const stdout = new Capture(false);
  const stderr = new Capture(false);
  const code = await run(args, { stdin: input(''), stdout, stderr, env: {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('--endpoint without a scheme', () => {
  it.each([
    [
      ['--endpoint', '127.0.0.11:49153', 'list-units'],
      'Unable to initialize client: endpoint "127.0.0.11:49153" has no scheme; did you mean http://127.0.0.11:49153?\n',
    ],
    [
      ['--endpoint=localhost:4001', 'cat', 'a.service'],
      'Unable to initialize client: endpoint "localhost:4001" has no scheme; did you mean http://localhost:4001?\n',
    ],
  ])('%j: one line naming the fix, exit 1', async (args, line) => {
    expect(await fleetctl(args)).toEqual({ code: 1, stdout: '', stderr: line });
  });

  it('FLEETCTL_ENDPOINT too', async () => {
    const stdout = new Capture(false);
    const stderr = new Capture(false);
    const code = await run(['list-machines'], {
      stdin: input(''),
      stdout,
      stderr,
      env: { FLEETCTL_ENDPOINT: '/run/fleet.sock' },
    });
    expect(code).toBe(1);
    expect(stderr.text()).toMatch(/has no scheme; did you mean unix:\/\/\/run\/fleet\.sock\?\n$/);
  });
});

import { describe, expect, it } from 'vitest';
import { listenAfterTakeOver, TAKE_OVER_WAIT_MS } from './take-over.js';

/** An agent that registers `registerAfterMs` after start() (never if undefined), and a log. */
function fakeAgent(registerAfterMs: number | undefined) {
  const log: string[] = [];
  let registered = false;
  return {
    log,
    agent: {
      get registered() {
        return registered;
      },
      start() {
        log.push('start');
        if (registerAfterMs !== undefined)
          setTimeout(() => {
            registered = true;
            log.push('registered');
          }, registerAfterMs);
      },
      stop() {
        log.push('stop');
        return Promise.resolve();
      },
    },
  };
}
const sessions = (previous: string | undefined) => ({
  previous: (id: string) => Promise.resolve(id === 'm1' ? previous : undefined),
});

describe('listenAfterTakeOver', () => {
  it('without a previous session: listens at once and leaves the agent alone', async () => {
    const { agent, log } = fakeAgent(0);
    const got = await listenAfterTakeOver(agent, sessions(undefined), 'm1', () => {
      log.push('listen');
      return Promise.resolve('server');
    });
    expect(got).toBe('server');
    expect(log).toEqual(['listen']);
  });

  it('with a session to take over: starts the agent and listens once it is registered', async () => {
    const { agent, log } = fakeAgent(50);
    await listenAfterTakeOver(agent, sessions('lease-1'), 'm1', () => {
      log.push('listen');
      return Promise.resolve();
    });
    expect(log).toEqual(['start', 'registered', 'listen']);
  });

  it('listens anyway when the machine is not taken over in time', async () => {
    const { agent, log } = fakeAgent(undefined);
    await listenAfterTakeOver(agent, sessions('lease-1'), 'm1', () => {
      log.push('listen');
      return Promise.resolve();
    });
    expect(log).toEqual(['start', 'listen']);
  }, TAKE_OVER_WAIT_MS + 10_000);

  it('stops the agent it started when listening fails', async () => {
    const { agent, log } = fakeAgent(0);
    await expect(
      listenAfterTakeOver(agent, sessions('lease-1'), 'm1', () =>
        Promise.reject(new Error('cannot serve the API: EADDRINUSE')),
      ),
    ).rejects.toThrow('cannot serve the API: EADDRINUSE');
    expect(log).toEqual(['start', 'registered', 'stop']);
  });
});

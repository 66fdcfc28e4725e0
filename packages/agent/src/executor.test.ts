// The executor's own failures are catalogue errors: a load whose contents left the registry is a
// ContentsGoneError (AGENT_CONTENTS_GONE, not retryable), and it skips the unit's later tasks.
import { InMemoryRegistry } from '@fleet/registry';
import { isFleetError, isRetryable, ManualClock } from '@fleet/runtime';
import { FakeSystemd } from '@fleet/systemd';
import { describe, expect, it } from 'vitest';
import { ContentsGoneError } from './errors.js';
import { executeTasks } from './executor.js';

describe('executeTasks', () => {
  it('fails a load whose contents are gone with AGENT_CONTENTS_GONE and skips its start', async () => {
    const clock = new ManualClock();
    const registry = new InMemoryRegistry({ clock });
    const systemd = new FakeSystemd({ clock });
    const gone = 'f'.repeat(40);
    const out = await executeTasks(
      [
        { kind: 'load', unit: 'web.service', hash: gone, reason: 'test' },
        { kind: 'reload', reason: 'test' },
        { kind: 'start', unit: 'web.service', reason: 'test' },
      ],
      systemd,
      registry,
      { clock },
    );
    const err = out[0]?.error;
    expect(err).toBeInstanceOf(ContentsGoneError);
    expect(isFleetError(err) ? err.code : undefined).toBe('AGENT_CONTENTS_GONE');
    expect(isRetryable(err)).toBe(false);
    expect(String((err as Error).message)).toBe(
      `contents of web.service (${gone}) are gone from the registry`,
    );
    expect(out.slice(1).map((o) => [o.task.kind, o.error, o.skipped])).toEqual([
      ['reload', undefined, true], // systemd holds nothing changed: no daemon-reload
      ['start', undefined, true],
    ]);
    await systemd.close();
    await registry.close();
  });
});

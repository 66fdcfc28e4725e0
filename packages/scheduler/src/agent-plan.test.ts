import { describe, expect, it } from 'vitest';
import {
  AgentReason,
  adoptLaunched,
  planAgent,
  taskUnit,
  type AgentCurrent,
  type AgentDesired,
} from './agent-plan.js';

const want = (
  unit: string,
  desiredState: AgentDesired['desiredState'],
  hash = 'h1',
): AgentDesired => ({ unit, hash, desiredState });
const have = (unit: string, activeState: string, hash = 'h1'): AgentCurrent => ({
  unit,
  hash,
  activeState,
});
const plan = (desired: AgentDesired[], current: AgentCurrent[], launched: string[] = []) =>
  planAgent({ desired, current, launched: new Set(launched) }).map((t) =>
    `${t.kind} ${taskUnit(t) ?? ''}`.trim(),
  );

describe('planAgent', () => {
  it('plans nothing for a unit held off by a retry backoff, and unloads undesired units still', () => {
    const tasks = planAgent({
      desired: [want('refused.service', 'launched'), want('new.service', 'launched')],
      current: [have('refused.service', 'inactive'), have('old.service', 'active')],
      launched: new Set(),
      holdOff: new Set(['refused.service', 'new.service']),
    }).map((t) => `${t.kind} ${taskUnit(t) ?? ''}`.trim());
    expect(tasks).toEqual(['unload old.service', 'reload']);
  });

  it('loads and starts a new launched unit, with one daemon-reload before the start', () => {
    expect(plan([want('a.service', 'launched')], [])).toEqual([
      'load a.service',
      'reload',
      'start a.service',
    ]);
  });

  it('only loads a unit whose target is loaded', () => {
    expect(plan([want('a.service', 'loaded')], [])).toEqual(['load a.service', 'reload']);
  });

  it('unloads units not scheduled here or set to inactive', () => {
    const tasks = planAgent({
      desired: [want('b.service', 'inactive')],
      current: [have('a.service', 'active'), have('b.service', 'inactive')],
      launched: new Set(),
    });
    expect(tasks.map((t) => [t.kind, taskUnit(t) ?? '', t.reason])).toEqual([
      ['unload', 'a.service', AgentReason.notScheduled],
      ['unload', 'b.service', AgentReason.targetInactive],
      ['reload', '', AgentReason.reload],
    ]);
  });

  it('replaces a unit whose content changed: unload, load, reload, start', () => {
    expect(
      plan(
        [want('a.service', 'launched', 'h2')],
        [have('a.service', 'active', 'h1')],
        ['a.service'],
      ),
    ).toEqual(['unload a.service', 'load a.service', 'reload', 'start a.service']);
  });

  it('replaces a unit file whose hash is unknown (no sentinel: undefined never matches)', () => {
    expect(
      planAgent({
        desired: [want('a.service', 'launched')],
        current: [{ unit: 'a.service', hash: undefined, activeState: 'active' }],
        launched: new Set(['a.service']),
      }).map((t) => `${t.kind} ${taskUnit(t) ?? ''}`.trim()),
    ).toEqual(['unload a.service', 'load a.service', 'reload', 'start a.service']);
  });

  it('orders a batch: unloads, loads, one reload, stops, starts', () => {
    expect(
      plan(
        [
          want('new.service', 'launched'),
          want('stopme.service', 'loaded'),
          want('startme.service', 'launched'),
        ],
        [
          have('old.service', 'active'),
          have('stopme.service', 'active'),
          have('startme.service', 'inactive'),
        ],
        ['stopme.service'],
      ),
    ).toEqual([
      'unload old.service',
      'load new.service',
      'reload',
      'stop stopme.service',
      'start new.service',
      'start startme.service',
    ]);
  });

  it('adopts a running unit after a restart: no task, and it counts as launched', () => {
    const s = {
      desired: [want('a.service', 'launched')],
      current: [have('a.service', 'active')],
      launched: new Set<string>(),
    };
    expect(planAgent(s)).toEqual([]);
    expect([...adoptLaunched(s)]).toEqual(['a.service']);
  });

  it('keeps counting as launched a unit set to loaded (or unassigned) until its stop or unload is done', () => {
    // adoptLaunched runs before the pass's tasks: the agent removes a unit once its stop or unload
    // went through. Dropped here, a stop that failed would never be tried again.
    const s = {
      desired: [
        want('a.service', 'loaded'),
        want('b.service', 'inactive'),
        want('dep.service', 'loaded'),
      ],
      current: [
        have('a.service', 'active'),
        have('b.service', 'active'),
        have('c.service', 'active'),
        have('dep.service', 'active'),
      ],
      launched: new Set(['a.service', 'b.service', 'c.service', 'gone.service']),
    };
    expect(planAgent(s).map((t) => `${t.kind} ${taskUnit(t) ?? ''}`.trim())).toEqual([
      'unload b.service',
      'unload c.service',
      'reload',
      'stop a.service',
    ]);
    expect([...adoptLaunched(s)].sort()).toEqual(['a.service', 'b.service', 'c.service']);
  });

  it('does not start again a unit it launched that has since exited or failed', () => {
    expect(
      plan([want('a.service', 'launched')], [have('a.service', 'failed')], ['a.service']),
    ).toEqual([]);
    expect(plan([want('a.service', 'launched')], [have('a.service', 'failed')], [])).toEqual([
      'start a.service',
    ]);
  });

  it('stops a unit it launched when the target becomes loaded, but not one systemd started itself', () => {
    expect(
      plan([want('a.service', 'loaded')], [have('a.service', 'active')], ['a.service']),
    ).toEqual(['stop a.service']);
    expect(plan([want('dep.service', 'loaded')], [have('dep.service', 'active')], [])).toEqual([]);
  });

  it('does nothing when everything is as desired', () => {
    expect(
      plan(
        [want('a.service', 'launched'), want('b.service', 'loaded')],
        [have('a.service', 'active'), have('b.service', 'inactive')],
        ['a.service'],
      ),
    ).toEqual([]);
  });
});

// The fuzzer's oracles must be able to say no: each one against input it must flag and input it
// must pass.
import type { InjectResponse } from '@fleet/api/testing';
import { describe, expect, it } from 'vitest';
import {
  errorAnswerProblem,
  maxRefusedStarts,
  roundTripProblem,
  systemdNameProblem,
  systemdRefuses,
} from './oracles.js';

const answer = (status: number, body: string): InjectResponse => ({
  status,
  headers: {},
  body,
  json: <T>() => JSON.parse(body) as T,
});

describe('fuzz oracles', () => {
  it('flag names systemd or the units directory cannot take', () => {
    expect(systemdNameProblem('.service')).toMatch(/nothing before the type/);
    expect(systemdNameProblem(`${'l'.repeat(248)}.service`)).toMatch(/at most 255 bytes/);
    expect(systemdNameProblem(`${'l'.repeat(247)}.service`)).toBeUndefined();
    expect(systemdNameProblem('-.mount')).toBeUndefined();
    expect(systemdNameProblem('web@1.service')).toBeUndefined();
  });

  it('flag options whose unit file reads back as something else', () => {
    const exec = (value: string) => [{ section: 'Service', name: 'ExecStart', value }];
    // systemd strips the spaces around a value: padding means the same to it.
    expect(roundTripProblem(exec('/bin/sleep 1 '))).toBeUndefined();
    expect(roundTripProblem(exec('/bin/a\nRestart=always'))).toMatch(/reads back/);
    expect(roundTripProblem([{ section: 'Service', name: 'A=B', value: 'v' }])).toMatch(
      /reads back/,
    );
    expect(roundTripProblem(exec('/bin/sleep 1'))).toBeUndefined();
    // Sections are grouped in a file: grouping alone is no difference.
    expect(
      roundTripProblem([
        ...exec('/bin/a'),
        { section: 'Unit', name: 'Description', value: 'd' },
        ...exec('/bin/b'),
      ]),
    ).toBeUndefined();
  });

  it('flag refusals that are not one line of fleet error JSON', () => {
    const err = (code: number, message: string) => JSON.stringify({ error: { code, message } });
    expect(errorAnswerProblem(answer(400, err(400, 'invalid unit name "x"')))).toBeUndefined();
    expect(errorAnswerProblem(answer(400, err(400, 'two\nlines')))).toMatch(/more than one line/);
    expect(errorAnswerProblem(answer(400, err(400, '')))).toMatch(/empty/);
    expect(errorAnswerProblem(answer(409, err(400, 'x')))).toMatch(/not 409/);
    expect(errorAnswerProblem(answer(400, 'Bad Request'))).toMatch(/not JSON/);
    expect(
      errorAnswerProblem(answer(400, err(400, 'Error: x\n    at f (a.js:1:1)'))),
    ).toBeDefined();
  });

  it('know which services systemd refuses to load, and how often a refused start may be retried', () => {
    const svc = (...opts: [string, string][]) =>
      opts.map(([name, value]) => ({ section: 'Service', name, value }));
    expect(systemdRefuses('a.service', svc(['ExecStart', 'bin/app --serve']))).toBe(true);
    expect(systemdRefuses('a.service', svc(['Type', 'simple']))).toBe(true);
    expect(systemdRefuses('a.service', svc(['ExecStop', '/bin/true']))).toBe(false);
    expect(systemdRefuses('a.service', svc(['ExecStart', '-/bin/true']))).toBe(false);
    expect(systemdRefuses('a.service', svc(['ExecStart', 'sleep 1']))).toBe(false);
    expect(systemdRefuses('a.socket', [])).toBe(false);
    expect(maxRefusedStarts(0)).toBe(1);
    expect(maxRefusedStarts(60_000)).toBe(5);
  });
});

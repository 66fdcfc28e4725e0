import { describe, expect, it } from 'vitest';
import { splitExecWords } from './exec-words.js';
import { healthCheckOf, healthCheckProblem } from './health-check.js';
import { parseUnitFile } from './parse.js';
import { thrown } from './testing/index.js';
import { validateUnitOptions } from './validate-options.js';

const unit = (xfleet: string) => parseUnitFile(`[Service]\nExecStart=/x\n[X-Fleet]\n${xfleet}`);

describe('splitExecWords: as systemd splits ExecStart=', () => {
  it.each([
    ['/bin/true', ['/bin/true']],
    ['  /bin/sh   -c  "test -e /tmp/ok" ', ['/bin/sh', '-c', 'test -e /tmp/ok']],
    ['/bin/echo \'a "b"\' c', ['/bin/echo', 'a "b"', 'c']],
    ['/bin/echo a"b c"d', ['/bin/echo', 'ab cd']],
    ['/bin/echo "" x', ['/bin/echo', '', 'x']],
    ['/bin/echo a\\sb \\x41\\101 \\u00e9 \\\\ \\"', ['/bin/echo', 'a b', 'AA', 'é', '\\', '"']],
    ['/bin/echo \\; "x\\ty"', ['/bin/echo', ';', 'x\ty']],
    ['/bin/echo a \\\n  b', ['/bin/echo', 'a', 'b']],
    ['/bin/echo $HOME * |', ['/bin/echo', '$HOME', '*', '|']],
  ])('%j', (line, words) => {
    expect(splitExecWords(line)).toEqual({ words });
  });

  it.each([
    ['/bin/echo "a', 'a " quote is not closed'],
    ["/bin/echo 'a", "a ' quote is not closed"],
    ['/bin/echo a\\', 'it ends in a lone backslash'],
    ['/bin/echo \\q', 'unknown escape "\\q"'],
    ['/bin/echo \\x4', 'invalid escape "\\x4"'],
    ['/bin/echo \\x00', 'invalid escape "\\x00"'],
    ['/bin/true ; /bin/false', 'it holds more than one command'],
    ['/bin/true ;', 'it holds more than one command'],
  ])('refuses %j', (line, problem) => {
    expect(splitExecWords(line)).toEqual({ problem });
  });
});

describe('healthCheckOf', () => {
  it('is undefined without a command or URL (interval and timeout alone check nothing)', () => {
    expect(healthCheckOf(unit('Global=true\n'))).toBeUndefined();
    expect(healthCheckOf(unit('HealthCheckIntervalSec=9\n'))).toBeUndefined();
    expect(healthCheckOf([])).toBeUndefined();
  });

  it('reads a command with the default interval and timeout', () => {
    expect(healthCheckOf(unit('HealthCheckCommand=/bin/sh -c "test -e /tmp/ok"\n'))).toEqual({
      probe: { kind: 'command', argv: ['/bin/sh', '-c', 'test -e /tmp/ok'] },
      intervalSec: 5,
      timeoutSec: 3,
    });
  });

  it('reads a URL, an interval and a timeout; the last value wins, an empty one resets', () => {
    const options = unit(
      'HealthCheckURL=http://127.0.0.1:8080/healthz\nHealthCheckIntervalSec=7\n' +
        'HealthCheckIntervalSec=11\nHealthCheckTimeoutSec=2\nHealthCheckCommand=/bin/true\n' +
        'HealthCheckCommand=\n',
    );
    expect(healthCheckOf(options)).toEqual({
      probe: { kind: 'url', url: 'http://127.0.0.1:8080/healthz' },
      intervalSec: 11,
      timeoutSec: 2,
    });
  });

  it('reads nothing outside [X-Fleet], and takes a plain executable name', () => {
    const options = parseUnitFile(
      '[Service]\nHealthCheckURL=ftp://x\n[X-Fleet]\nHealthCheckCommand=true\n',
    );
    expect(healthCheckOf(options)?.probe).toEqual({ kind: 'command', argv: ['true'] });
  });

  it('throws the problem as UNIT_OPTIONS_INVALID', () => {
    const err = thrown(() =>
      healthCheckOf(unit('HealthCheckTimeoutSec=0\nHealthCheckURL=http://a/\n')),
    );
    expect(err).toMatchObject({
      code: 'UNIT_OPTIONS_INVALID',
      message: 'HealthCheckTimeoutSec= must be a whole number of seconds from 1 to 86400, not "0"',
    });
  });
});

describe('health-check values refused at submit (validateUnitOptions)', () => {
  it.each([
    [
      'Command and URL together',
      'HealthCheckCommand=/bin/true\nHealthCheckURL=http://127.0.0.1/\n',
      'HealthCheckCommand= and HealthCheckURL= cannot be used together',
    ],
    [
      'a URL of another scheme',
      'HealthCheckURL=ftp://127.0.0.1/x\n',
      'HealthCheckURL= must be an http:// or https:// URL, not "ftp://127.0.0.1/x"',
    ],
    [
      'a URL that is not one',
      'HealthCheckURL=localhost:80\n',
      'HealthCheckURL= must be an http:// or https:// URL, not "localhost:80"',
    ],
    [
      'an interval of 0',
      'HealthCheckCommand=/bin/true\nHealthCheckIntervalSec=0\n',
      'HealthCheckIntervalSec= must be a whole number of seconds from 1 to 86400, not "0"',
    ],
    [
      'an interval with a unit',
      'HealthCheckURL=http://a/\nHealthCheckIntervalSec=5s\n',
      'HealthCheckIntervalSec= must be a whole number of seconds from 1 to 86400, not "5s"',
    ],
    [
      'a timeout beyond a day',
      'HealthCheckCommand=/bin/true\nHealthCheckTimeoutSec=86401\n',
      'HealthCheckTimeoutSec= must be a whole number of seconds from 1 to 86400, not "86401"',
    ],
    [
      'an unclosed quote',
      'HealthCheckCommand=/bin/sh -c "test\n',
      'HealthCheckCommand="/bin/sh -c \\"test": a " quote is not closed',
    ],
    [
      'an ExecStart= prefix',
      'HealthCheckCommand=-/bin/true\n',
      'HealthCheckCommand="-/bin/true": the executable takes no ExecStart= prefix ("-")',
    ],
    [
      'a relative path',
      'HealthCheckCommand=bin/check\n',
      'HealthCheckCommand="bin/check": the executable must be an absolute path or a plain name found in PATH',
    ],
    ['an empty argv', 'HealthCheckCommand=""\n', 'HealthCheckCommand="\\"\\"": no command'],
  ])('%s', (_title, xfleet, message) => {
    const err = thrown(() => validateUnitOptions('web.service', unit(xfleet)));
    expect(err).toMatchObject({ code: 'UNIT_OPTIONS_INVALID', message });
    expect(healthCheckProblem(unit(xfleet))).toBe(message);
  });

  it('accepts good values without a requirements warning', () => {
    const req = validateUnitOptions(
      'web.service',
      unit(
        'HealthCheckURL=https://127.0.0.1:8443/\nHealthCheckIntervalSec=1\nHealthCheckTimeoutSec=1\n',
      ),
    );
    expect(req.warnings).toEqual([]);
  });
});

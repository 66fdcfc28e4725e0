import { describe, expect, it } from 'vitest';
import { prefixLines } from './prefix-lines.js';
import { commandLine, shellQuote } from './quote.js';
import { Capture } from '../testing/streams.js';
import { parseTunnel } from '../ssh/tunnel.js';

describe('shell quoting', () => {
  it('quotes only what needs it', () => {
    expect(shellQuote('web@1.service')).toBe('web@1.service');
    expect(shellQuote('exit 3')).toBe("'exit 3'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(commandLine(['sh', '-c', 'exit 3'])).toBe("sh -c 'exit 3'");
  });
});

describe('prefixLines', () => {
  it('prefixes complete lines and flushes the rest at the end', async () => {
    const out = new Capture();
    const w = prefixLines(out, '[m1] ');
    w.write('a\nb');
    w.write('c\n');
    w.end('tail');
    await new Promise((r) => w.on('finish', r));
    expect(out.text()).toBe('[m1] a\n[m1] bc\n[m1] tail\n');
  });
});

describe('parseTunnel', () => {
  it('defaults to port 22 and reads [v6]:port', () => {
    expect(parseTunnel('bastion')).toEqual({ host: 'bastion', port: 22 });
    expect(parseTunnel('127.0.0.1:2222')).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(parseTunnel('[::1]:2222')).toEqual({ host: '::1', port: 2222 });
    expect(parseTunnel('::1')).toEqual({ host: '::1', port: 22 });
  });
});

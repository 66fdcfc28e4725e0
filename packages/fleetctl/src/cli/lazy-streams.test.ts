// Streams are made when first used: a list command neither reads stdin nor writes to stderr, so
// fleetctl never builds those two streams for it (node builds each on first access).
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, M1 } from '../testing/harness.js';
import { processIo } from './process.js';
import { run } from './run.js';

let h: Harness | undefined;
afterEach(() => h?.close());

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('streams', () => {
  it('list-units touches neither stdin nor stderr', async () => {
    h = await Harness.start();
    await h.machine(M1);
    const touched: string[] = [];
    const stdout = new Sink();
    const io = {
      get stdin(): never {
        touched.push('stdin');
        throw new Error('stdin read');
      },
      stdout,
      get stderr(): never {
        touched.push('stderr');
        throw new Error('stderr written');
      },
      env: {},
    };
    const code = await run(['--endpoint', h.endpoint, 'list-units', '--no-legend'], io);
    expect([code, stdout.text, touched]).toEqual([0, '', []]);
  });

  it("processIo() looks the process's streams up only when they are used", () => {
    const touched: string[] = [];
    const saved = ['stdin', 'stderr'].map(
      (name) => [name, Object.getOwnPropertyDescriptor(process, name)] as const,
    );
    try {
      for (const [name, d] of saved) {
        Object.defineProperty(process, name, {
          configurable: true,
          get() {
            touched.push(name);
            return d?.get?.call(process) as unknown;
          },
        });
      }
      const io = processIo();
      expect(touched).toEqual([]);
      expect(io.stderr).toBe(process.stderr);
      expect(touched).toEqual(['stderr', 'stderr']);
    } finally {
      for (const [name, d] of saved) if (d !== undefined) Object.defineProperty(process, name, d);
    }
  });
});

// Prefixing each line of a stream, to tell interleaved output of several machines apart.
import { Writable } from 'node:stream';

/** A writable that writes each complete line to `out` with `prefix` in front. */
export function prefixLines(out: Writable, prefix: string): Writable {
  let partial = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) out.write(`${prefix}${line}\n`);
      done();
    },
    final(done) {
      if (partial !== '') out.write(`${prefix}${partial}\n`);
      done();
    },
  });
}

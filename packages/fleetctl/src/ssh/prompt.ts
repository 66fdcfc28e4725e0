// Reading one answer from stdin (a terminal or a pipe), for the "trust this host?" question.
import type { Readable } from 'node:stream';

/**
 * Reads one line from `input`, without the line ending. Resolves `undefined` at end of input
 * with nothing read. Bytes after the line are pushed back for later readers.
 */
export function readLine(input: Readable): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (line: string | undefined) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      input.off('error', onEnd);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      const rest = text.slice(nl + 1);
      finish(text.slice(0, nl).replace(/\r$/, ''));
      if (rest !== '') input.unshift(Buffer.from(rest, 'utf8'));
    };
    const onEnd = () => finish(text === '' ? undefined : text);
    if (input.readableEnded) {
      resolve(undefined);
      return;
    }
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('close', onEnd);
    input.once('error', onEnd);
    input.resume();
  });
}

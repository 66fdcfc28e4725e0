import { tail } from './run.js';

/** Console output made readable: no colour escapes or carriage returns, last `n` lines. */
export function consoleTail(raw: string, n: number): string {
  // eslint-disable-next-line no-control-regex
  return tail(raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, ''), n);
}

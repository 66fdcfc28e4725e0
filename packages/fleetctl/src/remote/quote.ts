// Quoting for the remote shell that runs an SSH exec request.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `arg` as one word for a POSIX shell. */
export function shellQuote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line that runs `argv` word for word in a POSIX shell. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

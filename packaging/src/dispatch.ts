// Which program the `fleet` executable is asked to be: fleet's Go binary answered to the name it
// was called by, and so does this one. `fleetd …` and `fleetctl …` (a link named so, or a copy),
// and `fleet fleetd …` / `fleet fleetctl …`. Anything else is a usage error.

/** The programs inside the executable. */
export const PROGRAMS = ['fleetd', 'fleetctl'] as const;
export type Program = (typeof PROGRAMS)[number];

export type Dispatch =
  | { readonly kind: 'run'; readonly program: Program; readonly args: readonly string[] }
  | { readonly kind: 'help' | 'usage'; readonly message: string };

/**
 * What `fleet` alone, or with a sub-command it does not know, prints on stderr (exit 2);
 * `fleet --help` prints it on stdout (exit 0).
 */
export const USAGE = `usage: fleet fleetd [FLAG]...     run the fleet daemon
       fleet fleetctl [FLAG]... COMMAND [ARG]...
The same executable runs as fleetd or fleetctl when called by that name (a link: /usr/bin/fleetd,
/usr/bin/fleetctl).
`;

const isProgram = (name: string): name is Program => (PROGRAMS as readonly string[]).includes(name);

/** The last path component of how the process was called (`/usr/bin/fleetd` → `fleetd`). */
export function calledAs(argv0: string): string {
  const parts = argv0.split('/');
  return parts[parts.length - 1] ?? '';
}

/**
 * Decides the program from the name the process was called by (`argv0`, as `process.argv0`) and
 * its arguments (after the program's own name).
 */
export function dispatch(argv0: string, args: readonly string[]): Dispatch {
  const name = calledAs(argv0);
  if (isProgram(name)) return { kind: 'run', program: name, args };
  const [sub, ...rest] = args;
  if (sub === undefined) return { kind: 'usage', message: USAGE };
  if (isProgram(sub)) return { kind: 'run', program: sub, args: rest };
  if (sub === '--help' || sub === '-h' || sub === 'help') return { kind: 'help', message: USAGE };
  return {
    kind: 'usage',
    message: `fleet: unknown program ${JSON.stringify(sub)}: fleetd or fleetctl\n${USAGE}`,
  };
}

// A plan as people read it: `+ create`, `~ replace` with its diff, `> start`, `- destroy`, a
// summary line and the revision; coloured on a terminal only. Unit text from the cluster is
// escaped (control characters shown as `\xHH`) before any colour is added.
import type { Plan, PlanChange } from '@fleet/client';
import { escapeLine } from './escape.js';

const COLOURS = { red: 31, green: 32, yellow: 33, cyan: 36 } as const;
type Colour = keyof typeof COLOURS;

function paint(text: string, colour: Colour | undefined, tty: boolean): string {
  return tty && colour !== undefined ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
}

function diffColour(line: string): Colour | undefined {
  if (line.startsWith('+++') || line.startsWith('---')) return undefined;
  if (line.startsWith('+')) return 'green';
  if (line.startsWith('-')) return 'red';
  if (line.startsWith('@@')) return 'cyan';
  return undefined;
}

function changeLines(c: PlanChange, tty: boolean): string[] {
  switch (c.action) {
    case 'create':
      return [paint(`+ create ${c.name} (${c.desiredState})`, 'green', tty)];
    case 'replace': {
      const diff = c.diff.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
      return [
        paint(`~ replace ${c.name}`, 'yellow', tty),
        ...diff.map((l) => `    ${paint(l, diffColour(l), tty)}`),
      ];
    }
    case 'start':
      return [paint(`> start ${c.name} (${c.from} -> ${c.desiredState})`, 'cyan', tty)];
    case 'destroy':
      return [paint(`- destroy ${c.name}`, 'red', tty)];
    case 'unchanged':
      return [];
  }
}

/** How many changes of each kind: `1 to create, 2 to replace, 0 to start, 0 to destroy, 3 unchanged`. */
export function summary(plan: Plan, done = false): string {
  const count = (a: PlanChange['action']) => plan.changes.filter((c) => c.action === a).length;
  const verbs: [PlanChange['action'], string, string][] = [
    ['create', 'to create', 'created'],
    ['replace', 'to replace', 'replaced'],
    ['start', 'to start', 'started'],
    ['destroy', 'to destroy', 'destroyed'],
  ];
  const parts = verbs.map(([a, todo, past]) => `${count(a)} ${done ? past : todo}`);
  return `${parts.join(', ')}, ${count('unchanged')} unchanged`;
}

/**
 * The lines of a plan (or of an applied one, `done`), without line breaks; what the cluster sent
 * is escaped first.
 * @param tty - colour the lines (stdout is a terminal)
 */
export function renderPlan(plan: Plan, tty: boolean, done = false): string[] {
  const head = !plan.changed ? 'No changes' : done ? 'Applied' : 'Plan';
  return [
    ...escapedPlan(plan).changes.flatMap((c) => changeLines(c, tty)),
    `${head}: ${summary(plan, done)}.`,
    `revision ${escapeLine(plan.revision)}`,
  ];
}

/** Escapes what the cluster sent, so that only fleetctl's colours reach the terminal. */
function escapedPlan(plan: Plan): Plan {
  return {
    ...plan,
    changes: plan.changes.map((c) =>
      c.action === 'replace'
        ? { ...c, name: escapeLine(c.name), diff: escapeLine(c.diff) }
        : { ...c, name: escapeLine(c.name) },
    ),
  };
}

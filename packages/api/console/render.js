// fleet's web console: the page's parts built from what console.js read. Every text from the
// cluster goes in as text (textContent), never as HTML.

/** An element with attributes and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== '') e.append(c);
  }
  return e;
}

const tag = (text, kind = '') => el('span', { class: `tag ${kind}`.trim() }, text);
const cell = (label, ...children) => el('td', { 'data-label': label }, ...children);
export const shortId = (id) => (id ?? '').slice(0, 8);

function gib(bytes) {
  return typeof bytes === 'number' ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : '';
}

function ago(iso) {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

const STATE_KIND = {
  schedulable: 'ok',
  up: 'ok',
  active: 'ok',
  launched: 'ok',
  passing: 'ok',
  succeeded: 'ok',
  done: 'ok',
  running: 'ok',
  cordoned: 'warn',
  draining: 'warn',
  drained: 'warn',
  loaded: 'warn',
  replacing: 'warn',
  activating: 'warn',
  paused: 'warn',
  'rolling-back': 'warn',
  gone: 'bad',
  failed: 'bad',
  failing: 'bad',
  degraded: 'bad',
  'rolled-back': 'bad',
  reverted: 'bad',
  inactive: 'bad',
};
const stateTag = (s) => tag(s, STATE_KIND[s] ?? '');

/** Replaces the children of `parent` with `rows`, or one row saying `empty`. */
function fill(parent, rows, empty, columns) {
  parent.replaceChildren(
    ...(rows.length > 0
      ? rows
      : [el('tr', {}, el('td', { class: 'empty', colspan: columns }, empty))]),
  );
}

/** A machine's administrative state: docs/operating.md's schedulable|cordoned|draining|drained. */
export function machineState(m) {
  if (m.gone) return 'gone';
  if (m.x === undefined) return 'up';
  if (m.x.admin === null || m.x.admin === undefined) return 'schedulable';
  return m.x.admin.state === 'draining' && m.x.drained ? 'drained' : m.x.admin.state;
}

export function renderMachines(body, machines, unitCount) {
  const rows = machines.map((m) => {
    const h = m.health ?? {};
    const load = Array.isArray(h.load) ? h.load : [];
    const mem = h.memory ?? {};
    const state = machineState(m);
    const meta = Object.entries(m.metadata ?? {}).map(([k, v]) => tag(`${k}=${v}`));
    return el(
      'tr',
      { 'data-machine': m.id, 'data-state': state, class: m.gone ? 'gone' : undefined },
      cell('Machine', el('span', { class: 'mono', title: m.id }, shortId(m.id))),
      cell('IP', el('span', { class: 'mono' }, m.primaryIP ?? '')),
      cell(
        'State',
        stateTag(state),
        m.gone ? el('span', { class: 'muted' }, ` since ${m.gone}`) : '',
        m.x?.admin?.reason ? el('span', { class: 'muted' }, ` ${m.x.admin.reason}`) : '',
      ),
      cell('systemd', h.systemState ? stateTag(h.systemState) : ''),
      cell('Load', el('span', { title: load.join(' ') }, load.length > 0 ? String(load[0]) : '')),
      cell(
        'Memory',
        mem.totalBytes ? `${gib(mem.availableBytes)} free of ${gib(mem.totalBytes)}` : '',
      ),
      cell('Units', m.gone ? '' : String(m.x?.units ?? unitCount.get(m.id) ?? 0)),
      cell('Metadata', meta),
    );
  });
  fill(body, rows, 'no machine', 8);
}

/** One row per unit: where it runs (or every machine, for a global unit), its states, its reason. */
export function renderUnits(body, units, statesByUnit, machinesById) {
  const where = (id) => {
    const m = machinesById.get(id);
    return el('span', { class: 'mono', title: id }, m?.primaryIP ?? shortId(id));
  };
  const rows = units.map((u) => {
    const states = statesByUnit.get(u.name) ?? [];
    const own =
      u.machineID === undefined ? states : states.filter((s) => s.machineID === u.machineID);
    const machines =
      u.machineID !== undefined ? [where(u.machineID)] : own.map((s) => where(s.machineID));
    const systemd = own.map((s) =>
      stateTag(
        `${s.systemdActiveState ?? '?'}${s.systemdSubState ? ` (${s.systemdSubState})` : ''}`,
      ),
    );
    const health = own.filter((s) => s.health).map((s) => stateTag(s.health.status));
    return el(
      'tr',
      { 'data-unit': u.name, 'data-current': u.currentState ?? '' },
      cell('Unit', el('span', { class: 'mono' }, u.name)),
      cell('Machine', machines.length > 0 ? machines : el('span', { class: 'muted' }, '-')),
      cell('Desired', u.desiredState ?? ''),
      cell('Current', u.currentState ? stateTag(u.currentState) : ''),
      cell('systemd', systemd),
      cell('Health', health),
      cell('Reason', el('span', { class: 'muted' }, u.reason ?? '')),
    );
  });
  fill(body, rows, 'no unit', 7);
}

/** A progress bar (its width set through the CSSOM: the console's CSP allows no inline style). */
function bar(pct) {
  const fill = el('div');
  fill.style.width = `${pct}%`;
  return el('div', { class: 'bar', role: 'progressbar', 'aria-valuenow': String(pct) }, fill);
}

function historyList(records) {
  return el(
    'ol',
    { class: 'history' },
    records.map((r) =>
      el(
        'li',
        {},
        `#${r.id} `,
        stateTag(r.state),
        ` ${r.fromHash.slice(0, 7)} → ${r.toHash.slice(0, 7)}, started ${ago(r.startedAt)}`,
        r.finishedAt ? `, finished ${ago(r.finishedAt)}` : '',
        r.reason ? el('span', { class: 'muted' }, ` ${r.reason}`) : '',
      ),
    ),
  );
}

/** Each group's current rollout with its progress; its records under a toggle (`onToggle`). */
export function renderRollouts(list, rollouts, histories, openGroups, onToggle) {
  if (rollouts.length === 0) {
    list.replaceChildren(el('p', { class: 'muted' }, 'no rollout yet'));
    return;
  }
  list.replaceChildren(
    ...rollouts.map((r) => {
      const done = r.copies.filter((c) => c.phase === 'done').length;
      const total = r.copies.length;
      const pct = total === 0 ? 0 : Math.round((done / total) * 100);
      const details = el(
        'details',
        { open: openGroups.has(r.group) },
        el('summary', {}, 'history'),
      );
      const history = histories.get(r.group);
      if (history !== undefined) details.append(historyList(history));
      details.addEventListener('toggle', () => onToggle(r.group, details.open));
      return el(
        'div',
        {
          class: 'rollout',
          'data-group': r.group,
          'data-state': r.state,
          'data-done': String(done),
        },
        el(
          'div',
          { class: 'title' },
          el('strong', { class: 'mono' }, r.group),
          stateTag(r.state),
          el('span', { class: 'progress' }, `${done}/${total} copies done`),
          el('span', { class: 'muted' }, `${r.fromHash.slice(0, 7)} → ${r.toHash.slice(0, 7)}`),
          el('span', { class: 'muted' }, `updated ${ago(r.updatedAt)}`),
        ),
        bar(pct),
        el(
          'div',
          { class: 'copies' },
          r.copies.map((c) =>
            el(
              'span',
              { class: `tag ${STATE_KIND[c.phase] ?? ''}`, title: c.machineId },
              `${c.unit} ${c.phase}`,
            ),
          ),
        ),
        r.reason ? el('div', { class: 'muted' }, r.reason) : '',
        details,
      );
    }),
  );
}

/** The event list, newest first. */
export function renderEvents(list, events) {
  if (events.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, 'no event yet'));
    return;
  }
  list.replaceChildren(
    ...[...events]
      .reverse()
      .map((e) =>
        el(
          'li',
          { 'data-kind': e.kind },
          el('time', { datetime: e.time }, new Date(e.time).toLocaleTimeString()),
          stateTag(e.kind),
          el('span', {}, e.message),
        ),
      ),
  );
}

// fleet's web console: reads the cluster from fleetd's API on the same origin (the v1 resources
// and /fleet/x), follows the event log (server-sent events) to read again when something happens,
// and reads again every few seconds anyway. No framework: the DOM, fetch and EventSource.
import { renderEvents, renderMachines, renderRollouts, renderUnits } from './render.js';

const REFRESH_MS = 5000;
const EVENTS_KEPT = 200;
const $ = (id) => document.getElementById(id);

const view = {
  /** Machines seen since the page was loaded: id → record (with `gone` once it is not listed). */
  machines: new Map(),
  units: [],
  states: [],
  /** Rollouts shown: each group's current record, then finished ones (the API lists only current). */
  rollouts: [],
  /** Group → its last finished record, for groups with no current rollout. */
  finished: new Map(),
  /** Groups whose last record must be read (a rollout event, or a current record that went away). */
  toRead: new Set(),
  histories: new Map(),
  openGroups: new Set(),
  events: [],
  lastEventId: undefined,
};

async function getJson(path) {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error?.message || message;
    } catch {
      // not JSON: the status says it
    }
    const err = new Error(`${path}: ${message}`);
    err.status = res.status;
    throw err;
  }
  return res.json();
}

/** Every page of a v1 collection. */
async function getAll(path, field) {
  const out = [];
  let token = '';
  do {
    const page = await getJson(
      token === '' ? path : `${path}?nextPageToken=${encodeURIComponent(token)}`,
    );
    out.push(...(page[field] ?? []));
    token = page.nextPageToken ?? '';
  } while (token !== '');
  return out;
}

/**
 * /fleet/x/machines (administrative state) where this fleetd has it; undefined where not (a
 * fleetd without it is asked again a minute later).
 */
let noAdminUntil = 0;
async function adminMachines() {
  if (Date.now() < noAdminUntil) return undefined;
  try {
    return (await getJson('/fleet/x/machines')).machines;
  } catch (err) {
    if (err.status !== 404) throw err;
    noAdminUntil = Date.now() + 60_000;
    return undefined;
  }
}

function mergeMachines(listed, admin) {
  const now = new Date().toLocaleTimeString();
  const byId = new Map((admin ?? []).map((m) => [m.id, m]));
  const live = new Set();
  for (const m of listed) {
    live.add(m.id);
    view.machines.set(m.id, { ...m, x: admin === undefined ? undefined : byId.get(m.id) });
  }
  for (const [id, m] of view.machines) {
    if (!live.has(id) && !m.gone) view.machines.set(id, { ...m, gone: now });
  }
}

const FINISHED_SHOWN = 20;

/**
 * A finished rollout leaves the API's list of current ones: read the last record of each group
 * whose current record went away or that an event named, so the console shows how it ended.
 */
async function readFinished(current) {
  const now = new Set(current.map((r) => r.group));
  for (const r of view.rollouts) if (!now.has(r.group)) view.toRead.add(r.group);
  for (const g of now) {
    view.toRead.delete(g);
    view.finished.delete(g);
  }
  const groups = [...view.toRead];
  await Promise.all(
    groups.map(async (g) => {
      try {
        const r = await getJson(`/fleet/x/rollouts/${encodeURIComponent(g)}`);
        const last = r.current ?? r.history[0];
        if (last !== undefined && r.current === null) view.finished.set(g, last);
      } catch (err) {
        if (err.status !== 404) throw err; // kept in toRead: read again next time
        view.finished.delete(g); // 404: the group is gone
      }
      view.toRead.delete(g);
    }),
  );
}

/** Current rollouts first, then the most recently finished ones. */
function shownRollouts(current) {
  const now = new Set(current.map((r) => r.group));
  const done = [...view.finished.values()]
    .filter((r) => !now.has(r.group))
    .sort((a, b) => (b.finishedAt ?? b.updatedAt).localeCompare(a.finishedAt ?? a.updatedAt))
    .slice(0, FINISHED_SHOWN);
  return [...current, ...done];
}

let reading = false;
let again = false;

/** Reads everything once and draws it (a read asked for while one runs is made right after). */
async function refresh() {
  if (reading) {
    again = true;
    return;
  }
  reading = true;
  try {
    const [machines, admin, units, states, rollouts] = await Promise.all([
      getAll('/fleet/v1/machines', 'machines'),
      adminMachines(),
      getAll('/fleet/v1/units', 'units'),
      getAll('/fleet/v1/state', 'states'),
      getJson('/fleet/x/rollouts').then((r) => r.rollouts),
    ]);
    mergeMachines(machines, admin);
    await readFinished(rollouts);
    Object.assign(view, { units, states, rollouts: shownRollouts(rollouts) });
    await Promise.all(
      [...view.openGroups].map(async (g) => {
        const r = await getJson(`/fleet/x/rollouts/${encodeURIComponent(g)}`);
        const past = r.history.filter((h) => h.id !== r.current?.id);
        view.histories.set(g, r.current ? [r.current, ...past] : past);
      }),
    );
    draw();
    $('problem').hidden = true;
    $('refreshed').textContent = `read at ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $('problem').hidden = false;
    $('problem').textContent = `Could not read the cluster: ${err.message}`;
  } finally {
    reading = false;
    if (again) {
      again = false;
      void refresh();
    }
  }
}

function draw() {
  const machines = [...view.machines.values()].sort(
    (a, b) => Number(Boolean(a.gone)) - Number(Boolean(b.gone)) || a.id.localeCompare(b.id),
  );
  const statesByUnit = new Map();
  const unitCount = new Map();
  for (const s of view.states) {
    statesByUnit.set(s.name, [...(statesByUnit.get(s.name) ?? []), s]);
  }
  for (const u of view.units) {
    const on =
      u.machineID !== undefined
        ? [u.machineID]
        : (statesByUnit.get(u.name) ?? []).map((s) => s.machineID);
    for (const id of on) unitCount.set(id, (unitCount.get(id) ?? 0) + 1);
  }
  renderMachines($('machines-body'), machines, unitCount);
  renderUnits($('units-body'), view.units, statesByUnit, view.machines);
  renderRollouts($('rollouts-list'), view.rollouts, view.histories, view.openGroups, toggleHistory);
  $('count-machines').textContent = String(machines.filter((m) => !m.gone).length);
  $('count-units').textContent = String(view.units.length);
  $('count-rollouts').textContent = String(view.rollouts.length);
}

function toggleHistory(group, open) {
  if (open === view.openGroups.has(group)) return;
  if (open) view.openGroups.add(group);
  else view.openGroups.delete(group);
  if (open) void refresh();
}

let soon;
/** A read shortly after events (a burst of them makes one read). */
function refreshSoon() {
  clearTimeout(soon);
  soon = setTimeout(() => {
    renderEvents($('events-list'), view.events);
    void refresh();
  }, 150);
}

/** Whether event id `a` (decimal digits) comes after `b`. */
const after = (a, b) => b === undefined || a.length > b.length || (a.length === b.length && a > b);

function setLive(state, text) {
  $('live').dataset.live = state;
  $('live').textContent = text;
}

/** Follows the event log; on an error, follows again from the last event seen. */
function follow() {
  const query = view.lastEventId === undefined ? '' : `&after=${view.lastEventId}`;
  const source = new EventSource(`/fleet/x/events?follow=true${query}`);
  source.onopen = () => setLive('live', 'live');
  source.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (!after(e.id, view.lastEventId)) return;
    view.lastEventId = e.id;
    view.events.push(e);
    if (e.kind.startsWith('rollout.') && e.group !== undefined) view.toRead.add(e.group);
    if (view.events.length > EVENTS_KEPT) view.events.splice(0, view.events.length - EVENTS_KEPT);
    refreshSoon();
  };
  source.onerror = () => {
    source.close();
    setLive('reconnecting', 'reconnecting');
    setTimeout(follow, 2000);
  };
}

void refresh();
renderEvents($('events-list'), view.events);
follow();
setInterval(() => void refresh(), REFRESH_MS);

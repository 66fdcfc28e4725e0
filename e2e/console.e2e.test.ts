// The web console (packages/api/console, served by fleetd at /console/) in a real browser:
// Debian's chromium driven by playwright-core, on one 3-machine cluster, from the host's loopback
// to node1's TCP API. What the page shows is read from its DOM (the rows' data-* attributes, the
// same values the cells show): a unit started with fleetctl appears without a reload, a machine
// whose fleet stops is shown gone, a rolling update's progress is shown as it goes, and how it
// ended once it is over. It takes screenshots, desktop and phone sized, into
// test-results/screenshots/; with FLEET_UPDATE_SCREENSHOTS=1, into docs/screenshots/, the README's.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, sh, type NspawnMachine } from './src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.FLEET_UPDATE_SCREENSHOTS === '1'
      ? '../docs/screenshots/'
      : '../test-results/screenshots/',
    import.meta.url,
  ),
);
const INSTANCES = [1, 2, 3, 4].map((i) => `web@${i}.service`);
/** How long the page may take to show a change before the test fails (not a measurement). */
const SHOWN_MS = 15_000;

function template(version: number): string {
  return [
    '[Unit]',
    `Description=console e2e %i v${version}`,
    '[Service]',
    `Environment=VERSION=${version}`,
    "ExecStart=/bin/sh -c 'exec sleep infinity'",
    '[X-Fleet]',
    'UpdateMaxParallel=1',
    'UpdateMinHealthySec=3',
    'UpdateHealthyDeadlineSec=30',
    '',
  ].join('\n');
}

describe('the web console in a browser', () => {
  let c: Cluster;
  let node1: NspawnMachine;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  async function writeDeploy(version: number): Promise<void> {
    await sh(
      node1,
      [
        'set -e',
        'mkdir -p /root/deploy',
        `cat > /root/deploy/web@.service <<'UNIT'\n${template(version)}UNIT`,
        'cd /root/deploy',
        ...INSTANCES.map((u) => `ln -sfn web@.service ${u}`),
      ].join('\n'),
    );
  }

  async function fleetctl(args: string[]) {
    const r = await node1.exec('fleetctl', args, 240_000);
    expect(r.code, `fleetctl ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  }

  async function screenshot(name: string): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: `${SCREENSHOTS}console-${name}-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.screenshot({ path: `${SCREENSHOTS}console-${name}-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  beforeAll(async () => {
    c = await Cluster.start({ machines: 3, metadata: (i) => `role=web,rack=r${(i % 2) + 1}` });
    node1 = c.node('node1');
    await c.waitMachines(3);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // What the browser says (a refused request, a script error) is in the test's output.
    page.on('console', (m) => {
      if (m.type() === 'error') console.log(`browser: ${m.text()}`);
    });
    const res = await page.goto(`${c.tcpEndpoint('node1')}/console/`);
    expect(res?.status()).toBe(200);
    for (const m of c.nodes) await page.locator(`tr[data-machine="${m.machineId}"]`).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await c?.teardown();
  });

  it('shows a unit started with fleetctl, where it runs, without a reload', async () => {
    await sh(
      node1,
      `printf '[Service]\\nExecStart=/bin/sh -c "exec sleep infinity"\\n' > /root/hello.service`,
    );
    await fleetctl(['start', '/root/hello.service']);
    const started = Date.now();
    const row = page.locator('tr[data-unit="hello.service"][data-current="launched"]');
    await row.waitFor({ timeout: SHOWN_MS });
    console.log(`console: hello.service shown launched ${Date.now() - started} ms after fleetctl`);
    await expect.poll(() => c.whereActive('hello.service'), { timeout: SHOWN_MS }).toHaveLength(1);
    const [where = ''] = await c.whereActive('hello.service');
    const ip = c.node(where).address;
    await expect
      .poll(() => row.locator('td[data-label="Machine"]').textContent(), { timeout: SHOWN_MS })
      .toBe(ip);
    await expect
      .poll(() => row.locator('td[data-label="systemd"]').textContent(), { timeout: SHOWN_MS })
      .toBe('active (running)');
    expect(await page.locator('#live').getAttribute('data-live')).toBe('live');
  });

  it('shows a machine going away when fleet stops on it, and back when it starts', async () => {
    const node3 = c.node('node3');
    await c.stopFleet('node3');
    try {
      const stopped = Date.now();
      await page
        .locator(`tr[data-machine="${node3.machineId}"][data-state="gone"]`)
        .waitFor({ timeout: SHOWN_MS });
      console.log(`console: node3 shown gone ${Date.now() - stopped} ms after fleet stopped`);
      expect(await page.locator('#count-machines').textContent()).toBe('2');
      await page
        // A fleet stopped drains its machine (machine.drained); one that vanished is machine.lost.
        .locator('#events-list li:is([data-kind="machine.drained"],[data-kind="machine.lost"])')
        .filter({ hasText: node3.machineId })
        .first()
        .waitFor({ timeout: SHOWN_MS });
    } finally {
      // The next case wants 3 machines, whatever happened here.
      await c.startFleet('node3');
    }
    await c.waitMachines(3);
    await page
      .locator(`tr[data-machine="${node3.machineId}"]:not([data-state="gone"])`)
      .waitFor({ timeout: SHOWN_MS });
  });

  it("shows a rolling update's progress, copy by copy, and its history", async () => {
    await writeDeploy(1);
    await fleetctl(['apply', '--wait', '/root/deploy']);
    await writeDeploy(2);
    await fleetctl(['apply', '/root/deploy']);
    const group = page.locator('.rollout[data-group="web@.service"]');
    // Under way: some copies replaced, not all (UpdateMaxParallel=1, 3 s healthy each).
    await page
      .locator(
        '.rollout[data-group="web@.service"][data-state="running"]:is([data-done="1"],[data-done="2"],[data-done="3"])',
      )
      .waitFor({ timeout: 120_000 });
    const progress = await group.locator('.progress').textContent();
    expect(progress).toMatch(/^[123]\/4 copies done$/);
    await group.locator('details summary').click();
    await group.locator('.history li').first().waitFor({ timeout: SHOWN_MS });
    await screenshot('rollout');
    await page
      .locator('.rollout[data-group="web@.service"][data-state="succeeded"][data-done="4"]')
      .waitFor({ timeout: 120_000 });
    expect(await group.locator('.progress').textContent()).toBe('4/4 copies done');
    expect(pageErrors).toEqual([]);
  });
});

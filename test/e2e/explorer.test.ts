import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type EventLogApp } from '../../src/app/openApp.ts';
import { routeTable } from '../../src/api/routes.ts';
import { createApp } from '../../src/app/createApp.ts';
import { loadConfig } from '../../src/config.ts';
import { defineProjection, defineView } from '../../src/core/index.ts';
import { explorerRoutes } from '../../src/explorer/routes.ts';
import { startLocalHost, type LocalHost } from '../../src/local/server.ts';
import { silentLogger } from '../../src/core/index.ts';
import { tempDir } from '../support/http.ts';

// Callbacks given to evaluate() run in the page, where these browser globals exist.
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };
declare function getComputedStyle(element: unknown): { textOverflow: string };

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1280, height: 900 };
const available = existsSync(CHROMIUM);
if (!available) console.warn(`explorer browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

// A projection that fails on `Poisoned` events until the test "fixes" it, so the page can show a
// halted projection and resume it.
let broken = true;
const auditProjection = defineProjection({
  name: 'audit',
  version: 1,
  eventTypes: ['Poisoned'],
  views: [
    defineView({
      name: 'audit',
      keysOf: (event) => [event.streamId],
      reduce: (_current, event) => {
        if (broken) throw new Error(`cannot audit ${event.type}`);
        return { last: event.type };
      },
    }),
  ],
});

/** Waits for the page (polls, refreshes, renders) with room for a slow machine. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000, interval: 100 });

/** PNG signature, then IHDR width and height (big-endian) at bytes 16-23. */
const pngSize = (png: Buffer): { width: number; height: number } => {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
};

describe.skipIf(!available)('the stream explorer in headless Chromium', () => {
  let dataDir: string;
  let profileDir: string;
  let app: EventLogApp;
  let host: LocalHost;
  let browser: BrowserContext;
  let page: Page;

  const append = async (stream: string, events: { type: string; data: object }[]) => {
    const dash = stream.indexOf('-'); // a stream id splits at its first dash
    const [type, id] = [stream.slice(0, dash), stream.slice(dash + 1)];
    const response = await fetch(`${host.url}/api/streams/${type}/${id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': 'explorer-admin' },
      body: JSON.stringify({ events }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { recordedAt: string };
  };

  beforeAll(async () => {
    dataDir = tempDir('eventlog-explorer-');
    profileDir = tempDir('eventlog-chromium-');
    const config = loadConfig({ EVENT_STORE: 'sqlite', DATA_DIR: dataDir, PORT: '0', ADMIN_KEY: 'explorer-admin', PROJECTION_MAX_ATTEMPTS: '1' });
    app = await openApp(config, createApp([{ name: 'audit', projections: [auditProjection] }]), { logger: silentLogger });
    app.start();
    host = await startLocalHost({ routes: routeTable([...app.definition.routes, ...explorerRoutes]), services: app.services, keys: { adminKey: 'explorer-admin' }, port: 0, logger: silentLogger });

    await append('Order-1', [{ type: 'OrderPlaced', data: { total: 30 } }, { type: 'ItemAdded', data: { sku: 'book' } }]);
    await sleep(15); // so the next append has a later recordedAt to travel back from
    await append('Order-1', [{ type: 'OrderShipped', data: { carrier: 'post' } }]);
    await append('Member-7', [{ type: 'MemberJoined', data: { name: 'Ada' } }]);
    await append('Order-2', [{ type: 'Poisoned', data: {} }]);

    browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: VIEWPORT });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('dialog', (dialog) => void dialog.accept());
    // The key is entered once per tab, as an operator would.
    await page.goto(`${host.url}/api/explorer/`);
    await page.fill('#api-key', 'explorer-admin');
    await page.click('#connection button[type=submit]');
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await app?.close();
    for (const dir of [dataDir, profileDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the streams of the log', async () => {
    const list = page.getByTestId('streams');
    await eventually(() => list.locator('li[data-stream]').evaluateAll((items) => items.map((i) => i.getAttribute('data-stream')))).toEqual(['Member-7', 'Order-1', 'Order-2']);
    await page.fill('#stream-filter', 'Order');
    await eventually(() => list.locator('li[data-stream]').count()).toBe(2);
  });

  it("shows a stream's events and travels back in time with asOf", async () => {
    await page.click('li[data-stream="Order-1"]');
    const rows = page.locator('[data-testid=events] tbody tr');
    await eventually(() => rows.count()).toBe(3);
    expect(await page.getByTestId('stream-version').textContent()).toBe('version 3');
    expect(await rows.nth(2).textContent()).toContain('OrderShipped');

    // The slider at 2: the stream as it was right after its second event (the first append).
    await page.getByTestId('time-travel').evaluate((input) => {
      (input as unknown as { value: string }).value = '2';
      input.dispatchEvent(new Event('input'));
    });
    await eventually(() => rows.count()).toBe(2);
    expect(await page.getByTestId('stream-version').textContent()).toMatch(/^version 2 as of \d{4}-/);

    // An instant before the stream existed: nothing yet.
    await page.fill('[data-testid=as-of]', '2000-01-01T00:00:00Z');
    await page.press('[data-testid=as-of]', 'Enter');
    await eventually(() => page.getByTestId('stream').textContent()).toContain('no events yet at that time');
  });

  it('shows a long stream id whole in its tooltip, cut with an ellipsis, without a horizontal scrollbar', async () => {
    const longId = `Order-${'a-very-long-order-number-'.repeat(4)}2026`;
    await append(longId, [{ type: 'OrderPlaced', data: {} }]);
    await page.fill('#stream-filter', 'Order-');
    const item = page.locator(`li[data-stream="${longId}"]`);
    await eventually(() => item.count()).toBe(1);
    const list = page.getByTestId('streams');
    expect(await list.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const id = item.locator('span');
    expect(await id.getAttribute('title')).toBe(longId);
    expect(await id.evaluate((el) => [getComputedStyle(el).textOverflow, el.scrollWidth > el.clientWidth])).toEqual(['ellipsis', true]);
    // The version stays in view, inside the list.
    const [listBox, versionBox] = [await list.boundingBox(), await item.locator('small').boundingBox()];
    expect(versionBox!.x + versionBox!.width).toBeLessThanOrEqual(listBox!.x + listBox!.width);
    // Opened, the id wraps in the heading instead of widening the page.
    await item.click();
    await eventually(() => page.getByTestId('stream-version').textContent()).toBe('version 1');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  });

  it('clears the stream on screen when the next one cannot be opened', async () => {
    await page.click('li[data-stream="Order-1"]');
    await eventually(() => page.locator('[data-testid=events] tbody tr').count()).toBe(3);
    await page.fill('#stream-filter', 'Order-unknown');
    await page.press('#stream-filter', 'Enter');
    await eventually(() => page.getByTestId('error').textContent()).toBe('stream Order-unknown has no events');
    expect(await page.locator('[data-testid=events]').count()).toBe(0);
    expect(await page.getByTestId('stream').textContent()).not.toContain('Order-1');
    expect(await page.locator('#streams li.selected').count()).toBe(0);
    await page.fill('#stream-filter', '');
  });

  it('shows loading lines until the data arrives, in the lists and the stream', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.addInitScript(() => sessionStorage.setItem('eventlog.key', 'explorer-admin'));
      // Every API answer waits until the test lets it through.
      let release: () => void = () => {};
      let gate = new Promise<void>((resolve) => (release = resolve));
      await fresh.route(
        (url) => url.pathname.startsWith('/api/') && !url.pathname.startsWith('/api/explorer/'),
        async (route) => {
          await gate;
          await route.continue();
        },
      );
      await fresh.goto(`${host.url}/api/explorer/`);
      await eventually(() => fresh.getByTestId('streams').textContent()).toBe('Loading streams…');
      expect(await fresh.locator('#projections').textContent()).toBe('Loading projections…');
      release();
      await eventually(() => fresh.locator('li[data-stream]').count()).toBeGreaterThan(2);
      await eventually(() => fresh.locator('tr[data-projection]').count()).toBeGreaterThan(0);
      expect(await fresh.getByTestId('loading').count()).toBe(0);

      gate = new Promise<void>((resolve) => (release = resolve));
      await fresh.click('li[data-stream="Order-1"]');
      await eventually(() => fresh.getByTestId('stream').textContent()).toBe('Loading Order-1…');
      release();
      await eventually(() => fresh.locator('[data-testid=events] tbody tr').count()).toBe(3);
    } finally {
      await fresh.close();
    }
  });

  it('says "no route" rather than "no events" when the API URL is wrong', async () => {
    const wrong = await browser.newPage();
    try {
      await wrong.addInitScript(() => sessionStorage.setItem('eventlog.key', 'explorer-admin'));
      await wrong.goto(`${host.url}/api/explorer/?api=${encodeURIComponent(`${host.url}/wrong`)}`);
      await wrong.fill('#stream-filter', 'Order-1');
      await wrong.press('#stream-filter', 'Enter');
      await eventually(() => wrong.getByTestId('error').textContent()).toBe('404 No such route: no route for GET /wrong/api/streams/Order/1/events');
    } finally {
      await wrong.close();
    }
  });

  it('shows each projection with its status and lag, and resumes a halted one', async () => {
    const audit = page.locator('tr[data-projection=audit][data-region=local]');
    const stream = page.locator('tr[data-projection=stream][data-region=local]');
    await page.click('#refresh-projections');
    await eventually(() => audit.getByTestId('projection-status').textContent()).toBe('halted');
    expect(await audit.textContent()).toContain('halted on Order-2#1 (Poisoned)');
    await eventually(() => stream.getByTestId('projection-status').textContent()).toBe('running');
    await eventually(async () => { await page.click('#refresh-projections'); return stream.getByTestId('projection-lag').textContent(); }).toBe('0');

    broken = false; // the operator fixed the cause
    await audit.getByRole('button', { name: 'Resume' }).click();
    await eventually(async () => { await page.click('#refresh-projections'); return audit.getByTestId('projection-status').textContent(); }).toBe('running');
    expect(await audit.getByRole('button', { name: 'Resume' }).count()).toBe(0);
  });

  it('follows the live feed of a category over SSE, newest first, and stops', async () => {
    await page.fill('[data-testid=feed-category]', 'Order');
    await page.click('[data-testid=feed-toggle]');
    await eventually(() => page.getByTestId('feed-status').textContent()).toBe('following category Order');
    await append('Order-live', [{ type: 'OrderPlaced', data: { total: 1 } }]);
    await append('Member-live', [{ type: 'MemberJoined', data: {} }]);
    await append('Order-live', [{ type: 'OrderPaid', data: {} }]);
    const rows = page.locator('[data-testid=feed] tbody tr');
    await eventually(() => rows.evaluateAll((trs) => trs.map((tr) => tr.textContent))).toEqual([
      expect.stringMatching(/^Order-live2.*OrderPaid/),
      expect.stringMatching(/^Order-live1.*OrderPlaced/),
    ]);
    await page.click('[data-testid=feed-toggle]');
    expect(await page.getByTestId('feed-status').textContent()).toBe('stopped');
    await append('Order-live', [{ type: 'OrderShipped', data: {} }]);
    await sleep(300);
    expect(await rows.count()).toBe(2);
  });

  it('queries a view with where and orderBy, and shows a bad filter with the field it names', async () => {
    await page.fill('[data-testid=view-name]', 'stream');
    await page.fill('[data-testid=view-where]', 'aggregateType:Order,eventCount>=2');
    await page.fill('[data-testid=view-order]', 'lastRecordedAt:desc');
    await page.press('[data-testid=view-where]', 'Enter');
    const keys = () => page.locator('[data-testid=view-documents] tbody tr[data-key]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    await eventually(keys).toEqual(['Order-live', 'Order-1']);

    await page.fill('[data-testid=view-where]', 'owner:me');
    await page.press('[data-testid=view-where]', 'Enter');
    await eventually(() => page.getByTestId('error').textContent()).toContain('query.where.owner: unknown field "owner"');
    expect(await page.locator('[data-testid=view-documents] tbody tr').count()).toBe(0);
  });

  it('renders the page as a screenshot of the viewport', async () => {
    await page.click('li[data-stream="Order-1"]');
    await eventually(() => page.locator('[data-testid=events] tbody tr').count()).toBe(3);
    const png = await page.screenshot();
    expect(pngSize(png)).toEqual(VIEWPORT);
    expect(png.length).toBeGreaterThan(20_000); // a blank page of this size compresses to a few KB
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', 'explorer.png'), png);
    expect(await page.getByTestId('error').isHidden()).toBe(true);
  });
});

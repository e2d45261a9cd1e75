/**
 * The web page in a real headless browser: Debian's `chromium` driven by puppeteer-core (no browser
 * download), against the started service with the real engine on the seed corpus. Asks the seed
 * question (the DW quote and its citation, Euronews "also reported by"), opens a context (the
 * sentence highlighted), pages with "More", asks off-topic (the abstention), searches the sources,
 * asks for an API key once, and fits a phone's width. Screenshots go to reports/page-*.png.
 * Skipped with a warning where chromium is missing; with CI=true a missing browser fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { RunningService } from '../../src/serve/server.js';
import { OFF_TOPIC, QUESTION, startTestService } from '../support/service.js';
import { tentativeQuestion } from '../support/tentative.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasBrowser = fs.existsSync(CHROMIUM);
const REPORTS = path.resolve('reports');
if (!hasBrowser) console.warn(`SKIPPED test/serve/page.test.ts: no browser at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`);

test.runIf(process.env.CI === 'true')('a browser is installed for the page tests (required in CI)', () => {
  expect(hasBrowser, `chromium missing at ${CHROMIUM}: .ci/run installs it with apt-get install -y chromium`).toBe(true);
});

describe.skipIf(!hasBrowser)('the page', () => {
  let service: RunningService;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    service = await startTestService({ HTTP_RATE_LIMIT_MAX: '1000' });
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    fs.mkdirSync(REPORTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function open(url: string, viewport = { width: 1000, height: 900 }): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewport(viewport);
    // Script errors and CSP violations (anything the page tried to load from elsewhere) fail the test.
    page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(url)) problems.push(`external request: ${r.url()}`);
    });
    await page.goto(url + '/', { waitUntil: 'networkidle0' });
    return page;
  }

  async function ask(page: Page, question: string): Promise<void> {
    await page.click('#question', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type('#question', question);
    await page.keyboard.press('Enter'); // the keyboard alone asks
    await page.waitForFunction(() => !(document.getElementById('ask-button') as HTMLButtonElement).disabled && !/Looking/.test(document.getElementById('status')!.textContent!));
  }

  test('the seed question: the DW quote with its citation, Euronews also reported; context highlighted; More', async () => {
    const page = await open(service.url);
    expect(await page.title()).toMatch(/Verbatim/);
    await ask(page, QUESTION);
    const cards = await page.$$eval('.card', (els) =>
      els.map((e) => ({
        quote: e.querySelector(':scope > blockquote')!.textContent,
        citation: e.querySelector(':scope > .citation')!.textContent,
        link: e.querySelector(':scope > .citation a')?.getAttribute('href'),
        also: e.querySelector('.also')?.textContent ?? '',
      })),
    );
    expect(cards).toHaveLength(3);
    expect(cards[0].quote).toContain('The roughly 1,000 coalition air missions that we have flown');
    expect(cards[0].citation).toContain('IS push could take years: Kerry');
    expect(cards[0].citation).toContain('DW');
    expect(cards[0].citation).toContain('3 Dec 2014');
    expect(cards[0].link).toBe('https://p.dw.com/p/1Dycg');
    expect(cards[0].also).toMatch(/Also reported by/i);
    expect(cards[0].also).toContain('Euronews');
    expect(cards[0].also).toContain('1,000 airstrikes');
    expect(await page.$eval('#status', (e) => e.getAttribute('aria-live'))).toBe('polite');
    await page.screenshot({ path: path.join(REPORTS, 'page-answer.png'), fullPage: true });

    // Show context: the quoted sentence is marked inside its surroundings.
    const toggle = await page.$('.card:first-child .actions button');
    await toggle!.click();
    await page.waitForSelector('.card:first-child .context mark', { visible: true });
    const ctx = await page.$eval('.card:first-child .context', (e) => ({ text: e.textContent!, mark: e.querySelector('mark')!.textContent! }));
    expect(cards[0].quote).toContain(ctx.mark.trim().slice(0, 60));
    expect(ctx.text.length).toBeGreaterThan(ctx.mark.length);
    expect(await page.$eval('.card:first-child .actions button', (e) => e.getAttribute('aria-expanded'))).toBe('true');
    await page.screenshot({ path: path.join(REPORTS, 'page-context.png'), fullPage: true });

    // More: the next quotes are added and the first new one takes the focus.
    await page.click('#more');
    await page.waitForFunction(() => document.querySelectorAll('.card').length > 3 || /No more/.test(document.getElementById('status')!.textContent!));
    const after = await page.$$eval('.card', (els) => els.length);
    if (after > 3) expect(await page.evaluate(() => document.activeElement?.classList.contains('card'))).toBe(true);
    await page.close();
  }, 60_000);

  test('an off-topic question shows the abstention, and no quotes', async () => {
    const page = await open(service.url);
    await ask(page, OFF_TOPIC);
    await page.waitForSelector('#abstain', { visible: true });
    expect(await page.$eval('#abstain', (e) => e.textContent)).toMatch(/No answer in the articles[\s\S]*don't answer that/);
    expect(await page.$$eval('.card', (els) => els.length)).toBe(0);
    await page.screenshot({ path: path.join(REPORTS, 'page-abstain.png'), fullPage: true });
    await page.close();
  }, 60_000);

  test('a tentative answer: the status says "not sure", never that the quotes answer', async () => {
    const { question } = await tentativeQuestion(service.state.slot!.current);
    const page = await open(service.url);
    await ask(page, question);
    await page.waitForSelector('.card');
    const status = await page.$eval('#status', (e) => e.textContent);
    expect(status).toMatch(/not sure these answer it/);
    expect(status).not.toMatch(/answers? this, word for word/);
    await page.close();
  }, 60_000);

  test('the sources list, filtered by typing', async () => {
    const page = await open(service.url);
    await page.waitForFunction(() => document.querySelectorAll('#sources-list li').length === 5);
    await page.type('#sources-filter', 'iran');
    await page.waitForFunction(() => document.querySelectorAll('#sources-list li').length === 1);
    expect(await page.$eval('#sources-list li', (e) => e.textContent)).toContain('Euronews');
    await page.close();
  }, 60_000);

  test('on a phone: nothing wider than the screen', async () => {
    const page = await open(service.url, { width: 390, height: 844, isMobile: true, hasTouch: true } as never);
    await ask(page, QUESTION);
    await page.waitForSelector('.card');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: path.join(REPORTS, 'page-mobile.png'), fullPage: false });
    await page.close();
  }, 60_000);

  test('a server with API keys: the page asks once, keeps the key in the tab, never in the URL', async () => {
    const KEY = 'page-key-51c0e9a2';
    const locked = await startTestService({ HTTP_API_KEYS: KEY }, { loader: { load: async () => service.state.slot!.current } });
    try {
      const page = await open(locked.url);
      await page.waitForSelector('#key-panel', { visible: true });
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key');
      await page.type('#api-key', KEY);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('#sources-list li').length === 5);
      expect(await page.$eval('#key-panel', (e) => (e as HTMLElement).hidden)).toBe(true);
      await ask(page, QUESTION);
      expect(await page.$$eval('.card', (els) => els.length)).toBe(3);
      expect(await page.evaluate(() => sessionStorage.getItem('verbatim-api-key'))).toBe(KEY);
      expect(page.url()).not.toContain(KEY);
      await page.close();
    } finally {
      await locked.stop();
    }
  }, 60_000);

  test('axe finds no accessibility violation on the answered page (context open) nor on the abstention', async () => {
    const axeSource = fs.readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
    const page = await open(service.url);
    await page.setBypassCSP(true); // axe is injected by the test; the page itself allows only its own scripts
    await page.reload({ waitUntil: 'networkidle0' });
    const audit = async () => {
      await page.addScriptTag({ content: axeSource });
      return page.evaluate(async () => {
        type Result = { id: string; impact: string; nodes: { target: string[] }[] };
        const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Result[]; passes: Result[] }> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        // The rules that passed prove the audit ran (labels, contrast, landmarks, ARIA, …).
        return [`${r.passes.length >= 15 ? 'ran' : `only ${r.passes.length} rules passed`}`, ...r.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)];
      });
    };
    await ask(page, QUESTION);
    await page.click('.card:first-child .actions button');
    await page.waitForSelector('.card:first-child .context mark', { visible: true });
    expect(await audit()).toEqual(['ran']);
    await ask(page, OFF_TOPIC);
    await page.waitForSelector('#abstain', { visible: true });
    expect(await audit()).toEqual(['ran']);
    await page.close();
  }, 60_000);

  test('no script error, and nothing loaded from anywhere else', () => {
    expect(problems).toEqual([]);
  });
});

// render.mjs: checks a self-contained HTML file (mqttsweep's report) in a real browser.
//
//   node render.mjs FILE.html OUTDIR [--forbid-selector CSS]... [--expect-text TEXT]...
//
// Debian's Chromium (/usr/bin/chromium, or $MSW_CHROMIUM), driven by playwright-core over a pipe
// (no debugging port, no browser download), opens FILE twice: at a desktop width (1280 px) and
// at a phone width (390 px, mobile user agent, touch). Each view is saved as OUTDIR/<view>.png.
// A view fails when:
//   - the page makes any request other than FILE itself and data: URLs (every other request,
//     WebSocket, popup or navigation is blocked and reported; host names never resolve);
//   - the console shows an error, the page throws, or it opens a dialog (alert/confirm/prompt);
//   - an element matches one of the --forbid-selector CSS selectors (injected markup such as
//     img[src=x], [onerror], script:not([data-msw]));
//   - an --expect-text string is not rendered as visible text (an escaped topic must read as
//     text, not become markup).
// Prints one JSON summary on stdout; failures also go to stderr. Exit 0 all good, 1 a check
// failed, 2 usage error or the browser could not start. The browser profile, HOME and temp files
// live in OUTDIR/.chromium-* and are removed at the end.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const VIEWS = [
  { name: 'desktop', width: 1280, height: 800, mobile: false },
  { name: 'phone', width: 390, height: 844, mobile: true },
];
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];
const SETTLE_MS = 300;
const VIEW_TIMEOUT_MS = 30000;

function usage(msg) {
  if (msg) process.stderr.write(`render: ${msg}\n`);
  process.stderr.write('usage: render.mjs FILE.html OUTDIR [--forbid-selector CSS]... [--expect-text TEXT]...\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { file: null, outdir: null, forbid: [], expect: [] };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--forbid-selector' || a === '--expect-text') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      (a === '--forbid-selector' ? opts.forbid : opts.expect).push(argv[++i]);
    } else if (a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else {
      rest.push(a);
    }
  }
  if (rest.length !== 2) usage('need FILE.html and OUTDIR');
  [opts.file, opts.outdir] = rest;
  if (!fs.existsSync(opts.file) || !fs.statSync(opts.file).isFile()) usage(`no such file: ${opts.file}`);
  return opts;
}

const collapse = (s) => s.replace(/\s+/g, ' ').trim();

// Is TEXT rendered as visible text anywhere (innerText is layout-aware: no hidden elements,
// no markup), or in a visible element Playwright's text engine finds (covers SVG text)?
async function textVisible(page, text) {
  const inner = await page.evaluate(() => document.body ? document.body.innerText : '');
  if (collapse(inner).includes(collapse(text))) return true;
  for (const el of await page.getByText(text).all()) {
    if (await el.isVisible()) return true;
  }
  return false;
}

async function checkSelectors(page, selectors, fail) {
  const counts = {};
  for (const sel of selectors) {
    const r = await page.evaluate((s) => {
      try {
        const all = document.querySelectorAll(s);
        return { n: all.length, first: all.length ? all[0].outerHTML.slice(0, 160) : '' };
      } catch (e) {
        return { error: String(e.message || e) };
      }
    }, sel);
    if (r.error) throw new UsageError(`invalid --forbid-selector '${sel}': ${r.error}`);
    counts[sel] = r.n;
    if (r.n > 0) fail(`${r.n} element(s) match forbidden selector '${sel}', first: ${r.first}`);
  }
  return counts;
}

class UsageError extends Error {}

async function renderView(browser, opts, view, docUrl) {
  const failures = [];
  const fail = (msg) => failures.push(`${view.name}: ${msg}`);
  const ua = view.mobile
    ? `Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Mobile Safari/537.36`
    : undefined;
  const context = await browser.newContext({
    viewport: { width: view.width, height: view.height },
    isMobile: view.mobile,
    hasTouch: view.mobile,
    deviceScaleFactor: 1,
    userAgent: ua,
    serviceWorkers: 'block',
    acceptDownloads: false,
  });
  const allowed = (url) => url === docUrl || url.startsWith('data:');
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    return route.abort('blockedbyclient');
  });
  if (typeof context.routeWebSocket === 'function') {
    await context.routeWebSocket(/.*/, (ws) => ws.close());
  }
  let page = null;
  context.on('page', (p) => { if (page && p !== page) fail(`opened a new window: ${p.url()}`); });
  page = await context.newPage();
  page.on('request', (req) => { if (!allowed(req.url())) fail(`network request: ${req.method()} ${req.url()}`); });
  page.on('websocket', (ws) => fail(`WebSocket: ${ws.url()}`));
  page.on('console', (msg) => { if (msg.type() === 'error') fail(`console error: ${msg.text()}`); });
  page.on('pageerror', (err) => fail(`page error: ${err.message}`));
  page.on('dialog', (d) => { fail(`dialog (${d.type()}): ${d.message()}`); d.dismiss().catch(() => {}); });

  const t0 = Date.now();
  const resp = await page.goto(docUrl, { waitUntil: 'load', timeout: VIEW_TIMEOUT_MS });
  if (resp && !resp.ok()) fail(`loading the file: status ${resp.status()}`);
  await page.waitForTimeout(SETTLE_MS);
  const forbidden = await checkSelectors(page, opts.forbid, fail);
  const missing = [];
  for (const text of opts.expect) {
    if (!(await textVisible(page, text))) {
      missing.push(text);
      fail(`expected text not visible: ${JSON.stringify(text)}`);
    }
  }
  const shot = path.join(opts.outdir, `${view.name}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await context.close();
  return {
    summary: {
      name: view.name, width: view.width, mobile: view.mobile, screenshot: shot,
      scroll_width: scrollWidth, forbidden, missing_text: missing, ms: Date.now() - t0,
    },
    failures,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.mkdirSync(opts.outdir, { recursive: true });
  const docUrl = pathToFileURL(path.resolve(opts.file)).href;
  const scratch = fs.mkdtempSync(path.join(path.resolve(opts.outdir), '.chromium-'));
  // Playwright puts the browser profile under os.tmpdir(); the browser gets HOME there too.
  process.env.TMPDIR = scratch;
  const env = { ...process.env, HOME: scratch, XDG_CONFIG_HOME: path.join(scratch, 'config'),
    XDG_CACHE_HOME: path.join(scratch, 'cache'), TMPDIR: scratch };
  const summary = { file: opts.file, ok: false, chromium: null, views: [], failures: [] };
  let browser;
  let code = 1;
  try {
    try {
      browser = await chromium.launch({
        executablePath: process.env.MSW_CHROMIUM || '/usr/bin/chromium',
        headless: true, args: FLAGS, env, timeout: 60000,
      });
    } catch (e) {
      process.stderr.write(`render: cannot start Chromium: ${e.message.split('\n')[0]}\n`);
      code = 2;
      return;
    }
    summary.chromium = browser.version();
    for (const view of VIEWS) {
      const r = await renderView(browser, opts, view, docUrl);
      summary.views.push(r.summary);
      summary.failures.push(...r.failures);
    }
    summary.ok = summary.failures.length === 0;
    code = summary.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`render: ${e.message}\n`);
      code = 2;
    } else {
      summary.failures.push(`harness: ${e.message.split('\n')[0]}`);
      code = 1;
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    fs.rmSync(scratch, { recursive: true, force: true });
    if (code !== 2) {
      for (const f of summary.failures) process.stderr.write(`render: FAIL ${f}\n`);
      process.stdout.write(JSON.stringify(summary, null, 1) + '\n');
    }
    process.exitCode = code;
  }
}

main();

// The health page in a browser, hydrated and without JavaScript: a failed payment shows in
// the SVG charts, its breakdown row leads to the filtered order list, and the alert it
// raises (scripts/test judges a success rate from one outcome, every second) shows in the
// banner of every page and is acknowledged there. Each mode pays with its own method so
// that each has its own alert to acknowledge.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, signIn, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

// Simulator instrument → the `payment_method` Juspay reports for it.
const MODES = [
  { js: true, instrument: 'WALLET', method: 'PAYTM' },
  { js: false, instrument: 'CONSUMER_FINANCE', method: 'SIMPL' },
];

for (const { js, instrument, method } of MODES) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`health (${mode})`, () => {
    let browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    async function settle(page) {
      if (js) await page.waitForSelector('body[data-hydrated="true"]');
    }

    test('charts, a breakdown link and an acknowledged alert', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      const orderId = await createPaymentLink(page, { amount: '42.00' });
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'failed', method: instrument }),
      });
      assert.equal(paid.status, 200);

      // The webhook records the failure; the evaluator then opens the method's alert.
      const ours = page.locator('.alert-banner li', { hasText: `for method ${method} ` });
      for (let i = 0; i < 60; i++) {
        await page.goto(`${BASE}/health`);
        await settle(page);
        if (await ours.count()) break;
        await page.waitForTimeout(250);
      }
      // More than two open alerts fold behind a summary line: open it.
      const folded = page.locator('.alert-banner details:not([open]) summary');
      if (await folded.count()) await folded.click();
      await ours.waitFor();

      assert.ok(await page.locator('svg[role="img"]').count() >= 2, 'charts drawn on the server');
      const label = await page.locator('svg[role="img"]').first().getAttribute('aria-label');
      assert.match(label, /of \d+/, 'each chart has an accessible label');

      await ours.getByRole('button', { name: 'Acknowledge' }).click();
      if (js) {
        await ours.waitFor({ state: 'hidden' });
      } else {
        await page.getByText('Alert acknowledged.').waitFor();
      }
      await page.goto(`${BASE}/health`);
      await settle(page);
      assert.equal(await ours.count(), 0, 'gone from the banner');
      const history = page.locator('#alerts tr', { hasText: `for method ${method} ` }).first();
      await history.getByText(`by ${ADMIN} at`).waitFor();

      const section = page.locator('section', { has: page.getByRole('heading', { name: 'By payment method', exact: true }) });
      await section.getByRole('link', { name: method, exact: true }).click();
      await page.waitForURL((url) => new URL(url).search === `?method=${method}`);
      await settle(page);
      await page.getByRole('link', { name: orderId }).waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

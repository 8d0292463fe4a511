// Pre-authorised payments in a browser, hydrated and without JavaScript: a payment link
// asked as "authorise only" is paid at the simulator and held; part of it is captured from
// the order page.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, signIn, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`pre-auth (${mode})`, () => {
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

    test('a held payment link is paid, then partly captured from the order page', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      await settle(page);
      const orderId = await createPaymentLink(page, { amount: '45.00', preAuth: true });
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'charged' }),
      });
      assert.equal(paid.status, 200);
      for (let i = 0; i < 60; i++) {
        await page.goto(`${BASE}/orders/${orderId}`);
        await settle(page);
        if (await page.locator('#capture-amount').count()) break;
        await page.waitForTimeout(250);
      }
      assert.equal(await page.getByTestId('status').textContent(), 'AUTHORIZED');
      assert.equal(await page.inputValue('#capture-amount'), '45.00', 'the whole hold by default');
      await page.fill('#capture-amount', '20.00');
      await page.click('button:has-text("Capture")');
      await page.getByText('Capture of ₹20.00 requested: the order is Partially captured.').first().waitFor();
      if (!js) await page.goto(`${BASE}/orders/${orderId}`);
      await page.getByTestId('status').filter({ hasText: 'PARTIAL_CHARGED' }).waitFor();
      assert.equal(await page.locator('#capture-amount').count(), 0, 'nothing left to capture');
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

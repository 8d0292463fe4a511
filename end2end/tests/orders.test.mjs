// Orders in a browser, hydrated and without JavaScript: an operator creates a payment link,
// the customer pays at (simulated) Juspay, the list filters by status through the address
// and keeps the filter across a reload, and the order's page syncs with Juspay.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, signIn, atPath, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`orders (${mode})`, () => {
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

    test('a payment link is created, paid, found by status after a reload and synced', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });

      const orderId = await createPaymentLink(page, { amount: '250.00', email: `${mode}@example.com` });
      await page.getByRole('link', { name: orderId }).waitFor();

      // Still unpaid: it is listed as pending, and the filter survives a reload.
      await page.click('a:has-text("Orders")');
      await page.waitForURL(atPath('/orders'));
      await settle(page);
      await page.selectOption('select[name="group"]', 'pending');
      await page.click('button:has-text("Filter")');
      await page.waitForURL(/group=pending/);
      await settle(page);
      await page.getByRole('link', { name: orderId }).waitFor();
      await page.reload();
      await settle(page);
      assert.equal(await page.inputValue('select[name="group"]'), 'pending', 'the filter is kept');
      await page.getByRole('link', { name: orderId }).waitFor();

      // The customer pays at Juspay; the webhook marks it paid.
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'charged', method: 'UPI' }),
      });
      assert.equal(paid.status, 200);

      // Open the detail from the list: its link leads there.
      const href = await page.getByRole('link', { name: orderId }).getAttribute('href');
      assert.equal(href, `/orders/${orderId}`);
      await page.goto(`${BASE}${href}`);
      await settle(page);
      await page.getByText('₹250.00').first().waitFor();
      await page.click('button:has-text("Sync with Juspay")');
      await page.getByText(/Synced with Juspay: .*CHARGED/).waitFor();
      await page.getByTestId('status').getByText('CHARGED').waitFor();
      await page.getByTestId('timeline').getByText(/Sync — /).first().waitFor();

      await page.goto(`${BASE}/orders?group=paid&q=${orderId}`);
      await settle(page);
      await page.getByRole('link', { name: orderId }).waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

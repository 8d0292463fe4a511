// Refunds in a browser, hydrated and without JavaScript: an operator refunds part of a paid
// order from its page, pressing the button twice, and one refund is made and listed; the
// rest, above the step-up amount, asks for the password again first.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { confirmIdentity, launchChromium, signIn, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`refunds (${mode})`, () => {
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

    test('a partial refund from the order page happens once', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      const orderId = await createPaymentLink(page, { amount: '120.00' });
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'charged' }),
      });
      assert.equal(paid.status, 200);

      // The webhook marks the order paid; the page then offers the refund form.
      for (let i = 0; i < 50; i++) {
        await page.goto(`${BASE}/orders/${orderId}`);
        await settle(page);
        if (await page.locator('#refund-amount').count()) break;
        await page.waitForTimeout(200);
      }
      assert.equal(await page.inputValue('#refund-amount'), '120.00', 'the refundable balance is the default');
      await page.fill('#refund-amount', '20.00');
      await page.fill('#refund-reason', 'damaged item');
      // Submit the same form twice before any answer can arrive. Hydrated, both submissions
      // are dispatched in one task; without JavaScript the browser sends a native double
      // click. Either way the server sees one unique_request_id and makes one refund.
      if (js) {
        await page.evaluate(() => {
          const form = document.querySelector('#refund-amount').form;
          form.requestSubmit();
          form.requestSubmit();
        });
      } else {
        await page.locator('button:has-text("Refund")').dblclick();
      }
      await page.getByText(/Refund of ₹20.00 requested/).first().waitFor();
      await settle(page);

      await page.goto(`${BASE}/refunds?order=${orderId}`);
      await settle(page);
      await page.getByRole('cell', { name: '₹20.00' }).first().waitFor();
      assert.equal(await page.locator('tbody tr').count(), 1, 'one refund');
      const order = await fetch(`${SIM}/__sim/orders/${orderId}`).then((r) => r.json());
      assert.equal(order.refunds.length, 1, 'one refund at Juspay');

      // The rest (100.00) is above the step-up amount the tests run with (50.00): the
      // refund asks for the password again, then goes through with the amount kept.
      await page.goto(`${BASE}/orders/${orderId}`);
      await settle(page);
      await page.fill('#refund-amount', '100.00');
      await page.click('button:has-text("Refund")');
      await page.getByText(/Confirm it's you: enter your password/).first().waitFor();
      await settle(page);
      await confirmIdentity(page, ADMIN_PASSWORD);
      await settle(page);
      assert.equal(await page.inputValue('#refund-amount'), '100.00', 'the amount is kept');
      await page.click('button:has-text("Refund")');
      await page.getByText(/Refund of ₹100.00 requested/).first().waitFor();
      const after = await fetch(`${SIM}/__sim/orders/${orderId}`).then((r) => r.json());
      assert.equal(after.refunds.length, 2, 'the large refund reached Juspay once confirmed');

      // Both refunds are in the audit log, linked to the order.
      await page.goto(`${BASE}/audit?object=${orderId}&action=order.refund`);
      await settle(page);
      await page.getByRole('cell', { name: 'order.refund' }).first().waitFor();
      assert.equal(await page.locator('tbody tr').count(), 2, 'two refunds audited');
      assert.equal(await page.locator(`tbody a[href="/orders/${orderId}"]`).count(), 2);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

// Daily use in a browser, hydrated and without JavaScript: the top bar's search opens what
// an identifier names, times read in the user's zone, and (hydrated) the keyboard moves
// through lists and sections. Then every page is checked with axe-core (from the npm
// package, injected into the page) for serious or critical accessibility violations.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { launchChromium, signIn, atPath, createPaymentLink } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const SIM = process.env.E2E_SIM_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && SIM && ADMIN_PASSWORD, 'scripts/test sets the E2E_* variables');

const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe-core violations of the page now shown, one line each. */
async function accessibilityProblems(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`daily use (${mode})`, () => {
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

    test('the top bar finds an order by its id and times read in the chosen zone', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      const orderId = await createPaymentLink(page, { amount: '12.00' });

      if (js) {
        await page.keyboard.press('/');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'global-search', '/ focuses the search');
        await page.keyboard.type(orderId);
        await page.keyboard.press('Enter');
      } else {
        await page.fill('#global-search', orderId);
        await page.press('#global-search', 'Enter');
      }
      await page.waitForURL(atPath(`/orders/${orderId}`));
      await settle(page);

      await page.goto(`${BASE}/account/sessions`);
      await settle(page);
      await page.fill('#timezone', 'America/New_York');
      await page.click('button:has-text("Save time zone")');
      await page.getByText('Times are now shown in America/New_York.').first().waitFor();
      await page.goto(`${BASE}/orders`);
      await settle(page);
      const shown = await page.locator('table.data time').first().textContent();
      assert.match(shown, / E[SD]T$/, 'New York time, its zone named');
      const utc = await page.locator('table.data time').first().getAttribute('title');
      assert.match(utc, / UTC$/, 'UTC on hover');
      await page.goto(`${BASE}/account/sessions`);
      await settle(page);
      await page.fill('#timezone', '');
      await page.click('button:has-text("Save time zone")');
      await page.getByText(/Times are now shown in the default zone/).first().waitFor();
      await context.close();
    });

    test('Ctrl-K finds a paid order by txn id and by phone; its amount and times read as in India', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      await signIn(page, { base: BASE, next: '/payment-links', username: ADMIN, password: ADMIN_PASSWORD, js });
      const phone = `9${String(Date.now()).slice(-9)}`;
      const orderId = await createPaymentLink(page, { amount: '131182.00', phone });
      const paid = await fetch(`${SIM}/__sim/orders/${orderId}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ outcome: 'charged', method: 'UPI' }),
      }).then((r) => r.json());
      assert.ok(paid.txn_id, 'the simulator names the transaction');

      /** Searches from the top bar (Ctrl-K with JavaScript, the box and Enter without). */
      async function search(term) {
        if (js) {
          await page.keyboard.press('Control+k');
          assert.equal(await page.evaluate(() => document.activeElement?.id), 'global-search', 'Ctrl-K focuses the search');
          await page.keyboard.type(term);
          await page.keyboard.press('Enter');
        } else {
          await page.fill('#global-search', term);
          await page.press('#global-search', 'Enter');
        }
        await page.waitForLoadState();
        await settle(page);
      }

      // The txn id is known once Juspay's webhook is processed; until then nothing is found.
      let found = false;
      for (let i = 0; i < 50 && !found; i++) {
        await page.goto(`${BASE}/orders`);
        await settle(page);
        await search(paid.txn_id);
        found = new URL(page.url()).pathname === `/orders/${orderId}`;
        if (!found) await page.waitForTimeout(200);
      }
      assert.ok(found, 'the txn id opens its order');
      // The detail: the amount grouped as in India, times in IST (the default zone).
      await page.getByText('₹1,31,182.00').first().waitFor();
      assert.match(await page.locator('time').first().textContent(), / IST$/);

      await search(phone);
      await page.locator(`a[href="/orders/${orderId}"]`).first().waitFor();

      await page.goto(`${BASE}/orders?q=${orderId}`);
      await settle(page);
      const row = page.locator('tbody tr', { hasText: orderId });
      await row.getByText('₹1,31,182.00').waitFor();
      assert.match(await row.locator('time').textContent(), / IST$/, 'the list reads IST too');
      await context.close();
    });

    test('filters saved as a view become the page a user opens with', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      await signIn(page, { base: BASE, next: '/orders', username: ADMIN, password: ADMIN_PASSWORD, js });
      await page.selectOption('select[name="group"]', 'pending');
      await page.click('button:has-text("Filter")');
      await page.waitForURL(/group=pending/);
      await settle(page);
      const name = `Pending ${mode}`;
      await page.click('summary:has-text("Save these filters")');
      await page.fill('.save-view input[name="name"]', name);
      await page.click('button:has-text("Save view")');
      const saved = page.locator('.view-list li', { hasText: name });
      await saved.waitFor();
      await saved.getByRole('button', { name: 'Make default' }).click();
      await page.locator('.view-list li', { hasText: name }).getByText('default', { exact: true }).waitFor();

      await page.goto(`${BASE}/orders`);
      await page.waitForURL(/group=pending/);
      await settle(page);
      assert.equal(await page.inputValue('select[name="group"]'), 'pending', 'opened with the view');
      await page.click('a:has-text("Clear")');
      await page.waitForURL((url) => !url.search.includes('group='));
      await settle(page);
      await page.getByRole('button', { name: 'No default' }).click();
      await page.getByText('Default view cleared.').first().waitFor();
      await page.goto(`${BASE}/orders`);
      await settle(page);
      assert.ok(!page.url().includes('group='), 'no default any more');
      await context.close();
    });

    test('on a 390 px phone the sections fold into a menu, filters into a counted line, rows into cards', async () => {
      const context = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await signIn(page, { base: BASE, next: '/orders', username: ADMIN, password: ADMIN_PASSWORD, js });
      await page.goto(`${BASE}/orders?group=pending`);
      await settle(page);
      const sections = page.getByRole('navigation', { name: 'Sections' });
      assert.equal(await sections.isVisible(), false, 'the sections wait behind the menu');
      await page.click('details.nav-menu > summary');
      await sections.getByRole('link', { name: 'Refunds' }).waitFor();
      await page.click('details.nav-menu > summary');
      const filters = page.locator('details.filter-box > summary');
      assert.equal((await filters.textContent()).trim(), 'Filters (1 active)');
      assert.equal(await page.locator('select[name="group"]').isVisible(), false, 'folded');
      await filters.click();
      await page.locator('select[name="group"]').waitFor();
      assert.equal(await page.locator('table.data thead').isVisible(), false, 'rows are cards');
      if (js) {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 390, `nothing wider than the screen: ${width}`);
      }
      await context.close();
    });

    if (js) {
      test('the keyboard moves through rows, opens one and goes to sections', async () => {
        const context = await browser.newContext({ javaScriptEnabled: true });
        const page = await context.newPage();
        await signIn(page, { base: BASE, next: '/orders', username: ADMIN, password: ADMIN_PASSWORD, js });
        await page.locator('table.data tbody tr').first().waitFor();
        await page.keyboard.press('j');
        const first = page.locator('table.data tbody tr.current');
        await first.waitFor();
        const href = await first.locator('a').first().getAttribute('href');
        await page.keyboard.press('Enter');
        await page.waitForURL(atPath(href));
        await settle(page);
        await page.keyboard.press('g');
        await page.keyboard.press('w');
        await page.waitForURL(atPath('/webhooks'));
        await page.keyboard.press('?');
        await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
        await page.keyboard.press('Escape');
        await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'hidden' });
        await page.focus('#global-search');
        await page.keyboard.press('g');
        await page.keyboard.press('o');
        assert.equal(new URL(page.url()).pathname, '/webhooks', 'keys typed into a field stay there');
        assert.equal(await page.inputValue('#global-search'), 'go');
        await context.close();
      });
    }

    test('every page has no serious or critical accessibility violation', async () => {
      // axe-core is injected by the test, not served: the page's own policy would refuse it.
      // axe needs JavaScript; without it the pages are checked as served, their bundle
      // refused, which is what a browser without JavaScript shows.
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      if (!js) await page.route('**/pkg/**', (route) => route.abort());
      const problems = [];
      await page.goto(`${BASE}/login`);
      problems.push(...(await accessibilityProblems(page)).map((p) => `/login: ${p}`));
      await signIn(page, { base: BASE, next: '/orders', username: ADMIN, password: ADMIN_PASSWORD, js });
      if (!js) assert.equal(await page.locator('body[data-hydrated]').count(), 0, 'the pages are not hydrated');
      const orderHref = await page.locator('table.data tbody tr a').first().getAttribute('href');
      for (const path of [
        '/orders', orderHref, '/webhooks', '/refunds', '/disputes', '/mandates', '/health',
        '/audit', '/users', '/outbound', '/account/sessions', '/account/two-factor', '/search?q=none',
        '/payment-links',
      ]) {
        await page.goto(`${BASE}${path}`);
        await settle(page);
        problems.push(...(await accessibilityProblems(page)).map((p) => `${path}: ${p}`));
      }
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

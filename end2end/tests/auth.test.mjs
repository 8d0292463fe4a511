// Sign-in, sign-out, wrong password, user management and admin-only navigation, each run
// twice: hydrated (JavaScript on) and as plain HTML (JavaScript off).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { atPath, confirmIdentity, launchChromium } from '../support.mjs';

const BASE = process.env.E2E_BASE_URL;
const ADMIN = process.env.E2E_ADMIN_USER ?? 'admin';
const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD;
assert.ok(BASE && ADMIN_PASSWORD, 'E2E_BASE_URL and E2E_ADMIN_PASSWORD must be set (scripts/test sets them)');

/** Matches a URL by its path alone (a `next=/x` query must not count as being at /x). */

for (const js of [true, false]) {
  const mode = js ? 'hydrated' : 'no-js';
  describe(`staff sign-in (${mode})`, () => {
    let browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    /** A fresh browser profile with a page at `path`; fails on any page error. */
    async function open(path) {
      const context = await browser.newContext({ javaScriptEnabled: js });
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.problems = problems;
      await goto(page, path);
      return page;
    }

    async function goto(page, path) {
      await page.goto(BASE + path);
      await settle(page);
    }

    /** With JavaScript, wait until hydration has finished so clicks go through Leptos. */
    async function settle(page) {
      if (js) await page.waitForSelector('body[data-hydrated="true"]');
    }

    async function signIn(page, username, password) {
      await page.fill('#username', username);
      await page.fill('#password', password);
      await page.click('button:has-text("Sign in")');
    }

    test('an admin signs in with the printed credentials and sees the admin navigation', async () => {
      const page = await open('/orders');
      assert.match(page.url(), /\/login\?next=/);
      await signIn(page, ADMIN, ADMIN_PASSWORD);
      await page.waitForURL(atPath('/orders'));
      await settle(page);
      await page.getByRole('heading', { name: 'Orders' }).waitFor();
      // The top bar loads beside the page, not before it.
      await page.locator('.who .username').waitFor();
      assert.equal(await page.locator('nav.sections a[href="/users"]').count(), 1);
      assert.match(await page.locator('.who .username').innerText(), new RegExp(ADMIN));
      assert.deepEqual(page.problems, []);
      await page.context().close();
    });

    test('a wrong password shows one generic error and keeps the visitor signed out', async () => {
      const page = await open('/login');
      await signIn(page, ADMIN, 'definitely not the password');
      await page.getByText('Invalid username or password.').waitFor();
      await goto(page, '/orders');
      assert.match(page.url(), /\/login/);
      await page.context().close();
    });

    test('signing out ends the session', async () => {
      const page = await open('/login');
      await signIn(page, ADMIN, ADMIN_PASSWORD);
      await page.waitForURL(atPath('/orders'));
      await settle(page);
      await page.click('button:has-text("Sign out")');
      await page.waitForURL(atPath('/login'));
      await page.getByText('You have signed out.').waitFor();
      await goto(page, '/orders');
      assert.match(page.url(), /\/login/);
      await page.context().close();
    });

    test('an admin adds a viewer, who sees no Users link and is refused the Users page', async () => {
      const viewer = `viewer-${mode}`;
      const password = 'viewer password for e2e';
      const admin = await open('/login?next=/users');
      await signIn(admin, ADMIN, ADMIN_PASSWORD);
      await admin.waitForURL(atPath('/users'));
      await settle(admin);
      await confirmIdentity(admin, ADMIN_PASSWORD);
      await settle(admin);
      await admin.fill('#new-username', viewer);
      await admin.fill('#new-password', password);
      await admin.selectOption('#new-role', 'viewer');
      await admin.click('button:has-text("Add user")');
      await admin.getByText(`User ${viewer} created as viewer.`).waitFor();
      await admin.context().close();

      const page = await open('/login');
      await signIn(page, viewer, password);
      await page.waitForURL(atPath('/orders'));
      await settle(page);
      await page.locator('.who .username').waitFor();
      assert.equal(await page.locator('nav.sections a[href="/users"]').count(), 0);
      const response = await page.goto(BASE + '/users');
      assert.equal(response.status(), 403);
      await page.getByText('You do not have permission to do that.').waitFor();
      await page.context().close();
    });
  });
}

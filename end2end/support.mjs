// What every browser spec shares: Debian's Chromium started the way this machine allows
// (no network beyond loopback), and a check that no page breaks the Content-Security-Policy.
//
// Every context of a browser from `launchChromium` records the CSP violations its pages
// report (Chromium logs each as a console error naming the policy); closing the context or
// the browser throws if there was one, so a spec fails on any page that needed more than
// the policy allows.
import { chromium } from 'playwright-core';

const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const isCspViolation = (text) => /Content Security Policy/i.test(text);

export async function launchChromium() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: LAUNCH_ARGS });
  const violations = [];
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('page', (page) => {
      page.on('console', (message) => {
        if (isCspViolation(message.text())) violations.push(`${page.url()}: ${message.text()}`);
      });
    });
    const close = context.close.bind(context);
    context.close = async (...args) => {
      await close(...args);
      assertNoViolations(violations);
    };
    return context;
  };
  const closeBrowser = browser.close.bind(browser);
  browser.close = async (...args) => {
    await closeBrowser(...args);
    assertNoViolations(violations);
  };
  return browser;
}

function assertNoViolations(violations) {
  if (violations.length > 0) {
    const found = violations.splice(0);
    throw new Error(`Content-Security-Policy violations:\n${found.join('\n')}`);
  }
}

/**
 * Confirms the signed-in user's identity on the current page's "Confirm it's you" form
 * (step-up for sensitive actions) and waits for the confirmation.
 */
export async function confirmIdentity(page, password) {
  await page.fill('#confirm-password', password);
  await page.click('button:has-text("Confirm")');
  await page.getByText('Confirmed: sensitive actions are allowed for five minutes.').first().waitFor();
}

/** A matcher for `page.waitForURL`: the address has exactly this path. */
export const atPath = (path) => (url) => new URL(url).pathname === path;

/**
 * Signs in through the login form and waits for the page `next` (hydrated first when
 * JavaScript is on), as a person would.
 */
export async function signIn(page, { base, next, username, password, js }) {
  const settle = async () => {
    if (js) await page.waitForSelector('body[data-hydrated="true"]');
  };
  await page.goto(`${base}/login?next=${next}`);
  await settle();
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(atPath(next));
  await settle();
}

/**
 * Creates a payment link on the Payment links page the browser is on, filling `amount` and
 * any of `currency`, `email`, `phone` and `preAuth`, and returns the new order's id once
 * the page confirms it.
 */
export async function createPaymentLink(page, { amount, currency, email, phone, preAuth }) {
  await page.fill('#pl-amount', amount);
  if (currency) await page.selectOption('#pl-currency', currency);
  if (email) await page.fill('#pl-email', email);
  if (phone) await page.fill('#pl-phone', phone);
  if (preAuth) await page.check('input[name="pre_auth"]');
  await page.click('button:has-text("Create link")');
  const created = page.getByText(/Payment link for order pl_[a-z0-9]+: http/);
  await created.waitFor();
  return (await created.textContent()).match(/pl_[a-z0-9]+/)[0];
}

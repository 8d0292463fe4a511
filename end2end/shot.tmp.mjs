import { launchChromium, signIn } from './support.mjs';
const BASE = process.env.E2E_BASE_URL;
const browser = await launchChromium();
for (const [w, h, name] of [[1280, 800, 'wide'], [390, 844, 'phone']]) {
  const context = await browser.newContext({ viewport: { width: w, height: h } });
  const page = await context.newPage();
  await signIn(page, { base: BASE, next: '/orders', username: 'admin', password: process.env.E2E_ADMIN_PASSWORD, js: true });
  if (name === 'wide') {
    for (const a of ['12.00', '1234567.50', '99.99']) {
      await page.fill('#pl-amount', a);
      await page.click('button:has-text("Create link")');
      await page.getByText(/Payment link for order/).first().waitFor();
    }
    await page.reload();
    await page.waitForSelector('body[data-hydrated="true"]');
  }
  await page.screenshot({ path: `/tmp/w/${name}.png`, fullPage: false });
  if (name === 'phone') {
    await page.click('details.nav-menu > summary');
    await page.screenshot({ path: `/tmp/w/phone-menu.png` });
    await page.click('details.nav-menu > summary');
    await page.click('details.filter-box > summary');
    await page.screenshot({ path: `/tmp/w/phone-filters.png` });
  }
  await page.keyboard.press('?');
  await page.screenshot({ path: `/tmp/w/${name}-help.png` });
  await context.close();
}
await browser.close();

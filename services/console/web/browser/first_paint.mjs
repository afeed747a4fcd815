// Times the executions list of a project in a fresh browser context: from navigation to the
// first row on screen, and the browser's own first contentful paint. Prints JSON, one load a line.
import { chromium } from "playwright-core";

const [url, loads] = [process.env.CONSOLE_PAGE, Number(process.env.CONSOLE_LOADS ?? "5")];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ["--no-sandbox"] });
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(url);
    await page.locator("table.executions tbody tr").first().waitFor({ timeout: 30_000 });
    const listMs = Date.now() - started;
    const fcp = await page.evaluate(
      () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    );
    console.log(JSON.stringify({ list_ms: listMs, first_contentful_paint_ms: fcp }));
    await context.close();
  }
} finally {
  await browser.close();
}

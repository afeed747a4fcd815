// The console's acceptance flow in a real Chromium, against the running stack. Driven by
// tests/e2e/test_console.py, which registers the runs and passes them in the environment.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env("CONSOLE_URL");
const project = env("CONSOLE_PROJECT");
const launchPlan = env("CONSOLE_LAUNCH_PLAN");
const sleeper = env("CONSOLE_SLEEPER_RUN");
const gated = env("CONSOLE_GATED_RUN");
const out = env("CONSOLE_SCREENSHOTS");
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.setDefaultTimeout(20_000);
const shot = (name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
const step = (what) => console.log(`console: ${what}`);
const executionPage = (run) => `${base}/projects/${project}/domains/development/executions/${run}`;

try {
  step("projects");
  await page.goto(`${base}/`);
  await page.getByRole("link", { name: `${project} / development` }).click();
  await page.getByRole("tab", { name: "Launch plans" }).waitFor();
  await shot("01-project");

  step("launch form");
  await page.getByRole("link", { name: launchPlan, exact: true }).click();
  await page.getByLabel(/^name \(/).fill("console");
  await shot("02-launch-form");
  await page.getByRole("button", { name: "Launch" }).click();
  await page.waitForURL(/\/executions\//);
  // A marker that a reload would wipe: the phase must turn green while it stays.
  await page.evaluate(() => (window.__noReload = true));

  step("live SUCCEEDED");
  await page.locator('h1 .phase[data-phase="SUCCEEDED"]').waitFor({ timeout: 120_000 });
  await page.locator('svg.graph g[data-phase="SUCCEEDED"]').first().waitFor();
  if (!(await page.evaluate(() => window.__noReload))) throw new Error("the page was reloaded");
  await page.getByRole("cell", { name: '"Hello, console!"' }).waitFor();
  await shot("03-graph-succeeded-outputs");

  step("timeline and node table");
  await page.getByRole("tab", { name: "timeline" }).click();
  await page.locator(".tl-bar").first().waitFor();
  await shot("04-timeline");
  await page.getByRole("tab", { name: "nodes" }).click();
  await page.getByRole("table", { name: "Node executions" }).waitFor();
  await page.getByRole("link", { name: /attempt 0/ }).first().waitFor();

  step("executions list");
  await page.getByRole("link", { name: project }).click();
  await page.locator("table.executions tbody tr").first().waitFor();
  await page.getByLabel("Phase").selectOption("SUCCEEDED");
  // The sleeper (RUNNING) and the gated run are in the project too; the filter must drop them.
  await page.waitForFunction(() => {
    const phases = [...document.querySelectorAll("table.executions tbody .phase")].map((e) => e.dataset.phase);
    return phases.length > 0 && phases.every((p) => p === "SUCCEEDED");
  });
  await shot("05-executions");

  step("attributes");
  await page.getByLabel("Resource type").selectOption("EXECUTION_QUEUE");
  await page.waitForFunction(() => document.getElementById("attributes-json").value !== "");
  await page.getByLabel("Matching attributes (JSON)").fill('{"executionQueueAttributes": {"tags": ["console"]}}');
  await page.getByRole("button", { name: "Save attributes" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await page.getByLabel("Resource type").selectOption("TASK_RESOURCE");
  await page.getByLabel("Resource type").selectOption("EXECUTION_QUEUE");
  await page.waitForFunction(() => document.getElementById("attributes-json").value.includes('"console"'));

  step("terminate");
  await page.goto(executionPage(sleeper));
  await page.locator('h1 .phase[data-phase="RUNNING"]').waitFor({ timeout: 120_000 });
  await page.getByRole("button", { name: "Terminate" }).click();
  await page.locator('h1 .phase[data-phase="ABORTED"]').waitFor({ timeout: 60_000 });
  await shot("06-terminated");

  step("gate");
  await page.goto(executionPage(gated));
  await page.getByLabel(/^extra/).fill("5");
  await shot("07-gate");
  await page.getByRole("button", { name: "Set value" }).click();
  await page.locator('h1 .phase[data-phase="SUCCEEDED"]').waitFor({ timeout: 120_000 });
  await page.getByRole("cell", { name: "6", exact: true }).waitFor();
  await shot("08-gate-succeeded");

  step("phone width");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot("09-phone");
  step("done");
} catch (error) {
  await shot("failure").catch(() => {});
  throw error;
} finally {
  await browser.close();
}

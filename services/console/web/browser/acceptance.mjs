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
const tour = env("CONSOLE_TOUR_RUN");
const retried = env("CONSOLE_RETRIED_RUN");
const filePlan = env("CONSOLE_FILE_LAUNCH_PLAN");
const uploadFile = env("CONSOLE_UPLOAD_FILE");
const uploadFolder = env("CONSOLE_UPLOAD_FOLDER");
const expectTraces = env("CONSOLE_EXPECT_TRACES") === "1";
const out = env("CONSOLE_SCREENSHOTS");
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({ executablePath: env("CHROMIUM"), args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
page.setDefaultTimeout(20_000);
const shot = (name, on = page) => on.screenshot({ path: join(out, `${name}.png`), fullPage: true });
const step = (what) => console.log(`console: ${what}`);
const scope = `${base}/projects/${project}/domains/development`;
const executionPage = (run) => `${scope}/executions/${run}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const succeeded = (on = page) => on.locator('h1 .phase[data-phase="SUCCEEDED"]').waitFor({ timeout: 120_000 });

// Presses Tab until the element has the focus: it must be reachable from the keyboard.
async function tabTo(on, locator, presses = 120) {
  await locator.waitFor();
  for (let i = 0; i < presses; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await on.keyboard.press("Tab");
  }
  throw new Error(`not reachable with Tab: ${locator}`);
}

// Nothing wider than the screen: the page never scrolls sideways (wide graphs scroll inside).
async function fitsWidth(on, what) {
  const [content, screen] = await on.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (content > screen) throw new Error(`${what} is ${content}px wide on a ${screen}px screen`);
}

// The trace behind the console's link, through Jaeger's query API (the UI's search takes the same
// parameters); spans reach Jaeger in batches, so it is asked until they are there.
async function traceOf(href) {
  const search = new URL(href.replace("/search?", "/api/traces?").replace("//localhost:", "//127.0.0.1:"));
  for (let i = 0; i < 60; i++) {
    const found = await (await fetch(search)).json();
    if (found.data?.length) return found.data;
    await sleep(1000);
  }
  throw new Error(`no trace found at ${search}`);
}

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

  step("trace link");
  const created = page.url().split("/").pop();
  if (expectTraces) {
    const href = await page.getByRole("link", { name: "Trace in Jaeger" }).getAttribute("href");
    const traces = await traceOf(href);
    const tagged = traces.flatMap((t) => t.spans).flatMap((span) => span.tags);
    const wanted = `${project}/development/${created}`;
    if (!tagged.some((tag) => tag.key === "flightdeck.execution.id" && tag.value === wanted))
      throw new Error(`the trace found does not name ${wanted}`);
    const services = new Set(traces.flatMap((t) => Object.values(t.processes).map((p) => p.serviceName)));
    console.log(`console: trace of ${created} spans ${[...services].sort().join(", ")}`);
  } else if (await page.getByRole("link", { name: "Trace in Jaeger" }).count()) {
    throw new Error("a trace link is shown while tracing is off");
  }

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
  await page.getByRole("textbox", { name: /^extra \(/ }).fill("5");
  await shot("07-gate");
  await page.getByRole("button", { name: "Set value" }).click();
  await page.locator('h1 .phase[data-phase="SUCCEEDED"]').waitFor({ timeout: 120_000 });
  await page.getByRole("cell", { name: "6", exact: true }).waitFor();
  await shot("08-gate-succeeded");

  step("graph children");
  await page.goto(executionPage(tour));
  await succeeded();
  for (const kind of ["sub-workflow", "branch", "dynamic", "map"]) {
    const node = page.getByRole("button", { name: new RegExp(`\\(${kind}, SUCCEEDED\\)`) }).first();
    await node.click();
    if ((await node.getAttribute("aria-expanded")) !== "true") throw new Error(`${kind} did not open`);
    const children = page.getByRole("group", { name: new RegExp(`\\(${kind}\\) children`) });
    await children.locator('g[data-phase="SUCCEEDED"]').first().waitFor();
  }
  await shot("10-graph-expanded");

  step("timeline attempts");
  await page.goto(executionPage(retried));
  await succeeded();
  await page.getByRole("tab", { name: "timeline" }).click();
  await page.locator('tr.tl-attempt[data-phase="SUCCEEDED"]').waitFor();
  const attempts = await page.locator("tr.tl-attempt").count();
  if (attempts < 2) throw new Error(`the retried task shows ${attempts} attempt(s)`);
  await shot("11-timeline-attempts");

  step("upload inputs");
  await page.goto(`${scope}/launch_plans/${filePlan}`);
  await page.getByLabel(/^data \(file/).setInputFiles(uploadFile);
  await page.getByLabel(/^folder \(directory/).setInputFiles(uploadFolder);
  await page.getByRole("button", { name: "Launch" }).click();
  await page.waitForURL(/\/executions\//);
  // The test reads the bytes back from the store at the URIs the run's inputs name.
  for (const input of ["data", "folder"]) {
    const value = page.locator("table.kv tr", { has: page.getByRole("rowheader", { name: input, exact: true }) }).locator("code");
    await value.waitFor();
    console.log(`console: uploaded ${input} ${await value.textContent()}`);
  }
  await shot("12-upload-launched");

  step("keyboard");
  const keys = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  keys.setDefaultTimeout(20_000);
  await keys.goto(`${base}/`);
  await tabTo(keys, keys.getByRole("link", { name: `${project} / development` }));
  await keys.keyboard.press("Enter");
  await tabTo(keys, keys.getByRole("tab", { name: "Launch plans" }));
  await keys.keyboard.press("ArrowRight");
  if ((await keys.getByRole("tab", { name: "Workflows" }).getAttribute("aria-selected")) !== "true")
    throw new Error("the arrow key did not move to the next tab");
  await keys.keyboard.press("ArrowLeft");
  await tabTo(keys, keys.getByRole("link", { name: launchPlan, exact: true }));
  await keys.keyboard.press("Enter");
  await tabTo(keys, keys.getByLabel(/^name \(/));
  await keys.keyboard.press("ControlOrMeta+a");
  await keys.keyboard.type("keys");
  await keys.keyboard.press("Enter");
  await keys.waitForURL(/\/executions\//);
  await succeeded(keys);
  await keys.getByRole("cell", { name: '"Hello, keys!"' }).waitFor();
  await tabTo(keys, keys.getByRole("tab", { name: "graph" }));
  await keys.keyboard.press("End");
  await keys.locator(".tl-bar").first().waitFor();
  await keys.goto(executionPage(tour));
  await succeeded(keys);
  await tabTo(keys, keys.getByRole("button", { name: /\(sub-workflow, SUCCEEDED\)/ }));
  await keys.keyboard.press("Enter");
  await keys.getByRole("group", { name: /\(sub-workflow\) children/ }).waitFor();
  await shot("13-keyboard", keys);
  await keys.close();

  step("phone width");
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  phone.setDefaultTimeout(20_000);
  await phone.goto(`${scope}`);
  await phone.locator("table.executions tbody tr").first().waitFor();
  await fitsWidth(phone, "the project page");
  await phone.goto(`${scope}/launch_plans/${launchPlan}`);
  await phone.getByLabel(/^name \(/).fill("phone");
  await fitsWidth(phone, "the launch form");
  await phone.getByRole("button", { name: "Launch" }).tap();
  await phone.waitForURL(/\/executions\//);
  await succeeded(phone);
  await phone.getByRole("cell", { name: '"Hello, phone!"' }).waitFor();
  await phone.goto(executionPage(tour));
  await succeeded(phone);
  await phone.getByRole("button", { name: /\(map, SUCCEEDED\)/ }).tap();
  await phone.getByRole("group", { name: /\(map\) children/ }).waitFor();
  await fitsWidth(phone, "the execution page");
  await shot("14-phone-execution", phone);
  await phone.getByRole("tab", { name: "timeline" }).tap();
  await phone.locator(".tl-bar").first().waitFor();
  await fitsWidth(phone, "the timeline");
  await shot("15-phone-timeline", phone);
  step("done");
} catch (error) {
  await shot("failure").catch(() => {});
  throw error;
} finally {
  await browser.close();
}

// The console in a real browser against a real bcs serve and a real
// Kubernetes control plane. Started by console_test.go, which passes the
// servers and tokens in the environment; the steps share one signed-in page
// and run in order, like a user's first session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run this suite through go test ./web/console/e2e`);
  return v;
};
const base = env('BCS_URL');
const adminToken = env('BCS_ADMIN_TOKEN');
const viewerToken = env('BCS_VIEWER_TOKEN');
const kubeconfig = env('BCS_KUBECONFIG');
const controlURL = env('BCS_CONTROL_URL');
const shots = env('BCS_SCREENSHOTS');
const registry = env('BCS_REGISTRY');
// Long enough for pods to turn Running on kwok (about 2 s) on a loaded machine.
const LIVE_MS = 30_000;

let browser;
const pages = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: env('BCS_CHROMIUM'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  fs.mkdirSync(shots, { recursive: true });
});

after(async () => {
  // Playwright gives each launch a fresh temporary profile and removes it.
  await browser?.close();
});

async function newPage() {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(LIVE_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // What the browser saw, printed when a step fails.
  const logs = [];
  const note = (m) => logs.push(`${new Date().toISOString().slice(11, 23)} ${m}`.slice(0, 300));
  page.on('console', (m) => note(`console.${m.type()}: ${m.text()}`));
  page.on('websocket', (ws) => {
    note(`ws open ${ws.url()}`);
    ws.on('framereceived', (f) => note(`ws recv ${f.payload}`));
    ws.on('socketerror', (e) => note(`ws error ${e}`));
    ws.on('close', () => note('ws close'));
  });
  pages.push({ page, errors, logs });
  return page;
}

/** axe on the page as it is now: no serious or critical violation. */
async function axe(page, name) {
  const res = await new AxeBuilder({ page }).analyze();
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${name}`);
}

/** Acts behind the console's back through console_test.go. */
async function control(path, body) {
  const res = await fetch(`${controlURL}${path}`, { method: 'POST', body: body && JSON.stringify(body) });
  assert.equal(res.status, 204, `${path}: ${await res.text()}`);
}

async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage });
}

async function signIn(page, token) {
  await page.goto('/');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}

/** Replaces the CodeMirror document with text (select all, then type). */
async function setEditor(page, text, name = 'Manifest YAML') {
  const ed = page.getByRole('textbox', { name });
  await ed.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText keeps the text as is (typing would auto-indent each line).
  await page.keyboard.insertText(text);
}

const manifest = (replicas, image) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
`;

test('a first session in the console', async (t) => {
  const page = await newPage();
  let projectURL = '';
  let workloadURL = '';
  // Steps build on each other: after the first failure the rest would only
  // time out one by one, so the run stops there, with a picture of the page.
  let broken = '';
  const step = async (name, fn) => {
    if (broken) return;
    await t.test(name, async () => {
      try {
        await fn();
      } catch (e) {
        broken = name;
        for (const [i, { page: p, logs }] of pages.entries()) {
          console.log(`--- page ${i}: the browser's last messages\n${logs.slice(-40).join('\n')}`);
          if (p.isClosed()) continue;
          await p.screenshot({ path: path.join(shots, `failed-${i}.png`) }).catch(() => {});
          const text = await p.locator('body').innerText().catch(() => '');
          console.log(`--- page ${i} at ${p.url()} when "${name}" failed:\n${text.slice(0, 2000)}`);
        }
        throw e;
      }
    });
  };

  await step('sign-in page', async () => {
    await page.goto('/projects');
    await page.getByLabel('API token').waitFor();
    await axe(page, 'sign-in');
    await shot(page, 'sign-in');
  });

  await step('a bad token is refused where it was typed', async () => {
    await page.getByLabel('API token').fill('bcs_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Projects' }).count(), 0);
  });

  await step('sign in with a token: an HttpOnly session cookie, not the token, is kept', async () => {
    await signIn(page, adminToken);
    const cookies = await page.context().cookies();
    const s = cookies.find((c) => c.name === 'bcs_session');
    assert.ok(s, 'bcs_session cookie set');
    assert.equal(s.httpOnly, true);
    assert.equal(s.sameSite, 'Strict');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes(adminToken), 'the token is not kept by the page');
  });

  await step('create a project; a taken code is reported on its field', async () => {
    await page.getByLabel('Name', { exact: true }).fill('Shop');
    await page.getByLabel('Code').fill('shop');
    await page.getByLabel('Description').fill('The web shop');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: /Shop/ }).waitFor();
    projectURL = new URL(page.url()).pathname;
    assert.match(projectURL, /^\/projects\/[^/]+$/);
    await page.goto('/projects');
    await page.getByRole('link', { name: 'Shop' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Shop 2');
    await page.getByLabel('Code').fill('shop');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.locator('.field-error, .alert').filter({ hasText: /code/i }).first().waitFor();
    await axe(page, 'projects');
    await shot(page, 'projects');
  });

  await step('add the viewer as a member with role viewer', async () => {
    await page.goto(projectURL);
    await page.getByLabel('User name').fill('viewer');
    await page.getByLabel('Role', { exact: true }).selectOption('VIEWER');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('combobox', { name: 'Role of viewer' }).waitFor();
    await axe(page, 'project');
    await shot(page, 'project');
  });

  await step('register the cluster by kubeconfig; its status arrives live', async () => {
    await page.goto(`${projectURL}/clusters`);
    await page.getByLabel('Cluster name').first().fill('dev-1');
    await page.getByRole('textbox', { name: 'Kubeconfig', exact: true }).fill(kubeconfig);
    await page.getByRole('button', { name: 'Register cluster' }).click();
    const row = page.locator('tr[data-cluster="dev-1"]');
    await row.locator('.badge', { hasText: 'NORMAL' }).waitFor();
    assert.match(await row.innerText(), /v1\.37/);
    await page.getByLabel('Cluster name').nth(1).fill('edge-1');
    await page.getByRole('button', { name: 'Create agent token' }).click();
    const cmd = await page.getByLabel('agent command').innerText();
    assert.match(cmd, new RegExp(`^bcs agent --server ${base.replace(/[/.]/g, '\\$&')} --token \\S+ --kubeconfig`));
    await axe(page, 'clusters');
    await shot(page, 'clusters');
  });

  await step('bad YAML shows its line', async () => {
    await page.goto(`${projectURL}/deploy`);
    await page.getByRole('textbox', { name: 'Manifest YAML' }).waitFor();
    await page.getByLabel('Cluster', { exact: true }).selectOption({ label: 'dev-1' });
    await setEditor(page, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n bad: 1\nspec: {}\n');
    const err = page.getByTestId('yaml-error');
    await err.waitFor();
    assert.match(await err.innerText(), /^Line 5:/);
    await page.locator('.cm-line[data-error-line="5"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Dry run' }).isDisabled(), true);
    await shot(page, 'deploy-bad-yaml');
  });

  await step('deploy a Deployment after reading its dry-run diff', async () => {
    await setEditor(page, manifest(2, 'nginx:1.27'));
    assert.equal(await page.getByRole('button', { name: 'Apply' }).isDisabled(), true, 'Apply waits for a dry run');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const diff = page.getByLabel('dry-run diff');
    await diff.getByText('Deployment default/web').waitFor();
    assert.match(await diff.innerText(), /created/);
    await axe(page, 'deploy');
    await shot(page, 'deploy-dry-run');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
  });

  await step('the workloads table shows it live, then its pods turn Running without a reload', async () => {
    await page.getByRole('link', { name: 'Workloads' }).click();
    const row = page.locator('[data-workload="web"]');
    await row.getByTestId('ready').filter({ hasText: '2/2' }).waitFor();
    // A fresh load of the page, for the record (not a pass/fail figure):
    // from navigation start until the live row is on screen.
    await page.goto(`${projectURL}/workloads`);
    await row.getByTestId('ready').filter({ hasText: '2/2' }).waitFor();
    const ms = await page.evaluate(() => Math.round(performance.now()));
    const fcp = await page.evaluate(() => Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1));
    console.log(`workloads page: first contentful paint ${fcp} ms, live row shown by ${ms} ms after navigation start`);
    await axe(page, 'workloads');
    await shot(page, 'workloads');
    // From the keyboard: into the table, down to the row, open it.
    await page.locator('.vt').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.activeElement?.textContent === 'web');
    await page.keyboard.press('Enter');
    await page.getByTestId('counts').waitFor();
    workloadURL = new URL(page.url()).pathname;
    await page.waitForFunction(() => document.querySelectorAll('tr[data-pod] .phase-Running').length === 2, null, { timeout: LIVE_MS });
    await page.getByTestId('counts').filter({ hasText: 'Ready 2/2' }).waitFor();
  });

  await step('scale from the workload page', async () => {
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await page.getByLabel('Replicas').fill('3');
    await page.getByRole('button', { name: 'Scale' }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await page.getByTestId('counts').filter({ hasText: 'Ready 3/3' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-pod] .phase-Running').length === 3, null, { timeout: LIVE_MS });
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), nav, 'no reload');
    await axe(page, 'workload');
    await shot(page, 'workload');
  });

  await step('a pod\'s live log and a terminal in it, through the Kubernetes proxy', async () => {
    const podLog = env('BCS_POD_LOG');
    await page.locator('tr[data-pod]').first().getByRole('link', { name: 'Logs' }).click();
    await page.getByTestId('log').filter({ hasText: 'hello from the pod' }).waitFor();
    await page.getByTestId('log-state').filter({ hasText: 'Following' }).waitFor();
    fs.appendFileSync(podLog, '2026-01-01T00:00:01Z stdout F a line written later\n');
    await page.getByTestId('log').filter({ hasText: 'a line written later' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    fs.appendFileSync(podLog, '2026-01-01T00:00:02Z stdout F held while paused\n');
    await page.getByTestId('log-state').filter({ hasText: '1 new line held' }).waitFor();
    assert.doesNotMatch(await page.getByTestId('log').innerText(), /held while paused/);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('log').filter({ hasText: 'held while paused' }).waitFor();
    await axe(page, 'pod logs');
    await shot(page, 'pod-logs');
    await page.goto(workloadURL);
    await page.locator('tr[data-pod]').first().getByRole('link', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('terminal-state').filter({ hasText: 'Connected' }).waitFor();
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo bcs-$((6*7))\n');
    await page.getByTestId('terminal').filter({ hasText: 'bcs-42' }).waitFor();
    await shot(page, 'pod-terminal');
    await page.goto(workloadURL);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-pod] .phase-Running').length === 3, null, { timeout: LIVE_MS });
  });

  await step('a change made directly on the API server appears live', async () => {
    await control('/scale', { namespace: 'default', name: 'web', replicas: 1 });
    await page.getByTestId('counts').filter({ hasText: 'Ready 1/1' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-pod]').length === 1, null, { timeout: LIVE_MS });
  });

  await step('after the server went away and came back, the page resumes without a reload', async () => {
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await control('/bcs/stop');
    await page.getByTestId('connection').filter({ hasText: 'Reconnecting' }).waitFor();
    // Changed while no BCS watched: recorded when it starts again, and sent
    // to the page as it resumes from the last revision it applied.
    await control('/scale', { namespace: 'default', name: 'web', replicas: 2 });
    await control('/bcs/start');
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
    await page.getByTestId('counts').filter({ hasText: 'Ready 2/2' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-pod] .phase-Running').length === 2, null, { timeout: LIVE_MS });
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), nav, 'no reload');
  });

  await step('roll back to the previous revision', async () => {
    await page.getByRole('link', { name: 'Deploy' }).click();
    await page.getByLabel('Cluster', { exact: true }).selectOption({ label: 'dev-1' });
    await setEditor(page, manifest(3, 'nginx:1.28'));
    await page.getByRole('button', { name: 'Dry run' }).click();
    // The direct scale made kubectl the owner of spec.replicas: the dry run
    // says so, and Apply stays off until the user takes the field over.
    await page.getByRole('alert').filter({ hasText: 'owned by kubectl' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Apply' }).isDisabled(), true);
    await page.getByLabel('take over fields other managers own').check();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByLabel('dry-run diff').getByText('"nginx:1.28"').first().waitFor();
    await shot(page, 'deploy-diff');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await waitImage('nginx:1.28');
    await page.goto(workloadURL);
    // The revision history and the events come live with the rollout.
    await page.getByLabel('events').getByText('ScalingReplicaSet').first().waitFor();
    await page.getByRole('button', { name: 'Roll back to 1' }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await waitImage('nginx:1.27');
    await page.getByLabel('revision history').locator('[data-revision="3"]').getByText('current').waitFor();
    await shot(page, 'workload-history');
  });

  await step('instantiate a template into two namespaces', async () => {
    for (const ns of ['team-a', 'team-b']) await control('/namespace', { name: ns });
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByLabel('Name', { exact: true }).fill('shop-web');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: /Template shop-web/ }).waitFor();
    for (const [k, v] of [['app', 'shopweb'], ['replicas', '1'], ['image', 'nginx:1.27']]) {
      await page.getByLabel('Key', { exact: true }).fill(k);
      await page.getByLabel('Value', { exact: true }).fill(v);
      await page.getByRole('button', { name: 'Set variable' }).click();
      await page.getByRole('table', { name: 'variables' }).getByText(k, { exact: true }).waitFor();
    }
    await page.getByLabel('Version label').fill('v1');
    await page.getByRole('button', { name: 'Create version' }).click();
    await page.getByLabel('Version', { exact: true }).locator('option', { hasText: 'v1' }).waitFor({ state: 'attached' });
    await page.getByLabel('Namespaces').fill('team-a, team-b');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByLabel('template preview').getByText('Deployment team-a/shopweb').waitFor();
    await page.getByRole('button', { name: 'Instantiate into 2 namespaces' }).click();
    for (const ns of ['team-a', 'team-b']) {
      await page.locator(`tr[data-instance="${ns}"]`).getByTestId('instance-status').filter({ hasText: 'READY' }).waitFor();
    }
    await axe(page, 'template');
    // A version that uses a variable nobody set: the preview names its line.
    const ed = page.getByRole('textbox', { name: 'Template draft' });
    await ed.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('        env: [{name: MODE, value: "{{ mode }}"}]\n');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('button', { name: 'Save draft' }).and(page.locator(':disabled')).waitFor();
    await page.getByLabel('Version label').fill('v2');
    await page.getByRole('button', { name: 'Create version' }).click();
    await page.getByLabel('Version', { exact: true }).locator('option', { hasText: 'v2' }).waitFor({ state: 'attached' });
    await page.getByLabel('Version', { exact: true }).selectOption({ label: 'v2' });
    await page.getByRole('button', { name: 'Preview' }).click();
    const line = page.getByTestId('render-error-line');
    await line.waitFor();
    assert.match(await line.innerText(), /^Line 16 of version v2/);
    await page.locator('.cm-line[data-error-line="16"]').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'template', true);
  });

  await step('operations and tokens pages', async () => {
    await page.goto(`${projectURL}/operations`);
    await page.getByRole('table', { name: 'operations' }).getByText('SCALE').first().waitFor();
    await axe(page, 'operations');
    await shot(page, 'operations');
    await page.goto('/tokens');
    await page.getByLabel('Name', { exact: true }).fill('ci');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByLabel('new token secret').waitFor();
    await axe(page, 'tokens');
    await page.goto(`${projectURL}/audit`);
    await page.getByRole('table', { name: 'audit log' }).waitFor();
    await axe(page, 'audit');
  });

  await step('the command palette jumps to a cluster (Ctrl-K, keyboard only)', async () => {
    await page.keyboard.press('Control+K');
    await page.getByRole('combobox', { name: 'Jump to' }).fill('dev-1');
    await page.getByRole('option', { name: /^dev-1 · cluster/, selected: true }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Workloads' }).waitFor();
    assert.match(page.url(), /workloads\?cluster=/);
  });

  await step('dark theme', async () => {
    await page.getByRole('button', { name: 'Toggle light or dark theme' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.goto(workloadURL);
    await page.getByTestId('counts').waitFor();
    await axe(page, 'workload (dark)');
    await shot(page, 'workload-dark');
  });

  await step('cordon and uncordon a node from the cluster page; its state follows live', async () => {
    await page.goto(`${projectURL}/clusters`);
    await page.getByRole('link', { name: 'dev-1' }).click();
    const row = page.locator('tr[data-node="kwok-node-1"]');
    await row.getByRole('button', { name: 'Cordon', exact: true }).click();
    await row.getByText('cordoned', { exact: true }).waitFor();
    await axe(page, 'cluster');
    await shot(page, 'cluster');
    await row.getByRole('button', { name: 'Uncordon', exact: true }).click();
    await row.getByRole('button', { name: 'Cordon', exact: true }).waitFor();
    assert.equal(await row.getByText('cordoned', { exact: true }).count(), 0);
    // Labels and taints: a bad line is shown before anything is sent; a good
    // taint and label reach the node and come back live.
    await row.getByRole('button', { name: 'Labels and taints' }).click();
    const taints = page.getByLabel('Taints (key=value:Effect, one a line)');
    await taints.fill('dedicated=gpu:Sometimes');
    await page.getByRole('alert').filter({ hasText: 'line 1: effect "Sometimes"' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save taints' }).isDisabled(), true);
    await taints.fill('dedicated=gpu:NoSchedule');
    await page.getByRole('button', { name: 'Save taints' }).click();
    await row.getByText('dedicated=gpu:NoSchedule').waitFor();
    const labels = page.getByLabel('Labels (key=value, one a line)');
    await labels.fill(`${await labels.inputValue()}\nbcs.io/pool=gpu`);
    await page.getByRole('button', { name: 'Save labels' }).click();
    await page.getByTestId('operation').filter({ hasText: 'Labels of kwok-node-1' }).getByText('SUCCEEDED').waitFor();
    await axe(page, 'cluster (node editor)');
    await taints.fill('');
    await page.getByRole('button', { name: 'Save taints' }).click();
    await row.getByText('dedicated=gpu:NoSchedule').waitFor({ state: 'detached' });
  });

  await step('download a kubeconfig for the cluster from its page', async () => {
    const cluster = new URL(page.url()).pathname.split('/').pop();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download kubeconfig' }).click()]);
    assert.equal(download.suggestedFilename(), 'dev-1.kubeconfig');
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.match(text, new RegExp(`server: \\S+/clusters/${cluster}/k8s`));
    assert.match(text, /token: bcs_/);
  });

  await step('add an OCI chart repository, read a version\'s default values, install it after its preview', async () => {
    await page.goto(`${projectURL}/charts`);
    await page.getByLabel('Name', { exact: true }).fill('main');
    await page.getByLabel('URL', { exact: true }).fill(`oci://${registry}/charts`);
    await page.getByLabel('Username').fill('console');
    await page.getByLabel('Password').fill('registry-pw');
    await page.getByLabel('plain HTTP (OCI)').check();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('tr[data-repo="main"]').getByText('password set').waitFor();
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password stays on the page');
    await page.locator('details[data-chart="shop"] summary').click();
    const v1 = page.getByRole('table', { name: 'versions of shop' }).getByRole('row').filter({ hasText: '0.1.0' });
    await v1.getByRole('button', { name: 'Default values' }).click();
    await page.getByTestId('default-values').filter({ hasText: 'replicaCount: 1' }).waitFor();
    await axe(page, 'charts');
    await shot(page, 'charts');
    await v1.getByRole('link', { name: 'Install…' }).click();
    await page.getByRole('heading', { name: 'Install a chart' }).waitFor();
    await page.getByLabel('Release name').fill('shop');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByTestId('preview').getByText(/of chart version 0\.1\.0/).waitFor();
    await page.getByTestId('preview').getByRole('cell', { name: /^Deployment/ }).waitFor();
    await page.getByRole('button', { name: 'Install', exact: true }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await axe(page, 'install a chart');
  });

  await step('the release is listed as deployed, as the cluster keeps it', async () => {
    await page.goto(`${projectURL}/releases`);
    const row = page.locator('tr[data-release="shop"]');
    await row.getByText('deployed').waitFor();
    assert.match(await row.innerText(), /shop-0\.1\.0/);
    await shot(page, 'releases');
  });

  await step('upgrade the release after its values diff, then roll it back from its history', async () => {
    await page.locator('tr[data-release="shop"]').getByRole('link', { name: 'shop' }).click();
    await page.getByRole('heading', { name: /Release shop/ }).waitFor();
    await page.getByRole('button', { name: 'Upgrade…' }).click();
    await page.getByRole('heading', { name: 'Upgrade shop' }).waitFor();
    await page.getByLabel('Version').fill('0.2.0');
    await setEditor(page, 'replicaCount: 2\n', 'Values YAML');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await preview.getByText(/Revision 2 of chart version 0\.2\.0/).waitFor();
    assert.match(await preview.getByTestId('values-diff').innerText(), /replicaCount: 2/);
    await page.getByRole('button', { name: 'Upgrade', exact: true }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await page.getByRole('link', { name: 'Open the release' }).click();
    const history = page.getByRole('table', { name: 'history' });
    await history.locator('tr[data-revision="2"]').getByText('deployed').waitFor();
    page.once('dialog', (d) => d.accept());
    await history.locator('tr[data-revision="1"]').getByRole('button', { name: 'Rollback' }).click();
    await page.getByTestId('operation').getByText('SUCCEEDED').waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const third = history.locator('tr[data-revision="3"]');
    await third.getByText('deployed').waitFor();
    assert.match(await third.innerText(), /shop-0\.1\.0/);
    await axe(page, 'release');
    await shot(page, 'release');
  });

  await step('a viewer sees write actions disabled, with the reason', async () => {
    const vp = await newPage();
    await signIn(vp, viewerToken);
    await vp.goto(workloadURL);
    const scale = vp.getByRole('button', { name: 'Scale' });
    await scale.waitFor();
    await vp.waitForFunction(() => document.querySelector('button[data-action="clusterUse"]')?.title?.includes('needs role'));
    assert.equal(await scale.isDisabled(), true);
    assert.match(await scale.getAttribute('title'), /needs role developer or higher \(you are viewer\)/);
    // Logs for everyone; the terminal from the project's execMinRole (developer).
    const pod = vp.locator('tr[data-pod]').first();
    await vp.waitForFunction(() => document.querySelector('tr[data-pod] button[data-action="terminal"]')?.title?.includes('needs role'));
    assert.match(await pod.locator('button[data-action="terminal"]').getAttribute('title'), /a terminal needs role developer or higher in this project \(you are viewer\)/);
    assert.equal(await pod.locator('button[data-action="terminal"]').isDisabled(), true);
    await pod.getByRole('link', { name: 'Logs' }).waitFor();
    await vp.goto(`${projectURL}/deploy`);
    await vp.getByRole('button', { name: 'Dry run' }).waitFor();
    await vp.waitForFunction(() => document.querySelector('button[data-action="clusterUse"]')?.title?.includes('needs role'));
    assert.equal(await vp.getByRole('button', { name: 'Dry run' }).isDisabled(), true);
    await axe(vp, 'deploy (viewer)');
    await shot(vp, 'viewer-deploy');
    await vp.goto(projectURL);
    await vp.getByRole('button', { name: 'Add member' }).waitFor();
    await vp.waitForFunction(() => document.querySelector('button[data-action="memberManage"]')?.disabled);
    await axe(vp, 'project (viewer)');
    await vp.context().close();
  });

  await step('sign-out ends the session on the server', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'bcs_session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    // The old cookie, replayed, no longer works.
    const res = await fetch(`${base}/auth/session`, { headers: { cookie: `bcs_session=${cookie.value}` } });
    assert.equal(res.status, 401);
    await page.goto('/projects');
    await page.getByLabel('API token').waitFor();
  });

  assert.equal(broken, '', 'every step passed');
  for (const { errors } of pages) assert.deepEqual(errors, [], 'no uncaught page errors');

  async function waitImage(image) {
    const deadline = Date.now() + LIVE_MS;
    for (;;) {
      const d = await (await fetch(`${controlURL}/deployment?namespace=default&name=web`)).json();
      if (d.image === image) return;
      if (Date.now() > deadline) assert.fail(`image ${d.image}, want ${image}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

// The screenshots of this folder: headless Chromium over the built site, one per page kind,
// and the search with a query typed. Needs `npm install playwright-core mermaid` (in any
// folder; set NODE_PATH to its node_modules), /usr/bin/chromium, and the site served:
//   mkdocs build --strict -d /tmp/site && (cd /tmp/site && python3 -m http.server 8765)
//   NODE_PATH=/tmp/pw/node_modules node docs/screenshots/shoot.js
const { chromium } = require('playwright-core');
(async () => {
  const dir = require('fs').mkdtempSync('/tmp/chrome-profile-');
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  // no internet here: Material's request for mermaid.js (unpkg CDN) is served from npm's copy
  await context.route('https://unpkg.com/mermaid@11/dist/mermaid.min.js', route =>
    route.fulfill({ path: require.resolve('mermaid/dist/mermaid.min.js'),
                    contentType: 'application/javascript' }));
  const page = await context.newPage();
  const base = 'http://127.0.0.1:8765/';
  const out = __dirname + '/';
  const shots = [
    ['home', ''],
    ['tutorial', 'tutorials/xor/'],
        ['how-to', 'how-to/layer/'],
    ['explanation', 'explanation/design/#a-training-steps-data-flow'],
    ['figures', 'tutorials/gradient_descent/#vanishing-gradients'],
    ['reference', 'reference/layers/#nnfunc.layers.Dense'],
  ];
  for (const [name, path] of shots) {
    await page.goto(base + path, { waitUntil: 'networkidle' });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: out + name + '.png' });
    console.log('shot', name, await page.title());
  }
  await page.goto(base, { waitUntil: 'networkidle' });
  await page.keyboard.press('/');           // Material's search shortcut (also "s")
  await page.waitForTimeout(500);
  await page.keyboard.type('check_grads', { delay: 60 });
  await page.waitForTimeout(2500);
  await page.screenshot({ path: out + 'search.png' });
  const results = await page.$$eval('.md-search-result__item', els => els.length);
  console.log('search results', results);
  await context.close();
})();

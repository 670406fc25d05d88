#!/usr/bin/env node
// Copy the third-party front-end files the pages need from node_modules/
// into app/static/vendor/ (which is generated and not committed).
//
//   npm ci && npm run build
//
// - Checks every source file exists before touching anything; exits 1 on a
//   missing file (e.g. npm ci not run, or a package changed its layout).
// - Idempotent: the vendor subfolders it owns (bootstrap/, htmx/, chart.js/, bpmn-js/, socket.io/)
//   are emptied and re-filled on every run, so stale files never linger.
// - After copying, checks that every relative url(...) in the copied CSS
//   points at a copied file (the bpmn-font icon font in particular).

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = join(ROOT, 'node_modules');
const VENDOR = join(ROOT, 'app', 'static', 'vendor');

// [package, [source path inside the package, destination path inside vendor/]...]
const BPMN_FONT_FILES = ['bpmn.eot', 'bpmn.svg', 'bpmn.ttf', 'bpmn.woff', 'bpmn.woff2'];

const MANIFEST = [
  {
    pkg: 'bootstrap',
    dest: 'bootstrap',
    files: [
      ['dist/css/bootstrap.min.css', 'css/bootstrap.min.css'],
      // Referenced by the sourceMappingURL comments of the two files above/below;
      // shipped so browser dev tools don't log 404s.
      ['dist/css/bootstrap.min.css.map', 'css/bootstrap.min.css.map'],
      ['dist/js/bootstrap.bundle.min.js', 'js/bootstrap.bundle.min.js'],
      ['dist/js/bootstrap.bundle.min.js.map', 'js/bootstrap.bundle.min.js.map'],
      ['LICENSE', 'LICENSE'],
    ],
  },
  {
    pkg: 'htmx.org',
    dest: 'htmx',
    files: [
      ['dist/htmx.min.js', 'htmx.min.js'],
      ['LICENSE', 'LICENSE'],
    ],
  },
  {
    pkg: 'chart.js',
    dest: 'chart.js',
    files: [
      ['dist/chart.umd.min.js', 'chart.umd.min.js'],
      ['dist/chart.umd.min.js.map', 'chart.umd.min.js.map'],
      ['LICENSE.md', 'LICENSE.md'],
    ],
  },
  {
    pkg: 'bpmn-js',
    dest: 'bpmn-js',
    files: [
      ['dist/bpmn-navigated-viewer.production.min.js', 'bpmn-navigated-viewer.production.min.js'],
      ['dist/assets/diagram-js.css', 'assets/diagram-js.css'],
      ['dist/assets/bpmn-js.css', 'assets/bpmn-js.css'],
      ['dist/assets/bpmn-font/css/bpmn.css', 'assets/bpmn-font/css/bpmn.css'],
      ...BPMN_FONT_FILES.map((f) => [`dist/assets/bpmn-font/font/${f}`, `assets/bpmn-font/font/${f}`]),
      ['LICENSE', 'LICENSE'],
    ],
  },
  {
    pkg: 'socket.io-client',
    dest: 'socket.io',
    files: [
      ['dist/socket.io.min.js', 'socket.io.min.js'],
      ['dist/socket.io.min.js.map', 'socket.io.min.js.map'],
      ['LICENSE', 'LICENSE'],
    ],
  },
];

function fail(message) {
  console.error(`copy-vendor: ERROR: ${message}`);
  process.exit(1);
}

function rel(p) {
  return relative(ROOT, p).split('\\').join('/');
}

// 1. Check everything first, so a failure leaves vendor/ as it was.
if (!existsSync(NODE_MODULES)) {
  fail(`${rel(NODE_MODULES)}/ not found; run "npm ci" first.`);
}

const plan = [];
const missing = [];
for (const { pkg, dest, files } of MANIFEST) {
  const pkgDir = join(NODE_MODULES, pkg);
  const pkgJson = join(pkgDir, 'package.json');
  if (!existsSync(pkgJson)) {
    missing.push(`${rel(pkgJson)} (package "${pkg}" not installed)`);
    continue;
  }
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  for (const [src, to] of files) {
    const from = join(pkgDir, src);
    if (!existsSync(from) || !statSync(from).isFile()) {
      missing.push(`${rel(from)} (${pkg}@${version})`);
      continue;
    }
    plan.push({ pkg, version, dest, from, to: join(VENDOR, dest, to) });
  }
}
if (missing.length) {
  fail(`missing source file(s):\n  ${missing.join('\n  ')}\nRun "npm ci"; if it still fails, the package layout changed.`);
}

// 2. Empty the vendor subfolders we own, then copy.
for (const { dest } of MANIFEST) {
  rmSync(join(VENDOR, dest), { recursive: true, force: true });
}
let lastPkg = null;
let totalBytes = 0;
for (const { pkg, version, from, to } of plan) {
  if (pkg !== lastPkg) {
    console.log(`${pkg}@${version}`);
    lastPkg = pkg;
  }
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  const size = statSync(to).size;
  totalBytes += size;
  console.log(`  ${rel(from)} -> ${rel(to)} (${size} bytes)`);
}

// 3. Every relative url(...) in the copied CSS must resolve to a copied file.
const copied = new Set(plan.map(({ to }) => resolve(to)));
const broken = [];
for (const { to } of plan.filter(({ to }) => to.endsWith('.css'))) {
  const css = readFileSync(to, 'utf8');
  for (const m of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
    const url = m[2].trim();
    if (/^(data:|[a-z][a-z0-9+.-]*:|\/\/|\/|#)/i.test(url)) continue; // data:, absolute, fragment
    const target = resolve(dirname(to), posix.normalize(url.split(/[?#]/)[0]));
    if (!copied.has(target)) broken.push(`${rel(to)}: url(${url}) -> ${rel(target)}`);
  }
}
if (broken.length) {
  fail(`copied CSS references file(s) that were not copied:\n  ${broken.join('\n  ')}`);
}

console.log(`copy-vendor: copied ${plan.length} files (${totalBytes} bytes) into ${rel(VENDOR)}/`);

#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepare`, so `npm pack`, `npm install <git url>` and the
 * `npm install` that `pulumi package add` runs in a clone all build): compiles the component
 * package (tsconfig.build.json) into bin/components/ and copies the non-TypeScript files the
 * components read at run time (e.g. components/backups/scripts/*.sh) next to the compiled code.
 * Plain JavaScript so it runs before anything is compiled.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const root = path.resolve(__dirname, "..");
const src = path.join(root, "components");
const out = path.join(root, "bin", "components");

// Start clean: a file deleted from components/ must not linger in the package.
fs.rmSync(out, { recursive: true, force: true });

const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (r.status !== 0) {
  console.error(`build: tsc failed (exit ${r.status ?? r.signal})`);
  process.exit(r.status || 1);
}

/** Copies every file that is not TypeScript source, keeping its mode (the shell scripts stay executable). */
function copyAssets(dir) {
  let copied = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const from = path.join(dir, e.name);
    if (e.isDirectory()) {
      copied += copyAssets(from);
    } else if (e.isFile() && !e.name.endsWith(".ts")) {
      const to = path.join(out, path.relative(src, from));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
      fs.chmodSync(to, fs.statSync(from).mode & 0o777);
      copied++;
    }
  }
  return copied;
}

const assets = copyAssets(src);
console.log(`build: bin/components (JS + .d.ts) and ${assets} asset file(s)`);

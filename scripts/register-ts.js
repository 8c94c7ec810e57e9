/**
 * Lets Node run this project's TypeScript directly: .ts files are transpiled with esbuild when they
 * are first required (types are checked separately by `tsc --noEmit`). Used by `npm run plan` and by
 * mocha (.mocharc.json). Plain CommonJS so it needs no loader itself, and Node's own module
 * resolution is untouched, so __dirname and relative paths stay what the source says.
 *
 * Output is cached by content hash under node_modules/.cache/dify-aws-ts. On the first miss, every
 * project .ts file is transpiled in ONE esbuild call (each synchronous esbuild call is a round trip
 * to its service process), so a fresh clone's first run costs one call, a warm run none.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const cacheDir = path.join(ROOT, "node_modules", ".cache", "dify-aws-ts");
// TS_NO_SOURCEMAP=1 (set by scripts/plan.js): smaller output for one-shot runs that print no stacks.
const SOURCEMAP = process.env.TS_NO_SOURCEMAP ? false : "inline";
const OPTIONS = { format: "cjs", target: "node20", platform: "node", sourcemap: SOURCEMAP, tsconfigRaw: "{}" };
const KEY = JSON.stringify(OPTIONS) + require("esbuild/package.json").version;
const SKIP = new Set(["node_modules", "bin", ".git", "examples"]);
let esbuild;
let batched = false;

const cacheFile = (filename, source) =>
  path.join(cacheDir, `${crypto.createHash("sha1").update(KEY).update(filename).update(source).digest("hex")}.js`);

function store(file, code) {
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only tree only loses the cache.
  }
}

function projectTsFiles(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name) && !e.name.startsWith(".")) projectTsFiles(path.join(dir, e.name), out);
    } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
      out.push(path.join(dir, e.name));
    }
  }
  return out;
}

/** Transpiles every project .ts file whose output is not cached yet, in one esbuild call. */
function fillCache() {
  batched = true;
  const missing = projectTsFiles(ROOT).filter((f) => !fs.existsSync(cacheFile(f, fs.readFileSync(f, "utf8"))));
  if (missing.length === 0) return;
  const outdir = path.join(cacheDir, "batch");
  const result = esbuild.buildSync({ ...OPTIONS, entryPoints: missing, outbase: ROOT, outdir, bundle: false, write: false, logLevel: "silent" });
  for (const out of result.outputFiles) {
    const src = path.join(ROOT, path.relative(outdir, out.path).replace(/\.js$/, ".ts"));
    if (fs.existsSync(src)) store(cacheFile(src, fs.readFileSync(src, "utf8")), out.text);
  }
}

function transpile(source, filename) {
  const cached = cacheFile(filename, source);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    if (!batched && filename.startsWith(ROOT + path.sep)) {
      try {
        fillCache();
        return fs.readFileSync(cached, "utf8");
      } catch {
        // Fall through to this file alone (e.g. another file has a syntax error).
      }
    }
    const { code } = esbuild.transformSync(source, { ...OPTIONS, loader: "ts", sourcefile: filename });
    store(cached, code);
    return code;
  }
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};

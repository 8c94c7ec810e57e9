/**
 * Lets Node run this project's TypeScript directly: each .ts file is transpiled with esbuild when it
 * is first required (types are checked separately by `tsc --noEmit`). Used by `npm run plan` and by
 * mocha (.mocharc.json). Plain CommonJS so it needs no loader itself, and Node's own module
 * resolution is untouched, so __dirname and relative paths stay what the source says.
 *
 * Output is cached by content hash under node_modules/.cache/dify-aws-ts: a warm run starts no
 * esbuild at all (each synchronous esbuild call is a round trip to its service process).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "dify-aws-ts");
// TS_NO_SOURCEMAP=1 (set by scripts/plan.js): smaller output for one-shot runs that print no stacks.
const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: process.env.TS_NO_SOURCEMAP ? false : "inline" };
const KEY = JSON.stringify(OPTIONS) + require("esbuild/package.json").version;
let esbuild;

function transpile(source, filename) {
  const hash = crypto.createHash("sha1").update(KEY).update(filename).update(source).digest("hex");
  const cached = path.join(cacheDir, `${hash}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    esbuild ??= require("esbuild");
    const { code } = esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename });
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, cached);
    } catch {
      // A read-only tree only loses the cache.
    }
    return code;
  }
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};

/**
 * Lets Node run this project's TypeScript directly: each .ts file is transpiled with esbuild when it
 * is first required (types are checked separately by `tsc --noEmit`). Used by `npm run plan` and by
 * mocha (.mocharc.json). Plain CommonJS so it needs no loader itself; about 1 ms per file, and Node's
 * own module resolution is untouched, so __dirname and relative paths stay what the source says.
 */
"use strict";
const fs = require("fs");
const esbuild = require("esbuild");

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const { code } = esbuild.transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: "node20",
    sourcefile: filename,
    sourcemap: "inline",
  });
  module._compile(code, filename);
};

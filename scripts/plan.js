/**
 * `npm run plan` entry: the offline plan (program/plan/cli.ts) without the costs a one-shot CLI does not
 * need: no inline source maps in the transpiled TypeScript, no stack traces formatted for every
 * promise the Pulumi SDK tracks, and no loading of SDK parts it never calls (PLAN_DEBUG=1 keeps all). Its time budget is twice what merely
 * loading the Pulumi SDKs takes.
 */
"use strict";
const Module = require("module");
const path = require("path");

/**
 * Loads `id` (as `from` would resolve it) only when something first reads it. The offline plan
 * never uses the SDK's Automation API or its closure serializer's npm-tree reader
 * (@npmcli/arborist, with pacote and sigstore behind it), which together are about a third of the
 * time @pulumi/pulumi takes to load. Anything that does read them gets the real module.
 */
function defer(id, from) {
  let resolved;
  try {
    resolved = require.resolve(id, { paths: [from] });
  } catch {
    return; // not a dependency of this SDK release (3.27x dropped @npmcli/arborist): nothing to defer
  }
  let real;
  const load = () => {
    if (real === undefined) {
      delete require.cache[resolved];
      real = require(resolved);
    }
    return real;
  };
  // `__esModule: true` keeps TypeScript's __importStar from enumerating (and so loading) it now;
  // `default` then answers as __importStar would have.
  const exports = new Proxy({}, {
    get(_, key) {
      if (key === "__esModule") return true;
      const r = load();
      return key === "default" && !(r && r.__esModule) ? r : r[key];
    },
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor(_, key) {
      const d = Object.getOwnPropertyDescriptor(load(), key);
      if (d) d.configurable = true;
      return d;
    },
  });
  const m = new Module(resolved, null);
  m.filename = resolved;
  m.loaded = true;
  m.exports = exports;
  m.paths = Module._nodeModulePaths(path.dirname(resolved));
  require.cache[resolved] = m;
}

if (!process.env.PLAN_DEBUG) {
  defer("@pulumi/pulumi/automation", __dirname);
  defer("@npmcli/arborist", require.resolve("@pulumi/pulumi/runtime/closure/codePaths"));
  process.env.TS_NO_SOURCEMAP = "1";
  Error.stackTraceLimit = 0;
}
require("./register-ts");
require("../program/plan/cli.ts");

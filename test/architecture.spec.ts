/**
 * The component package's import graph: the six components are siblings. A component may import
 * its own folder and the ground floor (shared AWS and Kubernetes builders, the contracts between
 * components, the shared checks, the test mocks), never another component's folder; the ground
 * floor imports no component; nothing in components/ imports this repo's program, tests or
 * scripts (they are not in the published package).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../program/plan/stack";

const COMPONENTS = path.join(PROJECT_ROOT, "components");
/** The component folders: peers, none imports another. */
const COMPONENT_FOLDERS = new Set(["cluster", "data", "storage", "app", "backups", "observability", "edge"]);
/** The ground floor: shared by every component, importing none of them. */
const GROUND_FLOOR = new Set(["aws", "k8s", "contracts", "testing", "checks"]);
/** The package entry re-exports every component. */
const ENTRY = "index";

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Relative module specifiers of a file: import/export ... from, import(), require(). */
function relativeImports(source: string): string[] {
  const specs = new Set<string>();
  for (const re of [/\bfrom\s+"(\.[^"]*)"/g, /\bimport\s*\(\s*"(\.[^"]*)"\s*\)/g, /\brequire\s*\(\s*"(\.[^"]*)"\s*\)/g, /^\s*import\s+"(\.[^"]*)"/gm]) {
    for (const m of source.matchAll(re)) specs.add(m[1]);
  }
  return [...specs];
}

/** "cluster" for <root>/cluster/x.ts, "contracts" for <root>/contracts.ts. */
function floorOf(root: string, file: string): string {
  return path.relative(root, file).split(path.sep)[0].replace(/\.ts$/, "");
}

/** Every import edge under `root` (components/) that breaks the rules, as "file -> specifier (why)". */
function forbiddenImports(root: string): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(root)) {
    const from = floorOf(root, file);
    for (const spec of relativeImports(fs.readFileSync(file, "utf8"))) {
      const target = path.resolve(path.dirname(file), spec);
      const edge = `${path.relative(root, file)} -> ${spec}`;
      if (!target.startsWith(root + path.sep)) {
        bad.push(`${edge} (outside the package)`);
        continue;
      }
      const to = floorOf(root, target);
      if (to === from) continue;
      if (GROUND_FLOOR.has(from) && COMPONENT_FOLDERS.has(to)) bad.push(`${edge} (the ground floor imports a component)`);
      else if (COMPONENT_FOLDERS.has(from) && COMPONENT_FOLDERS.has(to)) bad.push(`${edge} (a component imports another component's folder)`);
      else if (to === ENTRY) bad.push(`${edge} (imports the package entry)`);
    }
  }
  return bad.sort();
}

describe("component package import graph", () => {
  it("classifies every folder of components/ as a component or the ground floor", () => {
    const entries = fs.readdirSync(COMPONENTS, { withFileTypes: true })
      // (an empty folder a checkout left behind is no module)
      .filter((e) => (e.isDirectory() && tsFiles(path.join(COMPONENTS, e.name)).length > 0) || e.name.endsWith(".ts"))
      .map((e) => e.name.replace(/\.ts$/, ""))
      .filter((n) => n !== ENTRY);
    const unknown = entries.filter((n) => !COMPONENT_FOLDERS.has(n) && !GROUND_FLOOR.has(n));
    assert.deepEqual(unknown, [], "add a new folder to COMPONENT_FOLDERS or GROUND_FLOOR");
  });

  it("has no component importing another component's folder, and a ground floor that imports no component", () => {
    assert.deepEqual(forbiddenImports(COMPONENTS), []);
  });

  it("reports an import across components, from the ground floor up, and out of the package", () => {
    // A scratch tree shaped like components/ with the three kinds of edge the rules refuse.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "import-graph-"));
    try {
      const write = (f: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        fs.writeFileSync(path.join(root, f), text);
      };
      write("storage/bucket.ts", "export const x = 1;\n");
      write("backups/b.ts", 'import { x } from "../storage/bucket";\nimport { y } from "./c";\nexport const z = x + y;\n');
      write("backups/c.ts", 'export const y = 2;\n');
      write("aws/irsa.ts", 'export { z } from "../backups/b";\n');
      write("app/env.ts", 'import { c } from "../../program/config";\nimport { k } from "../k8s/labels";\nexport const e = c + k;\n');
      write("k8s/labels.ts", "export const k = 1;\n");
      assert.deepEqual(forbiddenImports(root), [
        "app/env.ts -> ../../program/config (outside the package)",
        "aws/irsa.ts -> ../backups/b (the ground floor imports a component)",
        "backups/b.ts -> ../storage/bucket (a component imports another component's folder)",
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

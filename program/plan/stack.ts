/**
 * Loads a stack's config the way the Pulumi CLI does: Pulumi.yaml's project-level `config:`
 * (defaults and values) overlaid by Pulumi.<stack>.yaml, keys fully qualified ("dify:azCount").
 * The mocks read neither file, so the harness does.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError } from "../config/parse";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

interface ProjectFile {
  name: string;
  config?: Record<string, unknown>;
}

/** Parses a YAML file; a syntax error is a ConfigError naming the file, line and column (exit 2, no stack trace). */
function readYaml(file: string): unknown {
  try {
    return yaml.load(fs.readFileSync(file, "utf8"), { filename: file });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const at = e.mark ? `:${e.mark.line + 1}:${e.mark.column + 1}` : "";
      throw new ConfigError([`${path.relative(process.cwd(), file) || file}${at}: not valid YAML: ${e.reason}`]);
    }
    throw e;
  }
}

export function readProject(root: string = PROJECT_ROOT): ProjectFile {
  return readYaml(path.join(root, "Pulumi.yaml")) as ProjectFile;
}

/** Fully qualified config of `stack`, plus any overrides (applied last; `undefined` deletes a key). */
export function loadStackConfig(stack: string, overrides: Record<string, unknown> = {}, root: string = PROJECT_ROOT): Record<string, unknown> {
  const project = readProject(root);
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    // A declaration ({type, description, default}) or, for object values, {value: ...}.
    if (decl !== null && typeof decl === "object" && !Array.isArray(decl)) {
      const d = decl as Record<string, unknown>;
      if ("value" in d) out[qualify(key)] = d.value;
      else if ("default" in d) out[qualify(key)] = d.default;
    } else {
      out[qualify(key)] = decl;
    }
  }
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file)} (known stacks: ${listStacks(root).join(", ")})`);
  const doc = (readYaml(file) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, v] of Object.entries(doc.config ?? {})) {
    if (v !== null && typeof v === "object" && "secure" in (v as object)) {
      // Encrypted values cannot be decrypted offline; the program treats such keys as secrets
      // anyway, so a recognisable placeholder plans the same resources.
      out[qualify(key)] = `offline-placeholder-for-${key.replace(/[^a-zA-Z0-9]/g, "-")}`;
      continue;
    }
    out[qualify(key)] = v;
  }
  for (const [key, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[qualify(key)];
    else out[qualify(key)] = v;
  }
  return out;
}

export function listStacks(root: string = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/**
 * The shell scripts of the backup Jobs, read from ./scripts at module load and shipped in one
 * ConfigMap. They are files (not strings in YAML) so they can be linted and run locally.
 */
import * as fs from "fs";
import * as path from "path";

/** Script file names, as mounted under /scripts. */
export const SCRIPT_FILES = ["lib.sh", "dump.sh", "upload.sh", "fetch.sh", "verify.sh", "restore.sh"] as const;

function scriptsDir(): string {
  // From source (tsx, tests) the scripts sit beside this file; from a build in bin/ they are
  // read from the source tree shipped with the package.
  const candidates = [path.join(__dirname, "scripts"), path.join(__dirname, "..", "..", "..", "components", "backups", "scripts")];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "dump.sh")));
  if (!found) throw new Error(`DifyBackups: backup scripts not found in ${candidates.join(" or ")}`);
  return found;
}

/** File name -> content of every script. */
export function loadScripts(): Record<string, string> {
  const dir = scriptsDir();
  return Object.fromEntries(SCRIPT_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
}

/**
 * A throwaway local PostgreSQL server for the specs that run real SQL (backup scripts, the
 * migration preflight). Skipped suites when no server binaries are installed; CI installs them
 * (.ci/run) and sets REQUIRE_POSTGRES, so there they can never be skipped.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The directory holding initdb, pg_ctl, psql, ... (PATH first, then Debian's /usr/lib/postgresql/<v>/bin). */
export function findPgBin(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...(fs.existsSync("/usr/lib/postgresql")
    ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`) : [])];
  return dirs.find((d) => ["initdb", "pg_ctl", "pg_dump", "pg_restore", "createdb", "psql"].every((b) => fs.existsSync(path.join(d, b))));
}

/** Fails the load of a suite that would otherwise be skipped in CI. */
export function requirePostgres(pgBin: string | undefined): void {
  if (!pgBin && process.env.REQUIRE_POSTGRES) {
    throw new Error("REQUIRE_POSTGRES is set but no PostgreSQL server binaries (initdb, pg_ctl, ...) were found");
  }
}

/** Runs a server binary; as root, as `nobody` (initdb and postgres refuse to run as root). */
export function asPostgres(args: string[]): string {
  const root = process.getuid?.() === 0;
  return execFileSync(root ? "runuser" : args[0], root ? ["-u", "nobody", "--", ...args] : args.slice(1), { stdio: "pipe" }).toString();
}

/** The server's major version (psql --version). */
export function pgMajor(pgBin: string): number {
  return Number(/(\d+)/.exec(execFileSync(path.join(pgBin, "psql"), ["--version"]).toString().replace(/^\D+/, ""))![1]);
}

/** Stops the server started under `<tmp>/pg/data` (if it started) and removes `tmp`: every suite's after(). */
export function stopPostgres(pgBin: string | undefined, tmp: string | undefined): void {
  if (!tmp) return;
  try {
    if (pgBin) asPostgres([path.join(pgBin, "pg_ctl"), "-D", path.join(tmp, "pg", "data"), "-m", "immediate", "stop"]);
  } catch { /* not started */ }
  fs.rmSync(tmp, { recursive: true, force: true });
}

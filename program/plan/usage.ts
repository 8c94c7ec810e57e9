/**
 * The offline plan's command line: its arguments, `--help`, and every exit code it can return
 * (README.md's exit-code table is checked against EXIT_CODES by test/plan-cli.spec.ts).
 */

/** Every exit code `npm run plan` returns, and when. */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: 0, meaning: "planned; no mandatory policy violation (advisory ones and exceptions are listed)" },
  { code: 1, meaning: "planned, but a mandatory policy violation would fail `pulumi up` (listed in the report)" },
  { code: 2, meaning: "nothing planned: invalid config (each key named), a stack file that is not valid YAML (file and line), an unknown stack, or bad arguments or files (--diff, --json)" },
  { code: 3, meaning: "the program failed while planning (a defect: PLAN_DEBUG=1 prints the stack trace)" },
];

export const USAGE = `usage: npm run plan -- --stack <name> [options]

What \`pulumi up\` would create for a stack, offline: the real program under Pulumi's mocks and the
policy pack over the result. No cloud account, no credentials, no Pulumi CLI.

options:
  -s, --stack <name>        the stack (Pulumi.<name>.yaml)
  -c, --config <key=value>  a config value for this run only, like \`pulumi config set\` (repeatable;
                            lists and maps as JSON), e.g. --config dify:azCount=2
      --json <file>         write the whole plan as deterministic JSON (secrets "[secret]")
      --diff <file>         compare with a plan saved by --json: resources added, removed and
                            changed, each change with its input path and old -> new value; marks
                            what pulumi up will not change (ignoreChanges) and what it replaces
      --diff-json <file>    write that comparison as JSON (needs --diff)
  -v, --verbose             print policy exception reasons in full
  -h, --help                this text

exit codes:
${EXIT_CODES.map((e) => `  ${e.code}  ${e.meaning}`).join("\n")}`;

export interface PlanArgs {
  stack: string;
  json?: string;
  diff?: string;
  diffJson?: string;
  verbose: boolean;
  overrides: Record<string, unknown>;
}

/** Thrown for bad arguments (exit 2). */
export class UsageError extends Error {}

/** Parses the arguments after `npm run plan --`; undefined means --help. */
export function parseArgs(argv: readonly string[]): PlanArgs | undefined {
  const args: PlanArgs = { stack: "", verbose: false, overrides: {} };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("-")) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const take = () => (eq > 0 ? raw.slice(eq + 1) : value(++i, flag));
    switch (flag) {
      case "-h":
      case "--help":
        return undefined;
      case "-s":
      case "--stack":
        args.stack = take();
        break;
      case "--json":
        args.json = take();
        break;
      case "--diff":
        args.diff = take();
        break;
      case "--diff-json":
        args.diffJson = take();
        break;
      case "-v":
      case "--verbose":
        args.verbose = true;
        break;
      case "-c":
      case "--config": {
        // Like `pulumi config set` for this run only: the value is a string (JSON for lists and maps).
        const kv = take();
        const at = kv.indexOf("=");
        if (at <= 0) throw new UsageError(`--config takes key=value, got ${JSON.stringify(kv)}`);
        args.overrides[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(raw)}`);
    }
  }
  if (!args.stack) throw new UsageError("missing --stack");
  if (args.diffJson !== undefined && args.diff === undefined) throw new UsageError("--diff-json needs --diff <base.json>");
  return args;
}

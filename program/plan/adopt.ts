/**
 * The one-time `pulumi import` commands that adopt CloudWatch log groups which exist in the account
 * but not in the stack's state, so `pulumi up` does not stop with "ResourceAlreadyExistsException:
 * The specified log group already exists":
 * - after `pulumi destroy` of a prod stack, which keeps its fixed-name log groups (retainOnDelete:
 *   the Container Insights groups the add-on writes to by cluster name, the OTLP metrics group), an
 *   `up` of the same stack wants to create them again;
 * - a stack created before the program owned Aurora's postgresql log group: RDS already created it.
 * Computed from the offline plan, so type, logical name, parent and physical name are exactly what
 * the program registers (test/plan.spec.ts). docs/log-groups.md explains when to run them.
 *
 *   node -r ./scripts/register-ts.js program/plan/adopt.ts <stack>
 */
import { Plan, planStack } from "./plan";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** A command to run, with why. */
export interface AdoptCommand {
  /** When it is needed. */
  when: "after-destroy" | "existing-aurora";
  command: string;
}

/** Single-quoted for POSIX shells. */
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export function adoptCommands(plan: Plan, stack: string): AdoptCommand[] {
  const out: AdoptCommand[] = [];
  for (const r of plan.recorded.filter((x) => x.type === LOG_GROUP)) {
    const name = r.rawInputs.name;
    const parent = r.parent ? `--parent ${q(`parent=${r.parent}`)} ` : "";
    const base = `pulumi import --stack ${stack} --yes --generate-code=false ${parent}${LOG_GROUP} ${r.name}`;
    if (r.name.endsWith("-pg-postgresql") && typeof name === "string" && name.startsWith("/aws/rds/instance/")) {
      // A DB instance's group (dify:dbEngine rds-instance) exists before the instance: nothing to adopt.
      continue;
    } else if (r.name.endsWith("-pg-postgresql")) {
      // Named after the cluster's generated identifier: read it from the cluster's tags.
      const id = `$(aws rds describe-db-clusters --query "DBClusters[?TagList[?Key=='dify-aws:stack'&&Value=='${stack}']].DBClusterIdentifier" --output text)`;
      out.push({ when: "existing-aurora", command: `${base} "/aws/rds/cluster/${id}/postgresql"` });
    } else if (r.options.retainOnDelete && typeof name === "string" && !name.includes("[unknown]")) {
      out.push({ when: "after-destroy", command: `${base} ${q(name)}` });
    }
  }
  return out;
}

if (require.main === module) {
  const stack = process.argv[2];
  if (!stack) {
    console.error("usage: node -r ./scripts/register-ts.js program/plan/adopt.ts <stack>");
    process.exit(2);
  }
  planStack(stack).then((plan) => {
    for (const c of adoptCommands(plan, stack)) console.log(`# ${c.when}\n${c.command}`);
  }, (e: Error) => {
    console.error(e.message);
    process.exit(2);
  });
}

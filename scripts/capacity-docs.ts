/**
 * Renders the README's "Capacity and cost" section from the dev and prod plans
 * (program/capacity/docs.ts). Part of `npm run docs`; test/capacity.spec.ts fails when it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../program/plan/plan";
import { renderCapacityReadme } from "../program/capacity/docs";

async function main(): Promise<void> {
  const [dev, prod] = [(await planStack("dev", { policy: false })).document, (await planStack("prod", { policy: false })).document];
  const rd = path.join(__dirname, "..", "README.md");
  fs.writeFileSync(rd, renderCapacityReadme(fs.readFileSync(rd, "utf8"), dev, prod));
  console.log("wrote README.md capacity and cost tables");
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

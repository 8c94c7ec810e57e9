import { strict as assert } from "assert";
import { parseCron, toAwsCron } from "../components/backups/cron";

describe("DifyBackups cron: 5-field Kubernetes schedule to AWS Backup's 6-field cron", () => {
  const cases: [string, string][] = [
    ["0 3 * * *", "cron(0 3 * * ? *)"], // daily: day-of-week becomes "?"
    ["15 2 * * 0", "cron(15 2 ? * SUN *)"], // Sunday is 0 in cron...
    ["15 2 * * 7", "cron(15 2 ? * SUN *)"], // ...and 7; AWS numbers 1-7 from SUN, so emit names
    ["0 4 1 * *", "cron(0 4 1 * ? *)"], // monthly on the 1st
    ["0 */6 * * 1-5", "cron(0 0,6,12,18 ? * MON,TUE,WED,THU,FRI *)"], // steps expand to lists
    ["0 3 * * 5-7", "cron(0 3 ? * SUN,FRI,SAT *)"], // a range through Sunday stays correct
    ["30 1 * jan,JUL sun", "cron(30 1 ? 1,7 SUN *)"], // names, any case
  ];
  for (const [k8s, aws] of cases) {
    it(`"${k8s}" -> ${aws}`, () => assert.equal(toAwsCron(k8s), aws));
  }

  const refused: [string, RegExp][] = [
    ["*/5 * * * *", /at most hourly/],
    ["0 3 1 * 1", /both day-of-month and day-of-week/],
    ["61 3 * * *", /minute 61 is outside 0-59/],
    ["0 24 * * *", /hour 24 is outside 0-23/],
    ["0 3 * *", /has 4 fields; expected 5/],
    ["@daily", /has 1 fields; expected 5/],
    ["0 3 ? * *", /"\?" is AWS syntax/],
    ["0 3 * * MON-FOO", /day-of-week "FOO" is not a number or a name/],
    ["0 3 5-1 * *", /runs backwards/],
    ["0 3 */0 * *", /step must be at least 1/],
    ["", /has 0 fields/],
  ];
  for (const [expr, msg] of refused) {
    it(`refuses "${expr}"`, () => assert.throws(() => toAwsCron(expr), msg));
  }

  it("accepts what a CronJob accepts and AWS cannot express (validation is separate from conversion)", () => {
    assert.doesNotThrow(() => parseCron("*/15 * * * *"));
    assert.doesNotThrow(() => parseCron("0 3 1 * 1"));
  });
});

import { strict as assert } from "assert";
import { zonalScaling } from "../components/cluster/nodeGroups";

describe("DifyCluster per-zone node group sizes", () => {
  it("never lets the floor or the initial size fall below (or rise above) the configured totals, and gives every zone the same ceiling", () => {
    for (const zones of [2, 3]) {
      for (let max = 1; max <= 15; max++) {
        for (let min = 0; min <= max; min++) {
          for (let desired = min; desired <= max; desired++) {
            const at = `zones ${zones}, min ${min}, max ${max}, desired ${desired}`;
            const split = zonalScaling({ minSize: min, maxSize: max, desiredSize: desired }, zones);
            const sum = (k: "minSize" | "maxSize" | "desiredSize") => split.reduce((a, s) => a + s[k], 0);
            assert.equal(split.length, zones, at);
            assert.equal(sum("minSize"), min, `${at}: the floor is exactly the configured min`);
            assert.equal(sum("desiredSize"), desired, `${at}: the initial size is exactly the configured desired`);
            assert.ok(sum("maxSize") >= max && sum("maxSize") - max < zones, `${at}: ceiling max..max+zones-1`);
            assert.equal(new Set(split.map((s) => s.maxSize)).size, 1, `${at}: same ceiling in every zone`);
            for (const s of split) {
              assert.ok(s.maxSize >= 1 && s.minSize <= s.desiredSize && s.desiredSize <= s.maxSize, `${at}: ${JSON.stringify(s)} is a valid EKS scaling config`);
              assert.ok(s.minSize >= Math.floor(min / zones) && s.minSize <= Math.ceil(min / zones), `${at}: floors differ by at most one node`);
            }
          }
        }
      }
    }
  });

  it("keeps sizes that divide evenly exact per zone (prod app 3/9/3 over 3 zones: 1/3/1 each)", () => {
    assert.deepEqual(zonalScaling({ minSize: 3, maxSize: 9, desiredSize: 3 }, 3), Array(3).fill({ minSize: 1, maxSize: 3, desiredSize: 1 }));
  });
});

/**
 * The policy pack's thresholds that stack config values must meet, read from the same file the pack
 * runs with (policy/config/<profile>.json, through the pack's own effective-config logic), so the
 * config refuses a value the pack would fail instead of letting the plan exit 1 with a message about
 * resource inputs. One source of truth: change a threshold in the policy config and the config
 * validation follows.
 *
 * Every config range checked against every pack threshold (policy/config/{dev,prod}.json):
 * - dify:dbBackupRetentionDays (1-35) vs rds-backup-retention.minimumRetentionDays (7, mandatory
 *   in both): checked here.
 * - dify:services.<svc>.pdbMinAvailable (0 allowed) vs k8s-pdb-for-replicated-deployments
 *   minReplicas (2; mandatory in prod): checked here; 0 removes the PDB of a replicated service.
 * - dify:apiPublicAccessCidrs vs eks-public-endpoint-restricted: already refused (0.0.0.0/0).
 * - dify:deletionProtection false vs rds-deletion-protection (mandatory in prod): checked here; the
 *   plan used to accept it and then exit 1 on the database (found by test/config-errors.spec.ts's
 *   sweep of every key's edge values through the full plan).
 * - s3-bucket-encryption.requireKms, k8s-image-pinned.requireDigest, k8s-restrict-added-capabilities
 *   and the boolean workload controls: no config key reaches them (the buckets and pods are built
 *   compliant whatever the config), so nothing to check.
 */
import { effectiveConfig } from "../../policy/lib/config";
import { PACK_NAME, policies } from "../../policy/policies";
import { loadPolicyConfig } from "../../policy/runner";
import { Profile } from "./keys";

/** A pack threshold as config validation uses it. */
export interface PackLimit {
  /** The threshold value. */
  value: number;
  /** Why, in the pack's words, with the policy name and where the threshold is set. */
  reason: string;
}

export interface PackLimits {
  /** Minimum Aurora automated backup retention, days (rds-backup-retention), when it can fail a plan. */
  dbBackupRetentionDays?: PackLimit;
  /** Replica count from which a Deployment needs a PDB (k8s-pdb-for-replicated-deployments), when mandatory. */
  pdbFromReplicas?: PackLimit;
  /** Database deletion protection is required (rds-deletion-protection, when mandatory); `value` is 1. */
  deletionProtection?: PackLimit;
}

/** The limits of the pack config the plan and CI use for this profile (only mandatory policies can fail a plan). */
export function packLimits(profile: Profile): PackLimits {
  const file = `policy/config/${profile}.json`;
  // The pack-level default the runner uses too (policy/runner.ts PACK_LEVEL).
  const eff = effectiveConfig(loadPolicyConfig(profile), policies, "mandatory");
  const mandatory = (name: string) => eff.get(name)?.enforcementLevel === "mandatory" ? eff.get(name)!.properties : undefined;
  const out: PackLimits = {};
  const rds = mandatory("rds-backup-retention");
  if (rds && typeof rds.minimumRetentionDays === "number") {
    out.dbBackupRetentionDays = {
      value: rds.minimumRetentionDays,
      reason: `the ${PACK_NAME} policy rds-backup-retention (mandatory, minimumRetentionDays ${rds.minimumRetentionDays} in ${file}) requires at least that many days of Aurora automated backups`,
    };
  }
  const pdb = mandatory("k8s-pdb-for-replicated-deployments");
  if (pdb && typeof pdb.minReplicas === "number") {
    out.pdbFromReplicas = {
      value: pdb.minReplicas,
      reason: `the ${PACK_NAME} policy k8s-pdb-for-replicated-deployments (mandatory, minReplicas ${pdb.minReplicas} in ${file}) requires a PodDisruptionBudget for every Deployment with ${pdb.minReplicas} or more replicas`,
    };
  }
  if (mandatory("rds-deletion-protection")) {
    out.deletionProtection = {
      value: 1,
      reason: `the ${PACK_NAME} policy rds-deletion-protection (mandatory in ${file}) requires deletion protection on the database`,
    };
  }
  return out;
}

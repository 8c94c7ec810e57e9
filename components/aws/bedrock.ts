/**
 * Amazon Bedrock through IAM for Dify's Bedrock model plugin (langgenius/dify-official-plugins
 * models/bedrock): what to grant the plugin daemon's role so the plugin can call exactly the
 * models listed, with no keys entered in Dify.
 *
 * Why it works without keys (verified in the sources):
 * - The plugin daemon starts each plugin with its own environment: `cmd.Env = cmd.Environ()`
 *   then HTTP(S)_PROXY/NO_PROXY appended (langgenius/dify-plugin-daemon
 *   internal/core/local_runtime/subprocess.go, getInstanceCmd, same at tag 0.6.3 54432d8a and
 *   0.6.10 bdb5642a). So the IRSA variables EKS injects into the daemon's pod (AWS_ROLE_ARN,
 *   AWS_WEB_IDENTITY_TOKEN_FILE, AWS_REGION...) reach every plugin process, and the token file is
 *   readable by the same user.
 * - The Bedrock plugin's default authentication method is "IAM_Role" (provider/bedrock.yaml,
 *   `auth_method` default IAM_Role); with it `get_bedrock_client` builds `boto3.Session().client(...)`
 *   with no keys (provider/get_bedrock_client.py), i.e. boto3's default credential chain, which
 *   assumes the role through the web-identity token. Credential validation for IAM_Role makes no
 *   AWS call (models/llm/llm.py validate_credentials). dify-official-plugins 7af22831 (2026-08-21,
 *   get_bedrock_client.py last changed in 08fad021), plugin version 0.0.80.
 * - Chat uses Converse/ConverseStream and InvokeModel(WithResponseStream); Converse requires
 *   bedrock:InvokeModel and ConverseStream bedrock:InvokeModelWithResponseStream (Bedrock API
 *   reference, Converse / ConverseStream; user guide "Prerequisites for running model
 *   inference"). Custom models on an inference profile also call bedrock:GetInferenceProfile
 *   (utils/inference_profile.py).
 */

/** Geography prefixes of Bedrock's system-defined cross-region inference profiles (e.g. us.anthropic...). */
export const INFERENCE_PROFILE_PREFIXES: readonly string[] = ["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

const MODEL_ID = /^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9][a-z0-9._-]*(:[a-z0-9]+){0,2}$/;
const PROFILE_ID = new RegExp(`^(${INFERENCE_PROFILE_PREFIXES.join("|")})\\.([a-z0-9]+(-[a-z0-9]+)*\\.[a-z0-9][a-z0-9._-]*(:[a-z0-9]+){0,2})$`);
const BEDROCK_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:(\d{12})?:(foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model|imported-model)\/[A-Za-z0-9._:/-]+$/;

/** A value check: undefined for a Bedrock model id, inference profile id or Bedrock ARN, else what is allowed. */
export function bedrockModel(v: string): string | undefined {
  return MODEL_ID.test(v) || PROFILE_ID.test(v) || BEDROCK_ARN.test(v)
    ? undefined
    : "a Bedrock model id (anthropic.claude-3-5-sonnet-20240620-v1:0), a cross-region inference profile id (us.anthropic.claude-3-5-sonnet-20241022-v2:0) or a Bedrock ARN (arn:aws:bedrock:<region>:<account>:inference-profile/...)";
}

/** The resources one entry grants: a foundation model in `region`, or a profile and its model in every region it routes to. */
export function bedrockResources(model: string, c: { partition: string; region: string; accountId: string }): { invoke: string[]; profiles: string[] } {
  if (model.startsWith("arn:")) {
    return { invoke: [model], profiles: /:(application-)?inference-profile\//.test(model) ? [model] : [] };
  }
  const profile = PROFILE_ID.exec(model);
  if (profile) {
    // A system-defined profile routes to the same model in several regions: the grant must cover
    // the profile and the model in each of them (Bedrock user guide, cross-region inference, IAM).
    const arn = `arn:${c.partition}:bedrock:${c.region}:${c.accountId}:inference-profile/${model}`;
    return { invoke: [arn, `arn:${c.partition}:bedrock:*::foundation-model/${profile[2]}`], profiles: [arn] };
  }
  return { invoke: [`arn:${c.partition}:bedrock:${c.region}::foundation-model/${model}`], profiles: [] };
}

/** The IAM policy (JSON) that lets the plugin daemon's plugins invoke exactly `models`. */
export function bedrockInvokePolicy(models: readonly string[], c: { partition: string; region: string; accountId: string }): string {
  const all = models.map((m) => bedrockResources(m, c));
  const invoke = [...new Set(all.flatMap((r) => r.invoke))];
  const profiles = [...new Set(all.flatMap((r) => r.profiles))];
  const statements: Record<string, unknown>[] = [
    { Sid: "InvokeListedModels", Effect: "Allow", Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], Resource: invoke },
  ];
  if (profiles.length) statements.push({ Sid: "ReadListedProfiles", Effect: "Allow", Action: ["bedrock:GetInferenceProfile"], Resource: profiles });
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

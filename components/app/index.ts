/** DifyApp and its public types. */
export { DifyApp } from "./dify-app";
export { AppObservability, DifyAppArgs, RequestAutoscaling, ServiceSettings, WorkerQueueGroup } from "./args";
export { DifyMailArgs, MailType, SmtpTls } from "./mail";
export { DifyImageSet, DIFY_VERSIONS, DEFAULT_DIFY_VERSION } from "./versions";

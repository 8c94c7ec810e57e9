/** What a mock state rule sees about a resource being registered. */
export interface MockResourceInput {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  custom: boolean;
  id: string;
  region: string;
  /** Registration sequence number within the run (stable for a given program). */
  seq: number;
}

/** Extra output properties a provider would compute for a resource of one type. */
export type StateRule = (r: MockResourceInput) => Record<string, unknown>;

/** Answers a provider function (invoke) call. */
export type CallRule = (inputs: Record<string, unknown>, region: string, registered: readonly RegisteredResource[]) => Record<string, unknown>;

/** A resource the run has registered so far, for invokes that look one up (e.g. ec2.getSubnet). */
export interface RegisteredResource {
  type: string;
  name: string;
  /** The id the mocks gave it. */
  id: string;
  /** Inputs, secrets revealed. */
  inputs: Record<string, unknown>;
}

export const ACCOUNT_ID = "123456789012";

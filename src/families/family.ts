import type { ResponseIssue } from '../errors.js';

/**
 * A KIE task family: one status endpoint and its record shape. The engine knows nothing about any family;
 * everything family-specific (path, schema, final states, where the result URLs are) lives behind this
 * interface, the way `@azure/core-lro` keeps its protocol strategy out of the poller loop.
 */
export interface TaskFamily<Id extends string = string, R = unknown> {
  /** Stable id, `[a-z0-9-]+`: `'gpt4o-image'`, `'market'`, ... */
  readonly id: Id;
  /** Path of the status endpoint, queried as `GET <path>?taskId=<id>`. */
  readonly path: string;
  /**
   * Reads the `data` of an answer whose HTTP status and body `code` were 200 and whose `data` is not null.
   * Never throws: anything it cannot read is `invalid`.
   */
  read(data: unknown, taskId: string): FamilyVerdict<R>;
}

/** What the engine needs from any record, whatever its family. Never invented: absent stays `null`. */
export interface RecordView {
  /** The `taskId` the record names, `null` when it names none (some failure records have none). */
  readonly taskId: string | null;
  /** The provider's own status text (`status`, `state`), exactly as sent; `null` when the record has none. */
  readonly status: string | null;
  /** 0..1; `null` when the record has none or it is unreadable. */
  readonly progress: number | null;
  /** Epoch ms; `null` when absent or unreadable. */
  readonly createTime: number | null;
  /**
   * `false` when `createTime` came from a string without a zone (`"YYYY-MM-DD HH:mm:ss"`), read as UTC
   * and so possibly hours off; the engine then trusts it only as far as it is plausible.
   */
  readonly createTimeZoned: boolean;
  readonly completeTime: number | null;
}

/** Why a task failed, as far as its record says. */
export interface FailureInfo {
  /** The record's own final status, `null` when only a flag (e.g. `successFlag` 3) says it failed. */
  readonly status: string | null;
  readonly successFlag: number | null;
  /** The provider's error code: `errorCode` (a number), or `failCode` (kept as sent when not numeric). */
  readonly errorCode: number | string | null;
  readonly errorMessage: string | null;
}

export type FamilyVerdict<R> =
  | {
      readonly kind: 'pending';
      readonly record: R;
      readonly view: RecordView;
      /** The status is not one the family documents (treated as not final, logged once). */
      readonly unknownStatus: boolean;
    }
  | {
      readonly kind: 'success';
      readonly record: R;
      readonly view: RecordView;
      /** The family's primary media URLs, at least one. */
      readonly resultUrls: readonly string[];
      /** The task's creation parameters, parsed (`paramJson`, `param`); `null` when absent or not JSON. */
      readonly params: unknown;
    }
  | { readonly kind: 'failure'; readonly record: R; readonly view: RecordView; readonly failure: FailureInfo }
  | { readonly kind: 'invalid'; readonly reason: string; readonly issues: readonly ResponseIssue[] };

import type { ResponseIssue } from '../errors.js';

/**
 * A KIE task family: one status endpoint and its record shape. The engine knows nothing about any family;
 * everything family-specific (path, schema, final states, where the result URLs are) lives behind this
 * interface, the way `@azure/core-lro` keeps its protocol strategy out of the poller loop.
 */
export interface TaskFamily<Id extends string = string, R = unknown, I = unknown> {
  /** Stable id, `[a-z0-9-]+`: `'gpt4o-image'`, `'market'`, ... */
  readonly id: Id;
  /** Path of the status endpoint, queried as `GET <path>?taskId=<id>`. */
  readonly path: string;
  /**
   * Reads the `data` of an answer whose HTTP status and body `code` were 200 and whose `data` is not null.
   * Never throws: anything it cannot read is `invalid`.
   */
  read(data: unknown, taskId: string): FamilyVerdict<R>;
  /** The family's create endpoint, used by `watcher.submit()` / `generate()`; absent for a watch-only family. */
  readonly create?: CreateEndpoint<I> | undefined;
}

/** How a family creates tasks: `POST <path>` with the checked input as the JSON body, answered `{code, msg, data: {taskId}}`. */
export interface CreateEndpoint<I> {
  /** Path of the create endpoint, starting with `/`. */
  readonly path: string;
  /** Checks the input before any request; its output is the body sent. */
  readonly input: RecordSchema<I>;
  /**
   * Reads a refusal whose body code the family numbers its own way (Suno: 405/430 rate limits, 429 credits);
   * `undefined` leaves the code to the common reading (429 rate limited, 402 credits).
   */
  readonly refusal?: ((code: number, message: string) => 'rate-limited' | 'credits' | undefined) | undefined;
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
  /** Epoch ms; `null` when absent or unreadable. */
  readonly completeTime: number | null;
  /** The model the record names (market jobs' `model`), `null` when it names none. */
  readonly model: string | null;
}

/** Why a task failed, as far as its record says. */
export interface FailureInfo {
  /** The record's own final status, `null` when only a flag (e.g. `successFlag` 3) says it failed. */
  readonly status: string | null;
  /** The record's `successFlag`, `null` for families without one. */
  readonly successFlag: number | null;
  /** The provider's error code: `errorCode` (a number), or `failCode` (kept as sent when not numeric). */
  readonly errorCode: number | string | null;
  /** `errorMessage` / `failMsg`, `null` when absent. */
  readonly errorMessage: string | null;
}

/** What a family's `read` makes of one record: `pending`, `success`, `failure`, or `invalid` (unreadable). */
export type FamilyVerdict<R> =
  | {
      /** Not final: keep polling. */
      readonly kind: 'pending';
      /** The normalized record. */
      readonly record: R;
      /** What the engine reads from it. */
      readonly view: RecordView;
      /** The status is not one the family documents (treated as not final, logged once). */
      readonly unknownStatus: boolean;
    }
  | {
      /** Final: the task succeeded, with at least one result URL. */
      readonly kind: 'success';
      /** The normalized record. */
      readonly record: R;
      /** What the engine reads from it. */
      readonly view: RecordView;
      /** The family's primary media URLs, at least one. */
      readonly resultUrls: readonly string[];
      /** The task's creation parameters, parsed (`paramJson`, `param`); `null` when absent or not JSON. */
      readonly params: unknown;
    }
  | {
      /** Final: the task failed. */
      readonly kind: 'failure';
      /** The normalized record. */
      readonly record: R;
      /** What the engine reads from it. */
      readonly view: RecordView;
      /** Why, as far as the record says. */
      readonly failure: FailureInfo;
    }
  | {
      /** The record could not be read (schema, another task's record, a success without URL): retried, then `InvalidResponseError`. */
      readonly kind: 'invalid';
      /** A short description, used in the error message. */
      readonly reason: string;
      /** Where and what, zod-style. */
      readonly issues: readonly ResponseIssue[];
    };

/** One problem a schema found, zod-style: where (relative to `data`) and what. */
export interface SchemaIssue {
  /** Where, relative to the record (`data`). */
  readonly path: readonly PropertyKey[];
  /** What is wrong there. */
  readonly message: string;
}

/**
 * Anything with zod's `safeParse` (zod 3 and 4 schemas fit as they are). The schema checks the record's
 * shape; keep it lenient (`z.looseObject`, `.nullish()` wherever the docs disagree), since a record it
 * rejects is reported as invalid.
 */
export interface RecordSchema<T> {
  /** Checks `input` (the answer's `data`) without throwing. */
  safeParse(input: unknown):
    | {
        /** The record has the expected shape. */
        readonly success: true;
        /** The parsed record. */
        readonly data: T;
      }
    | {
        /** The record does not have the expected shape: the read is `invalid`. */
        readonly success: false;
        /** Why. */
        readonly error: {
          /** Each problem found; reported in `InvalidResponseError.issues`, prefixed with `data`. */
          readonly issues: readonly SchemaIssue[];
        };
      };
}

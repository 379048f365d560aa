import type { ResponseIssue } from '../errors.js';
import type { CreateEndpoint, FailureInfo, FamilyVerdict, RecordSchema, RecordView, TaskFamily } from './family.js';
import { isHttpUrl } from '../validate.js';

export type { RecordSchema, SchemaIssue } from './family.js';

/** What a family's `classify` says about one record. Absent fields mean "the record does not say". */
export interface FamilyClassification {
  /** `pending`: keep polling; `success`: `toResult` is called next; `failure`: the task failed. */
  readonly state: 'pending' | 'success' | 'failure';
  /** The record's own status text (`status`, `state`, ...) exactly as sent, `null` when it has none. Never invent one. */
  readonly status: string | null;
  /** The `taskId` the record names. When it names another task than the one asked for, the read is `invalid`. */
  readonly taskId?: string | null | undefined;
  /** 0..1 (out-of-range values are clamped, non-finite ones dropped). */
  readonly progress?: number | null | undefined;
  /** Epoch ms. */
  readonly createTime?: number | null | undefined;
  /**
   * `false` when `createTime` came from a text without a zone.
   * @default true
   */
  readonly createTimeZoned?: boolean | undefined;
  /** Epoch ms. */
  readonly completeTime?: number | null | undefined;
  /** The model the record names: the default policy learns durations per model where records name one. */
  readonly model?: string | null | undefined;
  /**
   * For `pending`: the status is not one the family documents.
   * @default false
   */
  readonly unknownStatus?: boolean | undefined;
  /** For `failure`: the details; `status` defaults to the classification's `status`. */
  readonly failure?: Partial<FailureInfo> | undefined;
}

/** What a successful record produced. */
export interface FamilyResult {
  /** The primary media URLs; empty texts are dropped, and none left makes the read `invalid`. */
  readonly resultUrls: readonly string[];
  /**
   * The task's creation parameters, parsed.
   * @default null
   */
  readonly params?: unknown;
}

interface DefinitionBase<Id extends string, R> {
  /** `[a-z0-9][a-z0-9-]*`, unique among the families a watcher uses. */
  readonly id: Id;
  /** The status endpoint's path, starting with `/`, without a query: it is queried as `GET <path>?taskId=<id>`. */
  readonly path: string;
  /** Reads the record's state and view fields. May throw: the read is then `invalid`. */
  readonly classify: (record: R) => FamilyClassification;
  /** Called for `success` classifications only. */
  readonly toResult: (record: R) => FamilyResult;
  /**
   * Where the result URLs live, for the issue reported when a success has none.
   * @default ['data']
   */
  readonly resultPath?: readonly PropertyKey[] | undefined;
}

/** A family's create endpoint, as `defineFamily` takes it. */
export interface CreateDefinition<I> {
  /** The create endpoint's path, starting with `/`, without a query: `POST <path>` with the input as the JSON body. */
  readonly path: string;
  /**
   * Checks the input before any request (a zod schema fits); a failing input is a `TypeError` and sends nothing.
   * @default any JSON object
   */
  readonly input?: RecordSchema<I> | undefined;
  /** {@inheritDoc CreateEndpoint.refusal} */
  readonly refusal?: ((code: number, message: string) => 'rate-limited' | 'credits' | undefined) | undefined;
}

/** The optional create endpoint of a definition. */
interface WithCreate<I> {
  /** The family's create endpoint, for `watcher.submit()` and `generate()`. @default none (watch only) */
  readonly create?: CreateDefinition<I> | undefined;
}

/** A family whose record is the schema's output as it is. */
export interface FamilyDefinition<Id extends string, R, I = unknown> extends DefinitionBase<Id, R>, WithCreate<I> {
  /** Checks the answer's `data`; its output is the record. */
  readonly schema: RecordSchema<R>;
}

/** A family that folds the schema's output into its own record type. */
export interface NormalizingFamilyDefinition<Id extends string, S, R, I = unknown> extends DefinitionBase<Id, R>, WithCreate<I> {
  /** Checks the answer's `data`; its output goes to `normalize`. */
  readonly schema: RecordSchema<S>;
  /** Folds the provider's variants into one shape. May throw: the read is then `invalid`. */
  readonly normalize: (raw: S, taskId: string) => R;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

function fn(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

function validate(def: unknown): void {
  if (def === null || typeof def !== 'object') throw new TypeError('defineFamily: the definition must be an object');
  const d = def as Record<string, unknown>;
  if (typeof d['id'] !== 'string' || !ID_PATTERN.test(d['id'])) {
    throw new TypeError(`defineFamily: id must match ${String(ID_PATTERN)}, got ${JSON.stringify(d['id'])}`);
  }
  const id = d['id'];
  const path = d['path'];
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(`defineFamily(${id}): path must start with "/" and have no query, fragment or whitespace, got ${JSON.stringify(path)}`);
  }
  const schema = d['schema'];
  if (schema === null || typeof schema !== 'object' || !fn((schema as Record<string, unknown>)['safeParse'])) {
    throw new TypeError(`defineFamily(${id}): schema must have a safeParse(input) method (a zod schema, for example)`);
  }
  for (const name of ['classify', 'toResult'] as const) {
    if (!fn(d[name])) throw new TypeError(`defineFamily(${id}): ${name} must be a function`);
  }
  if (d['normalize'] !== undefined && !fn(d['normalize'])) throw new TypeError(`defineFamily(${id}): normalize must be a function when given`);
  if (d['resultPath'] !== undefined && !Array.isArray(d['resultPath'])) throw new TypeError(`defineFamily(${id}): resultPath must be an array when given`);
  validateCreate(id, d['create']);
}

function validateCreate(id: string, create: unknown): void {
  if (create === undefined) return;
  if (create === null || typeof create !== 'object') throw new TypeError(`defineFamily(${id}): create must be an object { path, input? } when given`);
  const c = create as Record<string, unknown>;
  const path = c['path'];
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(`defineFamily(${id}): create.path must start with "/" and have no query, fragment or whitespace, got ${JSON.stringify(path)}`);
  }
  const input = c['input'];
  if (input !== undefined && (input === null || typeof input !== 'object' || !fn((input as Record<string, unknown>)['safeParse']))) {
    throw new TypeError(`defineFamily(${id}): create.input must have a safeParse(input) method (a zod schema, for example) when given`);
  }
  if (c['refusal'] !== undefined && !fn(c['refusal'])) throw new TypeError(`defineFamily(${id}): create.refusal must be a function when given`);
}

/** Any JSON object: the input check of a create endpoint defined without one. */
const ANY_OBJECT: RecordSchema<never> = {
  safeParse: (input: unknown) =>
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { success: true, data: input as never }
      : { success: false, error: { issues: [{ path: [], message: 'must be an object' }] } },
};

function createEndpoint<I>(create: CreateDefinition<I> | undefined): CreateEndpoint<I> | undefined {
  if (create === undefined) return undefined;
  return Object.freeze({ path: create.path, input: create.input ?? (ANY_OBJECT as RecordSchema<I>), refusal: create.refusal });
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function progressOf(value: number | null | undefined): number | null {
  const n = finiteOrNull(value);
  return n === null ? null : Math.min(1, Math.max(0, n));
}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function invalid(reason: string, issues: readonly ResponseIssue[]): FamilyVerdict<never> {
  return { kind: 'invalid', reason, issues };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Defines a task family: the public way to teach the watcher an endpoint it does not know yet, without
 * forking. The built-in families are defined the same way.
 *
 * The returned family's `read` never throws: a record the schema rejects, a `normalize`/`classify`/`toResult`
 * that throws, a record naming another task, and a success without a non-empty URL are all `invalid`.
 *
 * @throws TypeError when the definition is malformed (bad `id` or `path`, missing functions).
 */
export function defineFamily<const Id extends string, S, R, I = unknown>(definition: NormalizingFamilyDefinition<Id, S, R, I>): TaskFamily<Id, R, I>;
export function defineFamily<const Id extends string, R, I = unknown>(definition: FamilyDefinition<Id, R, I>): TaskFamily<Id, R, I>;
export function defineFamily<const Id extends string, S, R, I>(
  definition: FamilyDefinition<Id, R, I> | NormalizingFamilyDefinition<Id, S, R, I>,
): TaskFamily<Id, R, I> {
  validate(definition);
  const { id, path, schema, classify, toResult } = definition;
  const normalize = 'normalize' in definition ? definition.normalize : (raw: R): R => raw;
  const resultPath = [...(definition.resultPath ?? ['data'])];

  function read(data: unknown, taskId: string): FamilyVerdict<R> {
    let stage = 'schema';
    try {
      const parsed = (schema as RecordSchema<unknown>).safeParse(data);
      if (!parsed.success) {
        return invalid('record does not match the schema', parsed.error.issues.map((i) => ({ path: ['data', ...i.path], message: i.message })));
      }
      stage = 'normalize';
      const record = (normalize as (raw: unknown, taskId: string) => R)(parsed.data, taskId);
      stage = 'classify';
      const c = classify(record);
      const recordTaskId = textOrNull(c.taskId);
      if (recordTaskId !== null && recordTaskId !== taskId) {
        return invalid('record is for another task', [{ path: ['data', 'taskId'], message: 'does not match the requested taskId' }]);
      }
      const status = textOrNull(c.status);
      const createTime = finiteOrNull(c.createTime);
      const view: RecordView = {
        taskId: recordTaskId,
        status,
        progress: progressOf(c.progress),
        createTime,
        createTimeZoned: createTime === null ? true : c.createTimeZoned !== false,
        completeTime: finiteOrNull(c.completeTime),
        model: textOrNull(c.model),
      };
      switch (c.state) {
        case 'pending':
          return { kind: 'pending', record, view, unknownStatus: c.unknownStatus === true };
        case 'failure': {
          const f = c.failure ?? {};
          const failure: FailureInfo = {
            status: f.status === undefined ? status : textOrNull(f.status),
            successFlag: finiteOrNull(f.successFlag),
            errorCode: typeof f.errorCode === 'string' || (typeof f.errorCode === 'number' && Number.isFinite(f.errorCode)) ? f.errorCode : null,
            errorMessage: textOrNull(f.errorMessage),
          };
          return { kind: 'failure', record, view, failure };
        }
        case 'success': {
          stage = 'toResult';
          const result = toResult(record);
          const urls = Array.isArray(result.resultUrls) ? result.resultUrls : [];
          const resultUrls = urls.filter((u): u is string => typeof u === 'string' && u.trim().length > 0);
          if (resultUrls.length === 0) return invalid('SUCCESS without a result URL', [{ path: resultPath, message: 'no non-empty result URL' }]);
          // A success must be usable: a JSON text, "null" or javascript: in place of a URL is an answer to retry.
          if (!resultUrls.every(isHttpUrl)) return invalid('SUCCESS with a result URL that is not an absolute http(s) URL', [{ path: resultPath, message: 'not an absolute http(s) URL' }]);
          return { kind: 'success', record, view, resultUrls, params: result.params ?? null };
        }
        default:
          return invalid(`family ${id} classified the record as ${String((c as { state: unknown }).state)}`, []);
      }
    } catch (err) {
      return invalid(`family ${id} could not read the record (${stage} threw: ${messageOf(err)})`, []);
    }
  }

  const create = createEndpoint(definition.create);
  return Object.freeze(create === undefined ? { id, path, read } : { id, path, read, create });
}

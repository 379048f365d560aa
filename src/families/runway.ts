import { z } from 'zod';
import { defineFamily } from './define.js';
import { readCode, readInteger, readJson, readObject, readText, readTime } from './fields.js';
import { classifyByStatus, statusText, taskIdField, type Meaning } from './shared.js';
import { runwayInput } from './inputs/runway.js';

/** A Runway record's `videoInfo`. */
export interface RunwayVideoInfo {
  /** The provider's id of the video, `null` when absent. */
  readonly videoId: string | null;
  /** The task it belongs to, `null` when absent. */
  readonly taskId: string | null;
  /** The generated video: the result. */
  readonly videoUrl: string | null;
  /** The cover image: not a result. */
  readonly imageUrl: string | null;
}

/** A Runway record (`GET /api/v1/runway/record-detail`), its variants folded. */
export interface RunwayRecord {
  /** The task the record names, `null` when absent. */
  readonly taskId: string | null;
  /** For an extension task, the task it extends; `null` when absent or empty. */
  readonly parentTaskId: string | null;
  /** The creation parameters (an object, or a JSON text parsed). */
  readonly generateParam: Readonly<Record<string, unknown>> | null;
  /** `wait`, `queueing`, `generating`, `success`, `fail`. */
  readonly state: string | null;
  /** Epoch ms; sent as `"YYYY-MM-DD HH:mm:ss"`. */
  readonly generateTime: number | null;
  /** `false` when `generateTime` was a text without a zone (read as UTC). */
  readonly generateTimeZoned: boolean;
  /** `null` until there is a video. */
  readonly videoInfo: RunwayVideoInfo | null;
  /** Meaningful only when `state` is `fail`: the provider may fill it on successes too. */
  readonly failCode: number | string | null;
  /** Meaningful only when `state` is `fail`. */
  readonly failMsg: string | null;
  /** 1 once the video links expired (14 days). */
  readonly expireFlag: number | null;
}

const STATES: ReadonlyMap<string, Meaning> = new Map([
  ['wait', 'pending'],
  ['queueing', 'pending'],
  ['generating', 'pending'],
  ['success', 'success'],
  ['fail', 'failure'],
]);

const schema = z.looseObject({ taskId: taskIdField, state: statusText });

/**
 * Runway video: `state` decides; the result is `videoInfo.videoUrl` (`imageUrl` is the cover).
 * `failCode`/`failMsg` are ignored unless `state` is `fail`, because successes sometimes carry them.
 */
export const runway = defineFamily({
  id: 'runway',
  path: '/api/v1/runway/record-detail',
  schema,
  resultPath: ['data', 'videoInfo', 'videoUrl'],
  create: { path: '/api/v1/runway/generate', input: runwayInput },
  normalize: (raw): RunwayRecord => {
    const info = readObject(raw['videoInfo']);
    const generated = readTime(raw['generateTime']);
    return {
      taskId: raw.taskId ?? null,
      parentTaskId: readText(raw['parentTaskId']),
      generateParam: readObject(readJson(raw['generateParam'])),
      state: raw.state ?? null,
      generateTime: generated?.ms ?? null,
      generateTimeZoned: generated?.zoned ?? true,
      videoInfo:
        info === null
          ? null
          : { videoId: readText(info['videoId']), taskId: readText(info['taskId']), videoUrl: readText(info['videoUrl']), imageUrl: readText(info['imageUrl']) },
      failCode: readCode(raw['failCode']),
      failMsg: readText(raw['failMsg']),
      expireFlag: readInteger(raw['expireFlag']),
    };
  },
  // generateTime is stamped at submission (it is already set while the task waits). failCode/failMsg only
  // reach a verdict through the failure branch, which is how successes carrying them stay successes.
  classify: (r) =>
    classifyByStatus({ taskId: r.taskId, status: r.state, createTime: r.generateTime, createTimeZoned: r.generateTimeZoned }, STATES, {
      errorCode: r.failCode,
      errorMessage: r.failMsg,
    }),
  toResult: (r) => ({ resultUrls: r.videoInfo?.videoUrl ? [r.videoInfo.videoUrl] : [], params: r.generateParam }),
});

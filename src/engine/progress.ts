import type { TaskState } from '../events.js';
import type { RecordView } from '../families/family.js';
import { estimateEta, type ObservedEnd, type PollState } from '../policy/index.js';
import { hasFlag, setFlag, TaskFlag, type TaskEntry } from './task.js';

/** A createTime further back than this is taken as clock skew or a resumed old task, not a progress origin. */
const PLAUSIBLE_AGE_MS = 24 * 3_600_000;
/**
 * A time without a zone is read as UTC; if the provider meant another zone it is off by whole hours. Such a
 * time is trusted only while the age it implies is this small: a wrong guess then yields no age at all (the
 * policy falls back to the time since watching started) instead of a task that looks hours old.
 */
const PLAUSIBLE_ZONELESS_AGE_MS = 3_600_000;

/**
 * Folds one record into the task's view. Returns whether a `progress` event is due: progress rose (0..1, never
 * lower than before), the provider's status text changed, or the record is final.
 */
export function foldRecord(task: TaskEntry, view: RecordView, state: TaskState, now: number): boolean {
  if (view.createTime !== null) {
    task.createTime = view.createTime;
    setFlag(task, TaskFlag.ZONELESS, !view.createTimeZoned);
  }
  if (view.model !== null) task.model = view.model;
  const p = state === 'success' ? 1 : view.progress;
  let rose = false;
  if (p !== null && (task.progress === null || p > task.progress)) {
    if (task.progress === null) {
      task.firstProgress = p;
      task.firstProgressAt = now;
    }
    task.progress = p;
    // The rise happened somewhere since the previous answer; the midpoint halves the lag that sparse polling
    // would otherwise add to the rate estimate.
    task.lastProgressAt = task.lastAnswerAt < 0 ? now : (task.lastAnswerAt + now) / 2;
    rose = true;
  }
  task.lastAnswerAt = now;
  const statusChanged = view.status !== task.status;
  task.status = view.status;
  return rose || statusChanged || state !== 'pending';
}

/** The task's age by the provider's clock, when its createTime is plausible; else `null`. */
export function taskAgeMs(task: TaskEntry, epochNow: number): number | null {
  if (task.createTime === null) return null;
  const age = epochNow - task.createTime;
  const limit = hasFlag(task, TaskFlag.ZONELESS) ? PLAUSIBLE_ZONELESS_AGE_MS : PLAUSIBLE_AGE_MS;
  return age >= 0 && age < limit ? age : null;
}

/** What a polling policy sees about the task. */
export function pollState(task: TaskEntry, now: number, epochNow: number, minIntervalMs: number, callbackMissRate: number | null): PollState {
  const age = taskAgeMs(task, epochNow);
  const progressed = task.progress !== null && task.lastProgressAt > task.firstProgressAt;
  // Progress is measured from creation when the provider's createTime is plausible (0 progress then), which
  // gives an estimate from the first non-zero sample; otherwise from the first sample this watcher saw.
  const createdAt = age === null ? null : now - age;
  let etaMs: number | null = null;
  if (task.progress !== null && task.progress > 0) {
    etaMs =
      createdAt !== null && createdAt < task.lastProgressAt
        ? estimateEta(createdAt, 0, task.lastProgressAt, task.progress, now)
        : progressed
          ? estimateEta(task.firstProgressAt, task.firstProgress, task.lastProgressAt, task.progress, now)
          : null;
  }
  return {
    taskId: task.taskId,
    family: task.family.id,
    model: task.model,
    watchedForMs: now - task.watchedAt,
    taskAgeMs: age,
    polls: task.polls,
    progress: task.progress,
    status: task.status,
    msSinceProgressChange: progressed ? now - task.lastProgressAt : null,
    etaMs,
    minIntervalMs,
    expectCallback: hasFlag(task, TaskFlag.EXPECT_CALLBACK),
    callbackMissRate,
  };
}

/** The task's age at monotonic time `at`: by the provider's clock when known, else since watching started. */
function ageAt(task: TaskEntry, at: number, now: number, epochNow: number): number {
  const age = taskAgeMs(task, epochNow);
  return (age ?? now - task.watchedAt) - (now - at);
}

/**
 * A task's end, for the policy to learn from: it ended between the answer before (or the start of watching)
 * and this one, or exactly at the record's `completeTime` when that lies in between (allowing 2 s of clock
 * difference).
 */
export function endObservation(task: TaskEntry, previousAnswerAt: number, completeTime: number | null, now: number, epochNow: number): ObservedEnd {
  const atMs = ageAt(task, now, now, epochNow);
  let afterMs = ageAt(task, previousAnswerAt < 0 ? task.watchedAt : previousAnswerAt, now, epochNow);
  if (completeTime !== null && task.createTime !== null && taskAgeMs(task, epochNow) !== null) {
    const exact = completeTime - task.createTime;
    if (exact >= afterMs - 2_000 && exact <= atMs + 2_000) return { family: task.family.id, model: task.model, kind: 'ended', afterMs: exact, atMs: exact };
  }
  afterMs = Math.min(afterMs, atMs);
  return { family: task.family.id, model: task.model, kind: 'ended', afterMs, atMs };
}

/** A task still running when its watch stopped: it lasted at least until the last answer that saw it. */
export function censoredObservation(task: TaskEntry, now: number, epochNow: number): ObservedEnd {
  const atMs = ageAt(task, task.lastAnswerAt < 0 ? task.watchedAt : task.lastAnswerAt, now, epochNow);
  return { family: task.family.id, model: task.model, kind: 'censored', afterMs: atMs, atMs };
}

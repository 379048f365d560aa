import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// docs/api.md: user code that throws inside the watcher is reported as a CallbackError on the `error` event, on
// a later tick. Node's EventEmitter rule then applies: with no `error` listener the error is thrown, so it is
// never lost silently, even with the default silent logger. Only a real process shows what an uncaught
// exception does, so this runs one against the built package.

const root = resolve(import.meta.dirname, '../..');

describe('the error event', () => {
  it('with no error listener, a throwing listener surfaces as an uncaught CallbackError after the wait settled', async () => {
    const code = `
      import { TaskWatcher } from ${JSON.stringify(resolve(root, 'dist/index.js'))};
      import { startSimulator } from ${JSON.stringify(resolve(root, 'dist/simulator/index.js'))};
      const sim = await startSimulator({ apiKey: 'k' });
      const [id] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS' }]);
      const watcher = new TaskWatcher({ apiKey: 'k', baseUrl: sim.url });
      watcher.on('completed', () => { throw new Error('bug in my listener'); });
      const seen = [];
      process.on('uncaughtException', async (err) => {
        seen.push({ name: err.name, code: err.code, callback: err.callback, taskId: err.taskId === id, cause: err.cause?.message });
        console.log(JSON.stringify({ seen, pending: watcher.stats().pending }));
        await watcher.close();
        await sim.close();
      });
      const result = await watcher.waitForCompletion(id);
      seen.push({ resolved: result.taskId === id });
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(stdout.trim())).toEqual({
      seen: [
        { resolved: true },
        { name: 'CallbackError', code: 'KIE_CALLBACK_ERROR', callback: "'completed' listener", taskId: true, cause: 'bug in my listener' },
      ],
      pending: 0,
    });
  });
});

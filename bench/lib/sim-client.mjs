// The simulator's control endpoints (/__sim/*), called from inside scenario processes.
import { request } from 'undici';

async function call(url, method, path, body) {
  const res = await request(`${url}/__sim/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/__sim/${path}: HTTP ${res.statusCode} ${text}`);
  return JSON.parse(text);
}

/** Adds tasks in chunks (one POST per chunk keeps each body small) and returns their ids in order. */
export async function addTasks(url, specs, chunk = 20_000) {
  const ids = [];
  for (let i = 0; i < specs.length; i += chunk) {
    const { taskIds } = await call(url, 'POST', 'tasks', { tasks: specs.slice(i, i + chunk) });
    ids.push(...taskIds);
  }
  return ids;
}

export const simStats = (url) => call(url, 'GET', 'stats');
export const simTasks = (url) => call(url, 'GET', 'tasks');
export const resetStats = (url) => call(url, 'POST', 'reset-stats', {});
export const simCallbacks = (url) => call(url, 'GET', 'callbacks');
export const configureCallbacks = (url, knobs) => call(url, 'POST', 'callbacks', knobs);

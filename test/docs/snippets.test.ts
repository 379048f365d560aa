import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.js';
import { summaryText, type Summary } from '../../src/cli/report.js';
import { STANDALONE_USAGE } from '../../src/simulator/standalone.js';
import { TaskWatcher } from '../../src/index.js';
import { startSimulator, type KieSimulator } from '../../src/simulator/index.js';
import { checkFleetMessages, checkFleetPlainOutput } from '../cli/fleet-docs.js';
import { jsonLines, runCli } from '../cli/helpers.js';
import { fencedBlocks } from '../helpers/markdown.js';
import { checkShellLine } from './commands.js';
import { root } from './pack-files.js';
import { typecheckAsConsumer } from './strict-consumer.js';

/**
 * Every fenced block of README.md and docs/*.md is placed here: `ts`/`js` blocks are compiled as a strict
 * TypeScript consumer of the built package would compile them, `sh` blocks are checked command by command,
 * and every other block is listed below with what it is and, where it can be, a check against the code. A
 * block the harness cannot place fails the suite, so new docs cannot drift unnoticed.
 */

interface Block {
  readonly id: string;
  readonly file: string;
  readonly lang: string;
  readonly code: string;
}

const exec = promisify(execFile);
const FILES = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const BLOCKS: Block[] = FILES.flatMap((file) =>
  fencedBlocks(readFileSync(join(root, file), 'utf8')).map((b) => ({ id: `${file}:${b.line}`, file, lang: b.lang, code: b.code })),
);
const CODE = new Set(['ts', 'js']);
const SHELL = new Set(['sh']);

/** A block found by its file and the start of its text (line numbers move with every edit). */
interface Locator {
  readonly file: string;
  readonly startsWith: string;
}

const find = (l: Locator): Block[] => BLOCKS.filter((b) => b.file === l.file && b.code.trimStart().startsWith(l.startsWith));

/**
 * Snippets a strict consumer cannot compile today, each waiting for an API change made on another branch.
 * Each must still fail with exactly these errors: once it compiles, this test fails until the entry goes.
 */
const KNOWN_STRICT_FAILURES: readonly (Locator & { readonly codes: readonly string[]; readonly why: string })[] = [];

/** TypeScript appended to a snippet before it is compiled: checks that hold a declaration in the docs to the package's. */
const APPENDED: readonly (Locator & { readonly code: string })[] = [
  {
    file: 'docs/callbacks-reference.md',
    startsWith: "import type { IncomingMessage, ServerResponse } from 'node:http';",
    code: `
import type * as Published from 'kie-watcher/callbacks';
// Identical types, not merely assignable both ways (methods are bivariant, so that would miss a changed parameter).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const sameTarget: Same<CallbackPokeTarget, Published.CallbackPokeTarget> = true;
export const sameHandler: Same<CallbackHandler, Published.CallbackHandler> = true;
export const sameFactory: Same<typeof createCallbackHandler, typeof Published.createCallbackHandler> = true;`,
  },
  {
    file: 'docs/callbacks-reference.md',
    startsWith: 'declare function verifyKieCallback(options: {',
    code: `
import { verifyKieCallback as published, type VerifiedKieCallback, type VerifyKieCallbackOptions } from 'kie-watcher/callbacks';
type NoKeys<T extends never> = T;
type DocOptions = Parameters<typeof verifyKieCallback>[0];
type DocResult = ReturnType<typeof verifyKieCallback>;
export type DocumentedEveryOption = NoKeys<Exclude<keyof VerifyKieCallbackOptions, keyof DocOptions>>;
export type DocumentedNoOtherOption = NoKeys<Exclude<keyof DocOptions, keyof VerifyKieCallbackOptions>>;
export type DocumentedEveryResultField = NoKeys<Exclude<keyof VerifiedKieCallback, keyof DocResult>>;
export type DocumentedNoOtherResultField = NoKeys<Exclude<keyof DocResult, keyof VerifiedKieCallback>>;
export const documentedOptionsAreAccepted = (options: DocOptions): DocResult => published(options);`,
  },
  {
    file: 'docs/families.md',
    startsWith: "import type { CreateEndpoint, FamilyVerdict } from 'kie-watcher';\n\ninterface TaskFamily",
    code: `
import type { TaskFamily as Published } from 'kie-watcher';
// Identical types, not merely assignable both ways (methods are bivariant, so that would miss a changed parameter).
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export const sameFamily: Same<TaskFamily<'x', { readonly n: number }>, Published<'x', { readonly n: number }>> = true;`,
  },
  {
    file: 'docs/simulator.md',
    startsWith: 'interface SimulatedTaskSpec {',
    code: `
import type { SimulatedTaskSpec as Published } from 'kie-watcher/simulator';
type NoKeys<T extends never> = T;
export type DocumentedEveryField = NoKeys<Exclude<keyof Published, keyof SimulatedTaskSpec>>;
export type DocumentedNoOtherField = NoKeys<Exclude<keyof SimulatedTaskSpec, keyof Published>>;`,
  },
];

/** The nested shape of `callbackLog()`, as far as the check above reads it. */
interface CallbackLogShape {
  readonly options: object;
  readonly stats: object;
  readonly deliveries: readonly (Record<string, unknown> & { readonly state?: unknown; readonly attempts: readonly object[] })[];
}

let sim: KieSimulator;
let demoJson = '';
let demoPlain = '';

beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'docs-key-1234' });
  // The runs the examples in docs/cli.md were taken from; their ids and outcomes are fixed by the seed.
  demoJson = (await runCli(['demo', '--tasks', '2', '--json', '--speed', '10'])).stdout;
  demoPlain = (await runCli(['demo', '--tasks', '2', '--speed', '10'])).stdout;
}, 60_000);

afterAll(async () => {
  await sim.close();
});

/**
 * Timing varies from run to run, and with it which progress values a poll happens to see; everything else
 * in these examples (every terminal event, the summary, its exit code) must match a real run.
 */
const TIMING = new Set(['elapsedMs', 'wallMs', 'createTime', 'completeTime', 'requests', 'progress']);
function withoutTiming(event: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(event).map(([k, v]) => [k, TIMING.has(k) ? typeof v : v]));
}

function expectLinesOf(documented: string, real: string): void {
  const actual = jsonLines(real).map(withoutTiming);
  for (const event of jsonLines(documented).map(withoutTiming)) expect(actual).toContainEqual(event);
}

/**
 * A documented whole run against a real one: every line but a progress line is the same, in the same order
 * (times and the temporary folder aside), so the example cannot lose lines the CLI adds; progress lines depend
 * on when polls happen to land, so each documented one must merely occur, and every line has the keys its type has.
 */
function expectWholeRun(documented: string, real: string): void {
  const untimed = (text: string): Record<string, unknown>[] =>
    jsonLines(text).map((e) => withoutTiming(typeof e.path === 'string' ? { ...e, path: basename(e.path) } : e));
  const [doc, run] = [untimed(documented), untimed(real)];
  const settled = (events: Record<string, unknown>[]): Record<string, unknown>[] => events.filter((e) => e.type !== 'progress');
  expect(settled(doc)).toEqual(settled(run));
  const progress = run.filter((e) => e.type === 'progress');
  for (const event of doc.filter((e) => e.type === 'progress')) {
    expect(Object.keys(event)).toEqual(Object.keys(progress[0] ?? {}));
    expect(progress).toContainEqual(event);
  }
}

/** Blocks that are neither code to compile nor commands: what each one is, and how it is held to the code. */
const OTHER: readonly (Locator & { readonly reason: string; readonly check?: (code: string) => void | Promise<void> })[] = [
  {
    file: 'docs/cli.md',
    startsWith: 'kie-watch [watch] <taskId...>',
    reason: 'the synopsis: every flag it shows is one the command documents in its --help',
    check: (code) => {
      let command: 'top' | 'watch' | 'demo' | 'simulate' = 'watch';
      for (const line of code.split('\n')) {
        const named = /^kie-watch (demo|simulate|help)\b/.exec(line);
        if (!line.startsWith(' ')) command = named?.[1] === 'demo' || named?.[1] === 'simulate' ? named[1] : line.startsWith('kie-watch [watch]') ? 'watch' : 'top';
        const help = helpText(command, STANDALONE_USAGE);
        for (const flag of line.match(/--[a-z-]+/g) ?? []) expect(help, `${flag} in: ${line}`).toContain(flag);
      }
    },
  },
  {
    file: 'docs/cli.md',
    startsWith: 'kie-watch  5/12 finished',
    reason: 'one frame of the live view; each row has the layout renderFrame draws (test/cli/tty.test.ts)',
    check: (code) => {
      const [header, ...rows] = code.split('\n');
      expect(header).toMatch(/^kie-watch {2}\d+\/\d+ finished {2}✔ \d+ {2}✖ \d+ {2}! \d+ {2}\d+ requests {2}\d+\.\ds$/);
      for (const row of rows) expect(row).toMatch(/^[✔✖!\-⠙] \S+ [█░]{20} +\d+% {2}[A-Z_]+ +\d+\.\ds$/);
    },
  },
  {
    file: 'docs/cli.md',
    startsWith: '9 succeeded, 3 failed',
    reason: "the demo's summary: summaryText renders these numbers the same way, and a demo whose failures are scripted exits 0",
    check: (code) => {
      const n = [...code.matchAll(/\d+(\.\d+)?/g)].map((m) => Number(m[0]));
      const [succeeded = 0, failed = 0, timedOut = 0, tasks = 0, requests = 0, retries = 0, rateLimited = 0, violations = 0, wallS = 0, exitCode = 0] = n;
      const summary: Summary = { tasks, succeeded, failed, timedOut, interrupted: 0, requests, retries, rateLimited, violations, wallMs: wallS * 1000, exitCode };
      expect(`${code}\n`).toBe(summaryText(summary));
      if (timedOut === 0 && violations === 0) expect(exitCode).toBe(0);
    },
  },
  {
    file: 'docs/cli.md',
    startsWith: 'watching 2 tasks',
    reason: 'plain lines of `kie-watch demo --tasks 2 --speed 10`: each one appears in a real run (times aside)',
    check: (code) => {
      const untimed = (text: string): string[] => text.split('\n').map((l) => l.replace(/^ *\d+\.\ds {2}/, '').replace(/ \d+%$/, ' N%'));
      const real = untimed(demoPlain);
      for (const line of untimed(code)) expect(real).toContain(line);
    },
  },
  {
    file: 'docs/cli.md',
    startsWith: 'watching 8 tasks with 4 workers',
    reason: 'stdout of `demo --workers 4 --kill-one`: each line parsed back and rendered again by the fleet reporters, the summary by fleetSummaryText (test/cli/fleet-docs.ts)',
    check: checkFleetPlainOutput,
  },
  {
    file: 'docs/cli.md',
    startsWith: 'kie-watch demo: simulator at http://127.0.0.1:41341',
    reason: 'stderr of the same run: each line in the words demo --workers uses (test/cli/fleet-docs.ts)',
    check: checkFleetMessages,
  },
  {
    file: 'docs/cli.md',
    startsWith: '{"type":"progress","taskId":"sim-cd40b9c444af408a4ac61ac7"',
    reason: 'a whole run of `kie-watch demo --tasks 2 --json --speed 10`: the same lines as a real run, in order, with the same keys (times, temporary folder and which progress values a poll saw aside)',
    check: (code) => expectWholeRun(code, demoJson),
  },
  {
    file: 'docs/cli.md',
    startsWith: '{"type":"failed","taskId":"4o_abc123"',
    reason: 'the event a refused key gives: the same as a real run with a wrong key (times aside)',
    check: async (code) => {
      const real = await runCli(['watch', '4o_abc123', '--base-url', sim.url, '--json'], { KIE_API_KEY: 'a-wrong-key-5678' });
      expect(real.code).toBe(2);
      expectLinesOf(code, real.stdout);
    },
  },
  {
    file: 'docs/cli.md',
    startsWith: 'kie-watch: receiving KIE callbacks at',
    reason: 'what `watch --callback-port` prints before watching: the same line as a real run (port aside)',
    check: async (code) => {
      const [id = ''] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS' }]);
      const real = await runCli(['watch', id, '--base-url', sim.url, '--callback-port', '0', '--json'], { KIE_API_KEY: 'docs-key-1234', KIE_WEBHOOK_HMAC_KEY: 'docs-hmac-5678' });
      expect(real.code).toBe(0);
      const port = /:(\d+)\//;
      expect(real.stderr.replace(port, ':PORT/')).toContain(code.trim().replace(port, ':PORT/'));
    },
  },
  ...(
    [
      ["app.post('/kie/callback', handler);", 'mounting the callback handler in Express'],
      ["fastify.all('/kie/callback', {", 'mounting it in Fastify through an onRequest hook that hijacks the reply'],
      ['fastify.register(async (scope) => {', 'mounting it in Fastify behind a buffer content parser'],
    ] as const
  ).map(([startsWith, what]) => ({
    file: 'docs/callbacks.md',
    startsWith,
    reason: `${what}: the framework's types are not in the consumer project; the same mount runs in test/callbacks/frameworks.test.ts`,
    check: (code: string) => {
      const tested = readFileSync(join(root, 'test/callbacks/frameworks.test.ts'), 'utf8');
      for (const call of code.match(/\.(?:post|all|register|addContentTypeParser|hijack)\(/g) ?? []) expect(tested).toContain(call);
    },
  })),
  {
    file: 'docs/design.md',
    startsWith: 'src/index.ts',
    reason: 'the module map: every path it names exists, and every file and folder of src/ is in it',
    check: (code) => {
      const named: readonly string[] = code.match(/^src\/\S+/gm) ?? [];
      for (const path of named) expect(existsSync(join(root, path)), path).toBe(true);
      for (const entry of readdirSync(join(root, 'src'), { withFileTypes: true })) {
        const path = `src/${entry.name}`;
        const listed = entry.isDirectory() ? named.some((n) => n === `${path}/` || n.startsWith(`${path}/`)) : named.includes(path);
        expect(listed, `${path} is not in the module map`).toBe(true);
      }
    },
  },
  {
    file: 'docs/design.md',
    startsWith: 'your code: waitForCompletion / watch / updates',
    reason: 'the data-flow diagram: every source file it names exists, and it passes through every engine module on the request path',
    check: (code) => {
      const named = code.match(/src\/[\w/.-]+\.ts/g) ?? [];
      for (const path of named) expect(existsSync(join(root, path)), path).toBe(true);
      for (const step of ['src/watcher.ts', 'src/engine/registry.ts', 'src/engine/scheduler.ts', 'src/limits/admission.ts', 'src/transport/client.ts', 'src/transport/envelope.ts', 'src/engine/answers.ts', 'src/engine/notifier.ts']) {
        expect(named, step).toContain(step);
      }
    },
  },
  {
    file: 'docs/simulator.md',
    startsWith: '{ "options": { "delayMs": [100, 2000]',
    reason: "a callbackLog() after one delivery: valid JSON with exactly the fields a real log has, at every level",
    check: async (code) => {
      const documented = JSON.parse(code) as CallbackLogShape;
      const receiver = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end('ok'));
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const s = await startSimulator({ callbackHmacKey: 'docs-hmac', callbacks: { duplicateRate: 0.1 } });
      try {
        s.addTasks([{ durationMs: 0, outcome: 'SUCCESS', callBackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kie/callback` }]);
        let real = s.callbackLog() as unknown as CallbackLogShape;
        for (let i = 0; i < 100 && real.deliveries[0]?.state !== 'delivered'; i++) {
          await s.flushCallbacks();
          real = s.callbackLog() as unknown as CallbackLogShape;
        }
        const keys = (o: object | undefined): string[] => Object.keys(o ?? {}).sort();
        expect(keys(documented)).toEqual(keys(real));
        expect(keys(documented.options)).toEqual(keys(real.options));
        expect(keys(documented.stats)).toEqual(keys(real.stats));
        expect(keys(documented.deliveries[0])).toEqual(keys(real.deliveries[0]));
        expect(keys(documented.deliveries[0]?.attempts[0])).toEqual(keys(real.deliveries[0]?.attempts[0]));
        expect(real.deliveries[0]).toMatchObject({ state: 'delivered', kind: 'first' });
      } finally {
        await s.close();
        await new Promise((resolve) => receiver.close(resolve));
      }
    },
  },
  {
    file: 'docs/simulator.md',
    startsWith: '{ "code": 200, "msg": "success", "data": {',
    reason: "the simulator's envelope: valid JSON with the fields a real answer has",
    check: async (code) => {
      const documented = JSON.parse(code) as { data: Record<string, unknown> };
      const [id = ''] = sim.addTasks([{ durationMs: 60_000, outcome: 'SUCCESS' }]);
      const res = await fetch(`${sim.url}/api/v1/gpt4o-image/record-info?taskId=${id}`, { headers: { authorization: 'Bearer docs-key-1234', 'user-agent': 'docs-test' } });
      const real = (await res.json()) as { data: Record<string, unknown> };
      expect(Object.keys(documented.data).sort()).toEqual(Object.keys(real.data).sort());
    },
  },
  {
    file: 'docs/metrics.md',
    startsWith: 'kie_watcher_poll_requests_total{',
    reason: 'lines printed by `node examples/metrics-prometheus.mjs`: each names a series (metric and labels) that a real run prints, values aside',
    check: async (code) => {
      const { stdout } = await exec(process.execPath, [join(root, 'examples/metrics-prometheus.mjs')], { cwd: root, timeout: 60_000 });
      const series = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('kie_watcher_')).map((l) => l.replace(/ \S+$/, ''));
      const real = series(stdout);
      expect(series(code).length).toBeGreaterThan(5);
      for (const line of series(code)) expect(real).toContain(line);
    },
  },
  {
    file: 'docs/api.md',
    startsWith: "{ taskId, family, status: 'SUCCESS'",
    reason: 'the shape of WatchResult, written as a literal for reading: it names exactly the fields a real result has',
    check: async (code) => {
      // Keys only: a name at the start of a line or after `{` or `,`, followed by `:`, `,` or `}`.
      const named = [...code.replace(/\/\/.*$/gm, '').matchAll(/(?:^|[{,])\s*(\w+)\s*(?=[:,}])/gm)].map((m) => m[1] ?? '');
      const [id = ''] = sim.addTasks([{ durationMs: 0, outcome: 'SUCCESS' }]);
      const watcher = new TaskWatcher({ apiKey: 'docs-key-1234', baseUrl: sim.url });
      try {
        const result = await watcher.waitForCompletion(id);
        expect([...new Set(named)].sort()).toEqual(Object.keys(result).sort());
      } finally {
        await watcher.close();
      }
    },
  },
];

function placement(block: Block): 'typecheck' | 'shell' | 'other' | undefined {
  if (OTHER.some((o) => find(o).includes(block))) return 'other';
  if (CODE.has(block.lang)) return 'typecheck';
  if (SHELL.has(block.lang)) return 'shell';
  return undefined;
}

describe('the code blocks of README.md and docs/*.md', () => {
  it('are all placed: compiled, checked as commands, or listed with a reason', () => {
    expect(BLOCKS.length).toBeGreaterThan(20);
    const unplaced = BLOCKS.filter((b) => placement(b) === undefined).map((b) => `${b.id} (${b.lang || 'no language'})`);
    expect(unplaced, 'give each a language the harness checks, or an entry in OTHER with a reason').toEqual([]);
  });

  it('have no stale entries in the lists above', () => {
    for (const entry of [...OTHER, ...KNOWN_STRICT_FAILURES, ...APPENDED]) {
      expect(find(entry), `${entry.file}: no single block starts with ${JSON.stringify(entry.startsWith.slice(0, 40))}`).toHaveLength(1);
    }
  });

  it('compile unchanged as a strict TypeScript consumer of the built package (strict, exactOptionalPropertyTypes, NodeNext)', () => {
    const code = BLOCKS.filter((b) => placement(b) === 'typecheck');
    const appended = (b: Block): string => APPENDED.filter((a) => find(a).includes(b)).map((a) => a.code).join('\n');
    const diagnostics = typecheckAsConsumer(code.map((b) => ({ id: b.id, code: `${b.code}\n${appended(b)}` })));
    const report: Record<string, string[]> = {};
    for (const block of code) {
      const errors = diagnostics.get(block.id) ?? [];
      const known = KNOWN_STRICT_FAILURES.find((k) => find(k).includes(block));
      if (known === undefined) {
        if (errors.length > 0) report[block.id] = errors;
        continue;
      }
      const codes = [...new Set(errors.map((e) => e.split(' ')[0] ?? ''))].sort();
      if (codes.join() !== [...known.codes].sort().join()) report[block.id] = [`known failure (${known.why}) now gives: ${codes.join(', ') || 'no error: remove it from KNOWN_STRICT_FAILURES'}`, ...errors];
    }
    expect(report).toEqual({});
  }, 60_000);

  it.each(BLOCKS.filter((b) => SHELL.has(b.lang)).map((b) => [b.id, b] as const))('%s: commands this project provides, with flags they accept', (_id, block) => {
    for (const line of block.code.split('\n')) expect(() => checkShellLine(line), line).not.toThrow();
  });

  it.each(OTHER.filter((o) => o.check !== undefined).map((o) => [`${o.file}: ${o.reason}`, o] as const))('%s', async (_name, entry) => {
    const [block] = find(entry);
    if (!block || !entry.check) throw new Error('not found');
    await entry.check(block.code);
  });
});

describe('running the CLI without installing it', () => {
  it('is shown as npx -p kie-watcher kie-watch in the docs and every help screen, never as npx kie-watch', () => {
    const texts = [
      ...FILES.map((f) => [f, readFileSync(join(root, f), 'utf8')] as const),
      ...(['top', 'watch', 'demo', 'simulate'] as const).map((t) => [`kie-watch ${t} --help`, helpText(t, STANDALONE_USAGE)] as const),
    ];
    // `-p kie-watcher` first; other packages it needs (ioredis for --workers) may follow it.
    for (const [name, text] of texts) expect(text, name).not.toMatch(/npx (?!-p kie-watcher (?:-p [\w@./-]+ )*kie-watch)[^\n]*kie-watch/);
    for (const name of ['README.md', 'docs/cli.md', 'kie-watch top --help', 'kie-watch watch --help']) {
      expect(texts.find(([n]) => n === name)?.[1], name).toContain('npx -p kie-watcher kie-watch');
    }
  });
});

describe('kie-watch demo --help', () => {
  it('promises from a run without --callbacks only the figures its summary prints', () => {
    const help = helpText('demo', STANDALONE_USAGE).replace(/\s+/g, ' ');
    const [, plain = '', withCallbacks = ''] = /prints a summary with ([^(]*)\(with --callbacks also ([^)]*)\)/.exec(help) ?? [];
    // What the summary of demoPlain (no --callbacks) says, and what it only says with --callbacks.
    for (const phrase of ['requests sent', 'rate-limit violations']) {
      expect(plain, 'demo --help').toContain(phrase);
      expect(demoPlain, 'a real run').toContain(phrase);
    }
    for (const phrase of ['requests per task', 'detection delay']) {
      expect(plain, 'demo --help, before --callbacks').not.toContain(phrase);
      expect(withCallbacks, 'demo --help, with --callbacks').toContain(phrase);
      expect(demoPlain, 'a real run').not.toContain(phrase);
    }
  });
});

describe("README.md's quickstart", () => {
  it('runs as written in a clone, once built: saved beside the repository\'s package.json, it imports kie-watcher as itself', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = fencedBlocks(readme.slice(readme.indexOf('\n## Quickstart'))).find((b) => b.lang === 'js')?.code ?? '';
    expect(code).toContain("from 'kie-watcher'");
    // .tmp/ is git-ignored; a folder inside the repository resolves `kie-watcher` to its own dist/ (package self-reference).
    mkdirSync(join(root, '.tmp'), { recursive: true });
    const work = mkdtempSync(join(root, '.tmp', 'quickstart-'));
    try {
      writeFileSync(join(work, 'quickstart.mjs'), code);
      const { stdout } = await exec(process.execPath, ['quickstart.mjs'], { cwd: work, timeout: 60_000 });
      const [, taskId = '', path = ''] = /^(\S+) \[\s*'([^']+)'\s*\]$/.exec(stdout.trim()) ?? [];
      expect(path, stdout).toBe(join(work, 'kie-results', `${taskId}-0.png`));
      expect(existsSync(path)).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);
});

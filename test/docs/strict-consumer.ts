import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { root } from './pack-files.js';

/**
 * Free variables the docs' snippets use without declaring them, as a reader's surrounding code would have
 * them. Kept small on purpose: a snippet that needs more should declare it.
 */
export const PRELUDE = `
declare const apiKey: string;
declare const taskId: string;
declare const taskIds: readonly string[];
declare const watcher: import('kie-watcher').TaskWatcher;
declare const myStore: import('kie-watcher').PendingTaskStore;
declare const bar: { update(progress: number): void };
declare function save(taskId: string, urls: readonly string[]): void;
declare function report(taskId: string, code: string, message: string): void;
declare const handler: import('kie-watcher/callbacks').CallbackHandler;
declare const app: import('express').Express;
declare const fastify: import('fastify').FastifyInstance;
`;

/** What `tsc --init` users add for a strict build of ESM code, plus the option this project itself uses. */
export const CONSUMER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  exactOptionalPropertyTypes: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
};

/**
 * Packages the docs' snippets import besides kie-watcher and Node, linked from this repository's
 * node_modules as a reader would have installed them next to kie-watcher: docs/metrics.md's OpenTelemetry
 * SDK and exporter, and the optional peer dependency `kie-watcher/metrics` needs; ioredis, the one
 * `kie-watcher/redis` needs; zod for `defineFamily` schemas; the web frameworks docs/callbacks.md mounts the
 * handler in.
 */
export const SNIPPET_DEPENDENCIES: readonly string[] = [
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-prometheus',
  'zod',
  'fastify',
  '@types/express',
  'hono',
  'ioredis',
];

export interface Snippet {
  readonly id: string;
  readonly code: string;
}

/** `TS2322 (line 3): Type 'string | undefined' is not assignable…`, relative to the snippet's own lines. */
export type Diagnostics = Map<string, string[]>;

/**
 * Compiles every snippet as its own ES module in a throwaway project whose `node_modules/kie-watcher` is this
 * package: the imports resolve through package.json `exports` to the built `dist/` types, as they would for a
 * user who installed it.
 */
export function typecheckAsConsumer(snippets: readonly Snippet[]): Diagnostics {
  const dir = mkdtempSync(join(tmpdir(), 'kie-watcher-snippets-'));
  try {
    mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
    symlinkSync(root, join(dir, 'node_modules/kie-watcher'), 'dir');
    symlinkSync(join(root, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'), 'dir');
    for (const name of SNIPPET_DEPENDENCIES) {
      mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
      symlinkSync(join(root, 'node_modules', name), join(dir, 'node_modules', name), 'dir');
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(join(dir, 'prelude.d.ts'), PRELUDE);
    const files = snippets.map((s, i) => {
      const file = join(dir, `snippet-${i}.ts`);
      // `export {}` makes each a module of its own: top-level await, no name clashes between snippets.
      writeFileSync(file, `${s.code}\nexport {};\n`);
      return { id: s.id, file };
    });
    const program = ts.createProgram([join(dir, 'prelude.d.ts'), ...files.map((f) => f.file)], { ...CONSUMER_OPTIONS, typeRoots: [join(dir, 'node_modules/@types')] });
    const result: Diagnostics = new Map();
    for (const { id, file } of files) {
      const source = program.getSourceFile(file);
      if (!source) throw new Error(`not compiled: ${id}`);
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      result.set(
        id,
        diagnostics.map((d) => {
          const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
          return `TS${d.code} (line ${line}): ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
        }),
      );
    }
    const global = program.getGlobalDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    if (global.length > 0) throw new Error(`the consumer project itself does not compile: ${global.join('; ')}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

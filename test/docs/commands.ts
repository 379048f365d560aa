import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommand } from '../../src/cli/args.js';
import { parseStandaloneArgs } from '../../src/simulator/standalone.js';
import { root } from './pack-files.js';

const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
/** Placeholders the docs write in place of real values. */
const PLACEHOLDERS: Record<string, string> = { '<taskId...>': 'task-1', '<taskId>': 'task-1' };

/** Shell words, honouring single and double quotes: enough for the docs' one-liners. */
export function words(command: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of command) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== undefined) throw new Error(`unbalanced quote in: ${command}`);
  if (word !== undefined) out.push(word);
  return out;
}

/** Drops a trailing `# comment` outside quotes. */
function uncomment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function checkKieWatch(args: string[]): void {
  const argv = args.map((a) => PLACEHOLDERS[a] ?? a);
  // Throws a UsageError for an unknown command, option or value, as the CLI would exit 2.
  const cmd = parseCommand(argv);
  if (cmd.kind === 'simulate') parseStandaloneArgs(cmd.argv);
}

function checkNpm(args: string[]): void {
  const [sub, name, ...rest] = args;
  if (sub === 'ci' || sub === 'test' || sub === 'install') return;
  if (sub !== 'run' || name === undefined) throw new Error(`not an npm command the docs should show: npm ${args.join(' ')}`);
  const script = scripts[name];
  if (script === undefined) throw new Error(`npm run ${name}: no such script in package.json`);
  if (rest[0] === '--' && name.startsWith('bench')) {
    const source = readFileSync(join(root, 'bench/run.mjs'), 'utf8');
    for (const flag of rest.slice(1)) if (!source.includes(`'${flag}'`)) throw new Error(`npm run ${name} -- ${flag}: bench/run.mjs does not read ${flag}`);
  } else if (rest[0] === '--' && name === 'demo') {
    checkKieWatch(['demo', ...rest.slice(1)]);
  } else if (rest.length > 0) {
    throw new Error(`npm run ${name} ${rest.join(' ')}: arguments after a script need --`);
  }
}

/**
 * Checks one shell line of the docs: every command in it is one this project provides (an npm script, the
 * kie-watch CLI with flags it accepts, an example file) or a shell builtin the docs rely on. Throws otherwise.
 */
export function checkShellLine(line: string): void {
  const code = uncomment(line).trim();
  if (code === '') return;
  for (const segment of code.split(/&&|\|\||;|&(?!&)/)) {
    const all = words(segment.trim());
    // Environment assignments in front of a command (KIE_API_KEY=... kie-watch …).
    const first = all.findIndex((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
    if (first === -1) continue;
    const [command, ...rest] = all.slice(first);
    if (command === undefined) continue;
    if (command === 'export' && rest.every((w) => /^[A-Z_][A-Z0-9_]*=/.test(w))) continue;
    if (command === 'kie-watch') {
      checkKieWatch(rest);
    } else if (command === 'npx') {
      // `npx kie-watch` would fetch whatever package is published as `kie-watch` and hand it the key.
      if (rest[0] !== '-p' || rest[1] !== 'kie-watcher' || rest[2] !== 'kie-watch') throw new Error(`use npx -p kie-watcher kie-watch, not: ${segment.trim()}`);
      checkKieWatch(rest.slice(3));
    } else if (command === 'npm') {
      checkNpm(rest);
    } else if (command === 'node') {
      const file = rest.find((w) => !w.startsWith('-'));
      if (file === undefined || !existsSync(join(root, file))) throw new Error(`node ${rest.join(' ')}: no such file in the repository`);
    } else {
      throw new Error(`a command the docs harness does not know: ${segment.trim()} (add a check for it in test/docs/commands.ts)`);
    }
  }
}

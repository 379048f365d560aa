import { describe, expect, it } from 'vitest';
import { helpText } from '../../src/cli/help.js';
import { STANDALONE_USAGE } from '../../src/simulator/standalone.js';

const COMMANDS = ['watch', 'generate', 'download', 'credits', 'demo', 'simulate', 'dashboard'] as const;

/** The `--flags` a text names, without --help (every command takes it) and --version. */
function flags(text: string): string[] {
  return [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].filter((f) => f !== '--help' && f !== '--version').sort();
}

/** The top-level help's synopsis of one command: its `kie-watch <command>` line and the indented lines under it. */
function synopsis(command: (typeof COMMANDS)[number]): string {
  const usage = helpText('top', STANDALONE_USAGE).split('\n\n')[1] ?? '';
  const head = command === 'watch' ? '  kie-watch [watch] ' : `  kie-watch ${command} `;
  const lines = usage.split('\n');
  const at = lines.findIndex((l) => l.startsWith(head));
  if (at === -1) return '';
  const end = lines.findIndex((l, i) => i > at && l.startsWith('  kie-watch '));
  return lines.slice(at, end === -1 ? undefined : end).join('\n');
}

describe('kie-watch --help', () => {
  it.each(COMMANDS)('shows every option `%s --help` documents, and no other', (command) => {
    // The command's own help: its usage (up to the first blank line) and its option list (lines starting with a flag).
    const help = helpText(command, STANDALONE_USAGE);
    const own = [help.split('\n\n')[0] ?? '', ...help.split('\n').filter((l) => /^ {2}(?:-\w, )?--/.test(l))].join('\n');
    expect(synopsis(command), `kie-watch --help has no line for ${command}`).not.toBe('');
    expect(flags(synopsis(command))).toEqual(flags(own));
  });
});

import callbackPoke from './scripts/callback-poke.lua';
import createSlot from './scripts/create-slot.lua';
import gcra from './scripts/includes/gcra.lua';
import pokeInclude from './scripts/includes/poke.lua';
import prelude from './scripts/includes/prelude.lua';
import list from './scripts/list.lua';
import pause from './scripts/pause.lua';
import poke from './scripts/poke.lua';
import register from './scripts/register.lua';
import submitKey from './scripts/submit-key.lua';
import tick from './scripts/tick.lua';
import { LuaScript } from './script-runner.js';

/*
 * The fleet's Lua scripts, one file per script in scripts/ (each opens with its KEYS, ARGV and returns), shared
 * parts in scripts/includes/, pulled in by a `--- @include "<name>"` line the way BullMQ's commands do. The build
 * inlines every file as text, so the package still ships one file per entry. To add a script: write
 * scripts/<name>.lua, import it here, export it through `script()`, and encode its arguments and decode its
 * reply by name in commands.ts.
 */

const INCLUDES: Readonly<Record<string, string>> = { prelude, gcra, poke: pokeInclude };
const INCLUDE = /^--- @include "([a-z0-9-]+)"$/gm;

/** The script's text with its includes expanded (each at most once: they declare locals). */
export function expandIncludes(source: string, includes: Readonly<Record<string, string>> = INCLUDES): string {
  const seen = new Set<string>();
  return source.replace(INCLUDE, (_, name: string) => {
    const text = includes[name];
    if (text === undefined) throw new Error(`kie-watcher: unknown Lua include ${JSON.stringify(name)}`);
    if (seen.has(name)) return '';
    seen.add(name);
    return text;
  });
}

function script(source: string): LuaScript {
  return new LuaScript(expandIncludes(source));
}

/** The GCRA, alone: tests compare it with the TypeScript one. */
export const GCRA_LUA = gcra;

export const REGISTER = script(register);
export const TICK = script(tick);
export const POKE = script(poke);
export const PAUSE = script(pause);
export const LIST = script(list);
/** A callback handler's poke with fleet-wide replay dedupe (src/redis/callback-poker.ts). */
export const CALLBACK_POKE = script(callbackPoke);
/** The fleet's creation limit (src/redis/create-store.ts). */
export const CREATE_SLOT = script(createSlot);
/** The fleet's submit keys (src/redis/create-store.ts). */
export const SUBMIT_KEY = script(submitKey);

import { LuaScript } from '../redis/script-runner.js';
import breakdown from './scripts/breakdown.lua';
import lookup from './scripts/lookup.lua';
import top from './scripts/top.lua';

/*
 * The dashboard's read-only scripts, one file each in scripts/ like the fleet's. Each gets the account's `due`
 * key in KEYS and derives the per-task keys from it (same hash tag, same Cluster slot). They never write: a
 * test runs them as a Redis user without write permissions.
 */
export const TOP = new LuaScript(top);
export const LOOKUP = new LuaScript(lookup);
export const BREAKDOWN = new LuaScript(breakdown);

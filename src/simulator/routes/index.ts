import type { Route } from '../router.js';
import { controlRoute } from './control.js';
import { filesRoute } from './files.js';
import { createRoute, creditRoute } from './creates.js';
import { recordInfoRoute } from './record-info.js';

/** Every endpoint the simulator serves, tried in order. A new endpoint: a file in this folder, one line here. */
export const ROUTES: readonly Route[] = [recordInfoRoute, createRoute, creditRoute, filesRoute, controlRoute];

import type { FleetFactory, FleetHost } from '../engine/fleet-observer.js';
import { accountOf } from './account.js';
import type { Coordinator } from './coordinator.js';
import { FleetDriver } from './driver.js';

/** The fleet mode a `coordinator` option gives a watcher: its store opened for the account, and a driver on it. */
export function fleetMode(coordinator: Coordinator): FleetFactory {
  return (host: FleetHost) => {
    const { opts } = host;
    const fleet: { driver?: FleetDriver } = {};
    const store = coordinator.open({
      // The fleet's limits are the account's: name it by a hash of the key, never the key.
      account: accountOf(opts.apiKey),
      perTaskIntervalMs: opts.minIntervalMs,
      accountRequestsPerSecond: opts.accountRequestsPerSecond,
      resultTtlMs: opts.resultCacheTtlMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      sendGuardMs: Math.max(10, opts.rateJitterMarginMs - 20),
      log: host.log,
      onStatus: host.status,
      onReset: () => fleet.driver?.registerAll(),
    });
    const driver = new FleetDriver({ ...host, store });
    fleet.driver = driver;
    void driver.start();
    return driver;
  };
}

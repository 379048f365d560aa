/**
 * The API's host name did not resolve (`ENOTFOUND`) and never has in this client's life: a misspelt `baseUrl`,
 * not a DNS blip, so it is not retried. The original error is the `cause`; the message names the host.
 */
export class HostNotFoundError extends Error {
  readonly code = 'ENOTFOUND';
  readonly hostname: string;
  constructor(hostname: string, cause: unknown) {
    super(`the API host ${hostname} does not resolve (ENOTFOUND): check baseUrl`, { cause });
    this.name = 'HostNotFoundError';
    this.hostname = hostname;
  }
}

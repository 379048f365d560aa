/** Errors that say the data or the connection is unusable right now, as opposed to a bug in a script. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return true;
  const msg = err.message;
  // Script runtime errors are programming errors: surface them as they are.
  if (/^ERR .*(script|user_script)/i.test(msg) || msg.startsWith('WRONGTYPE')) return false;
  return true;
}

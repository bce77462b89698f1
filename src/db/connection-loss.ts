// Whether an error means the connection to the server is gone (the server restarted or failed over,
// our backend was terminated, the network dropped), as opposed to a failure of the work itself. A
// lost connection is an event a run waits out and resumes from; anything else fails the run.
/** postgres.js's own codes for a connection that closed, ended, was destroyed or never opened in time. */
const driverCodes = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT']);
/** Socket and name-resolution failures Node reports while the server is away. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/**
 * SQLSTATEs of a server going away: admin_shutdown (our backend terminated, or a fast shutdown),
 * crash_shutdown, cannot_connect_now (starting up or in recovery), and class 08, connection exceptions.
 */
const serverStates = new Set(['57P01', '57P02', '57P03']);

/** postgres.js puts the SQLSTATE, its own code or Node's socket code in `code`. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error`, or any error in its `cause` chain, is a lost connection. */
export function isConnectionLoss(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    const code = codeOf(current);
    if (code !== undefined && (driverCodes.has(code) || socketCodes.has(code) || serverStates.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
      return true;
    current = current instanceof Error ? current.cause : undefined;
  }
  return false;
}

/** The message to report for a failed request: the engine's own words when it gave any. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The reason of the first rejected result, or undefined when all were fulfilled. */
export function firstRejection(results: PromiseSettledResult<unknown>[]): Error | undefined {
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected === undefined) return undefined;
  return asError(rejected.reason);
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

import { providerVar } from "@/lib/env";

/** A subscription could not be set up; the message says what to do. */
export class SubscribeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubscribeError";
  }
}

/** A provider variable the subscription needs; SubscribeError naming it and why when unset. */
export function requiredVar(name: string, why: string): string {
  const value = providerVar(name);
  if (!value) throw new SubscribeError(`${name} is not set (${why})`);
  return value;
}

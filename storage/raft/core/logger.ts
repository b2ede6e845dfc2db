// The core logs through an injected logger; by default it says nothing.

/** Where the core reports what it does. */
export interface Logger {
  /** Routine state changes (elections, leader changes, snapshots). */
  info(message: string): void;
  /** Unexpected but handled situations. */
  warn(message: string): void;
}

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
};

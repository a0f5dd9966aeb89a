// The one door from the UI to the Rust core. Components never call `invoke` themselves:
// they call `backend()`, which is the Tauri implementation in the app and a test double
// only in component unit tests (never in end-to-end tests).
import type { AppPhase } from '../bindings/AppPhase';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { GroupAnswer } from '../bindings/GroupAnswer';
import type { IpcError } from '../bindings/IpcError';
import type { NewCentre } from '../bindings/NewCentre';
import type { RecoveryKeyShown } from '../bindings/RecoveryKeyShown';

export type { AppPhase, ErrorCode, GroupAnswer, IpcError, NewCentre, RecoveryKeyShown };

export interface Backend {
  appPhase(): Promise<AppPhase>;
  beginSetup(centre: NewCentre, passphrase: string): Promise<RecoveryKeyShown>;
  finishSetup(answers: GroupAnswer[]): Promise<AppPhase>;
  cancelSetup(): Promise<AppPhase>;
  unlock(user: string, passphrase: string): Promise<AppPhase>;
  lock(): Promise<AppPhase>;
}

let current: Backend | undefined;

export function setBackend(b: Backend): void {
  current = b;
}

export function backend(): Backend {
  if (!current) throw new Error('backend not set');
  return current;
}

/** Turns whatever a failed call rejected with into `{code, message}`. */
export function asIpcError(e: unknown): IpcError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    return { code: String(e.code) as ErrorCode, message: String(e.message) };
  }
  return { code: 'internal', message: typeof e === 'string' ? e : 'something went wrong; try again' };
}

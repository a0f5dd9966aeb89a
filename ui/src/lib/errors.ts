// A failed backend call, told to the person in their language. Every error crosses the IPC
// with the stable code of the core (`IpcError`: src/error.rs `ErrorCode`, passed on by
// src-tauri/src/ipc.rs) and the core's English message; each code has a message in every
// catalogue (`error.<code>`, assets/i18n). The screens never match on message text.
//
// - In English the core's own message is shown: it is the English text, and it names what
//   the catalogue cannot (the user name, the folder, the field).
// - In another language the catalogue's message for the code is shown. For the codes whose
//   core message is free text written where the error arose (`DETAIL_CODES`: which field was
//   refused, what is not allowed, …) the catalogue's message frames that text (`{detail}`),
//   so that nothing the person needs is lost.
// - A code the UI does not know (a newer core) shows the core's message with its code.
import { asIpcError } from './backend';
import type { ErrorCode } from './bindings/ErrorCode';
import { language, t, type MessageKey } from './i18n';

/** The message of each code. A `Record` over the generated `ErrorCode`: a code added in
 *  the core and missing here fails the type check (`npm run check`). */
export const ERROR_KEYS: Readonly<Record<ErrorCode, MessageKey>> = {
  wrong_passphrase: 'error.wrong_passphrase',
  wrong_recovery_key: 'error.wrong_recovery_key',
  unknown_user: 'error.unknown_user',
  store_not_found: 'error.store_not_found',
  store_exists: 'error.store_exists',
  store_in_use: 'error.store_in_use',
  corrupt_key_slots: 'error.corrupt_key_slots',
  newer_version: 'error.newer_version',
  database_damaged: 'error.database_damaged',
  invalid_input: 'error.invalid_input',
  not_found: 'error.not_found',
  bundle_damaged: 'error.bundle_damaged',
  wrong_recipient: 'error.wrong_recipient',
  unknown_sender: 'error.unknown_sender',
  not_allowed: 'error.not_allowed',
  access_log_altered: 'error.access_log_altered',
  locked: 'error.locked',
  internal: 'error.internal',
};

/** The codes whose core message is free text about this one case of the error; their
 *  catalogue message carries it as `{detail}`. */
export const DETAIL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'invalid_input',
  'not_allowed',
  'wrong_recipient',
  'unknown_sender',
  'internal',
]);

const known = (code: string): code is ErrorCode => Object.hasOwn(ERROR_KEYS, code);

/** What to tell the person about `e` (whatever a failed call rejected with). */
export function describeError(e: unknown): string {
  const { code, message } = asIpcError(e);
  if (!known(code)) return `${message} (${code})`;
  if (language() === 'en') return message;
  return t(ERROR_KEYS[code], DETAIL_CODES.has(code) ? { detail: message } : {});
}

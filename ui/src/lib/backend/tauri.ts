// The Tauri implementation of the backend: each method is one command of src-tauri.
import { invoke } from '@tauri-apps/api/core';
import { asIpcError, type Backend } from './index';

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asIpcError(e);
  }
}

export const tauriBackend: Backend = {
  appPhase: () => call('app_phase'),
  beginSetup: (centre, passphrase) => call('begin_setup', { centre, passphrase }),
  finishSetup: (answers) => call('finish_setup', { answers }),
  cancelSetup: () => call('cancel_setup'),
  unlock: (user, passphrase) => call('unlock', { user, passphrase }),
  lock: () => call('lock'),
};

// Discreet mode. The window title: the discreet name chosen in Settings, or "Atrama". The
// core checks the name and sets the native title; the page title follows, so neither ever
// shows anything else (never case content). The window icon: a neutral one or Atrama's.
import { backend } from './backend';

/** Shows `name` as the window title; resolves to the title shown. Rejects (with the core's
 *  message) for a name the core refuses, leaving the title as it was. */
export async function applyWindowTitle(name: string): Promise<string> {
  const title = await backend().setWindowTitle(name);
  document.title = title;
  return title;
}

/** Shows the neutral window icon (discreet mode) or Atrama's. */
export async function applyWindowIcon(neutral: boolean): Promise<void> {
  await backend().setWindowIcon(neutral);
}

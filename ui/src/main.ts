import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { setBackend } from './lib/backend';
import { tauriBackend } from './lib/backend/tauri';
import { prefs } from './lib/prefs.svelte';
import { installSelectPopups } from './lib/selectPopup';

setBackend(tauriBackend);
prefs.load();
installSelectPopups();

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });

import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { setBackend } from './lib/backend';
import { tauriBackend } from './lib/backend/tauri';
import { prefs } from './lib/prefs.svelte';

setBackend(tauriBackend);
prefs.load();

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });

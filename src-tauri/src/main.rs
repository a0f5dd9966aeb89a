//! Entry point of the Atrama desktop app.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    atrama_desktop::run();
}

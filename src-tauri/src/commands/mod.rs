//! The app's commands by domain, one file each. A command deserializes, calls one core
//! function on the unlocked store (`session::AppState::with_store`), and serializes; no
//! domain logic lives here. The session, window and dialog commands live in `session.rs`,
//! `window.rs` and `dialogs.rs`; `list.rs` names every command once.

pub(crate) mod admin;
pub(crate) mod agency;
pub(crate) mod analysis;
pub(crate) mod cases;
pub(crate) mod coord;
pub(crate) mod drafts;
pub(crate) mod list;
pub(crate) mod peers;
pub(crate) mod risk;
pub(crate) mod sheets;
pub(crate) mod stats;
pub(crate) mod sync;
pub(crate) mod warehouse;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// The command names (the function of each `module::function`), as `build.rs` makes them.
    macro_rules! names {
        ($($module:ident :: $command:ident),* $(,)?) => {
            &[$(stringify!($command)),*]
        };
    }

    const COMMANDS: &[&str] = super::list::with_commands!(names);

    /// Methods of the UI's `Backend` that are not commands: `onSystemSleep` listens to the
    /// sleep watcher's events (`sleep.rs`).
    const NOT_COMMANDS: &[&str] = &["onSystemSleep"];

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn shell_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Every `.rs` file under `dir`.
    fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The functions marked `#[tauri::command]` in a Rust file.
    fn tauri_commands(text: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if !line.trim_start().starts_with("#[tauri::command") {
                continue;
            }
            let item = lines.next().unwrap_or_default();
            let after_fn = item.split("fn ").nth(1).unwrap_or_else(|| panic!("{item}"));
            names.push(after_fn.split(['(', '<']).next().unwrap().to_owned());
        }
        names
    }

    /// The commands `tauri.ts` calls (`call('name'`).
    fn called(text: &str) -> Vec<String> {
        text.split("call('")
            .skip(1)
            .map(|rest| rest.split('\'').next().unwrap().to_owned())
            .collect()
    }

    /// The method names of `index.ts`'s `Backend` interface.
    fn backend_methods(text: &str) -> Vec<String> {
        let body = text
            .split("export interface Backend {")
            .nth(1)
            .expect("index.ts declares the Backend interface")
            .split("\n}")
            .next()
            .unwrap();
        body.lines()
            .filter_map(|line| {
                let line = line.trim_start();
                let name = line.split('(').next()?;
                (line.contains('(') && !name.is_empty())
                    .then_some(name)
                    .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
                    .map(str::to_owned)
            })
            .collect()
    }

    fn camel_case(snake: &str) -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// What is in `a` and not in `b`.
    fn missing(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
        a.difference(b).cloned().collect()
    }

    /// One list, five places: `list.rs` (from which the handler and `build.rs`'s permissions
    /// are made), the functions marked as commands, the capability's grants (and the permission
    /// files `build.rs` leaves behind), and the UI's backend (`index.ts`'s interface, whose every method `tauri.ts` must implement, as
    /// `npm run check` enforces). A command added or removed in one place only fails here.
    #[test]
    fn the_command_lists_agree() {
        let listed: BTreeSet<String> = COMMANDS.iter().map(|&c| c.to_owned()).collect();
        assert_eq!(
            listed.len(),
            COMMANDS.len(),
            "a command is listed twice in list.rs"
        );

        let mut files = Vec::new();
        rust_files(&shell_dir().join("src"), &mut files);
        let marked: BTreeSet<String> = files
            .iter()
            .flat_map(|f| tauri_commands(&read(f)))
            .collect();
        assert!(marked.len() >= 100, "found only {} commands", marked.len());
        assert_eq!(
            missing(&marked, &listed),
            Vec::<String>::new(),
            "marked #[tauri::command] but missing from commands/list.rs"
        );

        let capability: serde_json::Value =
            serde_json::from_str(&read(&shell_dir().join("capabilities/default.json"))).unwrap();
        let granted: BTreeSet<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().expect("each permission is a plain name"))
            .filter(|p| !p.starts_with("core:event:"))
            .map(|p| {
                p.strip_prefix("allow-")
                    .unwrap_or_else(|| panic!("not an allow-<command> permission: {p}"))
                    .replace('-', "_")
            })
            .collect();
        assert_eq!(
            missing(&listed, &granted),
            Vec::<String>::new(),
            "listed but not granted in capabilities/default.json"
        );
        assert_eq!(
            missing(&granted, &listed),
            Vec::<String>::new(),
            "granted in capabilities/default.json but not a command"
        );

        // tauri-build writes a permission file per listed command and never removes one.
        let permission_files: BTreeSet<String> =
            std::fs::read_dir(shell_dir().join("permissions/autogenerated"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter_map(|name| name.strip_suffix(".toml").map(str::to_owned))
                .collect();
        assert_eq!(
            missing(&permission_files, &listed),
            Vec::<String>::new(),
            "a file in permissions/autogenerated/ for a command no longer listed; delete it"
        );

        let backend = shell_dir().join("../ui/src/lib/backend");
        let calls = called(&read(&backend.join("tauri.ts")));
        let called_set: BTreeSet<String> = calls.iter().cloned().collect();
        assert_eq!(
            called_set.len(),
            calls.len(),
            "tauri.ts calls a command twice"
        );
        assert_eq!(
            missing(&listed, &called_set),
            Vec::<String>::new(),
            "listed but never called by ui/src/lib/backend/tauri.ts"
        );
        assert_eq!(
            missing(&called_set, &listed),
            Vec::<String>::new(),
            "called by ui/src/lib/backend/tauri.ts but not a command"
        );

        let methods: BTreeSet<String> = backend_methods(&read(&backend.join("index.ts")))
            .into_iter()
            .filter(|m| !NOT_COMMANDS.contains(&m.as_str()))
            .collect();
        let expected: BTreeSet<String> = listed.iter().map(|c| camel_case(c)).collect();
        assert_eq!(
            missing(&expected, &methods),
            Vec::<String>::new(),
            "listed but not a method of the Backend interface in ui/src/lib/backend/index.ts"
        );
        assert_eq!(
            missing(&methods, &expected),
            Vec::<String>::new(),
            "a method of the Backend interface in ui/src/lib/backend/index.ts but not a command"
        );
    }
}

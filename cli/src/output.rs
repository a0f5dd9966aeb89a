//! Everything the CLI prints goes through here: one line at a time, made safe for the
//! terminal, quietly stopping when the reader of a pipe has gone; and [`Output`], the one
//! place that decides between text for a person and JSON for a script (`--json`).

use atrama::Error;

/// How the results of a command are printed: as text, or as JSON with `--json`.
#[derive(Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether `--json` was given (for the few commands that print differently beyond the
    /// result itself: progress lines, a refusal's line).
    pub(crate) fn is_json(self) -> bool {
        self.json
    }

    /// Prints `value` as indented JSON with `--json`, else as `text` writes it.
    pub(crate) fn show<T: serde::Serialize + ?Sized>(
        self,
        value: &T,
        text: impl FnOnce(&T),
    ) -> Result<(), Error> {
        self.show_or(value, |v| {
            text(v);
            Ok(())
        })
    }

    /// [`Output::show`] for text that may itself fail (it reads the store).
    pub(crate) fn show_or<T: serde::Serialize + ?Sized>(
        self,
        value: &T,
        text: impl FnOnce(&T) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.json {
            print_json(value)
        } else {
            text(value)
        }
    }

    /// As [`Output::show`], with the JSON on one line (`init`, whose one object a script
    /// reads the recovery key from).
    pub(crate) fn show_line(
        self,
        value: &serde_json::Value,
        text: impl FnOnce(&serde_json::Value),
    ) -> Result<(), Error> {
        if self.json {
            println!("{value}");
        } else {
            text(value);
        }
        Ok(())
    }
}

/// Prints `value` as indented JSON.
pub(crate) fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<(), Error> {
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| Error::InvalidInput(format!("cannot print as JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

/// Text for the terminal: every control character except the line breaks and tabs of the
/// CLI's own layout, and every invisible character that reorders or hides text, is written
/// as a visible `\uXXXX` escape — so nothing printed (a peer's centre name, a code from a
/// bundle, a backup header) can move the cursor, recolour, retitle or rewrite the terminal.
/// The escape is also JSON's, so `--json` output stays valid JSON with the same meaning.
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |c| c == '\n' || c == '\t')
}

/// A value from outside (a peer's name, a code or reason from a bundle) on one line: line
/// breaks and tabs escaped too, so it cannot forge a line of its own.
pub(crate) fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, |_| false)
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write as _;
    let hide = |c: char| atrama::centre::is_hidden_or_control(c) && !keep(c);
    if !text.chars().any(hide) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hide(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Writes one line to the standard error, through [`terminal_safe`].
pub(crate) fn eprint_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let text = args.to_string();
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(&text));
}

/// The exit status after the reader of the standard output has gone (128 + SIGPIPE).
const CLOSED_PIPE_STATUS: i32 = 141;

/// Writes one line to the standard output, through [`terminal_safe`]; see `println!` in
/// `main.rs`.
pub(crate) fn print_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let text = args.to_string();
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(terminal_safe(&text).as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(CLOSED_PIPE_STATUS)
        }
        Err(e) => {
            eprintln!("atrama: could not write to the standard output: {e}");
            std::process::exit(1)
        }
    }
}

/// The first `n` bytes of a time stamp read from the store, cut at a character boundary
/// (a time stamp from a file is not trusted to be ASCII).
pub(crate) fn prefix_of(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The `YYYY-MM-DD` of a time stamp (see [`prefix_of`]).
pub(crate) fn day_of(text: &str) -> &str {
    prefix_of(text, 10)
}

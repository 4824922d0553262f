//! Hostile inputs (issue 7): every case of `fixtures/hostile/` runs through the real binary.
//!
//! A case is a folder: `expect.toml` (what the case is about, the commands to run and what each
//! must give) and, optionally, `ws/`, the workspace's committed files. The test copies `ws/`
//! into a temporary folder, applies the case's `[[setup]]` steps (symbolic links, sockets,
//! folders and files that cannot or should not be committed), runs a generator for inputs too
//! big to commit (`generate`), then runs each `[[run]]` inside the workspace and checks:
//!
//! - the exit code;
//! - `diagnostics`: every `FILE:LINE:COL CODE` of the short format, in output order;
//! - `stdout`: substrings of stdout; `not`: substrings of neither stdout nor stderr;
//! - `stderr`: the lines of stderr, each given by a prefix, in any order (none by default).
//!
//! The first run's stdout is an insta snapshot (`snapshots/hostile/`). Unless `formats = false`,
//! the workspace then goes through every output format, `graph` and `build`, which must agree
//! with the short format (exit codes, places, the human report's headers) and must never write
//! a control character (other than newline and tab) or a bidirectional formatting character.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{Run, repo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// What the case is about (for people).
    #[allow(dead_code)]
    about: String,
    /// A generator of the test (see [`generate`]) that adds files to the workspace.
    generate: Option<String>,
    /// Run every format, graph and build and check they agree (default true).
    #[serde(default = "yes")]
    formats: bool,
    #[serde(default)]
    setup: Vec<Setup>,
    run: Vec<Command>,
}

fn yes() -> bool {
    true
}

/// A step that prepares the workspace at run time. Paths are relative to the workspace
/// folder (which sits in a temporary folder of its own: `../x` is outside the workspace).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    /// Create a symbolic link here, to `target`.
    symlink: Option<String>,
    target: Option<String>,
    /// Bind a UNIX socket here (a file nobody can read, even root).
    socket: Option<String>,
    /// Create a folder.
    dir: Option<String>,
    /// Write a file holding `text`.
    file: Option<String>,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Command {
    /// The arguments (default `check --format short .`).
    #[serde(default = "default_args")]
    args: Vec<String>,
    exit: i32,
    /// `FILE:LINE:COL CODE` of each diagnostic line of the short format, in order.
    diagnostics: Option<Vec<String>>,
    /// Substrings of stdout.
    #[serde(default)]
    stdout: Vec<String>,
    /// Prefixes of stderr lines: each must match a line, and each line must match one.
    #[serde(default)]
    stderr: Vec<String>,
    /// Substrings of neither stdout nor stderr.
    #[serde(default)]
    not: Vec<String>,
}

fn default_args() -> Vec<String> {
    ["check", "--format", "short", "."]
        .map(String::from)
        .to_vec()
}

/// A case's workspace, set up in a temporary folder (kept alive with its sockets).
struct Prepared {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    #[cfg(unix)]
    _sockets: Vec<std::os::unix::net::UnixListener>,
}

fn case_dir(name: &str) -> PathBuf {
    repo().join("fixtures/hostile").join(name)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn prepare(name: &str, expect: &Expect) -> Prepared {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ws = tmp.path().join("ws");
    let committed = case_dir(name).join("ws");
    if committed.is_dir() {
        copy_tree(&committed, &ws);
    } else {
        std::fs::create_dir_all(&ws).expect("mkdir");
    }
    #[cfg(unix)]
    let mut sockets = Vec::new();
    for step in &expect.setup {
        let at = |p: &String| ws.join(p);
        if let Some(dir) = &step.dir {
            std::fs::create_dir_all(at(dir)).expect("mkdir");
        }
        if let Some(file) = &step.file {
            let p = at(file);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, step.text.as_deref().unwrap_or_default()).expect("write");
        }
        if let Some(link) = &step.symlink {
            let target = step.target.as_ref().expect("a symlink needs a target");
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, at(link)).expect("symlink");
            #[cfg(not(unix))]
            let _ = (link, target);
        }
        if let Some(socket) = &step.socket {
            #[cfg(unix)]
            sockets.push(std::os::unix::net::UnixListener::bind(at(socket)).expect("socket"));
            #[cfg(not(unix))]
            let _ = socket;
        }
    }
    if let Some(generator) = &expect.generate {
        generate(generator, &ws);
    }
    Prepared {
        _tmp: tmp,
        ws,
        #[cfg(unix)]
        _sockets: sockets,
    }
}

// ------------------------------------------------------------------------------------------
// Generators: inputs too big to commit. Each writes its files once per test run.

fn generate(name: &str, ws: &Path) {
    let write = |file: &str, text: String| std::fs::write(ws.join(file), text).expect("write");
    std::fs::write(ws.join("nimbus.toml"), "").expect("write");
    match name {
        "big-file" => write("big.toml", big_file(50_000_000)),
        "deep-nesting" => {
            const N: usize = 10_000;
            let nested = |open: &str, close: &str| format!("{}{}", open.repeat(N), close.repeat(N));
            write("org.toml", "[ou.contoso]\n".to_owned());
            write(
                "inline.toml",
                format!("[ou.inline]\nx = {}\n", nested("{ a = ", "}")),
            );
            write(
                "arrays.toml",
                format!("[ou.arrays]\nx = {}\n", nested("[", "]")),
            );
            write(
                "header.toml",
                format!("[ou.header.{}]\nx = 1\n", vec!["a"; N].join(".")),
            );
            write(
                "dotted.toml",
                format!("[ou.dotted]\n{} = 1\n", vec!["a"; N].join(".")),
            );
        }
        "long-lines" => {
            const N: usize = 70_000;
            write("org.toml", "[ou.root]\n".to_owned());
            let a = "a".repeat(N);
            write("syntax.toml", format!("[ou.s]\nname = \"{a}\" x = 1\n"));
            write(
                "transfers.toml",
                format!(
                    "[service.s]\nou = \"root\"\nlicense = \"advanced_routing\"\n\
                     user_assignment = \"ms_teams\"\ntransfers = [{}\"s\"]\n",
                    " ".repeat(N)
                ),
            );
            let q = "q".repeat(N);
            write("key.toml", format!("[ou.p]\nparent = \"root\"\n{q} = 1\n"));
        }
        "long-ids" => {
            let long = "a".repeat(1_000);
            let mut s = String::from("[ou.root]\n");
            for i in 0..100 {
                let _ = writeln!(s, "[ou.{long}{i:04}]\nparent = \"root\"");
            }
            for i in 0..100 {
                let _ = writeln!(s, "[ou.r{i}]\nparent = \"{long}{i:04}x\"");
            }
            write("org.toml", s);
        }
        "ou-chain" => {
            let mut s = String::with_capacity(3_000_000);
            s.push_str("[ou.o0]\n");
            for i in 1..100_000 {
                let _ = writeln!(s, "[ou.o{i}]\nparent = \"o{}\"", i - 1);
            }
            write("org.toml", s);
        }
        "transfer-chain" => write("chain.toml", transfer_chain(100_000)),
        "ou-cycle-long" => {
            const N: usize = 50_000;
            let mut s = String::from("[ou.root]\n");
            for i in 0..N {
                let _ = writeln!(s, "[ou.c{i}]\nparent = \"c{}\"", (i + 1) % N);
            }
            write("org.toml", s);
        }
        "many-secrets" => {
            // Half in an unknown key (`unknown-field` and `secret-in-config`), half in
            // `transfers` (only `secret-in-config`: no `unknown-reference` repeats it).
            const N: u64 = 10_000;
            let mut s = String::from("[ou.root]\n");
            for i in 0..N {
                let secret = format!("{:016x}{:016x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15), !i);
                let place = if i % 2 == 0 {
                    "note = "
                } else {
                    "transfers = ["
                };
                let close = if i % 2 == 0 { "" } else { "]" };
                let _ = writeln!(
                    s,
                    "[service.s{i}]\nou = \"root\"\nlicense = \"contact_center\"\n{place}\"{secret}\"{close}"
                );
            }
            write("services.toml", s);
        }
        "long-secret" => {
            // One secret of 200,000 times the same letter, written twice.
            let secret = "a".repeat(200_000);
            write(
                "org.toml",
                format!("[ou.root]\nname = \"{secret}\"\nnote = 1\n"),
            );
            write(
                "conn.toml",
                format!(
                    "[connector.tw]\nou = \"root\"\ntype = \"twilio\"\n\
                     api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                     api_key_secret = \"{secret}\"\n"
                ),
            );
        }
        "one-line-of-entities" => {
            // 40,000 inline OUs on one line, each naming an unknown parent.
            const N: usize = 40_000;
            let mut s = String::with_capacity(N * 32);
            s.push_str("ou = { root = {}");
            for i in 0..N {
                let _ = write!(s, ", a{i} = {{ parent = \"zz{i}\" }}");
            }
            s.push_str(" }\n");
            write("org.toml", s);
        }
        "desk-ring" => {
            // 20,000 front desks with a messaging entry, each transferring to the next.
            const N: usize = 20_000;
            let mut s = String::from(
                "[ou.root]\n[connector.tw]\nou = \"root\"\ntype = \"twilio\"\n\
                 api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                 [messaging_entry.wa]\nou = \"root\"\nconnector = \"tw\"\n\
                 service_sid = \"IS0123456789abcdef0123456789abcdef\"\n",
            );
            for i in 0..N {
                let _ = writeln!(
                    s,
                    "[service.d{i}]\nou = \"root\"\nlicense = \"contact_center\"\n\
                     transfers = [\"d{}\"]\n\
                     instant_messaging = {{ messaging_entry = \"wa\", channels = [\"whatsapp\"] }}",
                    (i + 1) % N
                );
            }
            write("desks.toml", s);
        }
        "suppression-run" => {
            // 4,000 comment lines above a bare `[ou]` table of 4,000 OUs.
            const N: usize = 4_000;
            let mut s = "# nimbus-lint: allow(unused-connector)\n".repeat(N);
            s.push_str("[ou]\nroot = {}\n");
            for i in 0..N {
                let _ = writeln!(s, "a{i} = {{ parent = \"root\" }}");
            }
            write("org.toml", s);
        }
        "suppression-run-used" => {
            // 4,000 comment lines above a bare `[service]` table of 4,000 services, each of
            // which they silence.
            const N: usize = 4_000;
            let mut s = String::from("[ou.root]\n\n");
            s.push_str(&"# nimbus-lint: allow(self-transfer)\n".repeat(N));
            s.push_str("[service]\n");
            for i in 0..N {
                let _ = writeln!(
                    s,
                    "s{i} = {{ ou = \"root\", license = \"contact_center\", transfers = [\"s{i}\"] }}"
                );
            }
            write("services.toml", s);
        }
        "long-lists-of-typos" => {
            // One service listing 20,000 misspelled services and 20,000 misspelled channels.
            const N: usize = 20_000;
            let mut s = String::from(
                "[ou.root]\n[service.s]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [",
            );
            for i in 0..N {
                let _ = write!(s, "\"t{i}x\", ");
            }
            s.push_str("]\n[service.s.instant_messaging]\nchannels = [");
            s.push_str(&"\"whatsap\", ".repeat(N));
            s.push_str("]\n");
            for i in 0..N {
                let _ = writeln!(
                    s,
                    "[service.t{i}]\nou = \"root\"\nlicense = \"contact_center\""
                );
            }
            write("services.toml", s);
        }
        "unknown-keys" => {
            // 40,000 unknown keys in one table.
            const N: usize = 40_000;
            let mut s = String::from("[ou.root]\n[connector.c]\nou = \"root\"\n");
            for i in 0..N {
                let _ = writeln!(s, "qq{i} = \"v\"");
            }
            write("org.toml", s);
        }
        other => panic!("no generator `{other}`"),
    }
}

/// About `size` bytes of a clean entity file: OUs and services between blocks of comments
/// (most of the bytes), so that the file is big and checking it stays affordable in debug.
fn big_file(size: usize) -> String {
    let mut s = String::with_capacity(size + 4096);
    s.push_str("[ou.root]\nname = \"Root\"\n\n");
    let comment = format!("# {}\n", "padding ".repeat(12));
    let mut i = 0;
    while s.len() < size {
        let _ = write!(
            s,
            "[ou.o{i}]\nparent = \"root\"\nname = \"OU {i}\"\n\n\
             [service.s{i}]\nou = \"o{i}\"\nlicense = \"advanced_routing\"\n"
        );
        if i > 0 {
            let _ = writeln!(s, "transfers = [\"s{}\"]", i / 2);
        }
        s.push('\n');
        for _ in 0..50 {
            s.push_str(&comment);
        }
        i += 1;
    }
    s
}

/// A front desk and a chain of `n - 1` IM services, each transferring to the next.
fn transfer_chain(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    s.push_str(
        "[ou.root]\n\n\
         [connector.twilio]\nou = \"root\"\ntype = \"twilio\"\n\
         api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\n\
         [messaging_entry.wa]\nou = \"root\"\nconnector = \"twilio\"\n\
         service_sid = \"IS0123456789abcdef0123456789abcdef\"\n\n\
         [service.s0]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"s1\"]\n\
         [service.s0.instant_messaging]\nmessaging_entry = \"wa\"\nchannels = [\"whatsapp\"]\n",
    );
    for i in 1..n {
        let _ = write!(
            s,
            "[service.s{i}]\nou = \"root\"\nlicense = \"contact_center\"\n"
        );
        if i + 1 < n {
            let _ = writeln!(s, "transfers = [\"s{}\"]", i + 1);
        }
        let _ = writeln!(s, "[service.s{i}.instant_messaging]");
    }
    s
}

// ------------------------------------------------------------------------------------------
// Checks.

fn run_in(ws: &Path, args: &[String]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::run(ws, &args)
}

/// `FILE:LINE:COL CODE` of each diagnostic line of short output.
fn short_places(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| {
            let (place, rest) = line.split_once(": ")?;
            let code = rest
                .strip_prefix("error[")
                .or_else(|| rest.strip_prefix("warning["))?;
            let code = &code[..code.find(']')?];
            Some(format!("{place} {code}"))
        })
        .collect()
}

/// `(line, column, code)` of each short-format place `FILE:LINE:COL CODE`.
fn line_column_code(places: &[String]) -> Vec<(u64, u64, String)> {
    places
        .iter()
        .filter_map(|p| {
            let (place, code) = p.rsplit_once(' ')?;
            let mut parts = place.rsplitn(3, ':');
            let column = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((line, column, code.to_owned()))
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

/// Characters that must never reach a terminal raw: controls other than newline and tab, and
/// the bidirectional formatting characters ("Trojan Source").
fn hazard(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn hazards(what: &str, text: &str, problems: &mut Vec<String>) {
    for (line_no, line) in text.lines().enumerate() {
        if let Some(c) = line.chars().find(|&c| hazard(c)) {
            problems.push(format!(
                "{what}: line {} writes U+{:04X} raw: {}",
                line_no + 1,
                c as u32,
                line.escape_debug()
            ));
        }
    }
}

fn check_command(name: &str, ws: &Path, cmd: &Command, problems: &mut Vec<String>) -> Run {
    let r = run_in(ws, &cmd.args);
    let what = format!("{name}: `nimbus-lint {}`", cmd.args.join(" "));
    if r.code != cmd.exit {
        problems.push(format!(
            "{what}: exit {}, want {}\n--- stdout\n{}--- stderr\n{}",
            r.code, cmd.exit, r.stdout, r.stderr
        ));
    }
    if let Some(want) = &cmd.diagnostics {
        let got = short_places(&r.stdout);
        if &got != want {
            problems.push(format!(
                "{what}: diagnostics\n  got  {got:?}\n  want {want:?}\n--- stdout\n{}",
                r.stdout
            ));
        }
    }
    for s in &cmd.stdout {
        if !r.stdout.contains(s.as_str()) {
            problems.push(format!(
                "{what}: stdout lacks {s:?}\n--- stdout\n{}",
                r.stdout
            ));
        }
    }
    for s in &cmd.not {
        if r.stdout.contains(s.as_str()) || r.stderr.contains(s.as_str()) {
            problems.push(format!("{what}: output holds {s:?}"));
        }
    }
    let lines: Vec<&str> = r.stderr.lines().collect();
    for want in &cmd.stderr {
        if !lines.iter().any(|l| l.starts_with(want.as_str())) {
            problems.push(format!(
                "{what}: stderr lacks a line {want:?}\n--- stderr\n{}",
                r.stderr
            ));
        }
    }
    for line in &lines {
        if !cmd.stderr.iter().any(|w| line.starts_with(w.as_str())) {
            problems.push(format!("{what}: unexpected stderr line {line:?}"));
        }
    }
    hazards(&format!("{what} stdout"), &r.stdout, problems);
    hazards(&format!("{what} stderr"), &r.stderr, problems);
    r
}

/// Every format, the graph and build over the workspace, against the short format.
fn check_formats(name: &str, ws: &Path, problems: &mut Vec<String>) {
    let dot = ".".to_owned();
    let run = |args: &[&str]| run_in(ws, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let short = run(&["check", "--format", "short", &dot]);
    let places = short_places(&short.stdout);
    let positions: BTreeSet<String> = places
        .iter()
        .map(|p| p.split(' ').next().unwrap_or_default().to_owned())
        .collect();
    for format in ["human", "json", "sarif", "github"] {
        let r = run(&["check", "--format", format, &dot]);
        let what = format!("{name}: `check --format {format}`");
        if r.code != short.code {
            problems.push(format!(
                "{what}: exit {}, but {} with --format short",
                r.code, short.code
            ));
        }
        if r.stderr != short.stderr {
            problems.push(format!(
                "{what}: stderr differs from --format short's:\n{}",
                r.stderr
            ));
        }
        hazards(&format!("{what} stdout"), &r.stdout, problems);
        match format {
            "human" => {
                // Each diagnostic's snippet header `╭─[FILE:LINE:COL]` names its place.
                let headers: BTreeSet<String> = r
                    .stdout
                    .lines()
                    .filter_map(|l| {
                        let l = l.trim_start();
                        let rest = l.strip_prefix("╭─[")?;
                        Some(rest.strip_suffix(']')?.to_owned())
                    })
                    .collect();
                for p in &positions {
                    if !headers.contains(p) {
                        problems.push(format!(
                            "{what}: no snippet header names {p} (the short format's place); \
                             headers: {headers:?}"
                        ));
                    }
                }
            }
            "json" if r.code != 2 || !r.stdout.is_empty() => {
                match serde_json::from_str::<serde_json::Value>(&r.stdout) {
                    Ok(doc) => {
                        let got: Vec<String> = doc["diagnostics"]
                            .as_array()
                            .map(|a| a.as_slice())
                            .unwrap_or_default()
                            .iter()
                            .map(|d| {
                                format!(
                                    "{}:{}:{} {}",
                                    d["file"].as_str().unwrap_or("?"),
                                    d["line"],
                                    d["column"],
                                    d["code"].as_str().unwrap_or("?")
                                )
                            })
                            .collect();
                        if got != places {
                            problems
                                .push(format!("{what}: places {got:?}, short gives {places:?}"));
                        }
                    }
                    Err(e) => problems.push(format!("{what}: not JSON: {e}")),
                }
            }
            "sarif" if r.code != 2 || !r.stdout.is_empty() => {
                match serde_json::from_str::<serde_json::Value>(&r.stdout) {
                    Ok(doc) => {
                        let got: Vec<(u64, u64, String)> = doc["runs"][0]["results"]
                            .as_array()
                            .map(|a| a.as_slice())
                            .unwrap_or_default()
                            .iter()
                            .map(|res| {
                                let region = &res["locations"][0]["physicalLocation"]["region"];
                                (
                                    region["startLine"].as_u64().unwrap_or(0),
                                    region["startColumn"].as_u64().unwrap_or(0),
                                    res["ruleId"].as_str().unwrap_or("?").to_owned(),
                                )
                            })
                            .collect();
                        let want = line_column_code(&places);
                        if sorted(got.clone()) != sorted(want.clone()) {
                            problems.push(format!(
                                "{what}: (line, column, rule) {got:?}, short gives {want:?}"
                            ));
                        }
                    }
                    Err(e) => problems.push(format!("{what}: not JSON: {e}")),
                }
            }
            "github" => {
                // `col` is left out for a span over several lines: lines are compared then.
                let mut got: Vec<(u64, Option<u64>, String)> = Vec::new();
                for l in r.stdout.lines().filter(|l| {
                    (l.starts_with("::error ") || l.starts_with("::warning "))
                        && !l.contains(",title=not read::")
                }) {
                    let props = l.split("::").nth(1).unwrap_or_default();
                    let prop = |key: &str| {
                        props
                            .split(',')
                            .find_map(|p| p.strip_prefix(&format!("{key}=")))
                            .map(str::to_owned)
                    };
                    let number = |key: &str| prop(key).and_then(|v| v.parse::<u64>().ok());
                    got.push((
                        number("line").unwrap_or(0),
                        number("col"),
                        prop("title").unwrap_or_default(),
                    ));
                }
                let want = line_column_code(&places);
                let matches = got.len() == want.len()
                    && sorted(got.clone()).iter().zip(sorted(want.clone())).all(
                        |((line, col, code), (wline, wcol, wcode))| {
                            *line == wline && col.is_none_or(|c| c == wcol) && *code == wcode
                        },
                    );
                if !matches {
                    problems.push(format!(
                        "{what}: (line, col, title) {got:?}, short gives {want:?}"
                    ));
                }
            }
            _ => {}
        }
    }
    for format in ["mermaid", "dot"] {
        let r = run(&["graph", "--format", format, &dot]);
        let what = format!("{name}: `graph --format {format}`");
        let want = if short.code == 2 { 2 } else { 0 };
        if r.code != want {
            problems.push(format!("{what}: exit {}, want {want}", r.code));
        }
        hazards(&format!("{what} stdout"), &r.stdout, problems);
        hazards(&format!("{what} stderr"), &r.stderr, problems);
    }
    let r = run(&["build", "-o", "-", &dot]);
    let what = format!("{name}: `build -o -`");
    if r.code != short.code {
        problems.push(format!(
            "{what}: exit {}, but check exits {}\n{}",
            r.code, short.code, r.stderr
        ));
    }
    hazards(&format!("{what} stderr"), &r.stderr, problems);
    if r.code == 0 {
        let doc: Result<serde_json::Value, _> = serde_json::from_str(&r.stdout);
        match doc {
            Ok(doc) => {
                let errors: Vec<String> = bundle_schema()
                    .iter_errors(&doc)
                    .map(|e| e.to_string())
                    .collect();
                if !errors.is_empty() {
                    problems.push(format!("{what}: bundle breaks the schema: {errors:?}"));
                }
            }
            Err(e) => problems.push(format!("{what}: bundle is not JSON: {e}")),
        }
    } else if !r.stdout.is_empty() {
        problems.push(format!("{what}: exit {} but wrote a bundle", r.code));
    }
}

fn bundle_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo().join("schema/bundle.schema.json")).expect("schema");
    jsonschema::validator_for(&serde_json::from_str(&text).expect("schema is JSON"))
        .expect("schema compiles")
}

fn run_case(name: &str) {
    let path = case_dir(name).join("expect.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let expect: Expect =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!expect.run.is_empty(), "{name}: no [[run]]");
    let prepared = prepare(name, &expect);
    let mut problems = Vec::new();
    let mut first = None;
    for cmd in &expect.run {
        let r = check_command(name, &prepared.ws, cmd, &mut problems);
        first.get_or_insert(r);
    }
    if expect.formats {
        check_formats(name, &prepared.ws, &mut problems);
    }
    let first = first.expect("one run");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/hostile");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(format!(
        "nimbus-lint {} (fixtures/hostile/{name})",
        expect.run[0].args.join(" ")
    ));
    // A snapshot that differs must not hide the problems found above, nor they it.
    let snapshot = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, first.stdout));
    }));
    assert!(
        problems.is_empty(),
        "hostile case `{name}` ({}):\n\n{}",
        path.display(),
        problems.join("\n\n")
    );
    if let Err(panic) = snapshot {
        std::panic::resume_unwind(panic);
    }
}

/// One test per case, so that they run in parallel and fail one by one.
macro_rules! cases {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($name);
            }
        )*

        const CASES: &[&str] = &[$($name),*];
    };
}

cases! {
    non_utf8 => "non-utf8",
    bom => "bom",
    crlf => "crlf",
    bare_cr => "bare-cr",
    merge_conflict => "merge-conflict",
    empty_file => "empty-file",
    only_comments => "only-comments",
    big_file_50_mb => "big-file",
    deep_nesting => "deep-nesting",
    ou_chain_of_100_000 => "ou-chain",
    transfer_chain_of_100_000 => "transfer-chain",
    ou_cycle_of_one => "ou-cycle-1",
    ou_cycle_of_50_000 => "ou-cycle-long",
    control_characters_and_rtl_marks => "control-chars",
    raw_control_character => "control-chars-raw",
    broken_settings => "settings-broken",
    invalid_settings => "settings-invalid",
    symlink_loop => "symlink-loop",
    symlink_outside => "symlink-outside",
    unreadable_file => "unreadable-file",
    dir_named_x_toml => "dir-named-x-toml",
    path_given_twice => "path-twice",
    empty_workspace => "empty-workspace",
    no_toml_files => "no-toml-files",
    file_too_large => "file-too-large",
    too_many_files => "too-many-files",
    ten_thousand_secrets => "many-secrets",
    lines_of_70_000_characters => "long-lines",
    a_secret_of_200_000_times_one_letter => "long-secret",
    ids_of_1_000_characters => "long-ids",
    fixes_that_would_collide => "fix-collisions",
    one_line_of_40_000_entities => "one-line-of-entities",
    a_ring_of_20_000_front_desks => "desk-ring",
    a_run_of_4_000_suppressions_above_a_table => "suppression-run",
    a_run_of_4_000_suppressions_that_each_silence_4_000_services => "suppression-run-used",
    lists_of_20_000_misspelled_transfers_and_channels => "long-lists-of-typos",
    unknown_keys_40_000_in_one_table => "unknown-keys",
}

#[test]
fn every_case_folder_has_a_test() {
    let mut folders: Vec<String> = std::fs::read_dir(repo().join("fixtures/hostile"))
        .expect("fixtures/hostile")
        .map(|e| e.expect("entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut listed: Vec<String> = CASES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        folders, listed,
        "every folder of fixtures/hostile/ needs a line in `cases!` of tests/hostile.rs"
    );
}

//! The command line: arguments (clap derive), and each command's run from start to exit code.
//!
//! Commands print through the writers of [`Io`], so tests can run them in-process; the
//! language server alone speaks over the process's own stdin and stdout.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{IsTerminal, Read, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::Analysis;
use crate::emit::graph::GraphFormat;
use crate::emit::{self, Format, Style};
use crate::load::{self, LoadError, MAX_NESTED, Naming, Overlays};
use crate::rules::{Code, Level};

/// Exit code: no errors.
pub const EXIT_OK: i32 = 0;
/// Exit code: the configuration has errors.
pub const EXIT_ERRORS: i32 = 1;
/// Exit code: the tool could not do its job.
pub const EXIT_FAILURE: i32 = 2;

/// Lints and compiles Luware Nimbus messaging configuration.
#[derive(Debug, Parser)]
#[command(name = "nimbus-lint", version = env!("NIMBUS_LINT_VERSION"), about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the workspace(s) holding PATHS (default `.`) and print diagnostics.
    Check(CheckArgs),
    /// Check, then write the normalized JSON bundle (nothing is written on errors).
    Build(BuildArgs),
    /// Print the JSON Schema of the configuration files or of the bundle.
    Schema(SchemaArgs),
    /// Draw the transfer graph (front desks, their entries, proxied and unreachable services).
    Graph(GraphArgs),
    /// Print the long description of a rule, with a failing and a fixed example.
    Explain(ExplainArgs),
    /// Run the language server over stdio (diagnostics, go to definition, references, hover,
    /// completion, quick fixes).
    Lsp(LspArgs),
    /// Print shell completions for bash, zsh, fish, powershell or elvish.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
struct LspArgs {
    /// Accepted and ignored: stdio is the only transport (editor clients pass it).
    #[arg(long, hide = true)]
    stdio: bool,
}

/// A rule code on the command line: any text (checked after parsing, with a did-you-mean),
/// with every code offered to shell completions.
#[derive(Clone)]
struct CodeArg;

impl clap::builder::TypedValueParser for CodeArg {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(Code::ALL.iter().map(|c| {
            clap::builder::PossibleValue::new(c.as_str()).help(c.rule().summary)
        })))
    }
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// When to colour the human output.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set, CLICOLOR=0 or TERM is dumb; CLICOLOR_FORCE=1
    /// colours a pipe too.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A path argument, any bytes but none: an empty one (an unset variable, most often) is
/// refused with a word on why.
fn path_arg() -> impl clap::builder::TypedValueParser<Value = PathBuf> {
    use clap::builder::TypedValueParser;
    clap::builder::OsStringValueParser::new().try_map(|s| {
        if s.is_empty() {
            Err("an empty path was given (is a variable unset?)")
        } else {
            Ok(PathBuf::from(s))
        }
    })
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Folders or files; a file means the whole workspace that holds it. `-` reads stdin
    /// (with --stdin-filename).
    #[arg(value_parser = path_arg())]
    paths: Vec<PathBuf>,
    /// With `-` as PATH: the file of its workspace that stdin stands for.
    #[arg(long, value_name = "PATH", overrides_with = "stdin_filename", value_parser = path_arg())]
    stdin_filename: Option<PathBuf>,
    /// Apply the fixes that are certain (misspelled ids, keys and values) to the files, then
    /// report what is left.
    #[arg(long, conflicts_with = "stdin_filename", overrides_with = "fix")]
    fix: bool,
    #[command(flatten)]
    lint: LintArgs,
}

/// How diagnostics are reported, shared by `check` and `build`.
#[derive(Debug, Args)]
struct LintArgs {
    /// Output format of the diagnostics (on stdout; `build` writes them to stderr, for its
    /// bundle may go to stdout).
    #[arg(long, value_enum, default_value_t = Format::Human, overrides_with = "format")]
    format: Format,
    /// Make warnings fail the check (exit code 1).
    #[arg(long, overrides_with = "deny_warnings")]
    deny_warnings: bool,
    /// Print only the summary line (json and sarif still print their whole document).
    #[arg(short, long, overrides_with = "quiet")]
    quiet: bool,
    /// Report CODE as a warning (wins over [lints]); several codes may be given, comma-separated.
    #[arg(short = 'W', long = "warn", value_name = "CODE", value_parser = CodeArg, hide_possible_values = true, value_delimiter = ',')]
    warn: Vec<String>,
    /// Do not report CODE (wins over [lints]); several codes may be given, comma-separated.
    #[arg(short = 'A', long = "allow", value_name = "CODE", value_parser = CodeArg, hide_possible_values = true, value_delimiter = ',')]
    allow: Vec<String>,
    /// Report CODE as an error (wins over [lints]); several codes may be given, comma-separated.
    #[arg(short = 'D', long = "deny", value_name = "CODE", value_parser = CodeArg, hide_possible_values = true, value_delimiter = ',')]
    deny: Vec<String>,
    /// When to use colours in the human format.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, overrides_with = "color")]
    color: ColorChoice,
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// A folder or file of the workspace (default `.`).
    #[arg(value_parser = path_arg())]
    path: Option<PathBuf>,
    /// Where to write the bundle (`-` for stdout); default `[build] output`, else stdout.
    #[arg(short, long, value_name = "FILE", overrides_with = "output", value_parser = path_arg())]
    output: Option<PathBuf>,
    /// Do not write: compare with the file on disk and fail when it is stale.
    #[arg(long, overrides_with = "check")]
    check: bool,
    #[command(flatten)]
    lint: LintArgs,
}

/// The two schemas.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SchemaKind {
    /// The configuration files (what Taplo / Even Better TOML validate against).
    Config,
    /// The bundle `build` writes.
    Bundle,
}

#[derive(Debug, Args)]
struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    kind: SchemaKind,
}

#[derive(Debug, Args)]
struct GraphArgs {
    /// A folder or file of the workspace (default `.`).
    #[arg(value_parser = path_arg())]
    path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid, overrides_with = "format")]
    format: GraphFormat,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// The rule code, e.g. `im-unreachable` (required unless --list).
    #[arg(required_unless_present = "list", value_parser = CodeArg, hide_possible_values = true)]
    code: Option<String>,
    /// List every code with its default severity.
    #[arg(long, conflicts_with = "code")]
    list: bool,
}

/// Why a command stopped early.
#[derive(Debug)]
enum Failure {
    /// Something to tell the user; exit code 2.
    Message(String),
    /// The reader of our output went away (`nimbus-lint … | head`): exit code 2, quietly.
    BrokenPipe,
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Message(s)
    }
}

/// What a command returns: its exit code, or why it stopped.
type Outcome = Result<i32, Failure>;

/// The process's streams, or buffers in tests.
pub struct Io<'a> {
    /// Standard input.
    pub stdin: &'a mut dyn Read,
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error.
    pub stderr: &'a mut dyn Write,
    /// True when stdout is a terminal (for colours).
    pub stdout_is_terminal: bool,
    /// True when stderr is a terminal (for colours).
    pub stderr_is_terminal: bool,
    /// The width of the terminal stdout is, in columns, when it is one of known size.
    pub stdout_width: Option<usize>,
    /// The width of the terminal stderr is, in columns, when it is one of known size.
    pub stderr_width: Option<usize>,
}

/// Runs the process's command line and returns the exit code.
pub fn main() -> i32 {
    // Unlocked handles: the language server reads and writes the process's streams itself.
    let mut io = Io {
        stdin: &mut std::io::stdin(),
        stdout: &mut std::io::BufWriter::new(std::io::stdout()),
        stderr: &mut std::io::stderr(),
        stdout_is_terminal: std::io::stdout().is_terminal(),
        stderr_is_terminal: std::io::stderr().is_terminal(),
        stdout_width: terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0.into()),
        stderr_width: terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| w.0.into()),
    };
    let code = run(std::env::args_os(), &mut io);
    // Output under the buffer's size is written only now: a failure here fails the run too
    // (once: a run that failed already said why).
    match io.stdout.flush() {
        Err(e) if code != EXIT_FAILURE => fail(io_err(e), io.stderr),
        _ => code,
    }
}

/// Reports why a command stopped and returns exit code 2: a write that failed is a failure
/// (CLI.md), told on stderr, except a closed pipe (`nimbus-lint … | head`), where the reader
/// went away and nobody is left to tell.
fn fail(failure: Failure, stderr: &mut dyn Write) -> i32 {
    if let Failure::Message(e) = failure {
        let _ = writeln!(stderr, "error: {e}");
    }
    EXIT_FAILURE
}

/// Runs a command line (program name first) against `io`; returns the exit code.
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
            let text = if e.use_stderr() && colours(io.stderr_is_terminal) {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let out: &mut dyn Write = if e.use_stderr() { io.stderr } else { io.stdout };
            let _ = write!(out, "{text}");
            return code;
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => {
            let _ = write!(io.stderr, "{}", e.render());
            return EXIT_FAILURE;
        }
    };
    let result = match cli.command {
        Command::Check(args) => {
            let sub = matches.subcommand_matches("check").expect("check matched");
            check(args, sub, io)
        }
        Command::Build(args) => {
            let sub = matches.subcommand_matches("build").expect("build matched");
            build(args, sub, io)
        }
        Command::Schema(args) => schema(args, io),
        Command::Graph(args) => graph(args, io),
        Command::Explain(args) => explain(args, io),
        Command::Completions(args) => io
            .stdout
            .write_all(&completions(args.shell))
            .map(|()| EXIT_OK)
            .map_err(io_err),
        Command::Lsp(_) => crate::lsp::serve()
            .map(|()| EXIT_OK)
            .map_err(Failure::Message),
    };
    result.unwrap_or_else(|failure| fail(failure, io.stderr))
}

/// The completion script for `shell`.
///
/// clap_complete spells the bash script's states for a hyphenated program name two ways: the
/// loop over the words sets `nimbus__lint__subcmd__check`, the arms match
/// `nimbus__subcmd__lint__subcmd__check`, so nothing after a subcommand completes
/// (clap-rs/clap#6421). The arms are respelled like the loop; the other shells are not affected.
fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "nimbus-lint", &mut buf);
    if shell != clap_complete::Shell::Bash {
        return buf;
    }
    String::from_utf8_lossy(&buf)
        .replace("nimbus__subcmd__lint", "nimbus__lint")
        .into_bytes()
}

/// Level flags in command-line order, so that the last one for a code wins.
fn overrides(sub: &ArgMatches) -> Result<Vec<(Code, Level)>, String> {
    let mut flagged: Vec<(usize, &str, Level)> = Vec::new();
    for (id, level) in [
        ("warn", Level::Warning),
        ("allow", Level::Allow),
        ("deny", Level::Error),
    ] {
        // `-A ''` (an empty variable in a script) names nothing: more likely a mistake than
        // a wish, so it is refused, as a code that names no rule is.
        let empty = sub
            .get_occurrences::<String>(id)
            .into_iter()
            .flatten()
            .any(|mut o| o.all(|v| v.trim().is_empty()));
        if empty {
            return Err(format!(
                "`--{id}` was given no rule code: name one, or leave the flag out (`nimbus-lint explain --list` lists every code)"
            ));
        }
        if let (Some(values), Some(indices)) = (sub.get_many::<String>(id), sub.indices_of(id)) {
            // `-A a,b,` (a list with a trailing comma) names two codes.
            for (v, i) in values.zip(indices).filter(|(v, _)| !v.trim().is_empty()) {
                flagged.push((i, v.as_str(), level));
            }
        }
    }
    flagged.sort_by_key(|(i, _, _)| *i);
    flagged
        .into_iter()
        .map(|(_, name, level)| {
            let code = code_arg(name).ok_or_else(|| unknown_code(name))?;
            if code.rule().hard && level != Level::Error {
                return Err(format!("`{code}` cannot be lowered: {}", code.why_hard()));
            }
            Ok((code, level))
        })
        .collect()
}

/// How paths are named from the current folder. When that folder cannot be found (deleted
/// under the shell), relative paths cannot be resolved: an error, rather than a check of
/// something else. Absolute paths still work. No path at all stands for `.`.
fn naming_for<'p>(paths: impl Iterator<Item = &'p PathBuf>) -> Result<Naming, String> {
    if let Err(e) = std::env::current_dir() {
        let mut paths = paths.peekable();
        let relative =
            paths.peek().is_none() || paths.any(|p| p.as_os_str() != "-" && p.is_relative());
        if relative {
            return Err(format!(
                "the current folder cannot be read ({}; deleted?): run from an existing folder, or give absolute paths",
                load::io_message(&e)
            ));
        }
    }
    Ok(Naming::from_cwd())
}

/// The code a command-line argument names, in any case and with `_` for `-` (`IM_UNREACHABLE`).
fn code_arg(name: &str) -> Option<Code> {
    Code::parse(name).or_else(|| Code::parse(&folded_code(name)))
}

/// A command-line code as codes are written: lower case, `-` for `_`.
fn folded_code(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

/// The error for a rule code that names no rule, with the nearest code; control characters
/// of the argument are shown escaped.
fn unknown_code(name: &str) -> String {
    if name.trim().is_empty() {
        return "no rule code given (`nimbus-lint explain --list` lists every code)".to_owned();
    }
    let mut msg = format!("unknown rule code `{}`", crate::source::printable(name));
    // A family named by its start (`unused`, `im-`): every code of it.
    let folded = folded_code(name);
    let family: Vec<&str> = (Code::ALL.iter().map(|c| c.as_str()))
        .filter(|c| folded.len() >= 2 && c.starts_with(folded.as_str()))
        .collect();
    if let Some(s) = Code::nearest(name) {
        msg.push_str(&format!("; did you mean `{s}`?"));
    } else if !family.is_empty() {
        msg.push_str(&format!(
            "; did you mean {}?",
            crate::rules::text::list_or(&family)
        ));
    }
    msg.push_str(" (`nimbus-lint explain --list` lists every code)");
    msg
}

/// True when output to a stream that is (or is not) a `terminal` may have colours: never under
/// `NO_COLOR`; always under `CLICOLOR_FORCE` (a CI log that renders them); else on a
/// terminal, unless `CLICOLOR=0` or `TERM=dumb`.
fn colours(terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    let off = set("CLICOLOR").is_some_and(|v| v == "0");
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    terminal && !off && !dumb
}

/// How the human format looks on a stream that is (or is not) a `terminal`, of `columns`
/// when its size is known. Prose is wrapped to `COLUMNS` when set, else to the terminal's
/// width, else to 100 columns; never to fewer than 40.
fn style(args: &LintArgs, terminal: bool, columns: Option<usize>) -> Style {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => colours(terminal),
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w > 0)
        .or(columns.filter(|&w| w > 0))
        .map_or(100, |w: usize| w.max(40));
    Style { color, width }
}

/// Everything a command needs to know about the workspaces named on its command line.
struct Targets {
    roots: Vec<PathBuf>,
    /// Roots below another root of the run, checked with it unless it leaves them out.
    merged: Vec<Merged>,
    overlays: Overlays,
    errors: Vec<LoadError>,
    /// Things to tell about how the roots were found.
    notes: Vec<String>,
    /// The paths named on the command line that exist, absolute.
    named: Vec<PathBuf>,
    /// Roots named through files only (as pre-commit names them): the workspace holding the
    /// files is checked, not the workspaces nested below it.
    by_files: HashSet<PathBuf>,
    /// Roots named as folders: the tenants nested below them are checked, even when the walk
    /// that finds them is an outer root's named through files.
    folders: Vec<PathBuf>,
}

/// Each root of the run, with the file PATH whose folder it is for want of a `nimbus.toml`;
/// indexed, as a pre-commit hook may name thousands of files.
#[derive(Default)]
struct RootList<'p> {
    roots: Vec<(PathBuf, Option<&'p PathBuf>)>,
    index: HashMap<PathBuf, usize>,
}

impl<'p> RootList<'p> {
    /// Adds `root` unless it is known, and returns its place.
    fn push(&mut self, root: PathBuf, guessed_for: Option<&'p PathBuf>) -> usize {
        // The same folder reached by another spelling (through a symbolic link, or `$PWD`
        // beside a relative path in a linked folder) is the same root: looked up by its real
        // path too, the first spelling kept.
        let known = self.index.get(&root).copied().or_else(|| {
            let real = std::fs::canonicalize(&root).ok()?;
            let i = self.index.get(&real).copied();
            self.index.entry(real).or_insert(self.roots.len());
            i
        });
        match known {
            // Named as a folder (or by --stdin-filename) too: nothing to tell.
            Some(i) if guessed_for.is_none() => {
                self.roots[i].1 = None;
                i
            }
            Some(i) => i,
            None => {
                self.index.insert(root.clone(), self.roots.len());
                self.roots.push((root, guessed_for));
                self.roots.len() - 1
            }
        }
    }
}

/// Sorts the respelled roots into those checked on their own and those merged into an outer
/// root of the run, with the notes on folders taken for want of a `nimbus.toml`.
fn place_roots(
    respelled: Vec<(PathBuf, Option<&PathBuf>, Option<PathBuf>)>,
    as_folder: &HashSet<usize>,
    t: &mut Targets,
    naming: &Naming,
) {
    // Only a root without `nimbus.toml` can lie below another root of the run (one with it
    // is a nested workspace, which the outer walk leaves out); the outer one has none either.
    // Its ancestors are looked up, not every other root.
    let all: HashSet<PathBuf> = respelled.iter().map(|(r, ..)| r.clone()).collect();
    for (i, (root, guessed_for, file)) in respelled.into_iter().enumerate() {
        if as_folder.contains(&i) {
            t.folders.push(root.clone());
        } else {
            t.by_files.insert(root.clone());
        }
        let note = guessed_for.map(|file| {
            format!(
                "{}: no nimbus.toml at or above it, so its folder ({}) is checked as the workspace; put a nimbus.toml at the workspace root to have file paths (as pre-commit passes them) check the whole workspace",
                naming.display(file),
                naming.display(&root)
            )
        });
        let outer = (!load::has_settings(&root))
            .then(|| {
                (root.ancestors().skip(1))
                    .find(|a| all.contains(*a) && load::walk_enters(a, &root))
                    .map(Path::to_path_buf)
            })
            .flatten();
        match outer {
            Some(_) => t.merged.push(Merged { file, root, note }),
            None => {
                t.notes.extend(note);
                t.roots.push(root);
            }
        }
    }
}

/// Finds the workspace of each path (deduplicated), reading stdin for `-`. A root below
/// another one that has no `nimbus.toml` of its own is part of the outer one, and checked
/// with it: a file is never checked twice.
fn targets(
    paths: &[PathBuf],
    stdin_filename: Option<&PathBuf>,
    naming: &Naming,
    stdin: &mut dyn Read,
) -> Result<Targets, String> {
    let mut t = Targets {
        roots: Vec::new(),
        merged: Vec::new(),
        overlays: Overlays::new(),
        errors: Vec::new(),
        notes: Vec::new(),
        named: Vec::new(),
        by_files: HashSet::new(),
        folders: Vec::new(),
    };
    let dash = paths.iter().any(|p| p.as_os_str() == "-");
    if dash != stdin_filename.is_some() {
        return Err(if dash {
            "`-` reads the file from stdin: name it with --stdin-filename PATH".to_owned()
        } else {
            "--stdin-filename goes with `-` as the path".to_owned()
        });
    }
    let mut roots = RootList::default();
    // The roots named as folders at least once (their nested workspaces are checked too).
    let mut as_folder: HashSet<usize> = HashSet::new();
    if let Some(name) = stdin_filename {
        let (root, abs, text) = stdin_target(name, naming, stdin)?;
        let _ = roots.push(root, None);
        t.overlays.insert(abs, text);
    }
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    for p in paths.iter().filter(|p| p.as_os_str() != "-") {
        match load::locate(p, naming) {
            Ok(found) => {
                let i = roots.push(found.root, found.guessed.then_some(p));
                let abs = naming.absolute(p);
                if abs.is_dir() {
                    as_folder.insert(i);
                }
                // A link into a nested workspace stands for the file it leads to.
                t.named.push(found.target.unwrap_or(abs));
            }
            Err(e) => t.errors.push(e),
        }
    }
    let respelled = respell_roots(roots.roots, &mut t, naming);
    place_roots(respelled, &as_folder, &mut t, naming);
    Ok(t)
}

/// The root of the file `--stdin-filename` names, its absolute path, and the text read from
/// stdin for it; an error when no workspace would read that file.
fn stdin_target(
    name: &Path,
    naming: &Naming,
    stdin: &mut dyn Read,
) -> Result<(PathBuf, PathBuf, Vec<u8>), String> {
    // Text that no workspace file stands for would be read and then silently ignored.
    let named = || format!("--stdin-filename {}", naming.display(name));
    if naming.absolute(name).is_dir() {
        return Err(format!(
            "{}: is a folder: name the file the text on stdin stands for",
            named()
        ));
    }
    if let Some((_, suffix)) = load::folder_suffix(name) {
        return Err(format!(
            "{}: names a folder (`{suffix}` at its end): name the file the text on stdin stands for",
            named()
        ));
    }
    if name.extension().is_none_or(|e| e != "toml") {
        return Err(format!(
            "{}: not a .toml file: a workspace is made of .toml files only",
            named()
        ));
    }
    // A file where a folder of the path goes (`org.toml/x.toml`, `org.toml/../org.toml`): no
    // such file can exist, as the system would say of the same path on the command line.
    let mut before = PathBuf::new();
    for part in name.components() {
        if !before.as_os_str().is_empty() && naming.absolute(&before).is_file() {
            // As typed: made absolute, the path would read as something else.
            return Err(format!(
                "--stdin-filename {}: a part of the path is a file, not a folder: name the file the text on stdin stands for",
                crate::source::printable(&name.to_string_lossy())
            ));
        }
        before.push(part);
    }
    // Bytes, not text: a buffer that is not UTF-8 gets `syntax` at its first bad byte, as
    // the same file on disk would.
    // The file need not exist yet (a new buffer in a new folder): its root is found
    // from its name alone, never from some folder above that holds no `nimbus.toml`.
    let abs = naming.absolute(name);
    let root = load::root_of_file(&abs);
    // Read one byte past the workspace's limit at most: the loader reports the size, and
    // an endless stdin (`< /dev/zero`) ends there.
    let limit = load::settings_of(&root).max_file_size.saturating_add(1);
    let mut text = Vec::new();
    stdin
        .take(limit)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read stdin: {}", load::io_message(&e)))?;
    if let Some(skipped) = load::skipped_file(&root, &abs) {
        let (why, fix) = unread(&skipped, &root, naming);
        return Err(format!(
            "{}: {why}, so its workspace does not read it; {fix}",
            named()
        ));
    }
    Ok((root, abs, text))
}

/// Each root with the file PATH whose folder it is for want of a `nimbus.toml`, and that
/// file's absolute path. Roots reached through symbolic links are spelled as the outermost
/// root of the run that holds them spells its own path: a root below another is then found
/// below it, and its files (and the stdin buffer, and the paths named) are named as the
/// outer walk names them, and read once.
#[allow(clippy::type_complexity)]
fn respell_roots<'p>(
    roots: Vec<(PathBuf, Option<&'p PathBuf>)>,
    t: &mut Targets,
    naming: &Naming,
) -> Vec<(PathBuf, Option<&'p PathBuf>, Option<PathBuf>)> {
    let real: HashMap<PathBuf, PathBuf> = if roots.len() > 1 {
        (roots.iter())
            .filter_map(|(r, _)| Some((std::fs::canonicalize(r).ok()?, r.clone())))
            .collect()
    } else {
        HashMap::new()
    };
    // `path` as the outermost root holding it spells it (the real path tells which holds it;
    // a path that does not exist yet, a new buffer's folder, by its nearest existing folder).
    let respell = |path: &Path| -> Option<PathBuf> {
        let path_real = real_path(path)?;
        let (outer_real, spelled) = (path_real.ancestors())
            .filter_map(|a| Some((a, real.get(a)?)))
            .last()?;
        let respelled = spelled.join(path_real.strip_prefix(outer_real).ok()?);
        (respelled != path).then_some(respelled)
    };
    let mut respelled: Vec<(PathBuf, Option<&PathBuf>, Option<PathBuf>)> = Vec::new();
    for (spelled, guessed_for) in roots {
        match respell(&spelled).filter(|_| !real.is_empty()) {
            Some(root) => {
                // What lies below the old spelling, named as the new one names it.
                let moved = |p: &Path| p.strip_prefix(&spelled).ok().map(|rest| root.join(rest));
                let keys: Vec<PathBuf> = t.overlays.keys().cloned().collect();
                for key in keys {
                    if let Some(new) = moved(&key)
                        && let Some(text) = t.overlays.remove(&key)
                    {
                        t.overlays.insert(new, text);
                    }
                }
                for named in &mut t.named {
                    if let Some(new) = moved(named) {
                        *named = new;
                    }
                }
                let file = guessed_for.and_then(|f| moved(&naming.absolute(f)));
                respelled.push((root, guessed_for, file));
            }
            None => {
                let file = guessed_for.map(|f| naming.absolute(f));
                respelled.push((spelled, guessed_for, file));
            }
        }
    }
    respelled
}

/// `path` with its links resolved: the real path of its nearest existing ancestor (itself when
/// it exists), followed by the rest of it as written.
fn real_path(path: &Path) -> Option<PathBuf> {
    let (existing, real) =
        (path.ancestors()).find_map(|a| Some((a, std::fs::canonicalize(a).ok()?)))?;
    Some(real.join(path.strip_prefix(existing).ok()?))
}

/// A root of the run taken as part of an outer root of the run, whose walk should read it.
#[derive(Debug, Clone)]
struct Merged {
    /// The root.
    root: PathBuf,
    /// The file PATH it stands for, when it was found from one.
    file: Option<PathBuf>,
    /// What to tell if it is checked on its own after all.
    note: Option<String>,
}

/// The roots of `merged` that the workspaces checked did not read after all: a walk may leave
/// a folder out where the run could not tell beforehand (a `.gitignore` above the root,
/// `.git/info/exclude`). A root is read when the file it stands for was, or (for a folder)
/// some file below it.
fn not_read(merged: Vec<Merged>, results: &[Analysis]) -> Vec<Merged> {
    if merged.is_empty() {
        return merged;
    }
    let (files, dirs) = read_paths(results);
    merged
        .into_iter()
        .filter(|m| match &m.file {
            Some(file) => !files.contains(file.as_path()),
            None => !dirs.contains(m.root.as_path()),
        })
        .collect()
}

/// The files the workspaces read, and the folders holding them up to each workspace's root.
fn read_paths(results: &[Analysis]) -> (HashSet<&Path>, HashSet<&Path>) {
    let mut files: HashSet<&Path> = HashSet::new();
    let mut dirs: HashSet<&Path> = HashSet::new();
    for a in results {
        for (_, f) in a.ws.sources.iter() {
            files.insert(&f.path);
            for dir in f.path.ancestors().skip(1) {
                if dir.as_os_str().len() < a.ws.root.as_os_str().len() || !dirs.insert(dir) {
                    break;
                }
            }
        }
    }
    (files, dirs)
}

/// A note for each path named on the command line that its workspace's walk left out (an
/// excluded or hidden file, a linked folder): the user asked for it, and a clean result must
/// not suggest that it was checked.
fn unchecked(named: &[PathBuf], results: &[Analysis], naming: &Naming) -> Vec<String> {
    let (read, read_dirs) = read_paths(results);
    let roots: HashSet<&Path> = results.iter().map(|a| a.ws.root.as_path()).collect();
    // Telling why takes reading the workspace's ignore files: for a few paths only.
    const TOLD: usize = 20;
    let mut untold = 0usize;
    let mut notes = Vec::new();
    for path in named {
        if notes.len() >= TOLD {
            let read_or_dir = read.contains(path.as_path()) || path.is_dir();
            untold += usize::from(!read_or_dir && !load::is_settings(path));
            continue;
        }
        // A file read, or a folder checked as a root of its own (one the outer walk leaves
        // out), was checked.
        if read.contains(path.as_path()) || roots.contains(path.as_path()) {
            continue;
        }
        // The innermost workspace above it: looked up folder by folder, not searched for
        // among all of them (pre-commit names thousands of files of many workspaces).
        let Some(root) = path.ancestors().skip(1).find(|a| roots.contains(a)) else {
            continue;
        };
        let linked = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
        let shown = naming.display(path);
        if path.is_dir() {
            if linked || !load::workspace_enters(root, path) {
                notes.push(format!(
                    "{shown}: not checked: the walk of its workspace leaves this folder out (a symbolic link, hidden, ignored or excluded)"
                ));
            } else if !read_dirs.contains(path.as_path()) {
                notes.push(format!(
                    "{shown}: not checked: its workspace reads no file below it (none there, or all hidden, ignored or excluded)"
                ));
            }
            continue;
        }
        // The walk notes every link it meets itself.
        if linked || read.contains(path.as_path()) || load::is_settings(path) {
            continue;
        }
        let note = match load::skipped_file(root, path) {
            Some(skipped) => {
                let (why, fix) = unread(&skipped, root, naming);
                format!("{shown}: not checked: {why}; {fix}")
            }
            None if path.extension().is_none_or(|e| e != "toml") => {
                format!("{shown}: not checked: a workspace is made of .toml files only")
            }
            None => continue,
        };
        notes.push(note);
    }
    if untold > 0 {
        notes.push(format!(
            "{untold} more of the paths named were not read either (those in other folders, or left out by the walk)"
        ));
    }
    notes
}

/// Why the walk of the workspace at `root` leaves a file out, and how to have it read.
fn unread(skipped: &load::Skipped, root: &std::path::Path, naming: &Naming) -> (String, String) {
    let (why, fix) = match skipped {
        load::Skipped::Outside => (
            "it lies outside the workspace".to_owned(),
            "name a file in it",
        ),
        load::Skipped::Hidden => (
            "it is hidden (its name or a folder's starts with `.`)".to_owned(),
            "rename it to have it checked",
        ),
        load::Skipped::Excluded => (
            format!(
                "it is excluded by `[workspace] exclude` in {}",
                naming.display(&root.join(load::SETTINGS_FILE))
            ),
            "take it out of the globs to have it checked",
        ),
        load::Skipped::Ignored(gitignore) => (
            format!("it is ignored by {}", naming.display(gitignore)),
            "take it out of that file to have it checked",
        ),
        load::Skipped::Link => (
            "it is a symbolic link, or lies below a linked folder, which the walk does not follow"
                .to_owned(),
            "name the file it leads to",
        ),
    };
    (why, fix.to_owned())
}

/// What a command does with the workspaces it loads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// `check`: also the workspaces nested below (folders holding a `nimbus.toml` of their
    /// own), each on its own; a workspace named through files it leaves out is checked empty,
    /// with a note on each.
    Check,
    /// `build`, `graph`: the workspace named, which must hold something to compile.
    Compile,
}

/// Loads and checks every target workspace, as `purpose` asks.
///
/// The analyses are never freed: the process ends after the command, and the system takes
/// the memory back at once, where freeing a large workspace piece by piece takes a tenth of
/// the check (90 ms for 100,000 files).
fn analyze_all(
    t: &Targets,
    naming: &Naming,
    overrides: &[(Code, Level)],
    purpose: Purpose,
) -> Checked {
    let nested = purpose == Purpose::Check;
    let mut errors = t.errors.clone();
    let mut notes = t.notes.clone();
    let mut results = Vec::new();
    let mut roots = t.roots.clone();
    // How many workspaces each root is nested in, below a root named.
    let mut levels: Vec<usize> = vec![0; roots.len()];
    let mut listed: HashSet<PathBuf> = roots.iter().cloned().collect();
    let mut merged = t.merged.clone();
    let mut next = 0;
    loop {
        let Some(root) = roots.get(next).cloned() else {
            // Roots taken as part of an outer one that did not read them after all: checked
            // on their own.
            let apart = not_read(std::mem::take(&mut merged), &results);
            if apart.is_empty() {
                break;
            }
            for m in apart {
                notes.extend(m.note);
                if listed.insert(m.root.clone()) {
                    roots.push(m.root);
                    levels.push(0);
                }
            }
            continue;
        };
        let level = levels[next];
        next += 1;
        let loaded = load::load(&root, naming, &t.overlays);
        // A workspace named through its files alone is checked without the tenants nested in
        // it, but for those below a folder named.
        let by_files = t.by_files.contains(&root);
        if nested {
            for dir in &loaded.nested {
                let wanted = !by_files || t.folders.iter().any(|f| dir.starts_with(f));
                if !wanted || !listed.insert(dir.clone()) {
                    continue;
                }
                if level >= MAX_NESTED {
                    errors.push(LoadError {
                        path: naming.display(dir),
                        message: format!(
                            "workspaces nested more than {MAX_NESTED} deep below the path named: this one is not checked; name it to check it"
                        ),
                    });
                    continue;
                }
                roots.push(dir.clone());
                levels.push(level + 1);
            }
        }
        // Named through files the walk leaves out (excluded, ignored, links), a workspace is
        // checked all the same, empty: each file left out gets its note, and a pre-commit hook
        // that passes one does not fail. Never compiled so: an empty bundle is no result.
        if loaded.sources.is_empty() && loaded.errors.is_empty() && !(by_files && nested) {
            // No analysis to carry them: what was skipped may be why nothing was found.
            // Nested workspaces are named below, or checked on their own.
            let nested_notes: Vec<String> = (loaded.nested.iter())
                .map(|dir| load::nested_note(dir, naming))
                .collect();
            notes.extend(
                (loaded.notes.iter())
                    .filter(|n| !nested_notes.contains(n))
                    .cloned(),
            );
            if nested && !loaded.nested.is_empty() {
                // Only nested workspaces here: they speak for themselves.
                continue;
            }
            let message = if loaded.nested.is_empty() {
                "no TOML files found (none there, or all hidden, ignored or excluded): a workspace is a folder of .toml files (with an optional nimbus.toml at its root)".to_owned()
            } else {
                let n = loaded.nested.len();
                let which = if n == 1 {
                    "the folder below it holds a nimbus.toml: a workspace of its own".to_owned()
                } else {
                    format!("{n} folders below it hold a nimbus.toml, each a workspace of its own")
                };
                format!(
                    "no TOML files of its own: {which}; name one, e.g. `{}`",
                    naming.display(&loaded.nested[0])
                )
            };
            errors.push(LoadError {
                path: naming.display(&root),
                message,
            });
            continue;
        }
        let analysis = crate::analyze(loaded, overrides);
        errors.extend(analysis.load_errors.iter().cloned());
        results.push(analysis);
    }
    notes.extend(unchecked(&t.named, &results, naming));
    // In path order, whatever the order of the arguments, as the workspaces are.
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    errors.dedup_by(|a, b| (&a.path, &a.message) == (&b.path, &b.message));
    Checked {
        results: ManuallyDrop::new(results),
        notes,
        errors,
    }
}

/// The workspaces of a command, checked.
struct Checked {
    /// One analysis a workspace.
    results: ManuallyDrop<Vec<Analysis>>,
    /// Notes that belong to no analysis.
    notes: Vec<String>,
    /// What stopped the tool from doing its job.
    errors: Vec<LoadError>,
}

/// Prints the notes, then the errors, on stderr.
fn report_problems(checked: &Checked, stderr: &mut dyn Write) -> std::io::Result<()> {
    let notes = checked.results.iter().flat_map(|r| &r.notes);
    for note in checked.notes.iter().chain(notes) {
        writeln!(stderr, "note: {note}")?;
    }
    for e in &checked.errors {
        writeln!(stderr, "error: {e}")?;
    }
    Ok(())
}

fn io_err(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Message(format!("cannot write the output: {}", load::io_message(&e)))
    }
}

/// True when the diagnostics fail the check: errors, or warnings under `--deny-warnings`.
fn fails(results: &[Analysis], lint: &LintArgs) -> bool {
    let summary = emit::Summary::of(results);
    summary.errors > 0 || (lint.deny_warnings && summary.warnings > 0)
}

/// Interrupted mid-write (SIGINT, SIGTERM), leave no temporary file behind: the target is
/// untouched until the final rename. Exits with 130, as shells do for an interrupted command.
fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        emit::write::remove_pending();
        std::process::exit(130);
    });
}

fn check(args: CheckArgs, sub: &ArgMatches, io: &mut Io<'_>) -> Outcome {
    let overrides = overrides(sub)?;
    let naming = naming_for(args.paths.iter().chain(&args.stdin_filename))?;
    let t = targets(&args.paths, args.stdin_filename.as_ref(), &naming, io.stdin)?;
    let mut checked = analyze_all(&t, &naming, &overrides, Purpose::Check);
    let mut unwritten = false;
    if args.fix {
        clean_up_on_interrupt();
        // A fix can uncover another (a value given its quotes then names a misspelled id):
        // rounds go on, as ruff's do, until none is left or the bound is reached.
        let mut fixing = Fixing::default();
        let mut converged = false;
        for _ in 0..FIX_ROUNDS {
            if fix_files(&checked.results, &naming, &mut fixing, io.stderr)? == 0 {
                converged = true;
                break;
            }
            // What is left, as the files now read. The analysis before is freed first: only
            // the last one is left to the process's exit.
            drop(ManuallyDrop::into_inner(std::mem::take(
                &mut checked.results,
            )));
            checked = analyze_all(&t, &naming, &overrides, Purpose::Check);
        }
        // Asked only when every round fixed something: a round with nothing to fix says
        // there is none.
        let pending = !converged
            && checked.results.iter().any(|a| {
                crate::diagnostic::fixes_by_file(&a.diagnostics)
                    .into_iter()
                    .any(|(id, _)| !fixing.left.contains(&a.ws.sources.get(id).path))
            });
        fixing.report(pending, io.stderr).map_err(io_err)?;
        unwritten = fixing.failed;
    }
    // Workspaces in path order, whatever the order of the arguments: every format lists the
    // diagnostics of one run alike.
    checked.results.sort_by_key(|a| naming.display(&a.ws.root));
    let (results, errors) = (&checked.results, &checked.errors);
    let lint = &args.lint;
    emit::render(
        lint.format,
        results,
        errors,
        lint.quiet,
        style(lint, io.stdout_is_terminal, io.stdout_width),
        io.stdout,
    )
    .map_err(io_err)?;
    report_problems(&checked, io.stderr).map_err(io_err)?;
    let failed = fails(results, lint);
    if failed && emit::Summary::of(results).errors == 0 && errors.is_empty() && !unwritten {
        // "0 errors" above a failed run would leave the reader guessing.
        writeln!(io.stderr, "error: warnings are denied (--deny-warnings)").map_err(io_err)?;
    }
    Ok(if !errors.is_empty() || unwritten {
        EXIT_FAILURE
    } else if failed {
        EXIT_ERRORS
    } else {
        EXIT_OK
    })
}

/// Rounds of `check --fix` at most: fixes that keep uncovering fixes are cut off there.
const FIX_ROUNDS: usize = 8;

/// What the rounds of `check --fix` did, summed for the one report at the end.
#[derive(Default)]
struct Fixing {
    /// Fixes applied.
    applied: usize,
    /// Files written.
    files: BTreeSet<PathBuf>,
    /// Files left alone (with a note, said once) or that could not be written.
    left: BTreeSet<PathBuf>,
    /// Some file could not be written: the run exits 2.
    failed: bool,
}

impl Fixing {
    /// Says what was fixed, and whether fixes are still pending after the last round.
    fn report(&self, pending: bool, stderr: &mut dyn Write) -> std::io::Result<()> {
        if self.applied > 0 {
            let plural = emit::plural;
            writeln!(
                stderr,
                "fixed {} in {}",
                plural(self.applied, "problem", "problems"),
                plural(self.files.len(), "file", "files")
            )?;
        }
        if pending {
            writeln!(
                stderr,
                "note: fixes are still pending after {FIX_ROUNDS} rounds; run `check --fix` again"
            )?;
        }
        Ok(())
    }
}

/// One round of `check --fix`: applies the compatible fixes of each file's diagnostics to the
/// file on disk, atomically. A file is left as it is, with a note, when it changed since it
/// was read, is a link, read-only, another's or hard-linked, or would no longer parse; a file
/// that cannot be written is an error on stderr, and the other files are still fixed. Files
/// left in an earlier round are passed over. Returns how many fixes this round applied.
fn fix_files(
    results: &[Analysis],
    naming: &Naming,
    fixing: &mut Fixing,
    stderr: &mut dyn Write,
) -> Result<usize, Failure> {
    let mut applied = 0;
    for a in results {
        // The files with a syntax fix: those that do not parse, whose bare values are quoted.
        let broken: std::collections::HashSet<crate::source::FileId> = (a.diagnostics.iter())
            .filter(|d| d.code == Code::Syntax)
            .filter_map(|d| Some(d.fix.as_ref()?.span.file))
            .collect();
        for (id, fixes) in crate::diagnostic::fixes_by_file(&a.diagnostics) {
            let source = a.ws.sources.get(id);
            if fixing.left.contains(&source.path) {
                continue;
            }
            if source.utf8_error.is_some() {
                // Its text is not the file's bytes: nothing is written over them.
                fixing.left.insert(source.path.clone());
                continue;
            }
            let shown = naming.display(&source.path);
            let together =
                crate::parse::fixes_together(id, &source.text, &fixes, broken.contains(&id));
            let fixes = match together {
                Ok(fixes) => fixes,
                Err(why) => {
                    writeln!(stderr, "note: {shown}: {why}; not fixed").map_err(io_err)?;
                    fixing.left.insert(source.path.clone());
                    continue;
                }
            };
            let count = fixes.len();
            let text = crate::diagnostic::apply(&source.text, &fixes.iter().collect::<Vec<_>>());
            match leave_alone(source) {
                Some(why) => {
                    writeln!(stderr, "note: {shown}: {why}; not fixed").map_err(io_err)?;
                }
                None => {
                    match emit::write::write_atomic(&source.path, |w| w.write_all(text.as_bytes()))
                    {
                        Ok(()) => {
                            applied += count;
                            fixing.files.insert(source.path.clone());
                            continue;
                        }
                        Err(e) => {
                            writeln!(
                                stderr,
                                "error: {shown}: cannot write the fixes: {}",
                                load::io_message(&e)
                            )
                            .map_err(io_err)?;
                            fixing.failed = true;
                        }
                    }
                }
            }
            fixing.left.insert(source.path.clone());
        }
    }
    fixing.applied += applied;
    Ok(applied)
}

/// Why the fixes of `source` must not be written to its file, if they must not.
fn leave_alone(source: &crate::source::SourceFile) -> Option<&'static str> {
    let Ok(meta) = std::fs::symlink_metadata(&source.path) else {
        return Some("no longer there");
    };
    if meta.file_type().is_symlink() {
        return Some("a symbolic link");
    }
    // Replacing the file would split its other names from it.
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
        return Some("it has other hard links");
    }
    // Another user's file (or one of a group this user is not in) would become this user's:
    // editors ask first; here it is left alone.
    #[cfg(unix)]
    if !owner_kept(&source.path, &meta) {
        return Some("owned by another user or group");
    }
    if meta.permissions().readonly()
        || std::fs::OpenOptions::new()
            .write(true)
            .open(&source.path)
            .is_err()
    {
        return Some("not writable");
    }
    // Changed since it was read (an editor saved it): left to the next run.
    if std::fs::read(&source.path).ok().as_deref() != Some(source.text.as_bytes()) {
        return Some("changed while it was checked");
    }
    None
}

/// True when a file written beside `path` by this process gets `path`'s owner and group, or
/// can be given them: found by making one, as the kernel decides (setgid folders, root).
#[cfg(unix)]
fn owner_kept(path: &Path, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(probe) = tempfile::Builder::new()
        .prefix(".nimbus-lint-")
        .tempfile_in(dir)
    else {
        return true;
    };
    let Ok(mine) = probe.as_file().metadata() else {
        return true;
    };
    (mine.uid(), mine.gid()) == (meta.uid(), meta.gid())
        || std::os::unix::fs::chown(probe.path(), Some(meta.uid()), Some(meta.gid())).is_ok()
}

/// Loads and checks the one workspace holding `path`.
fn one_workspace(
    path: Option<&PathBuf>,
    naming: &Naming,
    overrides: &[(Code, Level)],
    stdin: &mut dyn Read,
) -> Result<Checked, String> {
    if path.is_some_and(|p| p.as_os_str() == "-") {
        return Err(
            "`-` (the file on stdin) is for `check --stdin-filename PATH -`; this command reads files on disk only"
                .to_owned(),
        );
    }
    let paths: Vec<PathBuf> = path.into_iter().cloned().collect();
    let t = targets(&paths, None, naming, stdin)?;
    Ok(analyze_all(&t, naming, overrides, Purpose::Compile))
}

fn build(mut args: BuildArgs, sub: &ArgMatches, io: &mut Io<'_>) -> Outcome {
    // The names of stdout are stdout: a link that the atomic writer would refuse to replace
    // when stdout is a file.
    if args.output.as_ref().is_some_and(|o| {
        ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].contains(&&*o.to_string_lossy())
    }) {
        args.output = Some(PathBuf::from("-"));
    }
    clean_up_on_interrupt();
    let overrides = overrides(sub)?;
    let naming = naming_for(args.path.iter().chain(&args.output))?;
    let checked = one_workspace(args.path.as_ref(), &naming, &overrides, io.stdin)?;
    let done = bundle(&args, &checked, &naming, io.stdout);
    // The diagnostics of `build` go to stderr: stdout may be the bundle. A JSON or SARIF
    // document is alone there, whole, whenever the tool did its job (exit 0 or 1): the exit
    // code says what became of the bundle. When it did not (exit 2), stderr says why in text.
    let lint = &args.lint;
    let failed = done.as_ref().map_or(true, |d| d.code == EXIT_FAILURE);
    let document = matches!(lint.format, Format::Json | Format::Sarif);
    let summary = emit::Summary::of(&checked.results);
    let style = style(lint, io.stderr_is_terminal, io.stderr_width);
    if (document && !failed) || (!document && summary.errors + summary.warnings > 0) {
        emit::render(
            lint.format,
            &checked.results,
            &checked.errors,
            lint.quiet,
            style,
            io.stderr,
        )
        .map_err(io_err)?;
    }
    if !document || failed {
        report_problems(&checked, io.stderr).map_err(io_err)?;
    }
    let done = done?;
    if let (Format::Github, Some((file, why, fix))) = (lint.format, &done.stale) {
        // On the pull request too, beside the diagnostics' annotations.
        let message = format!("bundle is stale: {why}\nhelp: {fix}");
        let annotation = emit::github::error_annotation(file, "stale bundle", &message);
        writeln!(io.stderr, "{annotation}").map_err(io_err)?;
    }
    if let Some(line) = done.line
        && (!document || failed)
    {
        writeln!(io.stderr, "{line}").map_err(io_err)?;
    }
    Ok(done.code)
}

/// What became of the bundle: the exit code, and the line that says so.
struct Done {
    code: i32,
    line: Option<String>,
    /// A stale bundle, as `(file, why, fix)`: an annotation of its own in the github format.
    stale: Option<(String, String, String)>,
}

impl Done {
    fn exit(code: i32, line: impl Into<Option<String>>) -> Result<Done, Failure> {
        Ok(Done {
            code,
            line: line.into(),
            stale: None,
        })
    }
}

/// `build`'s work once the workspace is checked: writes the bundle (to `stdout` when it goes
/// there) or, under `--check`, compares it with the file. Prints nothing on stderr.
fn bundle(
    args: &BuildArgs,
    checked: &Checked,
    naming: &Naming,
    stdout: &mut dyn Write,
) -> Result<Done, Failure> {
    let (results, lint) = (&checked.results, &args.lint);
    // Load errors are reported with the notes.
    let Some(a) = results.first().filter(|_| checked.errors.is_empty()) else {
        return Done::exit(EXIT_FAILURE, None);
    };
    if let Some(o) = &args.output
        && o.as_os_str() != "-"
        && !crate::parse::settings::names_a_file(&o.to_string_lossy())
    {
        let written = o.to_string_lossy();
        let written = crate::source::printable(&written);
        return Err(Failure::Message(format!(
            "-o must name a file, not `{written}`: e.g. `-o {}/bundle.json`",
            written.trim_end_matches('/')
        )));
    }
    let target = match (&args.output, &a.ws.settings.output) {
        (Some(o), _) if o.as_os_str() == "-" => None,
        (Some(o), _) => Some(naming.absolute(o)),
        (None, Some(o)) => Some(a.ws.root.join(&o.value)),
        (None, None) => None,
    };
    if let Some(path) = &target {
        if args.output.is_none() && !load::stays_inside(&a.ws.root, path) {
            return Err(Failure::Message(format!(
                "cannot write the bundle to {}: `[build] output` in {} leads out of the workspace or into a hidden folder through a symbolic link; write a path below the root, or give `-o PATH`",
                naming.display(path),
                naming.display(&a.ws.root.join(load::SETTINGS_FILE))
            )));
        }
        refuse_input(path, a, naming, args.output.is_none())?;
    }
    if args.check && target.is_none() {
        return Err(Failure::Message("`build --check` compares with a file: give `-o FILE` or set `[build] output` in nimbus.toml".to_owned()));
    }
    if fails(results, lint) {
        let why = if emit::Summary::of(results).errors > 0 {
            "the configuration has errors"
        } else {
            "warnings are denied (--deny-warnings)"
        };
        return Done::exit(EXIT_ERRORS, format!("error: {why}: no bundle written"));
    }
    match target {
        Some(target) if args.check => Ok(compare(&target, a, naming, &rebuild_command(args))),
        None => {
            crate::compile::write_workspace(&a.ws, &a.transfers, stdout).map_err(io_err)?;
            Done::exit(EXIT_OK, None)
        }
        Some(path) => match emit::write::write_atomic(&path, |w| {
            crate::compile::write_workspace(&a.ws, &a.transfers, w)
        }) {
            Ok(()) => Done::exit(
                EXIT_OK,
                (!lint.quiet).then(|| format!("wrote {}", naming.display(&path))),
            ),
            Err(e) => Err(Failure::Message(format!(
                "cannot write {}: {}; the previous file, if any, is unchanged",
                naming.display(&path),
                load::io_message(&e)
            ))),
        },
    }
}

/// Refuses to write the bundle over a file the workspace reads, or where the workspace would
/// read it next time (`from_settings`: the path comes from `[build] output`).
fn refuse_input(
    path: &std::path::Path,
    a: &Analysis,
    naming: &Naming,
    from_settings: bool,
) -> Result<(), Failure> {
    // The workspace built, or the one the output path lies in (a nested workspace's bundle
    // written into its parent's files).
    let input = load::input_at(&a.ws.root, &a.ws.settings, path).or_else(|| {
        let other = load::root_of_file(&naming.absolute(path));
        (other != a.ws.root && load::has_settings(&other))
            .then(|| load::input_at(&other, &load::settings_of(&other), path))
            .flatten()
    });
    let Some(input) = input else {
        return Ok(());
    };
    let why = match input {
        load::Input::Settings => {
            "it is a workspace's settings file, which the bundle would replace"
        }
        load::Input::Entity => {
            "it is a configuration file of the workspace, which the bundle would replace"
        }
        load::Input::FutureEntity => {
            "the workspace would read the bundle as a configuration file (every .toml file under its root is read)"
        }
        load::Input::Gitignore => "it is a .gitignore, which decides what the workspace reads",
    };
    let (whence, fix) = if from_settings {
        let settings = naming.display(&a.ws.root.join(load::SETTINGS_FILE));
        (
            format!(" (`[build] output` in {settings})"),
            "point `[build] output` elsewhere, e.g. `dist/bundle.json`",
        )
    } else {
        (
            String::new(),
            "write the bundle elsewhere, e.g. `-o bundle.json`",
        )
    };
    Err(Failure::Message(format!(
        "cannot write the bundle to {}{whence}: {why}; {fix}",
        naming.display(path)
    )))
}

/// The `build` command that rewrites the bundle `build --check` compared with: the same
/// workspace and `-o`, as given.
fn rebuild_command(args: &BuildArgs) -> String {
    let mut command = "nimbus-lint build".to_owned();
    let quoted = |p: &PathBuf| {
        let text = p.to_string_lossy();
        let plain = text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
        if plain && text.starts_with('-') {
            // Not an option.
            format!("./{text}")
        } else if plain {
            text.into_owned()
        } else {
            format!(
                "'{}'",
                crate::source::printable(&text).replace('\'', "'\\''")
            )
        }
    };
    for (flag, path) in [("", &args.path), ("-o ", &args.output)] {
        if let Some(p) = path {
            command.push_str(&format!(" {flag}{}", quoted(p)));
        }
    }
    command
}

/// `build --check`: 0 when the file on disk is current, 1 (and why) when stale or missing, 2
/// when it cannot be read.
fn compare(target: &std::path::Path, a: &Analysis, naming: &Naming, rebuild: &str) -> Done {
    let shown = naming.display(target);
    // A pipe or device is no bundle: comparing would block, or read forever.
    if std::fs::metadata(target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Done {
            code: EXIT_FAILURE,
            line: Some(format!(
                "error: cannot compare the bundle with {shown}: not a regular file"
            )),
            stale: None,
        };
    }
    // `build` would refuse to write it: never "up to date", nor "stale" with a fix that fails.
    if emit::write::is_link(target) {
        return Done {
            code: EXIT_FAILURE,
            line: Some(format!(
                "error: cannot compare the bundle with {shown}: {}",
                emit::write::LINK_REFUSED
            )),
            stale: None,
        };
    }
    let same = emit::write::CompareWriter::open(target).and_then(|mut w| {
        crate::compile::write_workspace(&a.ws, &a.transfers, &mut w)?;
        w.finish()
    });
    if let Ok(true) = same {
        return Done {
            code: EXIT_OK,
            line: Some(format!("{shown} is up to date")),
            stale: None,
        };
    }
    let why = match std::fs::read(target) {
        Ok(old) => match serde_json::from_slice::<crate::compile::Bundle>(&old) {
            Ok(old) => crate::compile::first_difference(
                &crate::compile::compile(&a.ws, &a.transfers),
                &old,
            )
            .unwrap_or_else(|| "its formatting differs".to_owned()),
            Err(_) => "it is not a bundle this version of nimbus-lint reads".to_owned(),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => "it does not exist yet".to_owned(),
        // Not a stale bundle: the tool cannot do its job (exit 2), and rebuilding is no fix.
        Err(e) => {
            return Done {
                code: EXIT_FAILURE,
                line: Some(format!(
                    "error: cannot read {shown}: {}",
                    load::io_message(&e)
                )),
                stale: None,
            };
        }
    };
    let fix = format!("run `{rebuild}` and commit the result");
    Done {
        code: EXIT_ERRORS,
        line: Some(format!(
            "error: bundle is stale: {shown}: {why}\n  help: {fix}"
        )),
        stale: Some((shown, why, fix)),
    }
}

fn schema(args: SchemaArgs, io: &mut Io<'_>) -> Outcome {
    let schema = match args.kind {
        SchemaKind::Config => crate::schema::config(),
        SchemaKind::Bundle => crate::schema::bundle(),
    };
    io.stdout
        .write_all(crate::schema::to_text(&schema).as_bytes())
        .map_err(io_err)?;
    Ok(EXIT_OK)
}

fn graph(args: GraphArgs, io: &mut Io<'_>) -> Outcome {
    let naming = naming_for(args.path.iter())?;
    let checked = one_workspace(args.path.as_ref(), &naming, &[], io.stdin)?;
    for a in checked.results.iter() {
        io.stdout
            .write_all(emit::graph::render(a, args.format).as_bytes())
            .map_err(io_err)?;
    }
    report_problems(&checked, io.stderr).map_err(io_err)?;
    // The graph is drawn whatever the errors, but says when it may be incomplete.
    let errors = emit::Summary::of(&checked.results).errors;
    if errors > 0 {
        writeln!(
            io.stderr,
            "note: the configuration has {} (`nimbus-lint check` shows them): the graph shows what could be read",
            emit::plural(errors, "error", "errors")
        )
        .map_err(io_err)?;
    }
    Ok(if checked.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILURE
    })
}

fn explain(args: ExplainArgs, io: &mut Io<'_>) -> Outcome {
    if args.list {
        for code in Code::ALL {
            let rule = code.rule();
            writeln!(
                io.stdout,
                "{:<24} {:<8} {}",
                rule.code,
                rule.severity.as_str(),
                rule.summary
            )
            .map_err(io_err)?;
        }
        return Ok(EXIT_OK);
    }
    let name = args.code.unwrap_or_default();
    let Some(code) = code_arg(&name) else {
        return Err(Failure::Message(unknown_code(&name)));
    };
    let rule = code.rule();
    // The summary wrapped as the explanation's prose is, at 100 columns.
    let summary = textwrap::fill(
        &format!("{}.", crate::rules::text::capitalized(rule.summary)),
        100,
    );
    write!(
        io.stdout,
        "# {} ({} by default)\n\n{summary}\n\n{}",
        rule.code,
        rule.severity.as_str(),
        rule.explanation
    )
    .map_err(io_err)?;
    Ok(EXIT_OK)
}

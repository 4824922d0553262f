//! The arguments of each command (clap derive), and what they turn into: level overrides,
//! rule codes, colours and the human format's style.

use std::path::PathBuf;

use clap::{ArgMatches, Args, ValueEnum};

use crate::emit::graph::GraphFormat;
use crate::emit::{Format, Style};
use crate::rules::{Code, Level};

#[derive(Debug, Args)]
pub(super) struct LspArgs {
    /// Accepted and ignored: stdio is the only transport (editor clients pass it).
    #[arg(long)]
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
pub(super) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(super) shell: clap_complete::Shell,
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
pub(super) struct CheckArgs {
    /// Folders or files; a file means the whole workspace that holds it. `-` reads stdin
    /// (with --stdin-filename).
    #[arg(value_name = "PATH", value_parser = path_arg())]
    pub(super) paths: Vec<PathBuf>,
    /// With `-` as PATH: the file of its workspace that stdin stands for.
    #[arg(long, value_name = "PATH", overrides_with = "stdin_filename", value_parser = path_arg())]
    pub(super) stdin_filename: Option<PathBuf>,
    /// Apply the fixes that are certain (misspelled ids, keys, kinds and values, bare values
    /// quoted, `"$NAME"` secrets as `{ env = … }`, suppression comments mended; the README
    /// lists them) to the files named, or to the whole workspace, then report what is left.
    /// Not with --git-tracked: a reference to what a file git does not track defines would be
    /// taken for a misspelling.
    #[arg(long, conflicts_with_all = ["stdin_filename", "git_tracked"], overrides_with = "fix")]
    pub(super) fix: bool,
    /// Leave out the files git does not track (but for those named): what a commit holds, in
    /// a pre-commit hook.
    #[arg(long, overrides_with = "git_tracked")]
    pub(super) git_tracked: bool,
    #[command(flatten)]
    pub(super) lint: LintArgs,
}

/// How diagnostics are reported, shared by `check` and `build`.
#[derive(Debug, Args)]
pub(super) struct LintArgs {
    /// Output format of the diagnostics (on stdout; `build` writes them to stderr, for its
    /// bundle may go to stdout).
    #[arg(long, value_enum, default_value_t = Format::Human, overrides_with = "format")]
    pub(super) format: Format,
    /// Make warnings fail the check (exit code 1).
    #[arg(long, overrides_with = "deny_warnings")]
    pub(super) deny_warnings: bool,
    /// Print only the summary line (json and sarif still print their whole document).
    #[arg(short, long, overrides_with = "quiet")]
    pub(super) quiet: bool,
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
pub(super) struct BuildArgs {
    /// A folder or file of the workspace (default `.`).
    #[arg(value_parser = path_arg())]
    pub(super) path: Option<PathBuf>,
    /// Where to write the bundle (`-` for stdout); default `[build] output`, else stdout.
    #[arg(short, long, value_name = "FILE", overrides_with = "output", value_parser = path_arg())]
    pub(super) output: Option<PathBuf>,
    /// Do not write: compare with the file on disk and fail when it is stale.
    #[arg(long, overrides_with = "check")]
    pub(super) check: bool,
    /// Leave out the files git does not track: the bundle of what a commit holds.
    #[arg(long, overrides_with = "git_tracked")]
    pub(super) git_tracked: bool,
    #[command(flatten)]
    pub(super) lint: LintArgs,
}

/// The two schemas.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum SchemaKind {
    /// The configuration files (what Taplo / Even Better TOML validate against).
    Config,
    /// The bundle `build` writes.
    Bundle,
}

#[derive(Debug, Args)]
pub(super) struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    pub(super) kind: SchemaKind,
}

#[derive(Debug, Args)]
pub(super) struct GraphArgs {
    /// A folder or file of the workspace (default `.`).
    #[arg(value_parser = path_arg())]
    pub(super) path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid, overrides_with = "format")]
    pub(super) format: GraphFormat,
}

#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// The rule code, e.g. `im-unreachable` (required unless --list).
    #[arg(value_parser = CodeArg, hide_possible_values = true)]
    pub(super) code: Option<String>,
    /// List every code with its default severity.
    #[arg(long, conflicts_with = "code")]
    pub(super) list: bool,
}

/// Level flags in command-line order, so that the last one for a code wins.
pub(super) fn overrides(sub: &ArgMatches) -> Result<Vec<(Code, Level)>, String> {
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

/// The code a command-line argument names, in any case and with `_` for `-` (`IM_UNREACHABLE`).
pub(super) fn code_arg(name: &str) -> Option<Code> {
    Code::parse(name).or_else(|| Code::parse(&folded_code(name)))
}

/// A command-line code as codes are written: lower case, `-` for `_`.
fn folded_code(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}

/// The error for a rule code that names no rule, with the nearest code; control characters
/// of the argument are shown escaped.
pub(super) fn unknown_code(name: &str) -> String {
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
pub(super) fn colours(terminal: bool) -> bool {
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
pub(super) fn style(args: &LintArgs, terminal: bool, columns: Option<usize>) -> Style {
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

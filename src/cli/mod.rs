//! The command line: arguments (clap derive), and each command's run from start to exit code.
//!
//! Commands print through the writers of [`Io`], so tests can run them in-process; the
//! language server alone speaks over the process's own stdin and stdout.

use std::io::{IsTerminal, Read, Write};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::emit;
use crate::load;

mod args;
mod build;
mod check;
mod commands;
mod targets;
mod workspaces;

use self::args::{
    BuildArgs, CheckArgs, CompletionsArgs, ExplainArgs, GraphArgs, LspArgs, SchemaArgs, colours,
};
use self::build::build;
use self::check::check;
use self::commands::{completions, explain, graph, schema};

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
    /// Check the workspace(s) holding each PATH (default `.`) and print diagnostics.
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
    /// completion, quick fixes, rename, symbols).
    Lsp(LspArgs),
    /// Print shell completions for bash, zsh, fish, powershell or elvish.
    Completions(CompletionsArgs),
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
/// (the contract's `CLI.md`), told on stderr, except a closed pipe (`nimbus-lint … | head`), where the reader
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

fn io_err(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Message(format!("cannot write the output: {}", load::io_message(&e)))
    }
}

/// Interrupted mid-write (SIGINT, SIGTERM), leave no temporary file behind: the target is
/// untouched until the final rename. Exits with 130, as shells do for an interrupted command.
fn clean_up_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        emit::write::remove_pending();
        std::process::exit(130);
    });
}

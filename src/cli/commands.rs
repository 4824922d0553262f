//! The small commands: `completions`, `schema`, `graph` and `explain`.

use clap::CommandFactory;

use super::args::{ExplainArgs, GraphArgs, SchemaArgs, SchemaKind, code_arg, unknown_code};
use super::targets::naming_for;
use super::workspaces::{one_workspace, report_problems};
use super::{Cli, EXIT_FAILURE, EXIT_OK, Failure, Io, Outcome, io_err};
use crate::emit;
use crate::rules::Code;

/// The completion script for `shell`.
///
/// clap_complete spells the bash script's states for a hyphenated program name two ways: the
/// loop over the words sets `nimbus__lint__subcmd__check`, the arms match
/// `nimbus__subcmd__lint__subcmd__check`, so nothing after a subcommand completes
/// (clap-rs/clap#6421). The arms are respelled like the loop; the other shells are not affected.
pub(super) fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "nimbus-lint", &mut buf);
    if shell != clap_complete::Shell::Bash {
        return buf;
    }
    String::from_utf8_lossy(&buf)
        .replace("nimbus__subcmd__lint", "nimbus__lint")
        .into_bytes()
}

/// `schema`: prints the JSON Schema of the configuration files or of the bundle.
pub(super) fn schema(args: SchemaArgs, io: &mut Io<'_>) -> Outcome {
    let schema = match args.kind {
        SchemaKind::Config => crate::schema::config(),
        SchemaKind::Bundle => crate::schema::bundle(),
    };
    io.stdout
        .write_all(crate::schema::to_text(&schema).as_bytes())
        .map_err(io_err)?;
    Ok(EXIT_OK)
}

/// `graph`: prints the workspace's transfer graph as Mermaid or DOT.
pub(super) fn graph(args: GraphArgs, io: &mut Io<'_>) -> Outcome {
    let naming = naming_for(args.path.iter())?;
    let checked = one_workspace(args.path.as_ref(), &naming, (&[], false), io.stdin)?;
    for a in checked.results.iter() {
        io.stdout
            .write_all(emit::graph::render(a, args.format).as_bytes())
            .map_err(io_err)?;
    }
    report_problems(&checked, false, io.stderr).map_err(io_err)?;
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

/// `explain`: prints a rule's long explanation, or the list of rules.
pub(super) fn explain(args: ExplainArgs, io: &mut Io<'_>) -> Outcome {
    if args.list {
        for code in Code::ALL {
            let rule = code.rule();
            // A rule that cannot be lowered or silenced says so: no round trip to find out.
            let fixed = if rule.hard {
                " (always an error: cannot be lowered or silenced)"
            } else {
                ""
            };
            writeln!(
                io.stdout,
                "{:<24} {:<8} {}{fixed}",
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
    // As `explain --list` says it: a hard rule has no default, only its one level.
    let level = if rule.hard {
        "always an error: cannot be lowered or silenced".to_owned()
    } else {
        format!("{} by default", rule.severity.as_str())
    };
    write!(
        io.stdout,
        "# {} ({level})\n\n{summary}\n\n{}",
        rule.code, rule.explanation
    )
    .map_err(io_err)?;
    Ok(EXIT_OK)
}

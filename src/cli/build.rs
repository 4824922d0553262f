//! The `build` command: writing the bundle, or comparing it with the file under `--check`.

use std::io::Write;
use std::path::PathBuf;

use clap::ArgMatches;

use super::args::{BuildArgs, overrides, style};
use super::targets::naming_for;
use super::workspaces::{Checked, fails, one_workspace, report_problems};
use super::{
    EXIT_ERRORS, EXIT_FAILURE, EXIT_OK, Failure, Io, Outcome, clean_up_on_interrupt, io_err,
};
use crate::Analysis;
use crate::emit::{self, Format};
use crate::load::{self, Naming};

/// `build`: checks the workspace and, when it has no error, writes its bundle (or, with
/// `--check`, compares it with the one on disk).
pub(super) fn build(mut args: BuildArgs, sub: &ArgMatches, io: &mut Io<'_>) -> Outcome {
    // The names of stdout are stdout: a link that the atomic writer would refuse to replace
    // when stdout is a file.
    if args.output.as_ref().is_some_and(|o| {
        ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].contains(&&*o.to_string_lossy())
    }) {
        args.output = Some(PathBuf::from("-"));
    }
    // Those of stderr are refused whatever stderr is (a pipe took the bundle, a file refused
    // the link): stderr carries the diagnostics.
    if args.output.as_ref().is_some_and(|o| {
        ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"].contains(&&*o.to_string_lossy())
    }) {
        return Err(Failure::Message(
            "the bundle cannot go to stderr, which carries the diagnostics: write it to stdout with `-o -`, or to a file".to_owned(),
        ));
    }
    clean_up_on_interrupt();
    let overrides = overrides(sub)?;
    let naming = naming_for(args.path.iter().chain(&args.output))?;
    let checked = one_workspace(
        args.path.as_ref(),
        &naming,
        (&overrides, args.git_tracked),
        io.stdin,
    )?;
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
        report_problems(&checked, lint.quiet, io.stderr).map_err(io_err)?;
    }
    let done = done?;
    if let (Format::Github, Some((file, why, fix))) = (lint.format, &done.stale) {
        // On the pull request too, beside the diagnostics' annotations.
        let message = format!("bundle is stale: {why}\nhelp: {fix}");
        let cwd = std::env::current_dir().unwrap_or_default();
        let file = emit::rebased(file, &cwd, &emit::ci_root(&cwd));
        let annotation = emit::github::error_annotation(&file, "stale bundle", &message);
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
        refuse_input(path, a, naming, (args.output.is_none(), args.check))?;
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
        let outcome = if args.check {
            "the bundle was not compared"
        } else {
            "no bundle written"
        };
        return Done::exit(EXIT_ERRORS, format!("error: {why}: {outcome}"));
    }
    let (ids, deepest) = crate::compile::path_ids(&a.ws);
    if ids > crate::compile::MAX_PATH_IDS {
        let (ou, depth) = deepest.unwrap_or_default();
        return Err(Failure::Message(format!(
            "the bundle's OU paths would list {ids} ids, more than {}: OU `{}` is {depth} levels below its root, and each OU's `path` lists every OU above it; a tenant's OU tree is a few levels deep",
            crate::compile::MAX_PATH_IDS,
            crate::source::printable(&a.ws.model.ous[ou as usize].def.id)
        )));
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
/// read it next time (`from_settings`: the path comes from `[build] output`; `check`: under
/// `--check`, which compares with it).
fn refuse_input(
    path: &std::path::Path,
    a: &Analysis,
    naming: &Naming,
    (from_settings, check): (bool, bool),
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
        load::Input::GitExclude => {
            "it is git's list of ignored files, which decides what the workspace reads"
        }
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
    // `--check` writes nothing, but compares with what `build` would write there.
    let what = if check {
        "no bundle goes to"
    } else {
        "cannot write the bundle to"
    };
    Err(Failure::Message(format!(
        "{what} {}{whence}: {why}; {fix}",
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

/// The UTF-8 byte order mark, which Windows editors write at the start of a file they save.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How `old`, the bytes of the bundle's file, differs from the bundle of `a` when only its
/// form does, or `None` when its content differs (or it is the bundle byte for byte).
#[derive(Debug, PartialEq, Eq)]
enum FormOnly {
    /// CRLF line ends: what a checkout with `core.autocrlf` makes of a committed bundle, which
    /// is current.
    Crlf,
    /// A UTF-8 byte order mark first (CRLF line ends or not): an editor saved the file. No
    /// checkout adds one, so the committed file has it too, and JSON readers may refuse it
    /// (RFC 8259 forbids writing one): the bundle is stale, the BOM named as its difference.
    Bom,
}

/// See [`FormOnly`]. The bundle is built again only when `old` has a CRLF or a BOM.
fn form_only(old: &[u8], a: &Analysis) -> Option<FormOnly> {
    let (bom, body) = match old.strip_prefix(BOM) {
        Some(body) => (true, body),
        None => (false, old),
    };
    // Every line ended with CRLF, as git's core.autocrlf writes them: some alone is an edit.
    let crlf = body.contains(&b'\n')
        && (body.iter().enumerate()).all(|(i, &b)| b != b'\n' || (i > 0 && body[i - 1] == b'\r'));
    if !bom && !crlf {
        return None;
    }
    let mut new = Vec::new();
    if crate::compile::write_workspace(&a.ws, &a.transfers, &mut new).is_err() {
        return None;
    }
    let lf = if crlf {
        (body.iter().enumerate())
            .filter(|&(i, &b)| !(b == b'\r' && body.get(i + 1) == Some(&b'\n')))
            .map(|(_, &b)| b)
            .collect()
    } else {
        body.to_vec()
    };
    match (lf == new, bom) {
        (false, _) => None,
        (true, false) => Some(FormOnly::Crlf),
        (true, true) => Some(FormOnly::Bom),
    }
}

/// Why a bundle that starts with a BOM is stale, when nothing else tells it from the bundle.
const BOM_WHY: &str = "it starts with a UTF-8 byte order mark, which nimbus-lint never writes and JSON readers may refuse";

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
        Ok(old) => match form_only(&old, a) {
            Some(FormOnly::Crlf) => {
                return Done {
                    code: EXIT_OK,
                    line: Some(format!(
                        "{shown} is up to date (its line ends are CRLF, as git's core.autocrlf writes them)"
                    )),
                    stale: None,
                };
            }
            Some(FormOnly::Bom) => BOM_WHY.to_owned(),
            None => {
                let body = old.strip_prefix(BOM);
                let why =
                    match serde_json::from_slice::<crate::compile::Bundle>(body.unwrap_or(&old)) {
                        Ok(old) => crate::compile::first_difference(
                            &crate::compile::compile(&a.ws, &a.transfers),
                            &old,
                        )
                        .unwrap_or_else(|| "its formatting differs".to_owned()),
                        Err(e) => unreadable_bundle(body.unwrap_or(&old), &e),
                    };
                match body {
                    Some(_) => format!("{why}; also, {BOM_WHY}"),
                    None => why,
                }
            }
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

/// Why a bundle file on disk does not read as a bundle: empty, a merge left unresolved, not
/// JSON, or JSON of another shape (another version's, or edited by hand).
fn unreadable_bundle(text: &[u8], e: &serde_json::Error) -> String {
    if text.trim_ascii().is_empty() {
        return "it is empty".to_owned();
    }
    let conflict = (text.split(|&b| b == b'\n')).position(|line| {
        [&b"<<<<<<< "[..], b"=======", b">>>>>>> "]
            .iter()
            .any(|marker| line.starts_with(marker))
    });
    if let Some(line) = conflict {
        return format!("it holds merge-conflict markers (line {})", line + 1);
    }
    // serde_json's words end with the place, told first here; words quoting a value of the
    // file are left out (a bundle edited by hand may hold a secret).
    let words = e.to_string();
    let words = words
        .rsplit_once(" at line ")
        .map_or(&words[..], |(w, _)| w);
    let mut at = format!("line {}, column {}", e.line(), e.column());
    if !words.contains('"') {
        at = format!("{at}: {words}");
    }
    match e.classify() {
        serde_json::error::Category::Data => {
            format!("it is not a bundle this version of nimbus-lint reads ({at})")
        }
        _ => format!("it is not valid JSON ({at})"),
    }
}

//! `--format sarif`: SARIF 2.1.0 (one run), ready for GitHub code scanning upload.
//!
//! Built with `serde-sarif`'s types. Artifact URIs are relative to the current directory
//! (`%SRCROOT%`, which is the repository root in CI); columns count Unicode code points, like
//! every other format. The rule list carries each rule's long explanation as its help.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix as SarifFix, Invocation, Location,
    Message, MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    Replacement, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel,
    Run, Sarif, Tool, ToolComponent,
};

use crate::Analysis;
use crate::diagnostic::Severity;
use crate::load::LoadError;
use crate::rules::Code;
use crate::source::{Sources, Span};

/// The OASIS schema this output follows.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base id of paths relative to the current directory.
const SRCROOT: &str = "%SRCROOT%";

fn text(s: &str) -> Message {
    Message::builder().text(s).build()
}

fn multiformat(text: &str, markdown: Option<&str>) -> MultiformatMessageString {
    match markdown {
        Some(md) => MultiformatMessageString::builder()
            .text(text)
            .markdown(md)
            .build(),
        None => MultiformatMessageString::builder().text(text).build(),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The artifact location of a file named relative to the current directory (as
/// [`super::raw_name`] names it): relative to `%SRCROOT%` when below it, else an absolute
/// `file://` URI. The bytes of the name are percent-encoded as they are.
fn artifact(name: &Path) -> ArtifactLocation {
    let uri = super::uri_path(&super::path_bytes(name));
    if name.is_absolute() {
        ArtifactLocation::builder()
            .uri(format!("file://{uri}"))
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id(SRCROOT)
            .build()
    }
}

fn location(
    sources: &Sources,
    span: Span,
    cwd: &Path,
    message: Option<&str>,
    id: Option<i64>,
) -> Location {
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact(super::raw_name(sources.get(span.file), cwd)))
        .region(region(sources, span))
        .build();
    match (message, id) {
        (Some(m), Some(id)) => Location::builder()
            .physical_location(physical)
            .message(text(m))
            .id(id)
            .build(),
        _ => Location::builder().physical_location(physical).build(),
    }
}

/// The region of `span`: lines and columns, the end column one past the last character.
fn region(sources: &Sources, span: Span) -> Region {
    let (start, end) = sources.range(span);
    Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column as i64)
        .end_line(end.line as i64)
        .end_column(end.column as i64)
        .build()
}

/// A diagnostic's fix as SARIF writes one: the region replaced, and the text put there.
fn fix(sources: &Sources, f: &crate::diagnostic::Fix, cwd: &Path) -> SarifFix {
    let replacement = Replacement::builder()
        .deleted_region(region(sources, f.span))
        .inserted_content(ArtifactContent::builder().text(f.text.as_str()).build())
        .build();
    let change = ArtifactChange::builder()
        .artifact_location(artifact(super::raw_name(sources.get(f.span.file), cwd)))
        .replacements(vec![replacement])
        .build();
    SarifFix::builder()
        .description(text(&f.title))
        .artifact_changes(vec![change])
        .build()
}

/// The first paragraph under "## What it checks".
fn full_description(explanation: &str) -> String {
    explanation
        .split("## What it checks")
        .nth(1)
        .unwrap_or(explanation)
        .trim_start()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ")
}

/// `im-unreachable` → `ImUnreachable`.
fn rule_name(code: &str) -> String {
    code.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Every rule, as `tool.driver.rules` lists them.
fn rules() -> Vec<ReportingDescriptor> {
    Code::ALL
        .iter()
        .map(|code| {
            let rule = code.rule();
            // GitHub code scanning files a rule tagged `security` with a severity under
            // security alerts.
            let properties = code.security_severity().map(|severity| {
                PropertyBag::builder()
                    .tags(vec!["security".to_owned()])
                    .additional_properties(BTreeMap::from([(
                        "security-severity".to_owned(),
                        serde_json::Value::from(severity),
                    )]))
                    .build()
            });
            let mut descriptor = ReportingDescriptor::builder()
                .id(rule.code)
                .name(rule_name(rule.code))
                .short_description(multiformat(rule.summary, None))
                .full_description(multiformat(&full_description(rule.explanation), None))
                .help(multiformat(rule.explanation, Some(rule.explanation)))
                .help_uri(crate::rule_url(*code))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::Value::from(level(rule.severity)))
                        .build(),
                )
                .build();
            descriptor.properties = properties;
            descriptor
        })
        .collect()
}

/// A stable identity of a finding across runs: FNV-1a of code, file and message (not the
/// line, so that it survives edits above). Findings alike in all three are told apart by
/// [`Occurrences`].
fn fingerprint(code: &str, file: &str, message: &str) -> String {
    let bytes = (code.bytes().chain([0]))
        .chain(file.bytes().chain([0]))
        .chain(message.bytes());
    format!("{:016x}", crate::source::fnv1a(bytes))
}

/// Numbers the findings that share a fingerprint in output order (by file, line, column), as
/// GitHub's `hash:N`: each fingerprint of a run is unique, and stays the same across runs.
#[derive(Default)]
struct Occurrences(std::collections::HashMap<String, u32>);

impl Occurrences {
    fn next(&mut self, hash: String) -> String {
        let n = self.0.entry(hash.clone()).or_insert(0);
        *n += 1;
        format!("{hash}:{n}")
    }
}

/// Writes the SARIF log of `results`; `errors` (paths the run could not read) become failed
/// invocation notifications, as files of a workspace that could not be read do.
pub fn render(
    results: &[Analysis],
    errors: &[LoadError],
    cwd: &Path,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sarif_results = Vec::new();
    let mut occurrences = Occurrences::default();
    let mut bases = BTreeMap::new();
    let mut cwd_uri = format!("file://{}", super::uri_path(&super::path_bytes(cwd)));
    if !cwd_uri.ends_with('/') {
        cwd_uri.push('/');
    }
    bases.insert(
        SRCROOT.to_owned(),
        ArtifactLocation::builder().uri(cwd_uri).build(),
    );
    for (n, a) in results.iter().enumerate() {
        let key = if results.len() == 1 {
            "WORKSPACEROOT".to_owned()
        } else {
            format!("WORKSPACEROOT{}", n + 1)
        };
        bases.insert(key, root_location(&a.ws.root, cwd));
    }
    let mut room = Room::of(results);
    for a in results {
        for d in &a.diagnostics {
            // Counted also when left out: the fingerprints of the rest do not move.
            let r = result(a, d, cwd, &mut occurrences);
            if room.take(d.severity) {
                sarif_results.push(r);
            }
        }
    }
    let driver = ToolComponent::builder()
        .name("nimbus-lint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(crate::HOMEPAGE)
        .rules(rules())
        .build();
    let mut notifications = notifications(errors);
    notifications.extend(room.left_out());
    let mut invocation = Invocation::builder()
        .execution_successful(errors.is_empty())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(sarif_results)
        .original_uri_base_ids(bases)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
    writeln!(out)
}

/// Where a workspace's root is: a `file://` URI when it is named absolutely, else relative
/// to the current folder (`%SRCROOT%`).
fn root_location(root: &Path, cwd: &Path) -> ArtifactLocation {
    let root = super::raw_path(root, cwd);
    let mut root_uri = if root.is_absolute() {
        format!("file://{}", super::uri_path(&super::path_bytes(root)))
    } else if root == Path::new(".") {
        String::new()
    } else {
        super::uri_path(&super::path_bytes(root))
    };
    if !root_uri.is_empty() && !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    if root_uri.starts_with("file://") {
        ArtifactLocation::builder().uri(root_uri).build()
    } else if root_uri.is_empty() {
        ArtifactLocation::builder()
            .uri("./")
            .uri_base_id(SRCROOT)
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(root_uri)
            .uri_base_id(SRCROOT)
            .build()
    }
}

/// One diagnostic of `a` as a SARIF result: message and help, place, labels as related
/// locations, fingerprint, fix.
fn result(
    a: &Analysis,
    d: &crate::diagnostic::Diagnostic,
    cwd: &Path,
    occurrences: &mut Occurrences,
) -> SarifResult {
    let sources = &a.ws.sources;
    let file = super::path_text(super::raw_name(sources.get(d.span.file), cwd));
    let related: Vec<Location> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| location(sources, l.span, cwd, Some(&l.message), Some(i as i64 + 1)))
        .collect();
    let message = if d.help.is_empty() {
        d.message.clone()
    } else {
        format!("{}\nhelp: {}", d.message, d.help)
    };
    let rule_index = Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0);
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        "nimbusLint/v2".to_owned(),
        occurrences.next(fingerprint(d.code.as_str(), &file, &d.message)),
    );
    let builder = SarifResult::builder()
        .rule_id(d.code.as_str())
        .rule_index(rule_index as i64)
        .level(match d.severity {
            Severity::Error => ResultLevel::Error,
            Severity::Warning => ResultLevel::Warning,
        })
        .message(text(&message))
        .locations(vec![location(sources, d.span, cwd, None, None)])
        .partial_fingerprints(fingerprints);
    let mut result = builder.build();
    result.related_locations = (!related.is_empty()).then_some(related);
    result.fixes = (d.fix.as_ref()).map(|f| vec![fix(sources, f, cwd)]);
    result
}

/// Results in one run at most: GitHub code scanning refuses an upload with a run of more.
const MAX_RESULTS: usize = 25_000;

/// How many results the log has room for, errors first, then warnings.
struct Room {
    errors: usize,
    warnings: usize,
    left_errors: usize,
    left_warnings: usize,
}

impl Room {
    /// The room for the diagnostics of `results`: [`MAX_RESULTS`], or fewer for tests
    /// (`NIMBUS_LINT_TEST_SARIF_MAX`).
    fn of(results: &[Analysis]) -> Room {
        let max = std::env::var("NIMBUS_LINT_TEST_SARIF_MAX")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(MAX_RESULTS, |n: usize| n.min(MAX_RESULTS));
        let errors = (results.iter().flat_map(|a| &a.diagnostics))
            .filter(|d| d.severity == Severity::Error)
            .count()
            .min(max);
        Room {
            errors,
            warnings: max - errors,
            left_errors: 0,
            left_warnings: 0,
        }
    }

    /// True when a result of `severity` has room, which it then takes.
    fn take(&mut self, severity: Severity) -> bool {
        let (room, left) = match severity {
            Severity::Error => (&mut self.errors, &mut self.left_errors),
            Severity::Warning => (&mut self.warnings, &mut self.left_warnings),
        };
        if *room == 0 {
            *left += 1;
            return false;
        }
        *room -= 1;
        true
    }

    /// The notification that results were left out, if any were.
    fn left_out(&self) -> Option<Notification> {
        let left = self.left_errors + self.left_warnings;
        (left > 0).then(|| {
            Notification::builder()
                .level(serde_json::Value::from("warning"))
                .message(text(&format!(
                    "{} left out ({}, {}): GitHub code scanning refuses a run of more than {MAX_RESULTS} results; errors come first; `--format json` or `short` lists them all",
                    super::plural(left, "result", "results"),
                    super::plural(self.left_errors, "error", "errors"),
                    super::plural(self.left_warnings, "warning", "warnings")
                )))
                .build()
        })
    }
}

/// Files that could not be read: the run did not do its whole job (exit 2), and a reader of
/// the log alone must be able to tell.
fn notifications(errors: &[LoadError]) -> Vec<Notification> {
    (errors.iter())
        .map(|e| {
            // Named as the results name their files: a `file://` URI outside the current
            // folder.
            let location = artifact(Path::new(&e.path));
            Notification::builder()
                .level(serde_json::Value::from("error"))
                .message(text(&format!("{}: {}", e.path, e.message)))
                .locations(vec![
                    Location::builder()
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(location)
                                .build(),
                        )
                        .build(),
                ])
                .build()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_uris_and_descriptions() {
        assert_eq!(rule_name("im-unreachable"), "ImUnreachable");
        assert_eq!(
            crate::emit::uri_path("a b/ü.toml".as_bytes()),
            "a%20b/%C3%BC.toml"
        );
        assert_eq!(
            crate::emit::uri_path(b"a\nb/caf\xe9.toml"),
            "a%0Ab/caf%E9.toml"
        );
        assert_eq!(
            full_description("## What it checks\n\nFirst\nline.\n\nSecond."),
            "First line."
        );
        assert_ne!(fingerprint("a", "b", "c"), fingerprint("a", "bc", ""));
    }
}

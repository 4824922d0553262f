//! The one diagnostic type that every stage produces and every emitter renders.

use crate::rules::Code;
use crate::source::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails the check (exit code 1).
    Error,
    /// Reported, fails the check only under `--deny-warnings`.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as the output formats spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary place involved in a diagnostic, possibly in another file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What this place has to do with the problem.
    pub message: String,
}

/// The entity a diagnostic is about, which `# nimbus-lint: allow(..)` comments match against.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    /// The entity's kind.
    pub kind: crate::model::Kind,
    /// The entity's id.
    pub id: String,
}

/// One finding: a code, a one-line message, the exact place, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that raised it.
    pub code: Code,
    /// Its severity after `[lints]` and command-line levels are applied.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The primary place: the offending value.
    pub span: Span,
    /// Text under the primary place (may be empty).
    pub label: String,
    /// How to fix it.
    pub help: String,
    /// Other places involved.
    pub labels: Vec<Label>,
    /// The entity it is about, for suppression comments.
    pub subject: Option<Subject>,
    /// Other entities it is as much about (the other members of a transfer loop): a
    /// suppression comment above any of them silences it too.
    pub also: Vec<Subject>,
    /// The edit that resolves it, when one is certain enough to offer (editors show it as a
    /// quick fix).
    pub fix: Option<Fix>,
}

/// A mechanical edit that resolves a diagnostic: the text of one span replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The code of the diagnostic the fix is for.
    pub code: Code,
    /// What the edit does, as an editor's menu shows it.
    pub title: String,
    /// The text replaced (in the diagnostic's file).
    pub span: Span,
    /// What replaces it: TOML as it is written in the file.
    pub text: String,
}

impl Diagnostic {
    /// Every text a reader sees: message, label, help, the secondary labels' messages and the
    /// fix's title.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        [&mut self.message, &mut self.label, &mut self.help]
            .into_iter()
            .chain(self.labels.iter_mut().map(|l| &mut l.message))
            .chain(self.fix.iter_mut().map(|f| &mut f.title))
    }

    /// A diagnostic of `code` at `span`, with the rule's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.rule().severity,
            message: message.into(),
            span,
            label: String::new(),
            help: String::new(),
            labels: Vec::new(),
            subject: None,
            also: Vec::new(),
            fix: None,
        }
    }

    /// Sets the text under the primary place.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    /// Adds a secondary label.
    pub fn with(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Offers `text` in place of `span` as the fix, titled `title`.
    pub fn fix(mut self, span: Span, text: impl Into<String>, title: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            code: self.code,
            title: title.into(),
            span,
            text: text.into(),
        });
        self
    }

    /// Offers the string `value` in place of the string value at `span` as the fix.
    pub fn fix_string(self, span: Span, value: &str) -> Self {
        self.fix(span, toml_string(value), format!("Replace with `{value}`"))
    }

    /// Names the entity the diagnostic is about.
    pub fn about(mut self, kind: crate::model::Kind, id: &str) -> Self {
        self.subject = Some(Subject {
            kind,
            id: id.to_owned(),
        });
        self
    }

    /// The same diagnostic, as much about the entity `kind` `id` too (see `also`).
    pub fn also_about(mut self, kind: crate::model::Kind, id: &str) -> Self {
        self.also.push(Subject {
            kind,
            id: id.to_owned(),
        });
        self
    }

    /// The entities it is about: its subject, then the others.
    pub fn subjects(&self) -> impl Iterator<Item = &Subject> {
        self.subject.iter().chain(&self.also)
    }
}

/// Of `fixes` (all in one file), those that can be applied together: in file order, each
/// identical one once, and one that overlaps an earlier one left for another round.
pub fn compatible(mut fixes: Vec<&Fix>) -> Vec<&Fix> {
    fixes.sort_by_key(|f| (f.span.start, f.span.end));
    fixes.dedup_by(|b, a| b.span == a.span && b.text == a.text);
    let mut kept: Vec<&Fix> = Vec::new();
    for f in fixes {
        if kept.last().is_none_or(|k| k.span.end <= f.span.start) {
            kept.push(f);
        }
    }
    kept
}

/// The fixes of `diagnostics` that can be applied together, by file, in file order: what
/// `check --fix` writes and the language server's fix-all sends.
pub fn fixes_by_file(
    diagnostics: &[Diagnostic],
) -> std::collections::BTreeMap<crate::source::FileId, Vec<&Fix>> {
    let mut by_file: std::collections::BTreeMap<_, Vec<&Fix>> = Default::default();
    for f in diagnostics.iter().filter_map(|d| d.fix.as_ref()) {
        by_file.entry(f.span.file).or_default().push(f);
    }
    for fixes in by_file.values_mut() {
        *fixes = compatible(std::mem::take(fixes));
    }
    by_file
}

/// `text` with `fixes` applied (as [`compatible`] returns them: in order, apart).
pub fn apply(text: &str, fixes: &[&Fix]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in fixes {
        let (start, end) = (f.span.start as usize, f.span.end as usize);
        out.push_str(&text[at..start]);
        out.push_str(&f.text);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// `s` as a TOML basic string, quotes included (a JSON string is one).
pub fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// `s` as a key of a header or a dotted key: bare when TOML allows it, else quoted (an id that
/// breaks the id pattern may hold any character).
pub fn toml_key(s: &str) -> String {
    let bare =
        !s.is_empty() && (s.bytes()).all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { s.to_owned() } else { toml_string(s) }
}

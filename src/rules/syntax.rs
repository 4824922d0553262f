//! `syntax`: the file is not valid TOML, or not UTF-8.

use super::{Code, Rule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "syntax",
    severity: Severity::Error,
    hard: true,
    summary: "the file is not valid TOML (also: not UTF-8)",
    explanation: r#"## What it checks

Every `.toml` file of the workspace must be valid TOML 1.0 text in UTF-8. The first syntax error
of a file is reported at the place where the parser stopped.

## Why it matters

A file that does not parse contributes nothing to the workspace. nimbus-lint still checks the
other files in full, but it cannot tell whether the broken file holds an OU, a connector or a
service that another file refers to, so rules that conclude that something is *missing*
(`unknown-reference`, "no root OU", `im-unreachable`, `unused-*`) stay quiet until it is fixed.

## Example

```toml
[service.sales-ivr]
ou = "sales"
transfers = ["sales-team" "billing"]   # missing comma
```

## Fix

```toml
[service.sales-ivr]
ou = "sales"
transfers = ["sales-team", "billing"]
```

Files must be saved as UTF-8 (most editors do so by default).
"#,
    check: None,
};

/// A TOML parse error, with the parser's message.
pub(crate) fn diagnostic(span: Span, parser_message: &str) -> Diagnostic {
    let message = parser_message.trim().trim_end_matches('.');
    if message.contains("recursion") {
        return Diagnostic::new(Code::Syntax, span, "invalid TOML: nested too deeply")
            .label("nesting goes past the parser's limit here")
            .help("flatten the structure: nimbus-lint's tables are at most a few levels deep");
    }
    let help = if message.contains("duplicate key") {
        "a key (or table header) may appear only once per file: merge the two definitions"
    } else {
        "fix the TOML syntax here; nothing else in this file is checked until it parses"
    };
    Diagnostic::new(Code::Syntax, span, format!("invalid TOML: {message}"))
        .label(message.to_owned())
        .help(help)
}

/// A file that is not UTF-8.
pub(crate) fn not_utf8(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "file is not valid UTF-8")
        .label("first invalid byte")
        .help("save the file as UTF-8; TOML files must be UTF-8 text")
}

/// A file in UTF-16 (a byte order mark, or a NUL byte beside each ASCII character).
pub(crate) fn utf16(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "file is UTF-16 text, not UTF-8")
        .label("UTF-16")
        .help("save the file as UTF-8 (editors offer the encoding on save; `iconv -f UTF-16 -t UTF-8` converts it); TOML files must be UTF-8 text")
}

/// A merge-conflict marker left in the file.
pub(crate) fn conflict_marker(span: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, "unresolved merge conflict")
        .label("conflict marker")
        .help("resolve the conflict: keep the right lines between `<<<<<<<` and `>>>>>>>` and remove the marker lines")
}

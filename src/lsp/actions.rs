//! Code actions: the [`Fix`](crate::diagnostic::Fix) of each diagnostic under the cursor as a
//! quick fix, and every fix of a file at once as `source.fixAll.nimbus-lint`.

use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::{self, Encoding};
use crate::Analysis;
use crate::diagnostic::{Diagnostic, Fix};
use crate::source::FileId;

/// The kind of the action that applies every fix of a file.
pub const FIX_ALL: &str = "source.fixAll.nimbus-lint";

/// The kinds of action the server offers.
pub fn kinds() -> Vec<CodeActionKind> {
    vec![CodeActionKind::QUICKFIX, CodeActionKind::from(FIX_ALL)]
}

/// True when `kind` is asked for: no filter, or a filter naming it or a kind above it
/// (`source` covers `source.fixAll.nimbus-lint`).
fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|o| {
            let o = o.as_str();
            kind == o
                || kind
                    .strip_prefix(o)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

/// What a code action request asks about.
pub struct Asked<'p> {
    /// The range (often the cursor alone).
    pub range: Range,
    /// The diagnostics the client sends as the context: those of the cursor's line, for
    /// some clients (Neovim), with the cursor outside their range.
    pub diagnostics: &'p [lsp_types::Diagnostic],
    /// The kinds of action wanted, when the client says.
    pub only: Option<&'p [CodeActionKind]>,
}

/// The code actions asked for in `file`: a quick fix for each fixable diagnostic that touches
/// the range or that the client sends as the context, then the fix-all action when the file
/// has fixes that do not overlap; none while the workspace's `nimbus.toml` has fixes to make
/// first (see [`waits_for_settings`]). `edit_of` makes the workspace edit of the file's text
/// edits (with the document's version, for a client that takes it).
pub fn actions(
    a: &Analysis,
    file: FileId,
    asked: &Asked<'_>,
    enc: Encoding,
    edit_of: &dyn Fn(Vec<TextEdit>) -> WorkspaceEdit,
    uri_of: &dyn Fn(&Path) -> Option<Uri>,
) -> Vec<CodeActionOrCommand> {
    if waits_for_settings(a, file) {
        return Vec::new();
    }
    let fixable: Vec<(&Diagnostic, &Fix)> = (a.diagnostics.iter())
        .filter(|d| d.span.file == file)
        .filter_map(|d| Some((d, d.fix.as_ref()?)))
        .filter(|(_, f)| f.span.file == file)
        .collect();
    let edit = |fixes: &[&Fix]| {
        let edits = fixes
            .iter()
            .map(|f| TextEdit {
                range: convert::span_range(&a.ws, f.span, enc),
                new_text: f.text.clone(),
            })
            .collect();
        edit_of(edits)
    };
    let (range, only) = (asked.range, asked.only);
    // A diagnostic the client sends: one of the file's as published (its range and code).
    let sent = |d: &Diagnostic| {
        !asked.diagnostics.is_empty() && {
            let published = convert::diagnostic(d, &a.ws, enc, uri_of);
            (asked.diagnostics.iter())
                .any(|s| s.range == published.range && s.code == published.code)
        }
    };
    let mut out = Vec::new();
    if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
        for &(d, fix) in &fixable {
            let at = convert::span_range(&a.ws, d.span, enc);
            if (at.start > range.end || range.start > at.end) && !sent(d) {
                continue;
            }
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(d, &a.ws, enc, uri_of)]),
                edit: Some(edit(&[fix])),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    if wanted(only, FIX_ALL) && !fixable.is_empty() {
        let kept = crate::diagnostic::fixes_by_file(&a.diagnostics)
            .remove(&file)
            .unwrap_or_default();
        // As `check --fix` applies them: in a file that does not parse, every bare value.
        let broken = (fixable.iter()).any(|(d, _)| d.code == crate::rules::Code::Syntax);
        // None when the fixes together would break the file's syntax.
        if let Ok(kept) =
            crate::parse::fixes_together(file, &a.ws.sources.get(file).text, &kept, broken)
        {
            let kept: Vec<&Fix> = kept.iter().collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Fix all nimbus-lint problems that have one certain fix".to_owned(),
                kind: Some(CodeActionKind::from(FIX_ALL)),
                edit: Some(edit(&kept)),
                ..CodeAction::default()
            }));
        }
    }
    out
}

/// True when `file` is not the workspace's `nimbus.toml` and that file has fixes that apply
/// together: `check --fix` writes it alone in a round and fixes the other files in the next,
/// as the fixed settings read them (`exclud` fixed may leave `file` out), so the fixes of
/// `file` wait as well. Its diagnostics are still shown.
fn waits_for_settings(a: &Analysis, file: FileId) -> bool {
    let Some(settings) = a.ws.settings_file.filter(|&s| s != file) else {
        return false;
    };
    let Some(fixes) = crate::diagnostic::fixes_by_file(&a.diagnostics).remove(&settings) else {
        return false;
    };
    let source = a.ws.sources.get(settings);
    // As `check --fix` weighs them: in a file that does not parse, every bare value.
    let broken = (a.diagnostics.iter())
        .filter(|d| d.code == crate::rules::Code::Syntax)
        .any(|d| d.fix.as_ref().is_some_and(|f| f.span.file == settings));
    source.utf8_error.is_none()
        && crate::parse::fixes_together(settings, &source.text, &fixes, broken).is_ok()
}

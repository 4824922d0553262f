//! nimbus-lint: lints and compiles Luware Nimbus messaging configuration written in TOML.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! load (files → sources) → parse (TOML → typed, spanned model) → resolve (ids → indices, OU tree)
//!    → check (rules over the model and the transfer graph) → compile (bundle) → emit (formats)
//! ```
//!
//! See `ARCHITECTURE.md` for the map.

// The library never prints: output goes through the writers the caller hands over.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod emit;
pub mod graph;
pub mod load;
pub mod lsp;
pub mod model;
pub mod parse;
pub mod resolve;
pub mod rules;
pub mod schema;
pub mod source;
pub mod suggest;

use rayon::prelude::*;

use crate::check::Overrides;
use crate::diagnostic::Diagnostic;
use crate::graph::Transfers;
use crate::load::{LoadError, Loaded};
use crate::resolve::Workspace;

/// Where nimbus-lint's documentation lives (a placeholder until the project is published).
pub const HOMEPAGE: &str = "https://nimbus-lint.example.com";

/// The documentation page of a rule (what SARIF `helpUri` and LSP `codeDescription` link to).
pub fn rule_url(code: rules::Code) -> String {
    format!("{HOMEPAGE}/rules/{code}")
}

/// A workspace taken through load, parse, resolve and check.
#[derive(Debug)]
pub struct Analysis {
    /// The resolved workspace.
    pub ws: Workspace,
    /// Its transfer graph.
    pub transfers: Transfers,
    /// What the rules found, levels and suppressions applied, in output order.
    pub diagnostics: Vec<Diagnostic>,
    /// Files that could not be read.
    pub load_errors: Vec<LoadError>,
    /// Remarks that are not problems of the configuration (skipped links, ...).
    pub notes: Vec<String>,
    /// The mask of the workspace's detected secrets, the one the diagnostics were masked with.
    mask: model::SecretMask,
    /// What [`Analysis::file_masks`] found, by file.
    file_masks: std::sync::Mutex<rustc_hash::FxHashMap<source::FileId, FileMasks>>,
}

/// The byte ranges of a file that a report masks (see [`Analysis::file_masks`]).
pub type FileMasks = std::sync::Arc<[std::ops::Range<usize>]>;

impl Analysis {
    /// The mask of the workspace's detected secrets, for texts shown from the files (source
    /// snippets, graph labels, hovers) beside the diagnostics, which are masked already.
    pub fn secret_mask(&self) -> &model::SecretMask {
        &self.mask
    }

    /// The byte ranges of `file` that a report masks, found by `find` on first use: a file
    /// read whole for the secrets, once however many snippets show it.
    pub fn file_masks(
        &self,
        file: source::FileId,
        find: impl FnOnce() -> Vec<std::ops::Range<usize>>,
    ) -> FileMasks {
        let mut known = self
            .file_masks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        known.entry(file).or_insert_with(|| find().into()).clone()
    }

    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == diagnostic::Severity::Error)
    }
}

/// Parses, resolves and checks a loaded workspace.
pub fn analyze(loaded: Loaded, overrides: &Overrides) -> Analysis {
    let parsed = parse_files(&loaded);
    let (ws, errors, notes) = resolve_files(loaded, parsed);
    check_workspace(ws, errors, notes, overrides)
}

/// The parse stage: every entity file of `loaded`, in parallel. Returns pieces in file order
/// (resolve reads them as one sequence): consecutive small files share one piece, so that
/// thousands of files do not each keep a [`parse::ParsedFile`] of their own; a large file's
/// batches stay pieces of their own, not copied into one.
pub fn parse_files(loaded: &Loaded) -> Vec<parse::ParsedFile> {
    loaded
        .entity_files
        .par_iter()
        .fold(Vec::new, |mut acc: Vec<parse::ParsedFile>, &id| {
            let mut pieces = parse::parse_pieces(id, loaded.sources.get(id));
            match acc.last_mut() {
                Some(last) if pieces.len() == 1 => last.append(pieces.remove(0)),
                _ => acc.append(&mut pieces),
            }
            acc
        })
        .reduce(Vec::new, |mut a: Vec<parse::ParsedFile>, mut b| {
            a.append(&mut b);
            a
        })
}

/// The resolve stage: merges the parsed files into one resolved workspace. Returns it with the
/// load errors and notes, which travel on to the analysis.
pub fn resolve_files(
    loaded: Loaded,
    parsed: Vec<parse::ParsedFile>,
) -> (Workspace, Vec<LoadError>, Vec<String>) {
    let Loaded {
        root,
        sources,
        settings_file,
        settings,
        entity_files: _,
        errors,
        notes,
        nested: _,
        left_out,
    } = loaded;
    let ws = Workspace {
        root,
        left_out,
        sources,
        settings_file,
        settings: settings.settings,
        complete: errors.is_empty(),
        diagnostics: settings.diagnostics,
        ..Workspace::default()
    };
    let mut ws = resolve::resolve(ws, parsed);
    let mut secrets = std::mem::take(&mut ws.model.secrets);
    secrets.extend(settings.secrets);
    secrets.retain(|hit| !rules::secret_in_config::is_exempt(&ws, hit));
    ws.model.secrets = secrets;
    // In file order, so that outputs find a file's secrets by binary search.
    ws.model.secrets.sort_unstable_by_key(|s| s.span);
    (ws, errors, notes)
}

/// The check stage: the transfer graph and every rule.
pub fn check_workspace(
    ws: Workspace,
    load_errors: Vec<LoadError>,
    notes: Vec<String>,
    overrides: &Overrides,
) -> Analysis {
    let transfers = Transfers::new(&ws);
    let mask = ws.secret_mask();
    let diagnostics = check::check(&ws, &transfers, overrides, &mask);
    Analysis {
        ws,
        transfers,
        diagnostics,
        load_errors,
        notes,
        mask,
        file_masks: std::sync::Mutex::default(),
    }
}

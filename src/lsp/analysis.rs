//! Checking one workspace with the editor's texts, quickly enough for every keystroke.
//!
//! The stages are those of [`crate::analyze`] (parse, resolve, transfer graph, check, with no
//! command-line levels), with two caches:
//!
//! - **Files read.** After a full load (first check, save, close, a file created or deleted),
//!   the texts of the files on disk are kept; a keystroke rebuilds the workspace from them and
//!   the editor's texts, without walking or reading the file system again. A change to
//!   `nimbus.toml` (which can change what belongs to the workspace) or to a file the last load
//!   did not see takes the full load.
//! - **Files parsed.** Parsing is per file: a file whose id, path and text are those of the
//!   last check is not parsed again. The cache is a list by file id, so a keystroke hashes no
//!   path: in a workspace of 5,000 files, hashing every path twice a keystroke was a fifth of
//!   the server's time.
//!
//! Resolution and the rules always run over the whole workspace: they are linear and fast, and
//! a change in one file can raise or clear a diagnostic in any other.
//!
//! A test (`same_diagnostics_as_analyze`) holds this to [`crate::analyze`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::Analysis;
use crate::load::{self, LoadError, Naming, Overlays};
use crate::parse::settings::{ParsedSettings, parse_settings};
use crate::parse::{self, ParsedFile};
use crate::source::{FileId, SourceFile, Sources};

/// What the last check of a file's text produced.
struct Parsed {
    path: PathBuf,
    text: Arc<str>,
    parsed: ParsedFile,
}

/// What one check leaves for the next: the parsed files, by file id (their spans hold it),
/// and the editor's texts that the last full load left out (hidden, excluded or ignored files,
/// a nested `nimbus.toml`), which need no new load on every keystroke while they stay open.
#[derive(Default)]
pub struct ParseCache {
    parsed: Vec<Option<Parsed>>,
    skipped: HashSet<PathBuf>,
}

/// Checks the workspace at `root`, the texts in `overlays` replacing the files on disk.
///
/// With `previous` (the last check of this workspace) and `full` false, the files on disk are
/// taken from `previous` instead of being read again, when that is sound (see the module
/// documentation). `cache` holds the parsed files of the last check and is updated.
pub fn check(
    root: &Path,
    naming: &Naming,
    overlays: &Overlays,
    previous: Option<&Analysis>,
    full: bool,
    cache: &mut ParseCache,
) -> Analysis {
    let fast = previous.filter(|prev| !full && reusable(root, prev, overlays, &cache.skipped));
    let (sources, settings_file, settings, load_out) = match fast {
        Some(prev) => {
            let mut sources = rebuild(&prev.ws.sources, overlays);
            sources.share_index(&prev.ws.sources);
            let settings_file = prev.ws.settings_file;
            let settings = settings_file
                .map(|id| parse_settings(id, sources.get(id)))
                .unwrap_or_default();
            let load_out = (
                prev.load_errors.clone(),
                prev.notes.clone(),
                prev.ws.left_out.clone(),
            );
            (sources, settings_file, settings, load_out)
        }
        None => {
            let loaded = load::load(root, naming, overlays);
            let read: HashSet<&Path> = loaded
                .sources
                .iter()
                .map(|(_, f)| f.path.as_path())
                .collect();
            // Texts left out on purpose; not one refused for its size, which another
            // keystroke may bring under the limit.
            let max = loaded.settings.settings.max_file_size;
            cache.skipped = overlays
                .iter()
                .filter(|(p, text)| {
                    p.starts_with(root) && !read.contains(p.as_path()) && text.len() as u64 <= max
                })
                .map(|(p, _)| p.clone())
                .collect();
            let load_out = (loaded.errors, loaded.notes, loaded.left_out);
            (
                loaded.sources,
                loaded.settings_file,
                loaded.settings,
                load_out,
            )
        }
    };
    finish(root, sources, settings_file, settings, load_out, cache)
}

/// True when the files of `prev` and the texts of `overlays` make the whole workspace: every
/// text replaces a file `prev` knows (or one the last load left out, in `skipped`), and
/// `nimbus.toml` is unchanged.
fn reusable(root: &Path, prev: &Analysis, overlays: &Overlays, skipped: &HashSet<PathBuf>) -> bool {
    let known = |p: &Path| (prev.ws.sources.find(p)).map(|id| prev.ws.sources.get(id));
    let settings_path = root.join(load::SETTINGS_FILE);
    let max = prev.ws.settings.max_file_size;
    overlays
        .iter()
        .filter(|(p, _)| p.starts_with(root) && !skipped.contains(*p))
        .all(|(p, text)| match known(p) {
            Some(f) if *p == settings_path => f.text.as_bytes() == text.as_slice(),
            // A text grown past the limit is refused as the file on disk would be: by a load.
            Some(_) => text.len() as u64 <= max,
            None => p.extension().is_none_or(|e| e != "toml"),
        })
}

/// The files of `prev` in the same order (so file ids stay the same), with the texts of
/// `overlays`.
///
/// The few editor texts are looked up in `prev`'s path index (shared, made once a full load),
/// not each of the workspace's files in `overlays`: hashing every path on every keystroke was
/// a sixth of a keystroke's work in a workspace of 5,000 files.
fn rebuild(prev: &Sources, overlays: &Overlays) -> Sources {
    let mut texts: Vec<Option<&[u8]>> = vec![None; prev.len()];
    for (path, text) in overlays {
        if let Some(id) = prev.find(path) {
            texts[id.0 as usize] = Some(text);
        }
    }
    let mut sources = Sources::default();
    for ((_, f), text) in prev.iter().zip(texts) {
        let mut file = match text {
            Some(t) if f.text.as_bytes() != t => {
                SourceFile::from_bytes(f.path.clone(), f.rel(), f.display(), t)
            }
            _ => {
                let mut file =
                    SourceFile::new(f.path.clone(), f.rel(), f.display(), f.text.clone());
                file.utf8_error = f.utf8_error;
                file
            }
        };
        file.from_buffer = text.is_some();
        sources.add(file);
    }
    sources
}

/// Parse (through the cache), resolve and check: [`crate::analyze`]'s stages. With the sources
/// come what the load found beside them: its errors, its notes and the look at the files it
/// left out.
fn finish(
    root: &Path,
    sources: Sources,
    settings_file: Option<FileId>,
    settings: ParsedSettings,
    (errors, notes, left_out): (Vec<LoadError>, Vec<String>, Option<load::LeftOut>),
    cache: &mut ParseCache,
) -> Analysis {
    let entity_files: Vec<FileId> = sources
        .iter()
        .map(|(id, _)| id)
        .filter(|&id| Some(id) != settings_file)
        .collect();
    // Take each file's cache entry when its id, path and text are unchanged: the entry moves
    // on to the new cache, and resolution gets a copy.
    let mut old = std::mem::take(&mut cache.parsed);
    let work: Vec<(FileId, Option<Parsed>)> = entity_files
        .iter()
        .map(|&id| {
            let file = sources.get(id);
            let hit = (old.get_mut(id.0 as usize).and_then(Option::take)).filter(|c| {
                c.path == file.path && (Arc::ptr_eq(&c.text, &file.text) || *c.text == *file.text)
            });
            (id, hit)
        })
        .collect();
    drop(old);
    let parsed: Vec<(Parsed, ParsedFile)> = work
        .into_par_iter()
        .map(|(id, hit)| match hit {
            Some(kept) => {
                let parsed = kept.parsed.clone();
                (kept, parsed)
            }
            None => {
                let file = sources.get(id);
                let parsed = parse::parse_entities(id, file);
                let kept = Parsed {
                    path: file.path.clone(),
                    text: file.text.clone(),
                    parsed: parsed.clone(),
                };
                (kept, parsed)
            }
        })
        .collect();
    let mut files = Vec::with_capacity(parsed.len());
    cache.parsed.resize_with(sources.len(), || None);
    for ((kept, p), &id) in parsed.into_iter().zip(&entity_files) {
        cache.parsed[id.0 as usize] = Some(kept);
        files.push(p);
    }
    let loaded = load::Loaded {
        root: root.to_path_buf(),
        sources,
        settings_file,
        settings,
        entity_files,
        errors,
        notes,
        // Nested workspaces were noted by the walk that found these files.
        nested: Vec::new(),
        left_out,
    };
    let (ws, errors, notes) = crate::resolve_files(loaded, files);
    crate::check_workspace(ws, errors, notes, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name)
    }

    /// Diagnostics as comparable text: file, range, code, message, help, labels.
    fn shown(a: &Analysis) -> Vec<String> {
        a.diagnostics
            .iter()
            .map(|d| {
                let labels: Vec<String> = d
                    .labels
                    .iter()
                    .map(|l| format!("{}@{:?}:{}", l.span.file.0, l.span.range(), l.message))
                    .collect();
                format!(
                    "{} {:?} {} {:?} {} | {} | {}",
                    a.ws.sources.get(d.span.file).rel(),
                    d.span.range(),
                    d.code,
                    d.severity,
                    d.message,
                    d.help,
                    labels.join("; ")
                )
            })
            .collect()
    }

    #[test]
    fn same_diagnostics_as_analyze() {
        let naming = Naming::from_cwd();
        let mut dirs = vec![fixture("example"), fixture("many-errors")];
        for entry in std::fs::read_dir(fixture("rules")).unwrap() {
            dirs.push(entry.unwrap().path());
        }
        dirs.sort();
        for dir in dirs {
            let root = load::find_root(&dir, &naming).unwrap();
            let expected = crate::analyze(load::load(&root, &naming, &Overlays::new()), &[]);
            let mut cache = ParseCache::default();
            let cold = check(&root, &naming, &Overlays::new(), None, true, &mut cache);
            assert_eq!(shown(&cold), shown(&expected), "{}", dir.display());
            let warm = check(
                &root,
                &naming,
                &Overlays::new(),
                Some(&cold),
                false,
                &mut cache,
            );
            assert_eq!(shown(&warm), shown(&expected), "{} (cached)", dir.display());
        }
    }

    #[test]
    fn an_edit_is_checked_without_reading_the_disk_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let a = root.join("a.toml");
        std::fs::write(root.join("nimbus.toml"), "").unwrap();
        std::fs::write(&a, "[ou.root]\n").unwrap();
        std::fs::write(
            root.join("b.toml"),
            "[service.s]\nou = \"root\"\nlicense = \"contact_center\"\n",
        )
        .unwrap();
        let naming = Naming::from_cwd();
        let mut cache = ParseCache::default();
        let first = check(&root, &naming, &Overlays::new(), None, true, &mut cache);
        assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);

        // The disk changes behind the server's back; only the overlay is news to a fast check.
        std::fs::write(root.join("b.toml"), "[service.s]\nou = \"nowhere\"\n").unwrap();
        let overlays = Overlays::from([(a.clone(), b"[ou.other]\n".to_vec())]);
        let fast = check(&root, &naming, &overlays, Some(&first), false, &mut cache);
        let codes: Vec<&str> = fast.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["unknown-reference"], "{:?}", fast.diagnostics);

        let full = check(&root, &naming, &overlays, Some(&fast), true, &mut cache);
        let codes: Vec<&str> = full.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["missing-field", "unknown-reference"]);
    }

    #[test]
    fn an_open_excluded_file_does_not_force_a_load_on_every_edit() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let a = root.join("a.toml");
        let draft = root.join("drafts/d.toml");
        std::fs::write(
            root.join("nimbus.toml"),
            "[workspace]\nexclude = [\"drafts/\"]\n",
        )
        .unwrap();
        std::fs::write(&a, "[ou.root]\n").unwrap();
        std::fs::create_dir_all(draft.parent().unwrap()).unwrap();
        std::fs::write(&draft, "[ou.root]\n").unwrap();
        let naming = Naming::from_cwd();
        let mut cache = ParseCache::default();
        let mut overlays = Overlays::from([(draft.clone(), b"[ou.root]\n".to_vec())]);
        let first = check(&root, &naming, &overlays, None, true, &mut cache);
        assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
        assert!(cache.skipped.contains(&draft));
        // Edits to the draft and to a.toml: the draft stays out, the disk is not read again.
        overlays.insert(draft.clone(), b"[ou.draft]\n".to_vec());
        overlays.insert(a.clone(), b"[ou.root]\n[ou.x]\n".to_vec());
        assert!(reusable(&root, &first, &overlays, &cache.skipped));
        let fast = check(&root, &naming, &overlays, Some(&first), false, &mut cache);
        let codes: Vec<&str> = fast.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["root-ou"], "{:?}", fast.diagnostics);
        assert_eq!(fast.ws.sources.len(), 2);
    }
}

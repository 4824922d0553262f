//! Which workspaces exist: the search of the client's folders, the root of each document,
//! and the workspaces dropped when nothing keeps them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{Request, RequestId};
use lsp_types::notification::{DidChangeWatchedFiles, Notification as _};
use lsp_types::request::{RegisterCapability, Request as _};
use lsp_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
    RegistrationParams,
};

use super::Server;
use super::checks::Dirty;
use crate::load::{MAX_NESTED, SETTINGS_FILE, settings_root};
use crate::lsp::transport::{Transport, log};

/// The search for the workspaces below the client's folders, done a slice at a time.
pub(super) struct Discovery {
    /// The folders left to walk, the next last.
    folders: Vec<PathBuf>,
    /// The walk of the folder being searched, and that folder.
    walk: Option<(ignore::Walk, PathBuf)>,
}

/// Whether more than [`MAX_NESTED`] workspaces hold `root` inside the client's `folder`: the
/// folder search leaves it out, as `check` leaves out such a workspace below a path named.
fn nested_too_deep(root: &Path, folder: &Path) -> bool {
    let above = root.ancestors().skip(1);
    let inside = above.take_while(|dir| *dir != folder && dir.starts_with(folder));
    let holding = inside.filter(|dir| crate::load::has_settings(dir));
    holding.take(MAX_NESTED).count() >= MAX_NESTED
}

impl Server {
    pub(super) fn initialized(&mut self, t: &Transport) {
        if self.can_watch {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![
                    FileSystemWatcher {
                        glob_pattern: GlobPattern::String("**/*.toml".to_owned()),
                        kind: None,
                    },
                    // A deleted or renamed folder comes as one event for the folder (VS Code
                    // sends none for the files in it), which `**/*.toml` does not match.
                    FileSystemWatcher {
                        glob_pattern: GlobPattern::String("**/*".to_owned()),
                        kind: Some(lsp_types::WatchKind::Delete),
                    },
                ],
            };
            let params = RegistrationParams {
                registrations: vec![Registration {
                    id: "nimbus-lint-toml-files".to_owned(),
                    method: DidChangeWatchedFiles::METHOD.to_owned(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            };
            self.next_id += 1;
            let id = RequestId::from(format!("nimbus-lint-{}", self.next_id));
            t.send(Request::new(
                id,
                RegisterCapability::METHOD.to_owned(),
                params,
            ));
        }
        self.find_folder_roots();
    }

    /// Starts the search for the workspaces of the client's folders: the one each folder lies
    /// in, marked for a first check at once, and every folder below holding a `nimbus.toml`,
    /// found by [`Server::discover`] a slice at a time between messages.
    pub(super) fn find_folder_roots(&mut self) {
        let found: Vec<PathBuf> = self
            .folders
            .iter()
            .filter_map(|f| settings_root(f))
            .collect();
        for root in &found {
            if !self.workspaces.contains_key(root) {
                self.mark(root, Dirty::Full);
            }
        }
        // The workspaces of a removed folder go at the next flush.
        self.roots_changed = true;
        self.discovery = Some(Discovery {
            folders: self.folders.iter().rev().cloned().collect(),
            walk: None,
        });
    }

    /// Walks the client's folders on for a slice of time, as the loader walks (hidden folders
    /// skipped, `.gitignore` honoured, links not followed); each workspace found is marked for
    /// a first check.
    pub(super) fn discover(&mut self) {
        const SLICE: Duration = Duration::from_millis(10);
        let Some(d) = self.discovery.as_mut() else {
            return;
        };
        let start = Instant::now();
        let mut new = Vec::new();
        let mut steps = 0u32;
        let done = loop {
            let (walk, folder) = match &mut d.walk {
                Some(walk) => walk,
                None => match d.folders.pop() {
                    Some(folder) => match crate::load::ignore_files_above(&folder) {
                        Ok(()) => d
                            .walk
                            .insert((crate::load::walker(&folder).build(), folder)),
                        Err((file, why)) => {
                            log(&format!("{}: {why}; folder not searched", file.display()));
                            continue;
                        }
                    },
                    None => break true,
                },
            };
            match walk.next() {
                None => d.walk = None,
                Some(Ok(e)) if e.depth() > 1 && e.file_name() == SETTINGS_FILE => {
                    match e.path().parent() {
                        Some(root) if nested_too_deep(root, folder) => log(&format!(
                            "{}: workspaces nested more than {MAX_NESTED} deep in the folder: this one is checked once one of its files is opened",
                            root.display()
                        )),
                        Some(root) => new.push(root.to_path_buf()),
                        None => {}
                    }
                }
                Some(_) => {}
            }
            steps += 1;
            if steps.is_multiple_of(256) && start.elapsed() >= SLICE {
                break false;
            }
        };
        for root in new {
            // As `check` finds nested workspaces: not in a folder the workspace around it
            // excludes.
            let around = root.parent().and_then(settings_root);
            let hidden = around.is_some_and(|a| !crate::load::workspace_enters(&a, &root));
            if !hidden && !self.workspaces.contains_key(&root) {
                self.mark(&root, Dirty::Full);
            }
        }
        if done {
            self.discovery = None;
        }
    }

    /// The workspace root of a file: the nearest folder at or above it with a `nimbus.toml`
    /// (on disk in any form, as `check` finds roots, or open). `None` without one: an editor may send every TOML file (a
    /// `Cargo.toml`, a `pyproject.toml`), and those are none of nimbus-lint's business.
    pub(super) fn root_for(&self, file: &Path) -> Option<PathBuf> {
        file.parent()?
            .ancestors()
            .find(|dir| {
                crate::load::has_settings(dir) || self.docs.contains_key(&dir.join(SETTINGS_FILE))
            })
            .map(Path::to_path_buf)
    }

    /// After a `nimbus.toml` appeared, vanished or was opened: documents may belong to another
    /// workspace now.
    pub(super) fn recompute_roots(&mut self) {
        let paths: Vec<PathBuf> = self.docs.keys().cloned().collect();
        for path in paths {
            let root = self.root_for(&path);
            let Some(doc) = self.docs.get_mut(&path) else {
                continue;
            };
            if doc.root != root {
                let old = std::mem::replace(&mut doc.root, root.clone());
                self.edited.insert(path);
                self.roots_changed = true;
                for root in [old, root].into_iter().flatten() {
                    self.mark(&root, Dirty::Full);
                }
            }
        }
    }

    /// After a `nimbus.toml` was opened, saved or closed: documents may belong to another
    /// workspace, and the nearest workspace above its folder reads that folder, or stops
    /// reading it, whether or not one of its documents is open. A file on disk was a workspace
    /// of its own before it was opened and stays one when closed: nothing to read again then,
    /// unless it was just saved.
    pub(super) fn settings_changed(&mut self, settings: &Path, saved: bool) {
        self.recompute_roots();
        self.roots_changed = true;
        let Some(dir) = settings.parent() else {
            return;
        };
        if settings.is_file() && !saved {
            return;
        }
        let above = (dir.ancestors().skip(1)).find(|a| self.workspaces.contains_key(*a));
        if let Some(root) = above.map(Path::to_path_buf) {
            self.mark(&root, Dirty::Full);
        }
    }

    pub(super) fn mark(&mut self, root: &Path, level: Dirty) {
        let ws = self.workspaces.entry(root.to_path_buf()).or_default();
        ws.dirty = ws.dirty.max(Some(level));
        self.dirty.insert(root.to_path_buf());
    }

    /// Drops the workspaces that nothing keeps any more: no open document in them, and no
    /// `nimbus.toml` left or no client folder they lie in (or whose workspace they are). Their
    /// files get an empty list, unless a live workspace has published for them, which then
    /// sends its own again. Runs only after something that may retire one.
    pub(super) fn retire(&mut self, t: &Transport) {
        if !std::mem::take(&mut self.roots_changed) {
            return;
        }
        let open: HashSet<&Path> = self
            .docs
            .values()
            .filter_map(|d| d.root.as_deref())
            .collect();
        let tops: Vec<PathBuf> = self
            .folders
            .iter()
            .filter_map(|f| settings_root(f))
            .collect();
        // Where the folder search would find a workspace: below a client folder, not hidden,
        // ignored or behind a link, and not in a folder the workspace around it excludes.
        // Each folder's ignore files and settings are read once for all workspaces.
        let mut entering = crate::load::Entering::default();
        let mut around: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        let mut searched = |r: &Path| {
            let around = match r.parent() {
                Some(p) => (around.entry(p.to_path_buf()))
                    .or_insert_with(|| settings_root(p))
                    .clone(),
                None => None,
            };
            self.folders
                .iter()
                .any(|f| r == f.as_path() || entering.walk_enters(f, r))
                && around.is_none_or(|a| entering.workspace_enters(&a, r))
        };
        let mut kept = |r: &Path| {
            open.contains(r)
                || (crate::load::has_settings(r) && (tops.iter().any(|t| t == r) || searched(r)))
        };
        let dead: Vec<PathBuf> = (self.workspaces.keys())
            .filter(|r| !kept(r))
            .cloned()
            .collect();
        for root in dead {
            let Some(ws) = self.workspaces.remove(&root) else {
                continue;
            };
            self.dirty.remove(&root);
            for (path, diagnostics) in ws.published {
                // Only a workspace at or above a file can have published for it.
                let covering: Vec<PathBuf> = (path.ancestors().skip(1))
                    .filter(|a| {
                        (self.workspaces.get(*a))
                            .is_some_and(|w| w.published.get(&path).is_some_and(|d| !d.is_empty()))
                    })
                    .map(Path::to_path_buf)
                    .collect();
                for r in &covering {
                    if let Some(w) = self.workspaces.get_mut(r) {
                        w.published.remove(&path);
                    }
                    self.mark(r, Dirty::Texts);
                }
                if !covering.is_empty() || diagnostics.is_empty() {
                    continue;
                }
                // The workspace the file belongs to now takes over what the client shows for
                // it: its check sends the new list, or an empty one, never an empty one first.
                let heir = self
                    .root_for(&path)
                    .filter(|r| self.workspaces.contains_key(r));
                if let Some(heir) = heir {
                    if let Some(w) = self.workspaces.get_mut(&heir) {
                        w.published.insert(path, diagnostics);
                    }
                    self.mark(&heir, Dirty::Texts);
                    continue;
                }
                self.send_list(t, &path, Vec::new());
            }
        }
    }
}

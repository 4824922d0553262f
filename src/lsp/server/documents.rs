//! The documents open in the editor, and the notifications that open, change, save and close
//! them, or tell of changes to the client's folders and to files on disk.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Initialized, LogMessage, Notification as _,
};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, LogMessageParams, MessageType, Uri,
};

use super::checks::Dirty;
use super::{Failure, Server, decode, panic_message};
use crate::load::is_settings;
use crate::lsp::convert;
use crate::lsp::text::Text;
use crate::lsp::transport::{Transport, log};

/// A file open in the editor: under one URI, or under several that name it (the client
/// may open `file:///w/svc.toml` and `file:///w/../w/./svc.toml` as two documents), each with
/// its own version and text. It stays open while any of them is.
pub(super) struct Doc {
    /// The document last opened, changed or saved: its text is the one checked, and its URI
    /// the one the server names the file with (see [`Server::uri_for`]).
    pub(super) current: View,
    /// The file's other documents (almost always none).
    pub(super) others: Vec<View>,
    /// The workspace it belongs to; `None` outside any (no `nimbus.toml` at or above it):
    /// such a file is left alone.
    pub(super) root: Option<PathBuf>,
    /// True while the text is the one opened or saved and the file on disk is not UTF-8: the
    /// editor decoded it (as Latin-1, say), and the disk is what `check` reads, so it is
    /// checked from disk and keeps its `syntax` error.
    pub(super) disk_not_utf8: bool,
}

/// One document of a [`Doc`]: the URI the client opened it under, its version and its text.
pub(super) struct View {
    pub(super) uri: Uri,
    pub(super) version: i32,
    pub(super) text: Text,
}

impl Doc {
    /// The file's documents, the current one first.
    pub(super) fn views(&self) -> impl Iterator<Item = &View> {
        std::iter::once(&self.current).chain(&self.others)
    }

    /// Makes the document under `uri` the current one, and returns it. A URI the client did
    /// not open the file under (another spelling of it) is taken for the current document.
    fn make_current(&mut self, uri: &Uri) -> &mut View {
        if let Some(i) = self.others.iter().position(|v| v.uri == *uri) {
            std::mem::swap(&mut self.current, &mut self.others[i]);
        }
        &mut self.current
    }

    /// The version of the document under `uri` (of the current one for another URI).
    pub(super) fn version_of(&self, uri: &Uri) -> i32 {
        self.views()
            .find(|v| v.uri == *uri)
            .unwrap_or(&self.current)
            .version
    }
}

/// True when the file at `path` is not UTF-8 (read only up to a size any workspace file may
/// have).
fn disk_not_utf8(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 256 << 20);
    small && std::fs::read(path).is_ok_and(|b| std::str::from_utf8(&b).is_err())
}

impl Server {
    // ----- notifications -----

    pub(super) fn notification(&mut self, t: &Transport, n: Notification) {
        let method = n.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.notify(t, n)));
        match outcome {
            Ok(Ok(())) => {}
            // The client's log says so too: a document dropped there gets no diagnostics,
            // and stderr is not where a user looks.
            Ok(Err(e)) => {
                let message = format!("ignored `{method}`: {}", e.message);
                log(&message);
                t.send(Notification::new(
                    LogMessage::METHOD.to_owned(),
                    LogMessageParams {
                        typ: MessageType::WARNING,
                        message: format!("nimbus-lint: {message}"),
                    },
                ));
            }
            Err(payload) => log(&format!(
                "panic while handling `{method}`: {}",
                panic_message(&*payload)
            )),
        }
    }

    fn notify(&mut self, t: &Transport, n: Notification) -> Result<(), Failure> {
        let Notification { method, params } = n;
        match method.as_str() {
            Initialized::METHOD => self.initialized(t),
            DidOpenTextDocument::METHOD => self.did_open(t, decode(&method, params)?),
            DidChangeTextDocument::METHOD => self.did_change(t, decode(&method, params)?),
            DidSaveTextDocument::METHOD => self.did_save(decode(&method, params)?),
            DidCloseTextDocument::METHOD => self.did_close(t, decode(&method, params)?),
            DidChangeWorkspaceFolders::METHOD => {
                let change: FoldersChange = decode(&method, params)?;
                self.did_change_folders(&change.event.added(), &change.event.removed());
            }
            DidChangeWatchedFiles::METHOD => self.did_change_watched(decode(&method, params)?),
            _ => {}
        }
        Ok(())
    }

    /// Opens a document. A file open already under another URI keeps it: the file gets a
    /// second document, current from now on.
    fn did_open(&mut self, t: &Transport, p: DidOpenTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        let view = View {
            uri: p.text_document.uri,
            version: p.text_document.version,
            text: Text::new(p.text_document.text),
        };
        let root = self.root_for(&path);
        let settings = is_settings(&path);
        let not_utf8 = disk_not_utf8(&path);
        let others = match self.docs.remove(&path) {
            // Its lists go to every URI it is open under: none to clear.
            Some(Doc {
                current,
                mut others,
                ..
            }) => {
                // Opened again under the same URI: the new text replaces the old.
                others.push(current);
                others.retain(|v| v.uri != view.uri);
                others
            }
            None => {
                self.respell(t, &path, &view.uri);
                Vec::new()
            }
        };
        (self.client_uris).insert(path.clone(), view.uri.clone());
        self.docs.insert(
            path.clone(),
            Doc {
                current: view,
                others,
                root: root.clone(),
                disk_not_utf8: not_utf8,
            },
        );
        if let Some(root) = root {
            self.edited.insert(path.clone());
            // A file that is not UTF-8 is read from the disk, not from the editor's text: by
            // a load, which the last one may not have seen (a file made since).
            let level = if not_utf8 { Dirty::Full } else { Dirty::Texts };
            self.mark(&root, level);
        }
        if settings {
            self.settings_changed(&path, false);
        }
    }

    /// Applies the changes in order, each to the text the one before left: a whole new text,
    /// or a range replaced. A range out of the text or inverted is clamped or put in order
    /// (see [`Text::edit`]), and the client's log says so.
    fn did_change(&mut self, t: &Transport, p: DidChangeTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        let view = doc.make_current(&p.text_document.uri);
        // Whole texts one by one; the ranged changes between them together (see
        // [`Text::edit_all`]).
        let mut changes = p.content_changes;
        let mut i = 0;
        while i < changes.len() {
            if changes[i].range.is_none() {
                view.text.replace(std::mem::take(&mut changes[i].text));
                i += 1;
                continue;
            }
            let ranged: Vec<(lsp_types::Range, &str)> = (changes[i..].iter())
                .map_while(|c| Some((c.range?, c.text.as_str())))
                .collect();
            let amended = view.text.edit_all(&ranged, enc);
            for (k, amended) in amended {
                let range = ranged[k].0;
                let message = format!(
                    "nimbus-lint: note: a change of {} (version {}) has a range, {}:{}-{}:{}, that {}",
                    view.uri.as_str(),
                    p.text_document.version,
                    range.start.line,
                    range.start.character,
                    range.end.line,
                    range.end.character,
                    amended.describe()
                );
                t.send(Notification::new(
                    LogMessage::METHOD.to_owned(),
                    LogMessageParams {
                        typ: MessageType::WARNING,
                        message,
                    },
                ));
            }
            i += ranged.len();
        }
        view.version = p.text_document.version;
        doc.disk_not_utf8 = false;
        if let Some(root) = doc.root.clone() {
            self.edited.insert(path);
            self.mark(&root, Dirty::Texts);
        }
    }

    fn did_save(&mut self, p: DidSaveTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        if let Some(doc) = self.docs.get_mut(&path) {
            // The file on disk holds its text now.
            let view = doc.make_current(&p.text_document.uri);
            if let Some(text) = p.text {
                view.text.replace(text);
            }
            doc.disk_not_utf8 = disk_not_utf8(&path);
        }
        let root = self.docs.get(&path).and_then(|d| d.root.clone());
        if let Some(root) = root {
            self.mark(&root, Dirty::Full);
        }
        // Without a file watcher, a save is when the disk is looked at again: a workspace
        // made or deleted behind the editor's back (a `git checkout`) takes or lets go of the
        // open documents then.
        self.recompute_roots();
        self.roots_changed = true;
        if is_settings(&path) {
            self.settings_changed(&path, true);
        }
    }

    /// Closes a document. A file open under another URI too stays open: the list under the
    /// URI closed is cleared, and the file is checked with the text of the document now
    /// current. Else the file is forgotten, and checked from disk.
    fn did_close(&mut self, t: &Transport, p: DidCloseTextDocumentParams) {
        let uri = p.text_document.uri;
        let Some(path) = convert::path_of(&uri) else {
            return;
        };
        let stays = self.docs.get_mut(&path).and_then(|doc| {
            doc.make_current(&uri);
            let next = doc.others.pop()?;
            let closed = std::mem::replace(&mut doc.current, next);
            Some((closed.uri, doc.root.clone()))
        });
        if let Some((closed, root)) = stays {
            self.clear(t, &path, closed);
            if let Some(root) = root {
                self.edited.insert(path.clone());
                self.mark(&root, Dirty::Texts);
            }
        } else if let Some(doc) = self.docs.remove(&path) {
            // Its list goes to the URI it was last open under (see [`Server::uri_for`]).
            (self.client_uris).insert(path.clone(), doc.current.uri);
            self.edited.remove(&path);
            self.roots_changed = true;
            if let Some(root) = doc.root {
                self.mark(&root, Dirty::Full);
            }
        }
        if is_settings(&path) {
            self.settings_changed(&path, false);
        }
    }

    fn did_change_folders(
        &mut self,
        added: &[lsp_types::WorkspaceFolder],
        removed: &[lsp_types::WorkspaceFolder],
    ) {
        let removed: Vec<PathBuf> = (removed.iter())
            .filter_map(|f| convert::path_of(&f.uri))
            .collect();
        self.folders.retain(|f| !removed.contains(f));
        (self.folders).extend(added.iter().filter_map(|f| convert::path_of(&f.uri)));
        self.find_folder_roots();
    }

    fn did_change_watched(&mut self, p: DidChangeWatchedFilesParams) {
        let mut settings = false;
        for change in p.changes {
            let Some(path) = convert::path_of(&change.uri) else {
                continue;
            };
            let deleted = change.typ == lsp_types::FileChangeType::DELETED;
            if !could_hold_workspace_files(&path, deleted) {
                continue;
            }
            settings |= is_settings(&path);
            // A deleted folder takes the workspaces below it along.
            if deleted {
                self.roots_changed = true;
            }
            for root in roots_touched(&self.workspaces, &path) {
                self.mark(&root, Dirty::Full);
            }
        }
        if settings {
            self.recompute_roots();
            self.find_folder_roots();
        }
    }
}

/// True when a watched path may be a TOML file a workspace reads or, `deleted`, a folder that
/// held some (whatever its name: `extra.v2` is a folder name too): not a hidden one
/// (`.git/index.lock`), nor a file of another type that was created or changed.
fn could_hold_workspace_files(path: &Path, deleted: bool) -> bool {
    // Git's own churn (`.git/index.lock` at every commit) above all.
    let in_git = path.components().any(|c| c.as_os_str() == ".git");
    let hidden =
        in_git || (path.file_name()).is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
    let toml = path.extension().is_some_and(|e| e == "toml");
    toml || (!hidden && (deleted || path.extension().is_none()))
}

/// The roots of `workspaces` at or above `path`, and below it (a folder): looked up, not
/// scanned, so that a checkout that changes thousands of files costs little more with
/// thousands of workspaces. (Paths order by components, so the folders below `path` follow
/// it in the map, before any sibling such as `path-2`.)
fn roots_touched<V>(workspaces: &BTreeMap<PathBuf, V>, path: &Path) -> Vec<PathBuf> {
    let above = (path.ancestors()).filter(|a| workspaces.contains_key(*a));
    let below = (workspaces
        .range::<Path, _>((std::ops::Bound::Excluded(path), std::ops::Bound::Unbounded)))
    .map(|(r, _)| r.as_path())
    .take_while(|r| r.starts_with(path));
    above.chain(below).map(Path::to_path_buf).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watched_path_touches_the_workspaces_above_and_below_it_only() {
        let roots = [
            "/w", "/w/a", "/w/a/x", "/w/a/x/y", "/w/a-b", "/w/a.b", "/w/ab", "/v",
        ];
        let map: BTreeMap<PathBuf, ()> = roots.iter().map(|r| (PathBuf::from(r), ())).collect();
        let touched = |p: &str| -> Vec<String> {
            let mut t: Vec<String> = (super::roots_touched(&map, Path::new(p)).iter())
                .map(|r| r.display().to_string())
                .collect();
            t.sort();
            t
        };
        assert_eq!(touched("/w/a"), ["/w", "/w/a", "/w/a/x", "/w/a/x/y"]);
        assert_eq!(touched("/w/a/x/file.toml"), ["/w", "/w/a", "/w/a/x"]);
        assert_eq!(touched("/w/a-b/c.toml"), ["/w", "/w/a-b"]);
        assert_eq!(
            touched("/w"),
            [
                "/w", "/w/a", "/w/a-b", "/w/a.b", "/w/a/x", "/w/a/x/y", "/w/ab"
            ]
        );
        assert_eq!(touched("/elsewhere/x.toml"), Vec::<String>::new());
    }

    #[test]
    fn watched_deletions_that_matter_are_toml_files_and_folders() {
        for (path, deleted, matters) in [
            ("/w/services/a.toml", false, true),
            ("/w/.hidden/a.toml", true, true),
            ("/w/services", true, true),
            ("/w/extra.v2", true, true),
            ("/w/extra.v2", false, false),
            ("/w/.git/index.lock", true, false),
            ("/w/.git", true, false),
            ("/w/target/debug/x.d", false, false),
        ] {
            let got = super::could_hold_workspace_files(Path::new(path), deleted);
            assert_eq!(got, matters, "{path} {deleted}");
        }
    }
}

/// `workspace/didChangeWorkspaceFolders`, read leniently: an entry that is no folder is
/// skipped, not the whole notification (Neovim 0.7 adds a folder with `removed = [{}]`).
#[derive(serde::Deserialize)]
struct FoldersChange {
    event: FoldersEvent,
}

/// The folders added and removed, each entry as sent.
#[derive(serde::Deserialize)]
struct FoldersEvent {
    #[serde(default)]
    added: Vec<serde_json::Value>,
    #[serde(default)]
    removed: Vec<serde_json::Value>,
}

impl FoldersEvent {
    fn folders(entries: &[serde_json::Value]) -> Vec<lsp_types::WorkspaceFolder> {
        (entries.iter())
            .filter_map(|v| serde_json::from_value(v.clone()).ok())
            .collect()
    }

    fn added(&self) -> Vec<lsp_types::WorkspaceFolder> {
        Self::folders(&self.added)
    }

    fn removed(&self) -> Vec<lsp_types::WorkspaceFolder> {
        Self::folders(&self.removed)
    }
}

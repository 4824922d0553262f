//! Publishing a workspace's diagnostics: only the files whose list changed, the documents
//! just edited, and its load errors and notes as log messages.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use lsp_server::Notification;
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics, ShowMessage};
use lsp_types::{LogMessageParams, MessageType, PublishDiagnosticsParams, ShowMessageParams, Uri};

use super::Server;
use crate::lsp::convert;
use crate::lsp::transport::Transport;
use crate::source::FileId;

impl Server {
    /// The URI to name a file with: the client's own for a file it has opened (open now, the
    /// current document's; or closed since: the list that clears a closed document's
    /// diagnostics goes to the URI they were sent to, as the protocol asks a server to keep
    /// to the client's form), else the server's.
    pub(super) fn uri_for(&self, path: &Path) -> Option<Uri> {
        match self.docs.get(path) {
            Some(d) => Some(d.current.uri.clone()),
            None => (self.client_uris.get(path).cloned()).or_else(|| convert::uri_of(path)),
        }
    }

    /// When the client opens `path`, open under no URI, under `uri`, a spelling other than
    /// the one its diagnostics were sent under: that one gets an empty list, since the
    /// client may take the two for two documents (the next check sends the list under
    /// `uri`).
    pub(super) fn respell(&mut self, t: &Transport, path: &Path, uri: &Uri) {
        if let Some(before) = self.uri_for(path).filter(|b| b != uri) {
            self.clear(t, path, before);
        }
    }

    /// Sends an empty list under `uri`, a URI of `path` the client no longer has the file's
    /// diagnostics under, when a list that was not empty may have been sent there.
    pub(super) fn clear(&self, t: &Transport, path: &Path, uri: Uri) {
        let sent = (self.workspaces.values())
            .any(|w| w.published.get(path).is_some_and(|d| !d.is_empty()));
        if sent && !self.stopping {
            send(t, uri, None, Vec::new());
        }
    }

    /// Sends `diagnostics` as the list of `path`: under each URI the client has it open
    /// under, with that document's version, else under [`Server::uri_for`]'s.
    pub(super) fn send_list(
        &self,
        t: &Transport,
        path: &Path,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) {
        match self.docs.get(path) {
            Some(doc) => {
                for v in doc.views() {
                    send(t, v.uri.clone(), Some(v.version), diagnostics.clone());
                }
            }
            None => {
                if let Some(uri) = self.uri_for(path) {
                    send(t, uri, None, diagnostics);
                }
            }
        }
    }

    /// Sends the diagnostics of `root`'s last check that the client does not have yet, and
    /// its new load errors and notes. Nothing once `shutdown` or `exit` was received.
    pub(super) fn publish(&mut self, t: &Transport, root: &Path) {
        if self.stopping {
            return;
        }
        let Some(ws) = self.workspaces.get(root) else {
            return;
        };
        let Some(a) = ws.analysis.as_ref().map(|c| &c.analysis) else {
            return;
        };
        let uri = |p: &Path| self.uri_for(p);
        let sources = &a.ws.sources;
        // Only files with diagnostics now or before, and the documents just edited, can need
        // a list: a keystroke in a workspace of 5,000 clean files looks at none of the others.
        let mut by_file: BTreeMap<FileId, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for d in &a.diagnostics {
            by_file
                .entry(d.span.file)
                .or_default()
                .push(convert::diagnostic(d, &a.ws, self.enc, &uri));
        }
        // Sent in file order; files that left the workspace last, by path.
        let mut sends: Vec<(Option<FileId>, PathBuf, Vec<lsp_types::Diagnostic>)> = Vec::new();
        let mut now: HashMap<PathBuf, Vec<lsp_types::Diagnostic>> = HashMap::new();
        for (id, diags) in by_file {
            let path = &sources.get(id).path;
            if ws.published.get(path) != Some(&diags) || self.edited.contains(path) {
                sends.push((Some(id), path.clone(), diags.clone()));
            }
            now.insert(path.clone(), diags);
        }
        // A file clean now that had diagnostics gets an empty list. One that left this
        // workspace gets it unless the workspace it joined (checked first) has sent its own.
        for (path, before) in &ws.published {
            if before.is_empty() || now.contains_key(path) {
                continue;
            }
            let id = sources.find(path);
            let covered = || {
                (self.workspaces.iter())
                    .any(|(r, w)| r != root && w.published.get(path).is_some_and(|d| !d.is_empty()))
            };
            if id.is_some() || !covered() {
                sends.push((id, path.clone(), Vec::new()));
            }
        }
        // A document just edited gets a list, even an unchanged empty one.
        for path in &self.edited {
            let before = ws.published.get(path).is_some_and(|d| !d.is_empty());
            if let (false, false, Some(id)) = (now.contains_key(path), before, sources.find(path)) {
                sends.push((Some(id), path.clone(), Vec::new()));
            }
        }
        sends.sort_by(|(a, pa, _), (b, pb, _)| (a.is_none(), a, pa).cmp(&(b.is_none(), b, pb)));
        // Paths are named from the workspace's root: the line says which workspace.
        let at = format!("(workspace {})", root.display());
        let mut logged: Vec<String> = a
            .load_errors
            .iter()
            .map(|e| format!("error: {e} {at}"))
            .chain(a.notes.iter().map(|n| format!("note: {n} {at}")))
            .collect();
        logged.sort();
        let new_logs = (logged != ws.logged).then(|| logged.clone());

        for (_, path, diagnostics) in sends {
            self.edited.remove(&path);
            self.send_list(t, &path, diagnostics);
        }
        if let Some(lines) = &new_logs {
            for line in lines {
                // The client's log only (stderr is for what cannot go there): an editor such
                // as Neovim logs a server's stderr as errors.
                let error = line.starts_with("error");
                let typ = if error {
                    MessageType::WARNING
                } else {
                    MessageType::INFO
                };
                t.send(Notification::new(
                    LogMessage::METHOD.to_owned(),
                    LogMessageParams {
                        typ,
                        message: format!("nimbus-lint: {line}"),
                    },
                ));
                // A file that could not be read has no diagnostics to say so: a new one is
                // shown to the user once, not only logged.
                if error && !ws.logged.contains(line) {
                    t.send(Notification::new(
                        ShowMessage::METHOD.to_owned(),
                        ShowMessageParams {
                            typ,
                            message: format!("nimbus-lint: {line}"),
                        },
                    ));
                }
            }
        }
        if let Some(ws) = self.workspaces.get_mut(root) {
            ws.published = now;
            if let Some(lines) = new_logs {
                ws.logged = lines;
            }
        }
    }
}

/// Sends `diagnostics` as the list under `uri` (of that `version` of an open document).
fn send(t: &Transport, uri: Uri, version: Option<i32>, diagnostics: Vec<lsp_types::Diagnostic>) {
    t.send(Notification::new(
        PublishDiagnostics::METHOD.to_owned(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    ));
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::lsp::server::tests::{notification, published, request};
    use crate::lsp::server::{Ending, run};
    use crate::lsp::transport::memory;

    #[test]
    fn only_files_whose_list_changed_and_edited_documents_are_published() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
        write("nimbus.toml", "");
        write("a.toml", "[ou.root]\n");
        write(
            "b.toml",
            "[service.s]\nou = \"nowhere\"\nlicense = \"contact_center\"\n",
        );
        write("c.toml", "[ou.other]\nparent = \"root\"\n");
        let uri = |name: &str| convert::uri_of(&root.join(name)).unwrap();
        let a = uri("a.toml");
        let mut input = vec![
            request(1, "initialize", json!({"capabilities": {}})),
            notification("initialized", json!({})),
            notification(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": a, "languageId": "toml", "version": 1,
                                        "text": "[ou.root]\n"}}),
            ),
            request(
                10,
                "textDocument/hover",
                json!({"textDocument": {"uri": a}, "position": {"line": 0, "character": 5}}),
            ),
        ];
        // Each change is followed by a request, which waits for its check: one check each.
        let changes = [
            "[ou.root]\n# nothing new\n",
            "[ou.root]\n[ou.nowhere]\nparent = \"root\"\n",
        ];
        for (i, text) in changes.iter().enumerate() {
            input.push(notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": a, "version": i + 2},
                       "contentChanges": [{"text": text}]}),
            ));
            input.push(request(
                i as i32 + 2,
                "textDocument/hover",
                json!({"textDocument": {"uri": a}, "position": {"line": 0, "character": 5}}),
            ));
        }
        input.push(request(9, "shutdown", Value::Null));
        input.push(notification("exit", Value::Null));
        let (t, out) = memory::transport(input);
        assert_eq!(run(&t), Ok(Ending::Clean));
        let out = out.messages();
        // The edited document gets a list for each version, empty as it is.
        let sent_a: Vec<(Value, Value)> = (published(&out, a.as_str()).into_iter())
            .map(|p| (p["version"].clone(), p["diagnostics"].clone()))
            .collect();
        assert_eq!(
            sent_a,
            [
                (json!(1), json!([])),
                (json!(2), json!([])),
                (json!(3), json!([]))
            ]
        );
        // b.toml: its error once, then the empty list when the edit to a.toml cures it.
        let sent_b = published(&out, uri("b.toml").as_str());
        assert_eq!(sent_b.len(), 2, "{sent_b:?}");
        assert_eq!(sent_b[0]["diagnostics"][0]["code"], "unknown-reference");
        assert_eq!(sent_b[1]["diagnostics"], json!([]));
        // c.toml is clean throughout: never sent anything.
        assert_eq!(published(&out, uri("c.toml").as_str()), Vec::<Value>::new());
    }
}

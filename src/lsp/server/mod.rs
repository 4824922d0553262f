//! The server: its state, the message loop, and the handlers.
//!
//! **Workspaces.** A file belongs to the nearest folder at or above it holding `nimbus.toml`
//! (saved, or open in the editor); a file with none is left alone. At `initialized` (and when
//! the client's folders change), the workspace each client folder lies in and every workspace
//! below it are checked without waiting for a file to be opened; others are checked when one
//! of their files is opened. A workspace that nothing keeps (no open document, no client
//! folder) is dropped, and its diagnostics cleared.
//!
//! **Checks.** Opening, changing, saving or closing a document marks its workspace; at the end
//! of each batch of messages, each marked workspace that holds an open document is checked
//! once, with the text of every open document under its root (before a request, only the
//! workspace of the file it names), and diagnostics are published for every file of it whose
//! list changed (and for the documents just edited). A file never published counts as clean; a
//! file that became clean gets an empty list, and so does a file that left the workspace. A
//! workspace with no open document keeps only what it published. Each check runs on a thread
//! while the loop takes the messages that arrive and holds them for their turn: a `shutdown` or
//! an `exit` among them abandons the check, and from then on nothing is checked or published,
//! so `shutdown` is answered without waiting for it. (A `shutdown` that came in one batch with
//! requests is answered after them, and after the checks they need; that batch's changes are
//! not checked.)
//!
//! **Background.** The search of the client's folders for workspaces (a walk as long as the
//! folder is big) and the checks of workspaces with no open document are done between
//! messages, a slice at a time (10 ms of walking, or one check): a request waits for its own
//! workspace only, and for a background check already running.
//!
//! **Requests** are answered inside `catch_unwind`: a panic is logged to stderr and answered
//! with an `InternalError` response.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use lsp_server::{ErrorCode, Message, Request, Response};
use lsp_types::notification::{Exit, Notification as _};
use lsp_types::{
    CodeActionOptions, CodeActionProviderCapability, CompletionOptions, HoverProviderCapability,
    InitializeParams, InitializeResult, MarkupKind, OneOf, RenameOptions, SaveOptions,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, WorkDoneProgressOptions,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::actions;
use super::convert::{self, Encoding};
use super::transport::Transport;

mod checks;
mod documents;
mod publish;
mod requests;
mod roots;

use self::checks::{Job, Ws};
use self::documents::Doc;
use self::roots::Discovery;

/// How the session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown` (or the input closed after `shutdown`).
    Clean,
    /// `exit`, or the input closed, without `shutdown` first.
    WithoutShutdown,
}

/// With this variable set to N, each background check first sleeps N milliseconds: the
/// tests' way to hold one in flight.
const TEST_DELAY_VAR: &str = "NIMBUS_LINT_LSP_TEST_CHECK_DELAY_MS";

/// With this variable set, the request `nimbus-lint/panic` panics: the tests' way to check
/// that a panic inside a request leaves the server running.
const TEST_PANIC_VAR: &str = "NIMBUS_LINT_LSP_TEST_PANIC";
/// The test-only request that panics.
const PANIC_METHOD: &str = "nimbus-lint/panic";
/// With this variable set, the time each check takes is logged to stderr.
const TRACE_VAR: &str = "NIMBUS_LINT_LSP_TRACE";

/// Runs the handshake and the loop until `exit`.
pub fn run(t: &Transport) -> Result<Ending, String> {
    // Requests before a valid `initialize` are refused; an `initialize` with invalid
    // parameters is answered with an error, and the server waits for a valid one.
    let (id, params) = loop {
        match t.recv() {
            Err(_) => return Err("the client closed the connection before `initialize`".into()),
            Ok(Message::Request(r)) if r.method == "initialize" => {
                match serde_json::from_value::<InitializeParams>(r.params) {
                    Ok(p) => break (r.id, p),
                    Err(e) => t.send(Response::new_err(
                        r.id,
                        ErrorCode::InvalidParams as i32,
                        format!("invalid `initialize` parameters: {e}"),
                    )),
                }
            }
            Ok(Message::Request(r)) => t.send(Response::new_err(
                r.id,
                ErrorCode::ServerNotInitialized as i32,
                format!("`{}` before `initialize`", r.method),
            )),
            Ok(Message::Notification(n)) if n.method == Exit::METHOD => {
                return Ok(Ending::WithoutShutdown);
            }
            Ok(_) => {}
        }
    };
    let mut server = Server::new(&params);
    let result = InitializeResult {
        capabilities: server.capabilities(),
        server_info: Some(ServerInfo {
            name: "nimbus-lint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    t.send(Response::new_ok(id, result));
    let ending = server.main_loop(t);
    // The process ends next: the system takes the memory back at once, where freeing every
    // workspace's analysis piece by piece takes a noticeable time.
    std::mem::forget(server);
    Ok(ending)
}

/// The language server's state: the client's folders and documents, the workspaces found
/// and their last checks, and what is waiting to be checked or published.
struct Server {
    enc: Encoding,
    folders: Vec<PathBuf>,
    /// The search for the workspaces below the client's folders, while it runs.
    discovery: Option<Discovery>,
    /// The files open in the editor, by path: each under one URI or more (see [`Doc`]).
    docs: HashMap<PathBuf, Doc>,
    /// The URI the client last opened each file under, kept after it closes: see
    /// [`Server::uri_for`].
    client_uris: HashMap<PathBuf, lsp_types::Uri>,
    workspaces: BTreeMap<PathBuf, Ws>,
    /// The roots of the workspaces marked for a check (each `Ws::dirty` is set), in order.
    dirty: BTreeSet<PathBuf>,
    /// Set when a workspace may have lost what kept it (a document closed, a folder or a
    /// `nimbus.toml` changed): [`Server::retire`] looks at every workspace only then.
    roots_changed: bool,
    /// Documents edited since their diagnostics were last published.
    edited: HashSet<PathBuf>,
    can_watch: bool,
    /// Set when `shutdown` was answered.
    shutdown: bool,
    /// Set when `shutdown` or `exit` was received (before `shutdown` is answered, when a
    /// check saw it coming): nothing is checked or published any more.
    stopping: bool,
    test_panic: bool,
    trace: bool,
    /// True when the client shows Markdown in hovers (it lists it, or says nothing).
    markdown: bool,
    /// The client says it supports `textDocument/prepareRename`.
    client_prepares_renames: bool,
    /// The client takes `documentChanges` in a workspace edit: a rename's edits carry the
    /// version of each open document they were made for.
    client_takes_document_changes: bool,
    /// The check of a workspace with no open document, running on a thread of its own.
    job: Option<Job>,
    /// The last generation given to a workspace (see `Ws::generation`): one count for all,
    /// so that a workspace dropped and made again never repeats one.
    generations: u64,
    next_id: i32,
}

/// A request's failure, as the response carries it.
struct Failure {
    code: ErrorCode,
    message: String,
}

type Answer = Result<serde_json::Value, Failure>;

fn params<P: DeserializeOwned>(req: &Request) -> Result<P, Failure> {
    decode(&req.method, req.params.clone())
}

/// Parameters taken by value: a notification's text is not copied once more.
fn decode<P: DeserializeOwned>(method: &str, value: serde_json::Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| Failure {
        code: ErrorCode::InvalidParams,
        message: format!("invalid parameters of `{method}`: {e}"),
    })
}

fn json(v: impl Serialize) -> Answer {
    serde_json::to_value(v).map_err(|e| Failure {
        code: ErrorCode::InternalError,
        message: e.to_string(),
    })
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

impl Server {
    #[allow(deprecated)] // `root_uri`: still what many clients send.
    fn new(params: &InitializeParams) -> Self {
        let mut folders: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| convert::path_of(&f.uri))
            .collect();
        if folders.is_empty()
            && let Some(root) = params.root_uri.as_ref().and_then(convert::path_of)
        {
            folders.push(root);
        }
        // Older clients send the root as a path only.
        if folders.is_empty()
            && let Some(root) = params.root_path.as_ref().filter(|p| !p.is_empty())
        {
            folders.push(crate::load::normalize(Path::new(root)));
        }
        let can_watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        Server {
            enc: Encoding::negotiate(&params.capabilities),
            folders,
            discovery: None,
            docs: HashMap::new(),
            client_uris: HashMap::new(),
            workspaces: BTreeMap::new(),
            dirty: BTreeSet::new(),
            roots_changed: false,
            edited: HashSet::new(),
            can_watch,
            shutdown: false,
            stopping: false,
            test_panic: std::env::var_os(TEST_PANIC_VAR).is_some(),
            trace: std::env::var_os(TRACE_VAR).is_some(),
            markdown: (params.capabilities.text_document.as_ref())
                .and_then(|t| t.hover.as_ref())
                .and_then(|h| h.content_format.as_ref())
                // The client's list is in its order of preference.
                .is_none_or(|formats| {
                    formats.first() != Some(&MarkupKind::PlainText)
                        && formats.contains(&MarkupKind::Markdown)
                }),
            client_takes_document_changes: (params.capabilities.workspace.as_ref())
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.document_changes)
                .unwrap_or(false),
            client_prepares_renames: (params.capabilities.text_document.as_ref())
                .and_then(|t| t.rename.as_ref())
                .and_then(|r| r.prepare_support)
                .unwrap_or(false),
            job: None,
            generations: 0,
            next_id: 0,
        }
    }

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            position_encoding: Some(self.enc.kind()),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            // Options only for a client that says it prepares renames (LSP 3.17).
            rename_provider: Some(if self.client_prepares_renames {
                OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })
            } else {
                OneOf::Left(true)
            }),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(actions::kinds()),
                ..CodeActionOptions::default()
            })),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec!["\"".to_owned(), "'".to_owned()]),
                ..CompletionOptions::default()
            }),
            ..ServerCapabilities::default()
        }
    }

    fn main_loop(&mut self, t: &Transport) -> Ending {
        loop {
            // With work in the background, a slice of it is done whenever no message waits.
            let next = if !self.busy() {
                t.recv().map(Some)
            } else if self.job.is_some() && self.discovery.is_none() {
                // Only a background check runs (the marked workspaces wait for it): wait for a
                // message or for it to end (its thread wakes the loop). A wake-up taken with
                // a batch of messages is gone: a check that ended is collected without one
                // (its thread marks it done before it wakes the loop).
                if self.job_done() {
                    Ok(None)
                } else {
                    t.recv_or_wake()
                }
            } else {
                t.try_recv()
            };
            let first = match next {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.background(t);
                    continue;
                }
                Err(_) => return self.ending(),
            };
            let mut batch = vec![first];
            batch.extend(t.drain());
            for msg in batch {
                match msg {
                    Message::Request(req) => {
                        self.flush_for(t, &req);
                        self.request(t, req);
                    }
                    Message::Notification(n) if n.method == Exit::METHOD => return self.ending(),
                    Message::Notification(n) => self.notification(t, n),
                    Message::Response(_) => {}
                }
            }
            self.flush(t);
        }
    }

    /// How the session ends now.
    fn ending(&self) -> Ending {
        if self.shutdown {
            Ending::Clean
        } else {
            Ending::WithoutShutdown
        }
    }
}

#[cfg(test)]
mod tests {
    use lsp_server::{Notification, RequestId};
    use lsp_types::notification::{Notification as _, PublishDiagnostics};
    use serde_json::{Value, json};

    use super::*;
    use crate::lsp::transport::memory;

    pub(super) fn request(id: i32, method: &str, params: Value) -> Message {
        Request::new(RequestId::from(id), method.to_owned(), params).into()
    }

    pub(super) fn notification(method: &str, params: Value) -> Message {
        Notification::new(method.to_owned(), params).into()
    }

    pub(super) fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel)
    }

    pub(super) fn published(out: &[Message], uri: &str) -> Vec<Value> {
        out.iter()
            .filter_map(|m| match m {
                Message::Notification(n) if n.method == PublishDiagnostics::METHOD => {
                    Some(n.params.clone())
                }
                _ => None,
            })
            .filter(|p| p["uri"] == uri)
            .collect()
    }

    #[test]
    fn requests_before_initialize_and_after_shutdown_are_refused() {
        let input = vec![
            request(1, "textDocument/hover", json!({})),
            request(2, "initialize", json!({"capabilities": {}})),
            notification("initialized", json!({})),
            request(3, "nimbus-lint/unknown", json!({})),
            request(4, "shutdown", Value::Null),
            request(5, "textDocument/hover", json!({})),
        ];
        let (t, out) = memory::transport(input);
        // The input ends without `exit`.
        assert_eq!(run(&t), Ok(Ending::Clean));
        let codes: Vec<(String, Option<i32>)> = out
            .messages()
            .into_iter()
            .filter_map(|m| match m {
                Message::Response(r) => {
                    Some((r.id.to_string(), r.response_result.err().map(|e| e.code)))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("1".to_owned(), Some(ErrorCode::ServerNotInitialized as i32)),
                ("2".to_owned(), None),
                ("3".to_owned(), Some(ErrorCode::MethodNotFound as i32)),
                ("4".to_owned(), None),
                ("5".to_owned(), Some(ErrorCode::InvalidRequest as i32)),
            ]
        );
    }
}

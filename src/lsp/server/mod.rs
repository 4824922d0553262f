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
//! workspace with no open document keeps only what it published.
//!
//! **Background.** The search of the client's folders for workspaces (a walk as long as the
//! folder is big) and the checks of workspaces with no open document are done between
//! messages, a slice at a time (10 ms of walking, or one check): a request waits for its own
//! workspace only, and for a background check already running.
//!
//! **Requests** are answered inside `catch_unwind`: a panic is logged to stderr and answered
//! with an `InternalError` response.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidChangeWorkspaceFolders, DidCloseTextDocument,
    DidOpenTextDocument, DidSaveTextDocument, Exit, Initialized, LogMessage, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, GotoDefinition, HoverRequest, References, RegisterCapability,
    Request as _, Shutdown,
};
use lsp_types::{
    CodeActionOptions, CodeActionParams, CodeActionProviderCapability, CompletionList,
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, HoverProviderCapability,
    InitializeParams, InitializeResult, Location, LogMessageParams, MarkupContent, MarkupKind,
    MessageType, OneOf, PublishDiagnosticsParams, ReferenceParams, Registration,
    RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Uri,
    WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::actions;
use super::analysis::{self, ParseCache};
use super::complete;
use super::convert::{self, Encoding};
use super::navigate::{self, Index};
use super::transport::{Transport, Waker, log};
use crate::Analysis;
use crate::load::{MAX_NESTED, Naming, Overlays, SETTINGS_FILE, is_settings, settings_root};
use crate::source::FileId;

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

/// A document open in the editor.
struct Doc {
    uri: Uri,
    version: i32,
    text: String,
    /// The workspace it belongs to; `None` outside any (no `nimbus.toml` at or above it):
    /// such a file is left alone.
    root: Option<PathBuf>,
    /// True while the text is the one opened or saved and the file on disk is not UTF-8: the
    /// editor decoded it (as Latin-1, say), and the disk is what `check` reads, so it is
    /// checked from disk and keeps its `syntax` error.
    disk_not_utf8: bool,
}

/// True when the file at `path` is not UTF-8 (read only up to a size any workspace file may
/// have).
fn disk_not_utf8(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 256 << 20);
    small && std::fs::read(path).is_ok_and(|b| std::str::from_utf8(&b).is_err())
}

/// How much of a workspace must be looked at again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dirty {
    /// Only texts of open documents changed.
    Texts,
    /// The files on disk may have changed: walk and read again.
    Full,
}

/// One workspace the server checks.
#[derive(Default)]
struct Ws {
    /// Set anew when a check of it starts: a background check whose workspace was checked
    /// since it started is out of date, and its result is dropped. (One that was only marked
    /// since is published: it is the newest result, and the next check follows.)
    generation: u64,
    analysis: Option<Checked>,
    cache: ParseCache,
    /// What the client was last sent, for the files it was sent diagnostics for: a file not
    /// here was sent none, or an empty list.
    published: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    dirty: Option<Dirty>,
    /// Load errors and notes last logged.
    logged: Vec<String>,
}

/// A workspace's last check, with what requests derive from it, made on the first request
/// that needs it and dropped with the check.
struct Checked {
    analysis: Analysis,
    index: OnceCell<Index>,
}

impl Checked {
    fn new(analysis: Analysis) -> Self {
        Checked {
            analysis,
            index: OnceCell::new(),
        }
    }

    /// Where each id is defined and named.
    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::new(&self.analysis))
    }
}

/// A background check in flight: its workspace, the generation it started from, and the
/// thread that runs it.
struct Job {
    root: PathBuf,
    generation: u64,
    started: Instant,
    /// Set by the thread, its result made, just before it wakes the loop.
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<std::thread::Result<Analysis>>,
}

struct Server {
    enc: Encoding,
    folders: Vec<PathBuf>,
    /// The search for the workspaces below the client's folders, while it runs.
    discovery: Option<Discovery>,
    docs: HashMap<PathBuf, Doc>,
    workspaces: BTreeMap<PathBuf, Ws>,
    /// The roots of the workspaces marked for a check (each `Ws::dirty` is set), in order.
    dirty: BTreeSet<PathBuf>,
    /// Set when a workspace may have lost what kept it (a document closed, a folder or a
    /// `nimbus.toml` changed): [`Server::retire`] looks at every workspace only then.
    roots_changed: bool,
    /// Documents edited since their diagnostics were last published.
    edited: HashSet<PathBuf>,
    can_watch: bool,
    shutdown: bool,
    test_panic: bool,
    trace: bool,
    /// True when the client shows Markdown in hovers (it lists it, or says nothing).
    markdown: bool,
    /// The check of a workspace with no open document, running on a thread of its own.
    job: Option<Job>,
    /// The last generation given to a workspace (see `Ws::generation`): one count for all,
    /// so that a workspace dropped and made again never repeats one.
    generations: u64,
    next_id: i32,
}

/// The search for the workspaces below the client's folders, done a slice at a time.
struct Discovery {
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
            workspaces: BTreeMap::new(),
            dirty: BTreeSet::new(),
            roots_changed: false,
            edited: HashSet::new(),
            can_watch,
            shutdown: false,
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
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
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
                // message or for it to end (its thread wakes the loop).
                t.recv_or_wake()
            } else {
                t.try_recv()
            };
            let first = match next {
                Ok(Some(m)) => m,
                Ok(None) => {
                    self.background(t);
                    continue;
                }
                Err(_) => {
                    return if self.shutdown {
                        Ending::Clean
                    } else {
                        Ending::WithoutShutdown
                    };
                }
            };
            let mut batch = vec![first];
            batch.extend(t.drain());
            for msg in batch {
                match msg {
                    Message::Request(req) => {
                        self.flush_for(t, &req);
                        self.request(t, req);
                    }
                    Message::Notification(n) if n.method == Exit::METHOD => {
                        return if self.shutdown {
                            Ending::Clean
                        } else {
                            Ending::WithoutShutdown
                        };
                    }
                    Message::Notification(n) => self.notification(t, n),
                    Message::Response(_) => {}
                }
            }
            self.flush(t);
        }
    }

    // ----- notifications -----

    fn notification(&mut self, t: &Transport, n: Notification) {
        let method = n.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.notify(t, n)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log(&format!("ignored `{method}`: {}", e.message)),
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
            DidOpenTextDocument::METHOD => self.did_open(decode(&method, params)?),
            DidChangeTextDocument::METHOD => self.did_change(decode(&method, params)?),
            DidSaveTextDocument::METHOD => self.did_save(decode(&method, params)?),
            DidCloseTextDocument::METHOD => self.did_close(decode(&method, params)?),
            DidChangeWorkspaceFolders::METHOD => self.did_change_folders(decode(&method, params)?),
            DidChangeWatchedFiles::METHOD => self.did_change_watched(decode(&method, params)?),
            _ => {}
        }
        Ok(())
    }

    fn did_open(&mut self, p: DidOpenTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        let root = self.root_for(&path);
        let settings = is_settings(&path);
        self.docs.insert(
            path.clone(),
            Doc {
                uri: p.text_document.uri,
                version: p.text_document.version,
                text: p.text_document.text,
                root: root.clone(),
                disk_not_utf8: disk_not_utf8(&path),
            },
        );
        if let Some(root) = root {
            self.edited.insert(path.clone());
            self.mark(&root, Dirty::Texts);
        }
        if settings {
            self.settings_changed(&path, false);
        }
    }

    fn did_change(&mut self, p: DidChangeTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        for change in p.content_changes {
            match change.range {
                None => doc.text = change.text,
                Some(range) => apply_edit(&mut doc.text, range, &change.text, enc),
            }
        }
        doc.version = p.text_document.version;
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
            if let Some(text) = p.text {
                doc.text = text;
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

    fn did_close(&mut self, p: DidCloseTextDocumentParams) {
        let Some(path) = convert::path_of(&p.text_document.uri) else {
            return;
        };
        if let Some(doc) = self.docs.remove(&path) {
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

    fn did_change_folders(&mut self, p: DidChangeWorkspaceFoldersParams) {
        let removed: Vec<PathBuf> = (p.event.removed.iter())
            .filter_map(|f| convert::path_of(&f.uri))
            .collect();
        self.folders.retain(|f| !removed.contains(f));
        (self.folders).extend(
            p.event
                .added
                .iter()
                .filter_map(|f| convert::path_of(&f.uri)),
        );
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

    fn initialized(&mut self, t: &Transport) {
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
    fn find_folder_roots(&mut self) {
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
    fn discover(&mut self) {
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
    fn root_for(&self, file: &Path) -> Option<PathBuf> {
        file.parent()?
            .ancestors()
            .find(|dir| {
                crate::load::has_settings(dir) || self.docs.contains_key(&dir.join(SETTINGS_FILE))
            })
            .map(Path::to_path_buf)
    }

    /// After a `nimbus.toml` appeared, vanished or was opened: documents may belong to another
    /// workspace now.
    fn recompute_roots(&mut self) {
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
    fn settings_changed(&mut self, settings: &Path, saved: bool) {
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

    fn mark(&mut self, root: &Path, level: Dirty) {
        let ws = self.workspaces.entry(root.to_path_buf()).or_default();
        ws.dirty = ws.dirty.max(Some(level));
        self.dirty.insert(root.to_path_buf());
    }

    // ----- checking and publishing -----

    /// Checks every marked workspace that holds an open document and publishes what changed.
    /// The others are left to [`Server::background`]: a request waits for its own workspace
    /// only, never for the search of a huge folder or the check of its other workspaces.
    fn flush(&mut self, t: &Transport) {
        self.retire(t);
        let open: HashSet<&Path> = self
            .docs
            .values()
            .filter_map(|d| d.root.as_deref())
            .collect();
        let roots: Vec<PathBuf> = (self.dirty.iter())
            .filter(|r| open.contains(r.as_path()))
            .cloned()
            .collect();
        for root in roots {
            self.check(t, &root);
        }
    }

    /// Before answering `req`: checks the workspace of the file it names, if marked. The
    /// other marked workspaces wait for the end of the batch: a request never waits for the
    /// check of a workspace it does not look at.
    fn flush_for(&mut self, t: &Transport, req: &Request) {
        self.retire(t);
        let uri = req.params.get("textDocument").and_then(|d| d.get("uri"));
        let path = uri
            .and_then(|u| u.as_str())
            .and_then(|u| u.parse::<Uri>().ok())
            .and_then(|u| convert::path_of(&u));
        let root = path.and_then(|p| match self.docs.get(&p) {
            Some(d) => d.root.clone(),
            None => self.root_for(&p),
        });
        let stale = |r: &PathBuf| {
            self.dirty.contains(r) || self.workspaces.get(r).is_some_and(|w| w.analysis.is_none())
        };
        if let Some(root) = root.filter(stale) {
            self.check(t, &root);
        }
    }

    /// True while work is left for the time between messages: a marked workspace, or the
    /// search of the client's folders. None after `shutdown`.
    fn busy(&self) -> bool {
        !self.shutdown && (self.discovery.is_some() || !self.dirty.is_empty() || self.job.is_some())
    }

    /// One slice of the work between messages: the first marked workspace is checked, or, with
    /// none, the search of the client's folders goes on.
    fn background(&mut self, t: &Transport) {
        self.retire(t);
        self.collect(t);
        if self.job.is_some() {
            // One check at a time on its thread; the folder search goes on meanwhile.
            return self.discover();
        }
        let Some(root) = self.dirty.first().cloned() else {
            return self.discover();
        };
        let open = self
            .docs
            .values()
            .any(|d| d.root.as_deref() == Some(root.as_path()));
        if open || !self.start_job(&root, t.waker()) {
            self.check(t, &root);
            self.forget_unless_open(&root);
        }
    }

    /// Starts the check of `root`, a workspace with no open document, on a thread of its own:
    /// a request about another workspace is answered meanwhile. False when no thread could be
    /// started. `waker` wakes the loop when the check ends.
    fn start_job(&mut self, root: &Path, waker: Waker) -> bool {
        let overlays = self.overlays(root);
        let Some(ws) = self.workspaces.get_mut(root) else {
            return false;
        };
        self.generations += 1;
        let (dirty, generation) = (ws.dirty, self.generations);
        ws.generation = generation;
        ws.dirty = None;
        self.dirty.remove(root);
        let r = root.to_path_buf();
        let done = Arc::new(AtomicBool::new(false));
        let done_here = Arc::clone(&done);
        let thread = std::thread::Builder::new()
            .name("lsp-check".to_owned())
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| {
                    if let Some(ms) =
                        (std::env::var(TEST_DELAY_VAR).ok()).and_then(|v| v.parse().ok())
                    {
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                    let naming = Naming::at(&r);
                    analysis::check(
                        &r,
                        &naming,
                        &overlays,
                        None,
                        true,
                        &mut ParseCache::default(),
                    )
                }));
                done_here.store(true, Ordering::Release);
                waker.wake();
                result
            });
        match thread {
            Ok(thread) => {
                self.job = Some(Job {
                    root: root.to_path_buf(),
                    generation,
                    started: Instant::now(),
                    done,
                    thread,
                });
                true
            }
            Err(e) => {
                log(&format!("cannot start a check thread: {e}"));
                if let Some(ws) = self.workspaces.get_mut(root) {
                    ws.dirty = dirty;
                }
                self.dirty.insert(root.to_path_buf());
                false
            }
        }
    }

    /// Takes the result of the background check when it has ended: published, unless its
    /// workspace was marked, checked or dropped since it started (then it is out of date).
    fn collect(&mut self, t: &Transport) {
        // Once `done`, the thread has nothing left but to end: joining it waits no longer.
        if !self
            .job
            .as_ref()
            .is_some_and(|j| j.done.load(Ordering::Acquire))
        {
            return;
        }
        let Some(job) = self.job.take() else { return };
        let analysis = match job.thread.join() {
            Ok(Ok(a)) => a,
            Ok(Err(payload)) | Err(payload) => {
                log(&format!(
                    "panic while checking {}: {}",
                    job.root.display(),
                    panic_message(&*payload)
                ));
                return;
            }
        };
        let Some(ws) = self.workspaces.get_mut(&job.root) else {
            return;
        };
        if ws.generation != job.generation {
            return;
        }
        if self.trace {
            log(&format!(
                "checked {} ({} files, background): {:.1} ms",
                job.root.display(),
                analysis.ws.sources.len(),
                job.started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        ws.analysis = Some(Checked::new(analysis));
        self.publish(t, &job.root);
        self.forget_unless_open(&job.root);
    }

    /// A workspace with no open document answers no request: only what it published is kept
    /// (a request about one of its files, or the next check, reads it whole again).
    fn forget_unless_open(&mut self, root: &Path) {
        if !self.docs.values().any(|d| d.root.as_deref() == Some(root))
            && let Some(ws) = self.workspaces.get_mut(root)
        {
            ws.analysis = None;
            ws.cache = ParseCache::default();
        }
    }

    /// Drops the workspaces that nothing keeps any more: no open document in them, and no
    /// `nimbus.toml` left or no client folder they lie in (or whose workspace they are). Their
    /// files get an empty list, unless a live workspace has published for them, which then
    /// sends its own again. Runs only after something that may retire one.
    fn retire(&mut self, t: &Transport) {
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
                if let Some(uri) = self.uri_for(&path) {
                    t.send(Notification::new(
                        PublishDiagnostics::METHOD.to_owned(),
                        PublishDiagnosticsParams {
                            uri,
                            diagnostics: Vec::new(),
                            version: None,
                        },
                    ));
                }
            }
        }
    }

    /// The texts that stand for files of `root`: its documents, and any open `nimbus.toml`
    /// below it (the loader leaves that folder out, as a workspace of its own).
    fn overlays(&self, root: &Path) -> Overlays {
        self.docs
            .iter()
            .filter(|(p, d)| {
                d.root.as_deref() == Some(root) || (p.starts_with(root) && is_settings(p))
            })
            .filter(|(_, d)| !d.disk_not_utf8)
            .map(|(p, d)| (p.clone(), d.text.clone().into_bytes()))
            .collect()
    }

    fn check(&mut self, t: &Transport, root: &Path) {
        let overlays = self.overlays(root);
        self.generations += 1;
        let Some(ws) = self.workspaces.get_mut(root) else {
            return;
        };
        // A background check of this workspace still running is out of date now.
        ws.generation = self.generations;
        let full = ws.dirty == Some(Dirty::Full);
        ws.dirty = None;
        self.dirty.remove(root);
        let mut cache = std::mem::take(&mut ws.cache);
        let start = Instant::now();
        // Files are named from the workspace's root in messages, whatever the server's folder.
        let naming = &Naming::at(root);
        let previous = ws.analysis.as_ref().map(|c| &c.analysis);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            analysis::check(root, naming, &overlays, previous, full, &mut cache)
        }));
        let analysis = match outcome {
            Ok(a) => a,
            Err(payload) => {
                log(&format!(
                    "panic while checking {}: {}",
                    root.display(),
                    panic_message(&*payload)
                ));
                return;
            }
        };
        if self.trace {
            log(&format!(
                "checked {} ({} files, {}): {:.1} ms",
                root.display(),
                analysis.ws.sources.len(),
                if full { "full" } else { "edit" },
                start.elapsed().as_secs_f64() * 1000.0
            ));
        }
        ws.cache = cache;
        ws.analysis = Some(Checked::new(analysis));
        self.publish(t, root);
    }

    /// The URI to name a file with: the client's own for open documents.
    fn uri_for(&self, path: &Path) -> Option<Uri> {
        match self.docs.get(path) {
            Some(d) => Some(d.uri.clone()),
            None => convert::uri_of(path),
        }
    }

    fn publish(&mut self, t: &Transport, root: &Path) {
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
            let Some(uri) = self.uri_for(&path) else {
                continue;
            };
            let version = self.docs.get(&path).map(|d| d.version);
            self.edited.remove(&path);
            t.send(Notification::new(
                PublishDiagnostics::METHOD.to_owned(),
                PublishDiagnosticsParams {
                    uri,
                    diagnostics,
                    version,
                },
            ));
        }
        if let Some(lines) = &new_logs {
            for line in lines {
                log(line);
                let typ = if line.starts_with("error") {
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
            }
        }
        if let Some(ws) = self.workspaces.get_mut(root) {
            ws.published = now;
            if let Some(lines) = new_logs {
                ws.logged = lines;
            }
        }
    }

    // ----- requests -----

    fn request(&mut self, t: &Transport, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        if self.shutdown {
            t.send(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                format!("`{method}` after `shutdown`"),
            ));
            return;
        }
        if method == Shutdown::METHOD {
            self.shutdown = true;
            t.send(Response::new_ok(id, ()));
            return;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| self.answer(&req)));
        let response = match outcome {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(f)) => Response::new_err(id, f.code as i32, f.message),
            Err(payload) => {
                let message = panic_message(&*payload);
                log(&format!("panic while answering `{method}`: {message}"));
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("nimbus-lint failed while answering `{method}`: {message}"),
                )
            }
        };
        t.send(response);
    }

    fn answer(&self, req: &Request) -> Answer {
        match req.method.as_str() {
            GotoDefinition::METHOD => {
                let p: GotoDefinitionParams = params(req)?;
                json(self.definition(&p.text_document_position_params))
            }
            References::METHOD => {
                let p: ReferenceParams = params(req)?;
                json(self.references(&p))
            }
            HoverRequest::METHOD => {
                let p: HoverParams = params(req)?;
                json(self.hover(&p.text_document_position_params))
            }
            CodeActionRequest::METHOD => {
                let p: CodeActionParams = params(req)?;
                json(self.code_actions(&p))
            }
            Completion::METHOD => {
                let p: CompletionParams = params(req)?;
                json(self.completion(&p.text_document_position))
            }
            "initialize" => Err(Failure {
                code: ErrorCode::InvalidRequest,
                message: "the server is already initialized".to_owned(),
            }),
            PANIC_METHOD if self.test_panic => panic!("the test asked for a panic"),
            _ => Err(Failure {
                code: ErrorCode::MethodNotFound,
                message: format!("unknown method `{}`", req.method),
            }),
        }
    }

    /// The checked workspace holding a document, and the file's id in it.
    fn document(&self, uri: &Uri) -> Option<(&Checked, &Analysis, FileId)> {
        let path = convert::path_of(uri)?;
        let root = match self.docs.get(&path) {
            Some(d) => d.root.clone()?,
            None => self.root_for(&path)?,
        };
        let checked = self.workspaces.get(&root)?.analysis.as_ref()?;
        let a = &checked.analysis;
        let id = a.ws.sources.find(&path)?;
        Some((checked, a, id))
    }

    /// The checked workspace holding a document, the file's id in it, and the byte offset of
    /// a position.
    fn locate(
        &self,
        at: &lsp_types::TextDocumentPositionParams,
    ) -> Option<(&Checked, &Analysis, FileId, usize)> {
        let (ws, a, id) = self.document(&at.text_document.uri)?;
        let file = a.ws.sources.get(id);
        Some((ws, a, id, convert::offset(file, at.position, self.enc)))
    }

    fn code_actions(&self, p: &CodeActionParams) -> Option<lsp_types::CodeActionResponse> {
        let uri = &p.text_document.uri;
        let (_, a, file) = self.document(uri)?;
        let only = p.context.only.as_deref();
        let found = actions::actions(a, file, p.range, only, self.enc, uri, &|path| {
            self.uri_for(path)
        });
        Some(found)
    }

    /// The id at `offset` of `file`: from the index, else read from the text.
    fn occurrence(
        &self,
        ws: &Checked,
        a: &Analysis,
        file: FileId,
        offset: usize,
    ) -> Option<navigate::Occurrence> {
        // The index is the whole truth for a file that parses: reading the text again (the
        // whole file, for a hover on a key) is for a broken one only.
        let index = ws.index();
        index.at(file, offset).or_else(|| {
            index
                .is_broken(file)
                .then(|| navigate::textual(a, file, offset))
                .flatten()
        })
    }

    fn location(&self, a: &Analysis, span: crate::source::Span) -> Option<Location> {
        Some(Location {
            uri: self.uri_for(&a.ws.sources.get(span.file).path)?,
            range: convert::span_range(&a.ws, span, self.enc),
        })
    }

    fn definition(
        &self,
        at: &lsp_types::TextDocumentPositionParams,
    ) -> Option<GotoDefinitionResponse> {
        let (ws, a, file, offset) = self.locate(at)?;
        let header = match self.occurrence(ws, a, file, offset) {
            Some(occ) => navigate::def(a, occ.target).header,
            // An entity this broken file defines itself: its header, read from the text.
            None if ws.index().is_broken(file) => navigate::textual_definition(a, file, offset)?,
            None => return None,
        };
        Some(GotoDefinitionResponse::Scalar(self.location(a, header)?))
    }

    fn references(&self, p: &ReferenceParams) -> Option<Vec<Location>> {
        let (ws, a, file, offset) = self.locate(&p.text_document_position)?;
        let occ = self.occurrence(ws, a, file, offset)?;
        let index = ws.index();
        let mut out = Vec::new();
        if p.context.include_declaration {
            out.extend(self.location(a, navigate::def(a, occ.target).header));
        }
        for span in index.references(occ.target) {
            out.extend(self.location(a, navigate::unquoted(a, span)));
        }
        Some(out)
    }

    fn hover(&self, at: &lsp_types::TextDocumentPositionParams) -> Option<Hover> {
        let (ws, a, file, offset) = self.locate(at)?;
        let occ = self.occurrence(ws, a, file, offset)?;
        let span = match occ.role {
            navigate::Role::Reference => navigate::unquoted(a, occ.span),
            navigate::Role::Definition => occ.span,
        };
        let text = navigate::hover(a, occ.target, ws.analysis.secret_mask());
        let contents = if self.markdown {
            MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }
        } else {
            MarkupContent {
                kind: MarkupKind::PlainText,
                value: navigate::plain(&text),
            }
        };
        Some(Hover {
            contents: HoverContents::Markup(contents),
            range: Some(convert::span_range(&a.ws, span, self.enc)),
        })
    }

    fn completion(&self, at: &lsp_types::TextDocumentPositionParams) -> Option<CompletionResponse> {
        let (checked, a, file, offset) = self.locate(at)?;
        let (items, incomplete) = complete::complete(
            a,
            a.ws.sources.get(file),
            offset,
            self.enc,
            checked.analysis.secret_mask(),
        );
        (!items.is_empty()).then_some(CompletionResponse::List(CompletionList {
            is_incomplete: incomplete,
            items,
        }))
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

/// Applies an incremental change (the server asks for full texts, but takes both).
fn apply_edit(text: &mut String, range: lsp_types::Range, new: &str, enc: Encoding) {
    let mut file = crate::source::SourceFile::new(PathBuf::new(), "", "", text.as_str().into());
    file.from_buffer = true;
    let start = convert::offset(&file, range.start, enc);
    let end = convert::offset(&file, range.end, enc).max(start);
    text.replace_range(start..end, new);
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::lsp::transport::memory;

    fn request(id: i32, method: &str, params: Value) -> Message {
        Request::new(RequestId::from(id), method.to_owned(), params).into()
    }

    fn notification(method: &str, params: Value) -> Message {
        Notification::new(method.to_owned(), params).into()
    }

    fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel)
    }

    fn published(out: &[Message], uri: &str) -> Vec<Value> {
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

    #[test]
    fn a_burst_of_changes_is_checked_once_with_the_newest_text() {
        let desk = fixture("lsp/errors/desk.toml");
        let uri = convert::uri_of(&desk).unwrap();
        let text = std::fs::read_to_string(&desk).unwrap();
        let fixed = text.replace(
            "channels = [",
            "messaging_entry = \"whatsapp-main\"\nchannels = [",
        );
        let mut input = vec![
            request(1, "initialize", json!({"capabilities": {}})),
            notification("initialized", json!({})),
            notification(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}),
            ),
        ];
        for version in 2..=30 {
            let t = if version == 30 { &fixed } else { &text };
            input.push(notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"text": t}]}),
            ));
        }
        // A request about the file waits for the check of its workspace (and only that).
        input.push(request(
            2,
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}),
        ));
        input.push(request(3, "shutdown", Value::Null));
        input.push(notification("exit", Value::Null));
        let (t, out) = memory::transport(input);
        assert_eq!(run(&t), Ok(Ending::Clean));
        let out = out.messages();
        let desk = published(&out, uri.as_str());
        assert_eq!(desk.len(), 1, "{desk:?}");
        assert_eq!(desk[0]["version"], 30);
        assert_eq!(desk[0]["diagnostics"], json!([]));
    }

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

    #[test]
    fn a_request_waits_for_its_own_workspace_not_for_the_others_in_the_folder() {
        // The editor's folder holds two workspaces; a file of `a` is open and hovered at once.
        // The answer comes after `a`'s check only: `b` is found and checked between messages.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for (path, text) in [
            ("a/nimbus.toml", ""),
            ("a/org.toml", "[ou.contoso]\n"),
            ("deep/down/b/nimbus.toml", ""),
            ("deep/down/b/org.toml", "[ou.contoso]\n[ou.x]\n"),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let a = convert::uri_of(&root.join("a/org.toml")).unwrap();
        let b = convert::uri_of(&root.join("deep/down/b/org.toml")).unwrap();
        let folder = convert::uri_of(&root).unwrap();
        let input = vec![
            request(
                1,
                "initialize",
                json!({"capabilities": {}, "workspaceFolders": [{"uri": folder, "name": "t"}]}),
            ),
            notification("initialized", json!({})),
            notification(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": a, "languageId": "toml", "version": 1,
                                        "text": "[ou.contoso]\n"}}),
            ),
            request(
                2,
                "textDocument/hover",
                json!({"textDocument": {"uri": a}, "position": {"line": 0, "character": 5}}),
            ),
        ];
        let (t, out) = memory::transport(input);
        assert_eq!(run(&t), Ok(Ending::WithoutShutdown));
        let out = out.messages();
        let answered = out
            .iter()
            .position(|m| matches!(m, Message::Response(r) if r.id == RequestId::from(2)))
            .expect("the hover is answered");
        assert!(
            matches!(&out[answered], Message::Response(r) if r.response_result.as_ref().is_ok_and(|v| !v.is_null())),
            "{:?}",
            out[answered]
        );
        assert_eq!(published(&out[..answered], a.as_str()).len(), 1);
        // `b` waits for the time between messages (here the input ends first): it is not
        // checked before the answer.
        assert_eq!(published(&out[..answered], b.as_str()), Vec::<Value>::new());
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

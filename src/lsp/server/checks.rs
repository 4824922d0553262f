//! When workspaces are checked: marked workspaces, the checks done at the end of a batch or
//! before a request, and the background check on a thread of its own.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use lsp_server::{Message, Request};
use lsp_types::Uri;
use lsp_types::notification::{Exit, Notification as _};
use lsp_types::request::{Request as _, Shutdown};

use super::{Server, TEST_DELAY_VAR, panic_message};
use crate::Analysis;
use crate::load::{Naming, Overlays, is_settings};
use crate::lsp::analysis::{self, ParseCache};
use crate::lsp::convert;
use crate::lsp::navigate::Index;
use crate::lsp::transport::{Transport, Waker, log};

/// How much of a workspace must be looked at again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Dirty {
    /// Only texts of open documents changed.
    Texts,
    /// The files on disk may have changed: walk and read again.
    Full,
}

/// One workspace the server checks.
#[derive(Default)]
pub(super) struct Ws {
    /// Set anew when a check of it starts: a background check whose workspace was checked
    /// since it started is out of date, and its result is dropped. (One that was only marked
    /// since is published: it is the newest result, and the next check follows.)
    generation: u64,
    pub(super) analysis: Option<Checked>,
    cache: ParseCache,
    /// What the client was last sent, for the files it was sent diagnostics for: a file not
    /// here was sent none, or an empty list.
    pub(super) published: HashMap<PathBuf, Vec<lsp_types::Diagnostic>>,
    pub(super) dirty: Option<Dirty>,
    /// Load errors and notes last logged.
    pub(super) logged: Vec<String>,
}

/// A workspace's last check, with what requests derive from it, made on the first request
/// that needs it and dropped with the check.
pub(super) struct Checked {
    pub(super) analysis: Analysis,
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
    pub(super) fn index(&self) -> &Index {
        self.index.get_or_init(|| Index::new(&self.analysis))
    }
}

/// A background check in flight: its workspace, the generation it started from, and the
/// thread that runs it.
pub(super) struct Job {
    root: PathBuf,
    generation: u64,
    started: Instant,
    /// Set by the thread, its result made, just before it wakes the loop.
    done: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<std::thread::Result<Analysis>>,
}

impl Server {
    // ----- checking and publishing -----

    /// Checks every marked workspace that holds an open document and publishes what changed.
    /// The others are left to [`Server::background`]: a request waits for its own workspace
    /// only, never for the search of a huge folder or the check of its other workspaces.
    pub(super) fn flush(&mut self, t: &Transport) {
        if self.stopping {
            return;
        }
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

    /// Before answering `req`: checks the workspace of the file it names, if marked (for a
    /// search of every workspace, each marked one with an open document and each that keeps
    /// no analysis). The other marked
    /// workspaces wait for the end of the batch: a request never waits for the check of a
    /// workspace it does not look at.
    pub(super) fn flush_for(&mut self, t: &Transport, req: &Request) {
        if self.stopping {
            return;
        }
        self.retire(t);
        // A search of every workspace looks at each: each open one is brought up to date, and
        // each that keeps no analysis (no open document: only what it published is kept) is
        // read again, so that the client's folders are searched before any file is opened.
        if req.method
            == <lsp_types::request::WorkspaceSymbolRequest as lsp_types::request::Request>::METHOD
        {
            self.flush(t);
            let unread: Vec<PathBuf> = (self.workspaces.iter())
                .filter(|(_, w)| w.analysis.is_none())
                .map(|(r, _)| r.clone())
                .collect();
            for root in unread {
                self.check(t, &root);
            }
            return;
        }
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
    /// search of the client's folders. None once `shutdown` or `exit` was received.
    pub(super) fn busy(&self) -> bool {
        !self.stopping && (self.discovery.is_some() || !self.dirty.is_empty() || self.job.is_some())
    }

    /// One slice of the work between messages: the first marked workspace is checked, or, with
    /// none, the search of the client's folders goes on.
    pub(super) fn background(&mut self, t: &Transport) {
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
    /// True when the background check has ended (its result waits to be collected).
    pub(super) fn job_done(&self) -> bool {
        (self.job.as_ref()).is_some_and(|j| j.done.load(Ordering::Acquire))
    }

    fn collect(&mut self, t: &Transport) {
        // Once `done`, the thread has nothing left but to end: joining it waits no longer.
        if !self.job_done() {
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

    /// The texts that stand for files of `root`: its documents, and any open `nimbus.toml`
    /// below it (the loader leaves that folder out, as a workspace of its own).
    pub(super) fn overlays(&self, root: &Path) -> Overlays {
        self.docs
            .iter()
            .filter(|(p, d)| {
                d.root.as_deref() == Some(root) || (p.starts_with(root) && is_settings(p))
            })
            .filter(|(_, d)| !d.disk_not_utf8)
            .map(|(p, d)| (p.clone(), d.current.text.as_str().as_bytes().to_vec()))
            .collect()
    }

    /// Checks `root` and publishes what changed. The check runs aside (see
    /// [`Server::aside`]): when `shutdown` or `exit` comes first, it is abandoned, and
    /// nothing is published.
    fn check(&mut self, t: &Transport, root: &Path) {
        if self.stopping {
            return;
        }
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
        // The last check goes along (the files it read are reused) and comes back.
        let previous = ws.analysis.take().map(|c| c.analysis);
        let start = Instant::now();
        let r = root.to_path_buf();
        let work = move || {
            // Files are named from the workspace's root in messages, whatever the server's
            // folder.
            let naming = Naming::at(&r);
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                analysis::check(&r, &naming, &overlays, previous.as_ref(), full, &mut cache)
            }));
            (outcome, previous, cache)
        };
        let Some((outcome, previous, cache)) = self.aside(t, work) else {
            return;
        };
        let Some(ws) = self.workspaces.get_mut(root) else {
            return;
        };
        let analysis = match outcome {
            Ok(a) => a,
            Err(payload) => {
                log(&format!(
                    "panic while checking {}: {}",
                    root.display(),
                    panic_message(&*payload)
                ));
                ws.analysis = previous.map(Checked::new);
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

    /// Runs `work` on a thread of its own and waits for it while taking the messages that
    /// arrive (each held for its turn): `None` when a `shutdown` or an `exit` arrives first.
    /// The thread is then left to end alone, its result dropped, and nothing more is checked
    /// or published (`stopping`): `shutdown` is answered at once, and `exit` ends the process,
    /// however long the check would have taken. (Messages that had arrived before the check
    /// began are answered as they would have been: the requests of a batch, after their own
    /// checks, then its `shutdown`. Requests held while the check ran are answered without
    /// its workspace's analysis, which went with the check: a hover then gives nothing, to a
    /// client that is shutting down.) With no thread to be had, `work` runs here; `None` too
    /// when the thread ended without a result.
    fn aside<R: Send + 'static>(
        &mut self,
        t: &Transport,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, rx) = mpsc::channel();
        let waker = t.waker();
        // Taken by the thread, or by this one when no thread could be started.
        let work = Arc::new(Mutex::new(Some(work)));
        let theirs = Arc::clone(&work);
        let spawned = std::thread::Builder::new()
            .name("lsp-check-open".to_owned())
            .spawn(move || {
                // Dropped in this order, even by a panic: the result is sent (or the channel
                // closed), then the loop woken.
                let _wake = WakeOnDrop(waker);
                let tx = tx;
                let work = theirs.lock().ok().and_then(|mut w| w.take());
                if let Some(work) = work {
                    let _ = tx.send(work());
                }
            });
        if let Err(e) = spawned {
            log(&format!("cannot start a check thread: {e}"));
            let work = work.lock().ok().and_then(|mut w| w.take());
            return work.map(|work| work());
        }
        let stop = |m: &Message| match m {
            Message::Request(r) => r.method == Shutdown::METHOD,
            Message::Notification(n) => n.method == Exit::METHOD,
            Message::Response(_) => false,
        };
        loop {
            match rx.try_recv() {
                Ok(result) => return Some(result),
                Err(mpsc::TryRecvError::Disconnected) => {
                    log("a check thread ended without a result");
                    return None;
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
            match t.hold_next(stop) {
                Ok(false) => {}
                Ok(true) => {
                    self.stopping = true;
                    return None;
                }
                // The input has ended: nothing will come to stop the check.
                Err(_) => return rx.recv().ok(),
            }
        }
    }
}

/// Wakes the loop when dropped: when a thread's work has ended, however it ended.
struct WakeOnDrop(Waker);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.wake();
    }
}

#[cfg(test)]
mod tests {
    use lsp_server::{Message, RequestId};
    use serde_json::{Value, json};

    use super::*;
    use crate::lsp::server::tests::{fixture, notification, published, request};
    use crate::lsp::server::{Ending, run};
    use crate::lsp::transport::memory;

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
    fn nothing_is_checked_or_published_after_shutdown_is_answered() {
        // The open file's check would come at the end of the batch, after `shutdown`.
        let desk = fixture("lsp/errors/desk.toml");
        let uri = convert::uri_of(&desk).unwrap();
        let text = std::fs::read_to_string(&desk).unwrap();
        let input = vec![
            request(1, "initialize", json!({"capabilities": {}})),
            notification("initialized", json!({})),
            notification(
                "textDocument/didOpen",
                json!({"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}),
            ),
            request(2, "shutdown", Value::Null),
        ];
        let (t, out) = memory::transport(input);
        assert_eq!(run(&t), Ok(Ending::Clean));
        let out = out.messages();
        let reply = (out.iter())
            .position(|m| matches!(m, Message::Response(r) if r.id == RequestId::from(2)))
            .expect("shutdown answered");
        assert!(published(&out[reply..], uri.as_str()).is_empty(), "{out:?}");
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
}

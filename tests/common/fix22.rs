//! A small language-server client for the fix audit's editor cases: `nimbus-lint lsp` as a
//! child process, spoken to in JSON-RPC over its stdin/stdout, every wait with a deadline.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The `file:` URI of a path, encoded as the server encodes it.
pub fn uri(path: &Path) -> String {
    let mut s = String::from("file://");
    for &b in path.to_str().expect("UTF-8 path").as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// A running server, initialized on a folder.
pub struct Lsp {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Lsp {
    /// Starts `nimbus-lint lsp` and initializes it on the folder `root` (UTF-16 positions).
    pub fn start(root: &Path) -> Lsp {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nimbus-lint lsp");
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("Content-Length")];
                if out.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut lsp = Lsp {
            child,
            stdin,
            incoming,
            next_id: 0,
        };
        lsp.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(root),
                   "workspaceFolders": [{"uri": uri(root), "name": "ws"}],
                   "capabilities": {}}),
        );
        lsp.notify("initialized", json!({}));
        lsp
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_string(v).unwrap();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.stdin.write_all(framed.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message that `accept` takes; the others are passed over.
    fn until(&mut self, accept: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = (self.incoming.recv_timeout(left)).expect("an answer from the server in time");
            if accept(&v) {
                return v;
            }
        }
    }

    /// Sends a request and waits for its response's result.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.until(|v| v["id"] == id && v.get("method").is_none())["result"].clone()
    }

    /// Opens the document at `path` with `text`, and waits for its first diagnostics that are
    /// not empty.
    pub fn open(&mut self, path: &Path, text: &str) -> Vec<Value> {
        let uri = uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}),
        );
        let published = self.until(|v| {
            v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == uri
                && v["params"]["diagnostics"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())
        });
        published["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The code actions of kind `only` offered over the whole of `text`, the document at `path`.
    pub fn actions(&mut self, path: &Path, text: &str, only: &str) -> Vec<Value> {
        let whole = json!({"start": {"line": 0, "character": 0},
                           "end": {"line": text.lines().count() + 1, "character": 0}});
        let result = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(path)}, "range": whole,
                   "context": {"diagnostics": [], "only": [only]}}),
        );
        result.as_array().cloned().unwrap_or_default()
    }

    /// `shutdown`, `exit`, and the exit code.
    pub fn stop(mut self) -> i32 {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exit code");
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

//! Audit 20 of the language server: `nimbus-lint lsp` as a child process, driven over
//! stdin/stdout in JSON-RPC, for the findings of `notes/audit-lsp-20.md`. Every wait has a
//! deadline, so a server that hangs fails the test.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one answer may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The `file:` URI of a path, every byte but the unreserved ones and `/` percent-encoded (as
/// the server spells it).
fn uri(path: &Path) -> String {
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

/// A running `nimbus-lint lsp`.
struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Messages that arrived while waiting for another.
    pending: VecDeque<Value>,
    next_id: i64,
}

impl Server {
    /// Starts a server and initializes it with `root` as its one folder.
    fn init(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nimbus-lint lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = Some(v.parse::<usize>().expect("length"));
                    }
                }
                let mut body = vec![0; len.expect("Content-Length")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        let mut s = Server {
            child,
            stdin,
            incoming: rx,
            pending: VecDeque::new(),
            next_id: 0,
        };
        let r = s.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "w"}],
                "capabilities": {},
            }),
        );
        assert!(r.get("result").is_some(), "{r}");
        s.notify("initialized", json!({}));
        s
    }

    /// Writes raw bytes to the server's input.
    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_string(v).expect("JSON");
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.incoming
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no message from the server within {TIMEOUT:?}: {e}"))
    }

    /// The response with id `id`; the messages before it are kept.
    fn response(&mut self, id: i64) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next(deadline);
            if v["id"] == id && v.get("method").is_none() {
                return v;
            }
            self.pending.push_back(v);
        }
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    /// Waits for diagnostics published for `uri` that satisfy `accept`; earlier ones for
    /// that URI are passed over, the other messages kept.
    fn diagnostics(&mut self, uri: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let is_it = |v: &Value| {
            v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
        };
        while let Some(i) = self.pending.iter().position(is_it) {
            let v = self.pending.remove(i).expect("pending");
            if accept(&v["params"]) {
                return v["params"].clone();
            }
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next(deadline);
            if is_it(&v) && accept(&v["params"]) {
                return v["params"].clone();
            }
            if !is_it(&v) {
                self.pending.push_back(v);
            }
        }
    }

    /// Every message the server sends until a request answers (the messages before it).
    fn until_answered(&mut self) -> Vec<Value> {
        let r = self.request("nimbus-lint/no-such-method", json!({}));
        assert_eq!(r["error"]["code"], -32601, "{r}");
        self.pending.drain(..).collect()
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}),
        );
    }

    fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    /// `shutdown` then `exit`; the exit code.
    fn stop(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().expect("exit code");
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The codes of a list of diagnostics.
fn codes(params: &Value) -> Vec<String> {
    (params["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter())
    .map(|d| d["code"].as_str().expect("code").to_owned())
    .collect()
}

const ORG: &str = "[ou.root]\n\n[ou.sales]\nparent = \"root\"\n";

#[test]
fn workspace_symbols_search_the_folders_workspaces_before_any_file_is_opened() {
    let dir = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        (
            "svc.toml",
            "[service.sales-desk]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    // The folder's first check is done, and published nothing (the workspace is clean).
    s.until_answered();
    let r = s.request("workspace/symbol", json!({"query": "desk"}));
    let names: Vec<&str> = (r["result"].as_array().expect("symbols").iter())
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["sales-desk"], "{r}");
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_closed_documents_list_goes_to_the_uri_the_client_opened_it_under() {
    // `+` and `@` are left as they are by some clients (Neovim); the server writes `%2B`.
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", ORG), ("a+b@c/x.toml", "")]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    s.until_answered();
    let client = uri(&root).replace("%2B", "+") + "/a+b@c/x.toml";
    let server = uri(&root.join("a+b@c/x.toml"));
    assert_ne!(client, server);
    s.open(&client, "[ou.other]\nparent = \"nowhere\"\n");
    let p = s.diagnostics(&client, |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&p), ["unknown-reference"]);
    // Closed: the file on disk is empty, so the list is cleared, under the client's URI.
    s.close(&client);
    s.diagnostics(&client, |p| p["diagnostics"] == json!([]));
    let elsewhere: Vec<Value> = (s.until_answered().into_iter())
        .filter(|m| m["params"]["uri"] == server.as_str())
        .collect();
    assert_eq!(elsewhere, Vec::<Value>::new());
    assert_eq!(s.stop(), 0);
}

#[test]
fn opening_a_file_under_another_spelling_clears_the_list_sent_under_the_servers() {
    let dir = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", ORG),
        ("a+b/x.toml", "[ou.other]\nparent = \"nowhere\"\n"),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    let server = uri(&root.join("a+b/x.toml"));
    let client = uri(&root).replace("%2B", "+") + "/a+b/x.toml";
    // The folder's check sends the file's error under the server's spelling.
    let p = s.diagnostics(&server, |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&p), ["unknown-reference"]);
    s.open(&client, "[ou.other]\nparent = \"nowhere\"\n");
    // That list is cleared, and the error sent under the client's.
    s.diagnostics(&server, |p| p["diagnostics"] == json!([]));
    let p = s.diagnostics(&client, |_| true);
    assert_eq!(codes(&p), ["unknown-reference"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_content_length_too_long_costs_no_message() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    s.until_answered();
    // Ten bytes too many: the first frame reads `Content-L` of the second one's header.
    let first = r#"{"jsonrpc":"2.0","id":100,"method":"nimbus-lint/a"}"#;
    let second = r#"{"jsonrpc":"2.0","id":101,"method":"nimbus-lint/b"}"#;
    let input = format!(
        "Content-Length: {}\r\n\r\n{first}Content-Length: {}\r\n\r\n{second}",
        first.len() + 10,
        second.len()
    );
    s.raw(input.as_bytes());
    for id in [100, 101] {
        let r = s.response(id);
        assert_eq!(r["error"]["code"], -32601, "{r}");
    }
    // Too long again, and the end falls inside the `é` of the next frame's body: both read.
    let third = r#"{"jsonrpc":"2.0","id":102,"method":"nimbus-lint/d"}"#;
    let fourth = r#"{"jsonrpc":"2.0","id":103,"method":"nimbus-lint/é"}"#;
    let header = format!("Content-Length: {}\r\n\r\n", fourth.len());
    let cut = fourth.find('é').expect("é") + 1;
    let input = format!(
        "Content-Length: {}\r\n\r\n{third}{header}{fourth}",
        third.len() + header.len() + cut
    );
    s.raw(input.as_bytes());
    for id in [102, 103] {
        let r = s.response(id);
        assert_eq!(r["error"]["code"], -32601, "{r}");
    }
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_replace_all_sent_from_the_end_of_a_large_document_is_applied_in_one_pass() {
    // No workspace: the edits are applied, and nothing is checked after them.
    let dir = common::workspace(&[("placeholder.txt", "")]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    let path = root.join("big.toml");
    let lines = 80_000;
    let text: String = (0..lines).map(|i| format!("k{i} = \"x\"\n")).collect();
    s.open(&uri(&path), &text);
    // Every `x` becomes `yy`, from the last line to the first, as VS Code sends a replace-all.
    let changes: Vec<Value> = (0..lines)
        .rev()
        .map(|i| {
            let col = format!("k{i} = \"").len();
            json!({"range": {"start": {"line": i, "character": col},
                             "end": {"line": i, "character": col + 1}}, "text": "yy"})
        })
        .collect();
    let change =
        |uri: &str| json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": changes});
    // The same message for a document not open: the time it takes to read it.
    let closed = uri(&root.join("closed.toml"));
    let started = Instant::now();
    s.notify("textDocument/didChange", change(&closed));
    s.until_answered();
    let read = started.elapsed();
    // Answered once the change is applied: one edit at a time, each moving the text and the
    // line starts after it, took many times longer (quadratic).
    let started = Instant::now();
    s.notify("textDocument/didChange", change(&uri(&path)));
    s.until_answered();
    let applied = started.elapsed();
    assert!(
        applied < read * 2 + Duration::from_secs(2),
        "{applied:?} (reading it: {read:?})"
    );
    // The text is the one the edits make: an edit at the last line's end lands there.
    let end = format!("k{} = \"yy\"", lines - 1).len();
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&path), "version": 3},
               "contentChanges": [{"range": {"start": {"line": lines - 1, "character": end},
                                             "end": {"line": lines, "character": 0}},
                                   "text": "\n[ou.x]\n"}]}),
    );
    let logged: Vec<Value> = (s.until_answered().into_iter())
        .filter(|m| m["method"] == "window/logMessage")
        .collect();
    assert_eq!(
        logged,
        Vec::<Value>::new(),
        "a range the server's text did not hold"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_lone_carriage_return_is_a_line_end_in_the_range_of_its_error() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    let doc = uri(&root.join("org.toml"));
    // For the protocol, `\r` alone ends line 1: the error there ends at the start of line 2,
    // not at column 17 of a line 16 columns long.
    s.open(
        &doc,
        "[ou.contoso]\nname = \"Contoso\"\r[ou.sales]\nparent = \"contoso\"\n",
    );
    let p = s.diagnostics(&doc, |p| !p["diagnostics"].as_array().unwrap().is_empty());
    assert_eq!(codes(&p), ["syntax"]);
    assert_eq!(
        p["diagnostics"][0]["range"],
        json!({"start": {"line": 1, "character": 16}, "end": {"line": 2, "character": 0}})
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_notification_with_invalid_parameters_is_reported_in_the_clients_log() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let mut s = Server::init(&root);
    s.until_answered();
    let doc = uri(&root.join("org.toml"));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "version": 1, "text": ORG}}),
    );
    let logged: Vec<String> = (s.until_answered().into_iter())
        .filter(|m| m["method"] == "window/logMessage")
        .map(|m| m["params"]["message"].as_str().expect("message").to_owned())
        .collect();
    assert_eq!(
        logged,
        [
            "nimbus-lint: ignored `textDocument/didOpen`: invalid parameters of \
          `textDocument/didOpen`: missing field `languageId`"
        ],
    );
    assert_eq!(s.stop(), 0);
}

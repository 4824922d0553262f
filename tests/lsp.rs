//! `nimbus-lint lsp`: the real binary as a child process, spoken to in JSON-RPC over its
//! stdin/stdout. Every wait has a deadline, so a server that hangs fails the test.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

mod common;

use serde_json::{Value, json};

/// How long any one answer may take.
const TIMEOUT: Duration = Duration::from_secs(30);

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lsp")
        .join(rel)
}

/// The `file:` URI of a path, encoded as the server encodes it.
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

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).expect("fixture")
}

/// Position encodings.
#[derive(Clone, Copy, PartialEq)]
enum Enc {
    Utf16,
    Utf8,
    Utf32,
}

/// The LSP position of byte `offset` of `text`.
fn position(text: &str, offset: usize, enc: Enc) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = match enc {
        Enc::Utf16 => before[start..].encode_utf16().count(),
        Enc::Utf8 => offset - start,
        Enc::Utf32 => before[start..].chars().count(),
    };
    json!({"line": line, "character": col})
}

/// The LSP range of the `nth` occurrence of `needle` in `text`.
fn range_of(text: &str, needle: &str, nth: usize, enc: Enc) -> Value {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} not in the text"))
        .0;
    json!({"start": position(text, start, enc), "end": position(text, start + needle.len(), enc)})
}

/// The LSP range of `len` bytes at `from` bytes into the `nth` occurrence of `needle`.
fn sub_range(text: &str, needle: &str, nth: usize, from: usize, len: usize, enc: Enc) -> Value {
    let start = text.match_indices(needle).nth(nth).expect("needle").0 + from;
    json!({"start": position(text, start, enc), "end": position(text, start + len, enc)})
}

/// A position inside the `nth` occurrence of `needle`, `into` bytes from its start.
fn inside(text: &str, needle: &str, nth: usize, into: usize, enc: Enc) -> Value {
    let start = text.match_indices(needle).nth(nth).expect("needle").0;
    position(text, start + into, enc)
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications (and requests) that arrived while waiting for something else.
    pending: VecDeque<Value>,
    next_id: i64,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(envs: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nimbus-lint"));
        cmd.arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start nimbus-lint lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines() {
                let Ok(line) = line else { return };
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
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
        Server {
            child,
            stdin,
            incoming: rx,
            pending: VecDeque::new(),
            next_id: 0,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// Starts a server and initializes it on `root`; `utf8` offers UTF-8 positions.
    fn init(root: &Path, utf8: bool) -> (Server, Value) {
        let mut s = Server::start(&[]);
        let result = s.initialize(root, utf8);
        (s, result)
    }

    fn initialize(&mut self, root: &Path, utf8: bool) -> Value {
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        self.initialize_with(root, encodings)
    }

    fn initialize_with(&mut self, root: &Path, encodings: Value) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "fixture"}],
                "capabilities": {
                    "general": {"positionEncodings": encodings},
                    "textDocument": {"rename": {"prepareSupport": true}},
                },
            }),
        );
        self.notify("initialized", json!({}));
        r["result"].clone()
    }

    /// Writes raw bytes to the server's input.
    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_string(v).unwrap();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.incoming.recv_timeout(left) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!(
                "no message from the server within {TIMEOUT:?}; stderr:\n{}",
                self.stderr.lock().unwrap()
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "the server closed its output; stderr:\n{}",
                self.stderr.lock().unwrap()
            ),
        }
    }

    /// Sends a request and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    /// The response with id `id`; the messages before it are kept for later.
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

    /// Waits for diagnostics published for `uri` that satisfy `accept`; earlier ones for
    /// that file are passed over, messages about other files are kept for later.
    fn diagnostics(&mut self, uri: &str, accept: impl Fn(&Value) -> bool) -> Value {
        let is_it = |v: &Value| {
            v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
        };
        if let Some(i) = self
            .pending
            .iter()
            .position(|v| is_it(v) && accept(&v["params"]))
        {
            let found = self.pending.remove(i).unwrap();
            let mut k = 0;
            self.pending.retain(|v| {
                k += 1;
                k > i || !is_it(v)
            });
            return found["params"].clone();
        }
        self.pending.retain(|v| !is_it(v));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next(deadline);
            if is_it(&v) {
                if accept(&v["params"]) {
                    return v["params"].clone();
                }
            } else {
                self.pending.push_back(v);
            }
        }
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.open_uri(&uri(path), text);
    }

    /// Opens a document under the URI as given (a client may spell it its own way).
    fn open_uri(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}),
        );
    }

    fn close_uri(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    /// Every message the server sends until a request answers (the messages before it, and
    /// those kept before).
    fn until_answered(&mut self) -> Vec<Value> {
        let r = self.request("nimbus-lint/no-such-method", json!({}));
        assert_eq!(r["error"]["code"], -32601, "{r}");
        self.pending.drain(..).collect()
    }

    fn change(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    fn at(&mut self, method: &str, path: &Path, pos: Value) -> Value {
        let mut params = json!({"textDocument": {"uri": uri(path)}, "position": pos});
        if method == "textDocument/references" {
            params["context"] = json!({"includeDeclaration": true});
        }
        self.request(method, params)
    }

    /// Asserts that the server logged no message until a request was answered: no change's
    /// range was amended (clamped or put in order), as it would be if the server's text were
    /// not the one the client edits.
    fn no_range_amended(&mut self) {
        let logged: Vec<Value> = (self.until_answered().into_iter())
            .filter(|m| m["method"] == "window/logMessage")
            .collect();
        assert_eq!(
            logged,
            Vec::<Value>::new(),
            "a range the server's text did not hold"
        );
    }

    /// Waits for a `window/logMessage` whose message holds `text` (see [`Server::notified`]).
    fn logged(&mut self, text: &str) -> Value {
        self.notified("window/logMessage", text)
    }

    /// Waits for a `method` notification whose message holds `text` (one already passed over
    /// included), and returns it; the messages before it are kept for later.
    fn notified(&mut self, method: &str, text: &str) -> Value {
        let is_it = |v: &Value| {
            v["method"] == method
                && v["params"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(text))
        };
        if let Some(v) = self.pending.iter().find(|v| is_it(v)) {
            return v.clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let v = self.next(deadline);
            self.pending.push_back(v.clone());
            if is_it(&v) {
                return v;
            }
        }
    }

    /// What the server wrote on stderr, all of it once it has exited.
    fn log(&mut self) -> String {
        if self.child.try_wait().ok().flatten().is_some()
            && let Some(reader) = self.stderr_reader.take()
        {
            let _ = reader.join();
        }
        self.stderr.lock().unwrap().clone()
    }

    /// `shutdown`, `exit`, and the exit code.
    fn stop(&mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        self.wait()
    }

    fn wait(&mut self) -> i32 {
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

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn codes(params: &Value) -> Vec<String> {
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn initialize_announces_the_capabilities_and_utf16_by_default() {
    let (mut s, caps) = Server::init(&fixture("nav"), false);
    let caps = &caps["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    // Incremental: ranges, not whole texts.
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["referencesProvider"], true);
    assert_eq!(caps["hoverProvider"], true);
    assert!(caps["completionProvider"].is_object());
    assert_eq!(caps["renameProvider"], json!({"prepareProvider": true}));
    assert_eq!(s.stop(), 0);
    // A client that prepares no renames is told of rename alone (LSP 3.17).
    let mut s = Server::start(&[]);
    let r = s.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&fixture("nav")), "capabilities": {}}),
    );
    assert_eq!(r["result"]["capabilities"]["renameProvider"], true, "{r}");
    s.notify("initialized", json!({}));
    assert_eq!(s.stop(), 0);
}

#[test]
fn diagnostics_appear_on_open_and_clear_when_the_edit_fixes_them() {
    let root = fixture("errors");
    let desk = root.join("desk.toml");
    let team = root.join("team.toml");
    let org = root.join("org.toml");
    let text = read_text(&desk);
    let (mut s, _) = Server::init(&root, false);
    s.open(&desk, &text);

    let d = s.diagnostics(&uri(&desk), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["missing-messaging-entry"]);
    let diag = &d["diagnostics"][0];
    assert_eq!(
        diag["range"],
        range_of(&text, "[\"whatsapp\"]", 0, Enc::Utf16)
    );
    assert_eq!(diag["severity"], 1);
    assert_eq!(diag["source"], "nimbus-lint");
    assert_eq!(
        diag["codeDescription"]["href"],
        nimbus_lint::rule_url(nimbus_lint::rules::Code::MissingMessagingEntry)
    );
    assert!(
        diag["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/rules/missing-messaging-entry")
    );
    let message = diag["message"].as_str().unwrap();
    assert!(
        message.starts_with("service `desk` offers WhatsApp but applies no messaging entry\nhelp: add `messaging_entry = \"…\"`"),
        "{message}"
    );
    assert!(
        message.contains("`messaging_entry = \"whatsapp-main\"`"),
        "{message}"
    );
    let related = diag["relatedInformation"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{related:?}");
    assert_eq!(related[0]["location"]["uri"], uri(&team));
    assert_eq!(
        related[0]["location"]["range"],
        range_of(
            &read_text(&team),
            "[service.team.instant_messaging]",
            0,
            Enc::Utf16
        )
    );
    assert_eq!(
        related[0]["message"],
        "`team` relies on `desk` as its only Twilio proxy"
    );

    // The entry the help suggests is not also reported unused in org.toml (a clean file that
    // was never published is not published).
    assert_eq!(s.last_published(&org), None);

    // Files that are not open get diagnostics of their own: without its IM table, the desk
    // proxies nothing, so team.toml's service is unreachable and org.toml's entry unused.
    let voice_only = text[..text.find("[service.desk.instant_messaging]").unwrap()].to_owned();
    s.change(&desk, 2, &voice_only);
    let d = s.diagnostics(&uri(&desk), |p| p["version"] == 2);
    assert_eq!(d["diagnostics"], json!([]));
    let t = s.diagnostics(&uri(&team), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&t), ["im-unreachable"]);
    let o = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&o), ["unused-messaging-entry"]);
    assert_eq!(o["diagnostics"][0]["severity"], 2);
    assert_eq!(o["diagnostics"][0]["tags"], json!([1]));
    assert_eq!(
        o["diagnostics"][0]["range"],
        range_of(
            &read_text(&org),
            "[messaging_entry.whatsapp-main]",
            0,
            Enc::Utf16
        )
    );

    // The fix in desk.toml clears desk.toml and, in other files, team.toml and org.toml.
    let fixed = text.replace(
        "channels = [",
        "messaging_entry = \"whatsapp-main\"\nchannels = [",
    );
    s.change(&desk, 3, &fixed);
    let d = s.diagnostics(&uri(&desk), |p| p["version"] == 3);
    assert_eq!(d["diagnostics"], json!([]));
    let t = s.diagnostics(&uri(&team), |p| p["diagnostics"] == json!([]));
    assert_eq!(t["diagnostics"], json!([]));
    let o = s.diagnostics(&uri(&org), |p| p["diagnostics"] == json!([]));
    assert_eq!(o["diagnostics"], json!([]));

    // And back: the error returns.
    s.change(&desk, 4, &text);
    let d = s.diagnostics(&uri(&desk), |p| p["version"] == 4);
    assert_eq!(codes(&d), ["missing-messaging-entry"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn go_to_definition_jumps_to_the_table_header_across_files() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let org = root.join("org.toml");
    let twilio = root.join("twilio.toml");
    let support = root.join("services/support.toml");
    let text = read_text(&sales);
    let (mut s, _) = Server::init(&root, false);
    s.open(&sales, &text);

    let cases = [
        // (needle in sales.toml, occurrence, file, header)
        ("\"sales\"", 0, &org, "[ou.sales]"),
        ("\"billing\"", 0, &support, "[service.billing]"),
        ("\"sales-team\"", 1, &sales, "[service.sales-team]"),
        (
            "\"whatsapp-sales\"",
            0,
            &twilio,
            "[messaging_entry.whatsapp-sales]",
        ),
    ];
    for (needle, nth, file, header) in cases {
        let r = s.at(
            "textDocument/definition",
            &sales,
            inside(&text, needle, nth, 3, Enc::Utf16),
        );
        let loc = &r["result"];
        assert_eq!(loc["uri"], uri(file), "{needle}: {r}");
        assert_eq!(
            loc["range"],
            range_of(&read_text(file), header, 0, Enc::Utf16),
            "{needle}"
        );
    }
    // `parent` in another file, opened too.
    let org_text = read_text(&org);
    s.open(&org, &org_text);
    let r = s.at(
        "textDocument/definition",
        &org,
        inside(&org_text, "parent = \"contoso\"", 0, 12, Enc::Utf16),
    );
    assert_eq!(
        r["result"]["range"],
        range_of(&org_text, "[ou.contoso]", 0, Enc::Utf16)
    );
    // Nothing to jump to from a key.
    let r = s.at(
        "textDocument/definition",
        &sales,
        inside(&text, "license", 0, 2, Enc::Utf16),
    );
    assert_eq!(r["result"], Value::Null);
    assert_eq!(s.stop(), 0);
}

#[test]
fn find_references_on_a_header_lists_every_use() {
    let root = fixture("nav");
    let org = root.join("org.toml");
    let twilio = root.join("twilio.toml");
    let sales = root.join("services/sales.toml");
    let org_text = read_text(&org);
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, &org_text);

    let r = s.at(
        "textDocument/references",
        &org,
        inside(&org_text, "[ou.sales]", 0, 5, Enc::Utf16),
    );
    let mut got: Vec<(String, Value)> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["uri"].as_str().unwrap().to_owned(), l["range"].clone()))
        .collect();
    got.sort_by_key(|(u, r)| (u.clone(), r.to_string()));
    let sales_text = read_text(&sales);
    let twilio_text = read_text(&twilio);
    let mut want = vec![
        (uri(&org), range_of(&org_text, "[ou.sales]", 0, Enc::Utf16)),
        (
            uri(&twilio),
            sub_range(&twilio_text, "sales\"\nconnector", 0, 0, 5, Enc::Utf16),
        ),
    ];
    for nth in 0..3 {
        want.push((
            uri(&sales),
            sub_range(&sales_text, "sales\"\nlicense", nth, 0, 5, Enc::Utf16),
        ));
    }
    want.sort_by_key(|(u, r)| (u.clone(), r.to_string()));
    assert_eq!(got, want);

    // From a use, the same list; without the declaration when asked.
    let r = s.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&org)},
               "position": inside(&org_text, "\"contoso\"", 0, 1, Enc::Utf16),
               "context": {"includeDeclaration": false}}),
    );
    let uses = r["result"].as_array().unwrap();
    // parent of sales and support; ou of twilio-us, sms-contoso, billing.
    assert_eq!(uses.len(), 5, "{uses:?}");
    assert!(
        uses.iter()
            .all(|l| l["uri"] != uri(&org) || l["range"]["start"]["line"] != 3)
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn hover_shows_kind_name_ou_path_and_proxies() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let text = read_text(&sales);
    let (mut s, _) = Server::init(&root, false);
    s.open(&sales, &text);

    let hover = |s: &mut Server, needle: &str, nth: usize| -> Value {
        let r = s.at(
            "textDocument/hover",
            &sales,
            inside(&text, needle, nth, 2, Enc::Utf16),
        );
        r["result"].clone()
    };
    let h = hover(&mut s, "\"sales-team\"", 0);
    assert_eq!(h["contents"]["kind"], "markdown");
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(
        v.starts_with("**service** `sales-team` — Sales Team"),
        "{v}"
    );
    assert!(v.contains("OU: Contoso › Sales"), "{v}");
    assert!(
        v.contains("proxied by front desks `sales-ivr`, `sales-sms`"),
        "{v}"
    );
    assert_eq!(h["range"], range_of(&text, "sales-team", 0, Enc::Utf16));

    let h = hover(&mut s, "\"billing\"", 0);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.starts_with("**service** `billing` — Billing"), "{v}");
    assert!(v.contains("OU: Contoso\n"), "{v}");
    assert!(v.contains("No instant messaging"), "{v}");

    // On a front desk's header.
    let h = hover(&mut s, "[service.sales-ivr]", 0);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.contains("Front desk (WhatsApp)"), "{v}");
    assert!(v.contains("messaging entry `whatsapp-sales`"), "{v}");

    let h = hover(&mut s, "\"whatsapp-sales\"", 0);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(
        v.starts_with("**messaging entry** `whatsapp-sales` — WhatsApp Sales"),
        "{v}"
    );
    assert!(v.contains("Connector: `twilio-us`"), "{v}");

    let h = hover(&mut s, "\"sales\"", 0);
    let v = h["contents"]["value"].as_str().unwrap();
    assert!(v.starts_with("**OU** `sales` — Sales"), "{v}");
    assert!(v.contains("Path: Contoso › Sales"), "{v}");

    assert_eq!(hover(&mut s, "license", 0), Value::Null);
    assert_eq!(s.stop(), 0);
}

fn labels(r: &Value) -> Vec<String> {
    r["result"]["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {r}"))
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn completion_offers_the_ids_visible_from_the_entity() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let twilio = root.join("twilio.toml");
    let text = read_text(&sales);
    let (mut s, _) = Server::init(&root, false);
    s.open(&sales, &text);

    // An emptied `messaging_entry` of sales-ivr (OU sales): entries of sales and contoso only.
    let edited = text.replace("\"whatsapp-sales\"", "\"\"");
    s.change(&sales, 2, &edited);
    let pos = inside(&edited, "messaging_entry = \"\"", 0, 19, Enc::Utf16);
    let r = s.at("textDocument/completion", &sales, pos.clone());
    assert_eq!(labels(&r), ["sms-contoso", "whatsapp-sales"]);
    let item = &r["result"]["items"][0];
    assert_eq!(item["textEdit"]["newText"], "sms-contoso");
    assert_eq!(item["textEdit"]["range"], json!({"start": pos, "end": pos}));
    assert!(
        item["detail"]
            .as_str()
            .unwrap()
            .contains("SMS Contoso · Contoso"),
        "{item}"
    );

    // Half typed, the string still open: the file does not parse; what contains the typed
    // text is offered.
    let typing = text.replace("\"whatsapp-sales\"", "\"wh");
    s.change(&sales, 3, &typing);
    let at = typing.find("\"wh\n").unwrap();
    let r = s.at(
        "textDocument/completion",
        &sales,
        position(&typing, at + 3, Enc::Utf16),
    );
    assert_eq!(labels(&r), ["whatsapp-sales"]);
    assert_eq!(
        r["result"]["items"][0]["textEdit"]["newText"],
        "whatsapp-sales\""
    );
    assert_eq!(
        r["result"]["items"][0]["textEdit"]["range"]["start"],
        position(&typing, at + 1, Enc::Utf16)
    );

    // `transfers`: every other service, those of this (broken) file included, but not
    // `sales-team`, which the list already holds.
    let typing = text.replace(
        "transfers = [\"sales-team\", \"billing\"]",
        "transfers = [\"sales-team\", \"",
    );
    s.change(&sales, 4, &typing);
    let at = typing.find("\"sales-team\", \"").unwrap() + "\"sales-team\", \"".len();
    let r = s.at(
        "textDocument/completion",
        &sales,
        position(&typing, at, Enc::Utf16),
    );
    assert_eq!(
        labels(&r),
        ["billing", "sales-sms", "support-desk", "support-tier2"]
    );

    // `ou`: every OU; without a quote typed, the item brings its quotes.
    let typing = text.replacen("ou = \"sales\"", "ou = ", 1);
    s.change(&sales, 5, &typing);
    let at = typing.find("ou = \n").unwrap() + 5;
    let r = s.at(
        "textDocument/completion",
        &sales,
        position(&typing, at, Enc::Utf16),
    );
    assert_eq!(labels(&r), ["contoso", "sales", "support"]);
    assert_eq!(r["result"]["items"][1]["textEdit"]["newText"], "\"sales\"");

    // `connector` of an entry of OU sales: not the support connector.
    let twilio_text = read_text(&twilio);
    let edited = twilio_text.replacen("connector = \"twilio-us\"", "connector = \"\"", 1);
    s.open(&twilio, &edited);
    let r = s.at(
        "textDocument/completion",
        &twilio,
        inside(&edited, "connector = \"\"", 0, 13, Enc::Utf16),
    );
    assert_eq!(labels(&r), ["twilio-us"]);

    // Not in a reference position.
    let r = s.at(
        "textDocument/completion",
        &twilio,
        inside(&edited, "type =", 0, 1, Enc::Utf16),
    );
    assert_eq!(r["result"], Value::Null);
    assert_eq!(s.stop(), 0);
}

/// The unicode fixture, its line ends made CRLF.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[test]
fn ranges_count_utf16_code_units_on_multibyte_crlf_text() {
    let root = fixture("unicode");
    let org = root.join("org.toml");
    let text = crlf(&read_text(&org));
    let (mut s, caps) = Server::init(&root, false);
    assert_eq!(caps["capabilities"]["positionEncoding"], "utf-16");
    s.open(&org, &text);
    let d = s.diagnostics(&uri(&org), |p| p["version"] == 1);
    assert_eq!(codes(&d), ["unknown-reference"]);
    let range = &d["diagnostics"][0]["range"];
    assert_eq!(*range, range_of(&text, "\"contosso\"", 0, Enc::Utf16));
    // 😀 is two UTF-16 code units, 日本 two, ö one: not bytes, not characters.
    assert_eq!(range["start"], json!({"line": 7, "character": 37}));

    // Positions coming in are UTF-16 too.
    let r = s.at(
        "textDocument/definition",
        &org,
        inside(&text, "\"contoso\", license", 0, 4, Enc::Utf16),
    );
    assert_eq!(
        r["result"]["range"],
        range_of(&text, "[ou.contoso]", 0, Enc::Utf16)
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn ranges_count_bytes_when_utf8_is_negotiated() {
    let root = fixture("unicode");
    let org = root.join("org.toml");
    let text = crlf(&read_text(&org));
    let (mut s, caps) = Server::init(&root, true);
    assert_eq!(caps["capabilities"]["positionEncoding"], "utf-8");
    s.open(&org, &text);
    let d = s.diagnostics(&uri(&org), |p| p["version"] == 1);
    let range = &d["diagnostics"][0]["range"];
    assert_eq!(*range, range_of(&text, "\"contosso\"", 0, Enc::Utf8));
    assert_eq!(range["start"], json!({"line": 7, "character": 44}));

    let h = s.at(
        "textDocument/hover",
        &org,
        inside(&text, "\"contoso\", license", 0, 4, Enc::Utf8),
    );
    assert_eq!(
        h["result"]["range"],
        sub_range(&text, "\"contoso\", license", 0, 1, 7, Enc::Utf8)
    );
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**OU** `contoso` — Contoso Zürich 🏔️")
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_panic_in_a_request_is_answered_and_the_server_goes_on() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let text = read_text(&sales);
    let mut s = Server::start(&[("NIMBUS_LINT_LSP_TEST_PANIC", "1")]);
    s.initialize(&root, false);
    s.open(&sales, &text);
    let r = s.request("nimbus-lint/panic", json!({}));
    assert_eq!(r["error"]["code"], -32603, "{r}");
    let r = s.at(
        "textDocument/hover",
        &sales,
        inside(&text, "\"billing\"", 0, 2, Enc::Utf16),
    );
    assert!(r["result"]["contents"]["value"].is_string(), "{r}");
    assert_eq!(s.stop(), 0);
    let log = s.log();
    assert!(
        log.contains("panic while answering `nimbus-lint/panic`"),
        "{log}"
    );
}

#[test]
fn unknown_requests_get_method_not_found_and_exit_without_shutdown_fails() {
    let (mut s, _) = Server::init(&fixture("nav"), false);
    let r = s.request("textDocument/formatting", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Without the test variable, the panic request is unknown too.
    let r = s.request("nimbus-lint/panic", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    s.notify("exit", Value::Null);
    assert_eq!(s.wait(), 1);
}

#[test]
fn files_created_closed_and_deleted_are_taken_into_account() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    std::fs::write(root.join("org.toml"), "[ou.contoso]\n").unwrap();
    let (mut s, _) = Server::init(&root, false);
    // The workspace folder holds nimbus.toml: it is checked at once, and clean (nothing is
    // published for a clean file that never had diagnostics).
    let org = root.join("org.toml");
    assert_eq!(s.last_published(&org), None);

    // An unsaved new file with a duplicate: both files learn of it.
    let new = root.join("zz.toml");
    s.open(&new, "[ou.contoso]\n");
    let n = s.diagnostics(&uri(&new), |p| p["version"] == 1);
    assert_eq!(codes(&n), ["duplicate-id"]);
    assert_eq!(
        n["diagnostics"][0]["relatedInformation"][0]["location"]["uri"],
        uri(&org)
    );
    // Closed without saving: it leaves the workspace, its list is emptied.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&new)}}),
    );
    let n = s.diagnostics(&uri(&new), |_| true);
    assert_eq!(n["diagnostics"], json!([]));

    // A file created on disk behind the editor's back, announced by the file watcher.
    let dup = root.join("z-dup.toml");
    std::fs::write(&dup, "[ou.contoso]\n").unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&dup), "type": 1}]}),
    );
    let d = s.diagnostics(&uri(&dup), |_| true);
    assert_eq!(codes(&d), ["duplicate-id"]);

    // Deleted again, unannounced: a save in the workspace reads the disk again.
    std::fs::remove_file(&dup).unwrap();
    s.open(&org, "[ou.contoso]\n");
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&org)}}),
    );
    let d = s.diagnostics(&uri(&dup), |_| true);
    assert_eq!(d["diagnostics"], json!([]));

    // A folder deleted as a whole: one event, for the folder (as VS Code sends it), and its
    // entities are gone.
    std::fs::create_dir(root.join("extra")).unwrap();
    std::fs::write(
        root.join("extra/ous.toml"),
        "[ou.sales]
parent = \"contoso\"\n",
    )
    .unwrap();
    let desk = root.join("desk.toml");
    let desk_text = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n";
    std::fs::write(&desk, desk_text).unwrap();
    s.open(&desk, desk_text);
    assert_eq!(s.last_published(&desk), Some(json!([])));
    std::fs::remove_dir_all(root.join("extra")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("extra")), "type": 3}]}),
    );
    let d = s.diagnostics(&uri(&desk), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["unknown-reference"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn the_server_watches_toml_files_and_deleted_folders() {
    let root = fixture("nav");
    let mut s = Server::start(&[]);
    s.request(
        "initialize",
        json!({
            "processId": null,
            "workspaceFolders": [{"uri": uri(&root), "name": "nav"}],
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
        }),
    );
    s.notify("initialized", json!({}));
    let deadline = std::time::Instant::now() + TIMEOUT;
    let register = loop {
        let v = s.next(deadline);
        if v["method"] == "client/registerCapability" {
            break v;
        }
    };
    assert_eq!(
        register["params"]["registrations"][0]["registerOptions"]["watchers"],
        json!([{"globPattern": "**/*.toml"}, {"globPattern": "**/*", "kind": 4}])
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn toml_files_outside_any_workspace_are_left_alone() {
    // No nimbus.toml anywhere: an editor that sends every TOML file gets nothing for them,
    // neither for the open files nor for the others of their folders.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let cargo = root.join("Cargo.toml");
    std::fs::write(&cargo, "[package]\nname = \"x\"\n").unwrap();
    let (mut s, _) = Server::init(&root, false);
    let new = root.join("new/folder/org.toml");
    s.open(&cargo, "[package]\nname = \"x\"\n");
    s.open(&new, "[ou.contoso]\nname = 1\n");
    // A round trip: every notification sent before its answer is queued by now.
    let hover = s.at(
        "textDocument/hover",
        &new,
        json!({"line": 0, "character": 5}),
    );
    assert_eq!(hover["result"], Value::Null, "{hover}");
    assert!(
        !s.pending
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "{:?}",
        s.pending
    );
    // A nimbus.toml (unsaved) makes the folder a workspace: both files are checked now.
    s.open(&root.join("nimbus.toml"), "");
    let n = s.diagnostics(&uri(&new), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&n), ["invalid-value"]);
    let c = s.diagnostics(&uri(&cargo), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&c), ["unknown-field"]);
    assert_eq!(s.stop(), 0);
}

impl Server {
    /// After a round trip, the diagnostics last published for `path` (`None`: none since the
    /// last call).
    fn last_published(&mut self, path: &Path) -> Option<Value> {
        let target = path.with_file_name("__round_trip__.toml");
        let _ = self.at(
            "textDocument/hover",
            &target,
            json!({"line": 0, "character": 0}),
        );
        let u = uri(path);
        let mut last = None;
        self.pending.retain(|m| {
            let it = m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == u;
            if it {
                last = Some(m["params"]["diagnostics"].clone());
            }
            !it
        });
        last
    }
}

#[test]
fn an_unsaved_nested_nimbus_toml_splits_the_workspace_until_it_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    std::fs::write(root.join("org.toml"), "[ou.contoso]\n").unwrap();
    let a = root.join("services/a.toml");
    std::fs::create_dir_all(a.parent().unwrap()).unwrap();
    let text = "[service.a]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    std::fs::write(&a, text).unwrap();
    let (mut s, _) = Server::init(&root, false);
    s.open(&a, text);
    assert_eq!(s.last_published(&a), Some(json!([])));
    // services/ becomes a workspace of its own, with no OU.
    let nested = root.join("services/nimbus.toml");
    s.open(&nested, "");
    let d = s.last_published(&a).expect("published");
    let codes: Vec<&str> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["root-ou"]);
    // Closed without saving: services/ is part of the outer workspace again, and clean.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&nested)}}),
    );
    assert_eq!(s.last_published(&a), Some(json!([])));
    assert_eq!(s.stop(), 0);
}

#[test]
fn excluded_and_hidden_files_stay_out_even_when_open() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("nimbus.toml"),
        "[workspace]\nexclude = [\"drafts/**\"]\n",
    )
    .unwrap();
    let billing = "[service.billing]\nou = \"contoso\"\nlicense = \"contact_center\"\n";
    let org = root.join("org.toml");
    std::fs::write(&org, format!("[ou.contoso]\n{billing}")).unwrap();
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, &format!("[ou.contoso]\n{billing}"));
    assert_eq!(s.last_published(&org), Some(json!([])));
    for rel in ["drafts/d.toml", ".hidden/h.toml", "ignored/i.toml"] {
        std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
        std::fs::write(root.join(rel), billing).unwrap();
    }
    std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
    for rel in [
        "drafts/d.toml",
        ".hidden/h.toml",
        "ignored/i.toml",
        "drafts/new.toml",
    ] {
        s.open(&root.join(rel), billing);
    }
    // No `duplicate-id` in org.toml, nothing for the files the walk skips.
    let last = s.last_published(&org);
    assert!(last.is_none() || last == Some(json!([])), "{last:?}");
    for rel in [
        "drafts/d.toml",
        ".hidden/h.toml",
        "ignored/i.toml",
        "drafts/new.toml",
    ] {
        assert_eq!(s.last_published(&root.join(rel)), None, "{rel}");
    }
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_removed_workspace_folder_leaves_no_diagnostics_behind() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    let org = root.join("org.toml");
    std::fs::write(&org, "[ou.contoso]\n[ou.x]\n").unwrap();
    let (mut s, _) = Server::init(&root, false);
    let d = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    s.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": uri(&root), "name": "w"}]}}),
    );
    assert_eq!(s.last_published(&org), Some(json!([])));
    // Added back the way Neovim 0.7 does it, with an empty entry among the removed: the
    // entry is skipped, the folder added, its workspace checked again.
    s.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri(&root), "name": "w"}], "removed": [{}]}}),
    );
    let d = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn navigation_works_in_a_file_with_a_syntax_error() {
    // A half-typed string at the end breaks the file's parse: it contributes no model, but
    // its references still lead to their entities.
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let twilio = root.join("twilio.toml");
    let text = format!("{}\n[service.new]\nou = \"sal\n", read_text(&sales));
    let (mut s, _) = Server::init(&root, false);
    s.open(&sales, &text);
    let d = s.diagnostics(&uri(&sales), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["syntax"]);
    let at = inside(&text, "\"whatsapp-sales\"", 0, 3, Enc::Utf16);
    let r = s.at("textDocument/definition", &sales, at.clone());
    assert_eq!(r["result"]["uri"], uri(&twilio), "{r}");
    assert_eq!(
        r["result"]["range"],
        range_of(
            &read_text(&twilio),
            "[messaging_entry.whatsapp-sales]",
            0,
            Enc::Utf16
        )
    );
    let r = s.at("textDocument/hover", &sales, at.clone());
    let hover = r["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(hover.contains("whatsapp-sales"), "{r}");
    // The references listed include the broken file's own, the one under the cursor too.
    let r = s.at("textDocument/references", &sales, at);
    let here = range_of(&text, "whatsapp-sales", 0, Enc::Utf16);
    let listed = r["result"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|l| l["uri"] == uri(&sales) && l["range"] == here),
        "references: {r}"
    );
    // From the definition, too.
    let twilio_text = read_text(&twilio);
    let header = inside(
        &twilio_text,
        "[messaging_entry.whatsapp-sales]",
        0,
        20,
        Enc::Utf16,
    );
    let r = s.at("textDocument/references", &twilio, header);
    assert!(
        r["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["uri"] == uri(&sales) && l["range"] == here),
        "references: {r}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn an_invalid_initialize_is_refused_and_a_valid_one_still_accepted() {
    let mut s = Server::start(&[]);
    let r = s.request(
        "hover",
        json!({"textDocument": {"uri": "file:///x.toml"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let r = s.request("initialize", json!({"capabilities": 5}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let result = s.initialize(&fixture("nav"), false);
    assert!(result["capabilities"]["hoverProvider"] == true, "{result}");
    assert_eq!(s.stop(), 0);
}

/// A folder holding no nimbus.toml with two tenants below it: `a` clean, `b` with two roots.
fn two_tenants() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("tenants/a/nimbus.toml", ""),
        ("tenants/a/org.toml", "[ou.contoso]\n"),
        ("tenants/b/nimbus.toml", ""),
        ("tenants/b/org.toml", "[ou.contoso]\n[ou.x]\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    (dir, root)
}

#[test]
fn every_workspace_in_the_folder_is_checked_at_the_start() {
    // A monorepo opened at its root, which holds no nimbus.toml: each tenant below it is a
    // workspace, checked at once, before any of its files is opened.
    let (_dir, root) = two_tenants();
    let (mut s, _) = Server::init(&root, false);
    let b = root.join("tenants/b/org.toml");
    let d = s.diagnostics(&uri(&b), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    // `a` is clean: nothing is published for it.
    let a = root.join("tenants/a/org.toml");
    assert_eq!(s.last_published(&a), None);
    assert_eq!(s.stop(), 0);
}

#[test]
fn closing_an_unsaved_nested_nimbus_toml_with_nothing_else_open_restores_the_outer_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        (
            "svc.toml",
            "[service.s]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
        (
            "sub/units.toml",
            "[ou.sales]\nparent = \"contoso\"\n\n[ou.y]\nparent = \"nope\"\n",
        ),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (svc, units) = (root.join("svc.toml"), root.join("sub/units.toml"));
    let (mut s, _) = Server::init(&root, false);
    let u = s.diagnostics(&uri(&units), |_| true);
    assert_eq!(codes(&u), ["unknown-reference"]);
    // sub/ becomes a workspace of its own: `sales` is no longer known to svc.toml.
    let nested = root.join("sub/nimbus.toml");
    s.open(&nested, "");
    let d = s.diagnostics(&uri(&svc), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["unknown-reference"]);
    // Closed without saving, with no other file below it open: the outer workspace reads
    // sub/ again, and both files are as `check` says.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&nested)}}),
    );
    let d = s.diagnostics(&uri(&svc), |p| p["diagnostics"] == json!([]));
    assert_eq!(d["diagnostics"], json!([]));
    let last = s.last_published(&units).unwrap_or(json!(null));
    let codes_of = |d: &Value| -> Vec<String> {
        (d.as_array().into_iter().flatten())
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes_of(&last), ["unknown-reference"], "{last}");
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_folder_workspace_keeps_its_diagnostics_when_its_last_open_file_closes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("t/nimbus.toml", ""),
        ("t/org.toml", "[ou.contoso]\n[ou.x]\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let org = root.join("t/org.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, "[ou.contoso]\n[ou.x]\n");
    let d = s.diagnostics(&uri(&org), |p| p["version"] == 1);
    assert_eq!(codes(&d), ["root-ou"]);
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&org)}}),
    );
    // Still in the client's folder, with its nimbus.toml: nothing clears it.
    let last = s.last_published(&org);
    assert!(
        last.as_ref()
            .is_none_or(|d| d.as_array().is_some_and(|a| !a.is_empty())),
        "{last:?}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_workspace_inside_a_folder_its_parent_excludes_is_left_out_as_check_leaves_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let two_roots = "[ou.p]\n[ou.q]\n";
    for (path, text) in [
        ("a/nimbus.toml", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        ("a/org.toml", "[ou.contoso]\n"),
        ("a/drafts/c/nimbus.toml", ""),
        ("a/drafts/c/org.toml", two_roots),
        ("z/nimbus.toml", ""),
        ("z/org.toml", two_roots),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (mut s, _) = Server::init(&root, false);
    // Workspaces are checked in path order: once `z` is published, `a/drafts/c` would have been.
    let z = s.diagnostics(&uri(&root.join("z/org.toml")), |_| true);
    assert_eq!(codes(&z), ["root-ou"]);
    assert_eq!(s.last_published(&root.join("a/drafts/c/org.toml")), None);
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .args(["check", "-q", "a"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&cli.stdout),
        "0 errors, 0 warnings in 2 files\n"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_deleted_folder_takes_the_diagnostics_of_the_workspaces_below_it_along() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\n"),
        ("plain/x/nimbus.toml", ""),
        ("plain/x/org.toml", "[ou.p]\n[ou.q]\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let x = root.join("plain/x/org.toml");
    let (mut s, _) = Server::init(&root, false);
    let d = s.diagnostics(&uri(&x), |_| true);
    assert_eq!(codes(&d), ["root-ou"]);
    // One event for the folder, as editors send when a folder is deleted.
    std::fs::remove_dir_all(root.join("plain")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("plain")), "type": 3}]}),
    );
    let d = s.diagnostics(&uri(&x), |_| true);
    assert_eq!(d["diagnostics"], json!([]));
    assert_eq!(s.stop(), 0);
}

/// The lines of `text` as the protocol counts them (`\n`, `\r\n` and a lone `\r` each end
/// one), each with the byte offset where it starts, without its line end.
fn protocol_lines(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if matches!(bytes[i], b'\n' | b'\r') {
            lines.push((start, &text[start..i]));
            i += usize::from(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n'));
            start = i + 1;
        }
        i += 1;
    }
    lines.push((start, &text[start..]));
    lines
}

/// The byte offset in `text` of a UTF-16 LSP position (a column past its line's end taken
/// as that end).
fn protocol_offset(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap() as usize;
    let character = pos["character"].as_u64().unwrap() as usize;
    let Some(&(start, content)) = protocol_lines(text).get(line) else {
        return text.len();
    };
    let mut units = 0;
    for (i, c) in content.char_indices() {
        if units >= character {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + content.len()
}

/// `text` with LSP text edits applied (UTF-16 positions), the last edit first.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |pos: &Value| protocol_offset(text, pos);
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            (
                offset(&r["start"]),
                offset(&r["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn quick_fixes_mend_misspellings_and_fix_all_clears_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    // A line with characters outside the BMP before the fixes: ranges in UTF-16 units.
    let text = "service.team = { name = \"Équipe 🏔\", ou = \"contso\", license = \"contact_centre\" }\n\n\
                [ou.contoso]\nname = \"Contoso\"\n\n\
                [service.desk]\nname = \"Desk\"\nou = 'contso'\nlicence = \"contact_center\"\n";
    let org = root.join("org.toml");
    std::fs::write(&org, text).unwrap();
    let (mut s, caps) = Server::init(&root, false);
    assert_eq!(
        caps["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll.nimbus-lint"])
    );
    s.open(&org, text);
    let d = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(
        codes(&d),
        [
            "unknown-reference",
            "invalid-value",
            "unknown-reference",
            "unknown-field"
        ]
    );

    // At the misspelled licence: one quick fix, for the diagnostic there.
    let at = range_of(text, "\"contact_centre\"", 0, Enc::Utf16);
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": at,
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    let actions = r["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let fix = &actions[0];
    assert_eq!(fix["title"], "Replace with `contact_center`");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "invalid-value");
    assert_eq!(
        fix["edit"]["changes"][uri(&org)],
        json!([{"range": at, "newText": "\"contact_center\""}])
    );
    // A key is renamed; nothing is offered where no diagnostic is.
    let at = range_of(text, "licence", 0, Enc::Utf16);
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": at, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = (r["result"].as_array().unwrap().iter())
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Rename to `license`",
            "Fix all nimbus-lint problems that have one certain fix"
        ]
    );
    let at = range_of(text, "name = \"Desk\"", 0, Enc::Utf16);
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": at,
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(r["result"], json!([]));
    // The cursor elsewhere on the line, with the line's diagnostic sent as the context (as
    // Neovim does): its quick fix is offered all the same.
    let licence = (d["diagnostics"].as_array().unwrap().iter())
        .find(|x| x["code"] == "invalid-value")
        .unwrap()
        .clone();
    let line = licence["range"]["start"]["line"].clone();
    let cursor =
        json!({"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}});
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": cursor,
               "context": {"diagnostics": [licence], "only": ["quickfix"]}}),
    );
    let titles: Vec<&str> = (r["result"].as_array().unwrap().iter())
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Replace with `contact_center`"]);

    // Fix all, asked for as `source`: applied, the file is clean.
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 12, "character": 0}});
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": whole,
               "context": {"diagnostics": [], "only": ["source"]}}),
    );
    let actions = r["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.nimbus-lint");
    let edits = actions[0]["edit"]["changes"][uri(&org)].as_array().unwrap();
    assert_eq!(edits.len(), 4);
    let fixed = apply_edits(text, edits);
    assert_eq!(
        fixed,
        "service.team = { name = \"Équipe 🏔\", ou = \"contoso\", license = \"contact_center\" }\n\n\
         [ou.contoso]\nname = \"Contoso\"\n\n\
         [service.desk]\nname = \"Desk\"\nou = 'contoso'\nlicense = \"contact_center\"\n"
    );
    s.change(&org, 2, &fixed);
    let d = s.diagnostics(&uri(&org), |p| p["version"] == 2);
    assert_eq!(d["diagnostics"], json!([]));
    assert_eq!(s.stop(), 0);
}

#[test]
fn completion_filters_by_what_was_typed_caps_the_list_and_skips_listed_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    let mut text = String::from(
        "[ou.contoso]\n\n[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"svc-7\", \"\"]\n",
    );
    for i in 0..600 {
        text.push_str(&format!(
            "\n[service.svc-{i}]\nou = \"contoso\"\nlicense = \"contact_center\"\n"
        ));
    }
    let file = root.join("all.toml");
    std::fs::write(&file, &text).unwrap();
    let (mut s, _) = Server::init(&root, false);
    s.open(&file, &text);
    // The file parses (the empty item is an unknown reference): `svc-7`, already listed, and
    // `desk` itself are not offered; 599 candidates, capped.
    let at = inside(&text, "\"\"]", 0, 1, Enc::Utf16);
    let r = s.at("textDocument/completion", &file, at);
    assert_eq!(r["result"]["isIncomplete"], true, "{r}");
    let all = labels(&r);
    assert_eq!(all.len(), 500);
    assert!(!all.iter().any(|l| l == "svc-7" || l == "desk"));
    // Typed `svc-59`: the ten that contain it and svc-59 itself, the list complete.
    let typed = text.replacen("\"\"]", "\"svc-59\"]", 1);
    s.change(&file, 2, &typed);
    let at = inside(&typed, "\"svc-59\"]", 0, 7, Enc::Utf16);
    let r = s.at("textDocument/completion", &file, at);
    assert_eq!(r["result"]["isIncomplete"], false, "{r}");
    let mut got = labels(&r);
    got.sort();
    let mut want: Vec<String> = std::iter::once("svc-59".to_owned())
        .chain((0..10).map(|i| format!("svc-59{i}")))
        .collect();
    want.sort();
    assert_eq!(got, want);
    // Mid-typing, the list left open (the file does not parse): `svc-7`, listed in the text,
    // is still not offered.
    let open = text.replacen("\"\"]", "\"svc-7", 1);
    s.change(&file, 3, &open);
    let at = inside(&open, "\"svc-7\n", 0, 6, Enc::Utf16);
    let r = s.at("textDocument/completion", &file, at);
    let mut got = labels(&r);
    got.sort();
    let want: Vec<String> = (0..10).map(|i| format!("svc-7{i}")).collect();
    assert_eq!(got, want);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_file_not_utf8_on_disk_keeps_its_error_while_open_unedited() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    let file = root.join("org.toml");
    std::fs::write(&file, b"[ou.contoso]\nname = \"Caf\xe9\"\n").unwrap();
    let (mut s, _) = Server::init(&root, false);
    // The editor decodes it as Latin-1 and sends valid text: the disk is still not UTF-8.
    let decoded = "[ou.contoso]\nname = \"Café\"\n";
    s.open(&file, decoded);
    let d = s.diagnostics(&uri(&file), |p| p["version"] == 1);
    assert_eq!(codes(&d), ["syntax"], "{d}");
    // Edited: the buffer is checked as typed.
    s.change(&file, 2, "[ou.contoso]\nname = \"Cafe\"\n");
    let d = s.diagnostics(&uri(&file), |p| p["version"] == 2);
    assert_eq!(d["diagnostics"], json!([]));
    // Saved in its old encoding: the error is back.
    std::fs::write(&file, b"[ou.contoso]\nname = \"Caf\xe9!\"\n").unwrap();
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri(&file)}}),
    );
    let d = s.diagnostics(&uri(&file), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["syntax"]);
    // A file made on disk after the last load, not UTF-8, opened after an edit elsewhere (so
    // that a keystroke's check, which reuses the last load, comes first): read from the disk.
    s.change(&file, 3, "[ou.contoso]\nname = \"Cafe\"\n");
    s.diagnostics(&uri(&file), |p| p["version"] == 3);
    let later = root.join("later.toml");
    std::fs::write(
        &later,
        b"[ou.later]\nparent = \"contoso\"\nname = \"Caf\xe9\"\n",
    )
    .unwrap();
    s.open(
        &later,
        "[ou.later]\nparent = \"contoso\"\nname = \"Café\"\n",
    );
    let d = s.diagnostics(&uri(&later), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["syntax"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn hovers_are_plain_text_for_a_client_without_markdown_and_root_path_is_a_root() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let text = read_text(&sales);
    // The client's list is in its order of preference.
    for (formats, kind) in [
        (json!(["plaintext"]), "plaintext"),
        (json!(["plaintext", "markdown"]), "plaintext"),
        (json!(["markdown", "plaintext"]), "markdown"),
    ] {
        let mut s = Server::start(&[]);
        s.request(
            "initialize",
            json!({
                "processId": null,
                "rootPath": root.to_str().unwrap(),
                "capabilities": {"textDocument": {"hover": {"contentFormat": formats}}},
            }),
        );
        s.notify("initialized", json!({}));
        s.open(&sales, &text);
        let at = inside(&text, "\"whatsapp-sales\"", 0, 3, Enc::Utf16);
        let r = s.at("textDocument/hover", &sales, at);
        assert_eq!(r["result"]["contents"]["kind"], kind, "{r}");
        if kind == "plaintext" {
            let value = r["result"]["contents"]["value"].as_str().unwrap();
            assert!(
                value.starts_with("messaging entry whatsapp-sales"),
                "{value}"
            );
            assert!(!value.contains('`') && !value.contains("**"), "{value}");
        }
        assert_eq!(s.stop(), 0);
    }
}

#[test]
fn a_background_check_of_another_workspace_does_not_hold_up_requests() {
    // Two tenants below the folder; `b`'s check is held in flight for 1.5 s by the test hook.
    let (_dir, root) = two_tenants();
    let mut s = Server::start(&[("NIMBUS_LINT_LSP_TEST_CHECK_DELAY_MS", "1500")]);
    s.initialize(&root, false);
    // Give the folder search time to find both and start a check.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let a = root.join("tenants/a/org.toml");
    let b = root.join("tenants/b/org.toml");
    s.open(&a, "[ou.contoso]\n");
    let r = s.at("textDocument/hover", &a, json!({"line": 0, "character": 5}));
    assert!(
        r["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("contoso")),
        "{r}"
    );
    // Answered while `b` is still being checked: nothing published for it yet.
    let published_b = s
        .pending
        .iter()
        .any(|v| v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri(&b));
    assert!(
        !published_b,
        "the hover waited for the other workspace's check"
    );
    // And `b`'s check ends and publishes.
    let d = s.diagnostics(&uri(&b), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_deep_ou_path_is_shown_as_its_root_and_last_levels() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("nimbus.toml"), "").unwrap();
    let mut text = String::from("[ou.o0]\nname = \"Top\"\n");
    for i in 1..3000 {
        text.push_str(&format!("[ou.o{i}]\nparent = \"o{}\"\n", i - 1));
    }
    text.push_str("[ou.leaf]\nparent = \"\"\n");
    let file = root.join("org.toml");
    std::fs::write(&file, &text).unwrap();
    let (mut s, _) = Server::init(&root, false);
    s.open(&file, &text);
    // Completing `parent` of the leaf: every OU of the chain, each detail a short path.
    let at = inside(&text, "parent = \"\"", 0, 10, Enc::Utf16);
    let r = s.at("textDocument/completion", &file, at);
    let items = r["result"]["items"].as_array().unwrap();
    // No `filterText` (the label already): with one, Neovim 0.7 replaces the word before the
    // cursor, not the range of `textEdit`.
    assert!(items.iter().all(|i| i.get("filterText").is_none()));
    let detail = |label: &str| {
        let item = items.iter().find(|i| i["label"] == label);
        let item = item.unwrap_or_else(|| panic!("no item {label}"));
        item["detail"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        detail("o1000"),
        "OU · o1000 · Top › … › o997 › o998 › o999 › o1000"
    );
    assert_eq!(detail("o1"), "OU · o1 · Top › o1");
    assert_eq!(detail("o0"), "OU · Top · Top");
    // Hovers: up to six levels in full; `…` stands for two levels at least.
    let mut path = |header: &str| {
        let at = inside(&text, &format!("{header}\n"), 0, 5, Enc::Utf16);
        let h = s.at("textDocument/hover", &file, at);
        let v = h["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .to_owned();
        v.lines()
            .find_map(|l| l.strip_prefix("Path: "))
            .unwrap_or_else(|| panic!("no path: {v}"))
            .to_owned()
    };
    assert_eq!(path("[ou.o5]"), "Top › o1 › o2 › o3 › o4 › o5");
    assert_eq!(path("[ou.o6]"), "Top › … › o3 › o4 › o5 › o6");
    assert_eq!(
        path("[ou.o2999]"),
        "Top › … › o2996 › o2997 › o2998 › o2999"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn hovers_never_show_a_secret_whatever_characters_it_holds() {
    // Secrets whose Markdown or escaped form differs from the text: `_`, `*`/`&`, U+202E.
    let secrets = [
        "correct_horse_battery_staple",
        "*Tr0ub4dor&3xyzzyPLUGH*",
        "correct\u{202e}horsebatterystaple",
    ];
    for secret in secrets {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("nimbus.toml"), "").unwrap();
        let quoted = serde_json::to_string(secret).unwrap();
        // The secret is the OU's name, and a service names it as its (unknown) OU too.
        let text = format!(
            "[ou.contoso]\nname = {quoted}\n\
             [connector.tw]\nou = \"contoso\"\ntype = \"twilio\"\n\
             api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\napi_key_secret = {quoted}\n\
             [service.s]\nou = {quoted}\nlicense = \"contact_center\"\n"
        );
        let org = root.join("org.toml");
        std::fs::write(&org, &text).unwrap();
        for markdown in [true, false] {
            let mut s = Server::start(&[]);
            let format = if markdown { "markdown" } else { "plaintext" };
            s.request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": uri(&root),
                    "capabilities": {"textDocument": {"hover": {"contentFormat": [format]}}},
                }),
            );
            s.notify("initialized", json!({}));
            s.open(&org, &text);
            for (needle, nth) in [("contoso", 0), ("contoso", 1), ("[service.s]", 0)] {
                let at = inside(&text, needle, nth, 2, Enc::Utf16);
                let r = s.at("textDocument/hover", &org, at);
                let value = r["result"]["contents"]["value"].as_str().unwrap();
                for shown in [secret, "horse", "Tr0ub4dor", "\\u{202e}"] {
                    assert!(!value.contains(shown), "{secret:?} {format}: {value}");
                }
                let masked = format!("({} characters)", secret.chars().count());
                assert!(value.contains(&masked), "{secret:?} {format}: {value}");
            }
            assert_eq!(s.stop(), 0);
        }
    }
}

#[test]
fn a_file_whose_nested_workspace_ends_gets_its_new_list_without_an_empty_one_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in [
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n"),
        ("sub/nimbus.toml", ""),
        (
            "sub/x.toml",
            "[ou.r2]\n[service.s]\nou = \"root\"\nlicense = \"contact_center\"\n",
        ),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let x = root.join("sub/x.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&x, &read_text(&x));
    // In its own workspace, `root` is unknown.
    let d = s.diagnostics(&uri(&x), |p| !codes(p).is_empty());
    assert_eq!(codes(&d), ["unknown-reference"]);
    std::fs::remove_file(root.join("sub/nimbus.toml")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&root.join("sub/nimbus.toml")), "type": 3}]}),
    );
    // In the outer one, `r2` is a second root: that list comes next, no empty one before it.
    let d = s.diagnostics(&uri(&x), |_| true);
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn the_folder_search_stops_at_workspaces_nested_more_than_32_deep_as_check_does() {
    // A chain of 35 workspaces, each in a folder of the one above: the folder search checks
    // the first 33 (the top one and 32 nested below it) and names the rest in its log; a
    // file opened in one of those is checked.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut level = root.clone();
    let mut levels = Vec::new();
    for _ in 0..35 {
        std::fs::create_dir_all(&level).unwrap();
        std::fs::write(level.join("nimbus.toml"), "").unwrap();
        std::fs::write(level.join("org.toml"), "[ou.p]\n[ou.q]\n").unwrap();
        levels.push(level.clone());
        level = level.join("n");
    }
    let (mut s, _) = Server::init(&root, false);
    let deadline = Instant::now() + TIMEOUT;
    while !s.log().contains("nested more than 32 deep") {
        assert!(Instant::now() < deadline, "no word of the deep workspaces");
        std::thread::sleep(Duration::from_millis(20));
    }
    let last_checked = levels[32].join("org.toml");
    let d = s.diagnostics(&uri(&last_checked), |_| true);
    assert_eq!(codes(&d), ["root-ou"]);
    let log = s.log();
    for (i, level) in levels.iter().enumerate() {
        let named = log.contains(&format!("{}: workspaces nested", level.display()));
        assert_eq!(named, i > 32, "level {i}: {log}");
    }
    assert_eq!(s.last_published(&levels[33].join("org.toml")), None);
    let deep = levels[34].join("org.toml");
    s.open(&deep, "[ou.p]\n[ou.q]\n");
    let d = s.diagnostics(&uri(&deep), |_| true);
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[cfg(unix)]
#[test]
fn a_nimbus_toml_that_is_a_broken_link_still_marks_the_root_and_its_error_is_logged() {
    // As `check` takes it: the folder is a workspace, whose settings cannot be read.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("ws")).unwrap();
    std::os::unix::fs::symlink("missing.toml", root.join("ws/nimbus.toml")).unwrap();
    let org = root.join("ws/org.toml");
    std::fs::write(&org, "[ou.p]\n[ou.q]\n").unwrap();
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, "[ou.p]\n[ou.q]\n");
    let d = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    let logged = s.logged("nimbus.toml: broken symbolic link, not read");
    let line = logged["params"]["message"].as_str().unwrap();
    // Named from its workspace's root, the line says which workspace that is.
    let workspace = format!("(workspace {})", root.join("ws").display());
    assert!(line.ends_with(&workspace), "{line}");
    assert_eq!(s.stop(), 0);
    // In the client's log, not on stderr (which Neovim logs as errors).
    assert!(!s.log().contains("broken symbolic link"), "{}", s.log());
}

#[test]
fn completion_never_offers_an_id_that_is_a_credential() {
    let secret = "Ybcdefghijklmnop0123456789ABCDEF";
    let org = format!(
        "[ou.contoso]\n[ou.sales]\nparent = \"contoso\"\n[ou.{secret}]\nparent = \"contoso\"\n"
    );
    let text = "[service.s]\nou = \"\"\nlicense = \"contact_center\"\n";
    let (_dir, root) = folder_with(&[("nimbus.toml", ""), ("org.toml", &org), ("s.toml", text)]);
    let svc = root.join("s.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&svc, text);
    let pos = inside(text, "ou = \"\"", 0, 6, Enc::Utf16);
    let r = s.at("textDocument/completion", &svc, pos);
    assert_eq!(labels(&r), ["contoso", "sales"]);
    assert!(!r.to_string().contains(&secret[4..]), "{r}");
    assert_eq!(s.stop(), 0);
}

#[test]
fn an_open_text_is_held_to_max_file_size_as_it_grows_past_it_and_shrinks_back() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", "[workspace]\nmax_file_size = 30\n"),
        ("a.toml", "[ou.c]\n"),
    ]);
    let a = root.join("a.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&a, "[ou.c]\n");
    // 53 bytes: refused, as `check` refuses the file on disk; the log says why.
    s.change(
        &a,
        2,
        "[ou.c]\nname = \"a very long name that exceeds\"\n[ou.d]\n",
    );
    s.logged("more than the limit of 30");
    // Shown to the user too: a file with no diagnostics would say nothing.
    let shown = s.notified("window/showMessage", "more than the limit of 30");
    assert_eq!(shown["params"]["type"], 2, "{shown}");
    let published = s.last_published(&a);
    assert!(
        published
            .as_ref()
            .is_none_or(|d| d.as_array().unwrap().is_empty()),
        "{published:?}"
    );
    // Back under the limit: checked again.
    s.change(&a, 3, "[ou.c]\n[ou.d]\n");
    let d = s.diagnostics(&uri(&a), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn definition_in_a_broken_file_finds_an_entity_the_file_defines_itself() {
    let text = "[service.s]\nou = \"c\"\nlicense = \"contact_center\"\ntransfers = [\"t\"]\n\
                [service.t]\nou = \"c\"\nlicense = \"contact_center\"\nbroken = [\n";
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.c]\n"),
        ("s.toml", text),
    ]);
    let svc = root.join("s.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&svc, text);
    let d = s.diagnostics(&uri(&svc), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&d), ["syntax"]);
    let r = s.at(
        "textDocument/definition",
        &svc,
        inside(text, "[\"t\"]", 0, 2, Enc::Utf16),
    );
    assert_eq!(r["result"]["uri"], uri(&svc));
    assert_eq!(
        r["result"]["range"],
        range_of(text, "[service.t]", 0, Enc::Utf16)
    );
    assert_eq!(s.stop(), 0);
}

/// A temporary folder holding `files` (paths relative to it, folders made), and its real path.
fn folder_with(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    (dir, root)
}

#[test]
fn without_a_file_watcher_a_save_moves_open_files_to_a_workspace_made_or_deleted_on_disk() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n"),
        (
            "sub/x.toml",
            "[ou.r2]\n[service.s]\nou = \"root\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let x = root.join("sub/x.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&x, &read_text(&x));
    let d = s.diagnostics(&uri(&x), |p| !codes(p).is_empty());
    assert_eq!(codes(&d), ["root-ou"]);
    // A `git checkout` makes sub/ a workspace of its own; the editor only says it saved x.
    let nested = root.join("sub/nimbus.toml");
    std::fs::write(&nested, "").unwrap();
    let save = json!({"textDocument": {"uri": uri(&x)}});
    s.notify("textDocument/didSave", save.clone());
    let d = s.diagnostics(&uri(&x), |p| codes(p) != ["root-ou"]);
    assert_eq!(codes(&d), ["unknown-reference"]);
    // And back.
    std::fs::remove_file(&nested).unwrap();
    s.notify("textDocument/didSave", save);
    let d = s.diagnostics(&uri(&x), |p| codes(p) != ["unknown-reference"]);
    assert_eq!(codes(&d), ["root-ou"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_reference_in_triple_quotes_is_highlighted_without_its_quotes() {
    let org_text =
        "[ou.root]\n\n[ou.a]\nparent = \"\"\"root\"\"\"\n\n[ou.b]\nparent = '''\nroot'''\n";
    let (_dir, root) = folder_with(&[("nimbus.toml", ""), ("org.toml", org_text)]);
    let org = root.join("org.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, org_text);
    let r = s.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&org)},
               "position": inside(org_text, "[ou.root]", 0, 5, Enc::Utf16),
               "context": {"includeDeclaration": false}}),
    );
    let mut got: Vec<Value> = (r["result"].as_array().unwrap().iter())
        .map(|l| l["range"].clone())
        .collect();
    got.sort_by_key(|r| r.to_string());
    assert_eq!(
        got,
        [
            sub_range(org_text, "root\"\"\"", 0, 0, 4, Enc::Utf16),
            sub_range(org_text, "root'''", 0, 0, 4, Enc::Utf16),
        ]
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn fix_all_quotes_every_bare_value_of_a_file_as_check_fix_does() {
    let text = "[ou.contoso]\nname = Contoso\n[ou.sales]\nname = Sales Team\nparent = contoso\n";
    let (_dir, root) = folder_with(&[("nimbus.toml", ""), ("org.toml", text)]);
    let org = root.join("org.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, text);
    let whole = json!({"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}});
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&org)}, "range": whole,
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = r["result"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{actions:?}");
    let edits = actions[0]["edit"]["changes"][uri(&org)].as_array().unwrap();
    assert_eq!(
        apply_edits(text, edits),
        text.replace("= Contoso", "= \"Contoso\"")
            .replace("= Sales Team", "= \"Sales Team\"")
            .replace("= contoso", "= \"contoso\"")
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_byte_order_mark_kept_in_an_editors_text_is_a_column_and_one_on_disk_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let on_disk = "\u{feff}ou.b.parent = \"sale\"\n";
    for (path, text) in [
        ("nimbus.toml", ""),
        // Named, so that `sale` in both files reads as the misspelling, not `sales`.
        (
            "org.toml",
            "[ou.root]\n[ou.sales]\nname = \"Sales\"\nparent = \"root\"\n",
        ),
        ("disk.toml", on_disk),
    ] {
        std::fs::write(root.join(path), text).unwrap();
    }
    for enc in [Enc::Utf16, Enc::Utf8] {
        let (mut s, _) = Server::init(&root, enc == Enc::Utf8);
        // A file read from disk: editors drop the mark from what they show.
        let disk = root.join("disk.toml");
        let d = s.diagnostics(&uri(&disk), |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        });
        let start = on_disk.find("\"sale\"").unwrap() - 3;
        assert_eq!(
            d["diagnostics"][0]["range"]["start"],
            json!({"line": 0, "character": start})
        );
        // A buffer that kept it: positions count it, in and out.
        let x = root.join("x.toml");
        let text = "\u{feff}ou.a.parent = \"sale\"\r\n";
        s.open(&x, text);
        let d = s.diagnostics(&uri(&x), |p| p["version"] == 1);
        assert_eq!(codes(&d), ["unknown-reference"]);
        assert_eq!(
            d["diagnostics"][0]["range"],
            range_of(text, "\"sale\"", 0, enc)
        );
        let actions = s.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri(&x)}, "range": range_of(text, "\"sale\"", 0, enc),
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        );
        let edit = &actions["result"][0]["edit"]["changes"][uri(&x)][0];
        assert_eq!(
            edit["range"],
            range_of(text, "\"sale\"", 0, enc),
            "{actions}"
        );
        assert_eq!(edit["newText"], "\"sales\"");
        assert_eq!(s.stop(), 0);
    }
}

/// The `.toml` files below `root`, with their texts, by path relative to it.
fn toml_files(root: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "toml") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fix_all_in_every_file_makes_one_round_of_check_fix() {
    // Every rule's fixture: the editor's fix-all in each file makes the files one round of
    // `check --fix` makes, the same fixes from the same analysis.
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture("../rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.push(fixture("../many-errors"));
    dirs.push(fixture("../hostile/fix-collisions/ws"));
    // A file that does not parse, with bare values on several lines, beside a file with a
    // misspelled reference.
    let (_bare, bare) = folder_with(&[
        ("nimbus.toml", ""),
        (
            "org.toml",
            "[ou.contoso]\nname = Contoso\n[ou.sales]\nname = Sales Team\nparent = contoso\n",
        ),
        ("s.toml", "[ou.support]\nparent = \"contosso\"\n"),
    ]);
    dirs.push(bare);
    dirs.sort();
    let mut fixed_somewhere = 0;
    for dir in dirs {
        let files = toml_files(&dir);
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (_a, cli) = folder_with(&refs);
        let (_b, editor) = folder_with(&refs);
        let (mut s, _) = Server::init(&editor, false);
        for (rel, text) in &files {
            s.open(&editor.join(rel), text);
        }
        for (rel, text) in &files {
            let path = editor.join(rel);
            let whole = json!({"start": {"line": 0, "character": 0},
                               "end": {"line": text.lines().count() + 1, "character": 0}});
            let r = s.request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": uri(&path)}, "range": whole,
                       "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
            );
            if let Some(action) = r["result"].as_array().and_then(|a| a.first()) {
                let edits = action["edit"]["changes"][uri(&path)].as_array().unwrap();
                std::fs::write(&path, apply_edits(text, edits)).unwrap();
                fixed_somewhere += 1;
            }
        }
        assert_eq!(s.stop(), 0);
        // One round of `check --fix`, from the same analysis as the editor's.
        std::process::Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
            .current_dir(&cli)
            .args(["check", "--fix", "-q"])
            .env("NIMBUS_LINT_TEST_FIX_ROUNDS", "1")
            .output()
            .unwrap();
        assert_eq!(toml_files(&editor), toml_files(&cli), "{}", dir.display());
    }
    assert!(fixed_somewhere >= 4, "{fixed_somewhere}");
}

#[test]
fn ranges_count_characters_when_utf32_is_negotiated() {
    let root = fixture("unicode");
    let org = root.join("org.toml");
    let text = crlf(&read_text(&org));
    let mut s = Server::start(&[]);
    let caps = s.initialize_with(&root, json!(["utf-32", "utf-16"]));
    assert_eq!(caps["capabilities"]["positionEncoding"], "utf-32");
    s.open(&org, &text);
    let d = s.diagnostics(&uri(&org), |p| p["version"] == 1);
    let range = &d["diagnostics"][0]["range"];
    assert_eq!(*range, range_of(&text, "\"contosso\"", 0, Enc::Utf32));
    // The command line's column, less one: 😀 is one character.
    assert_eq!(range["start"], json!({"line": 7, "character": 36}));
    let r = s.at(
        "textDocument/definition",
        &org,
        inside(&text, "\"contoso\", license", 0, 4, Enc::Utf32),
    );
    assert_eq!(
        r["result"]["range"],
        range_of(&text, "[ou.contoso]", 0, Enc::Utf32)
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_background_check_that_ends_while_the_loop_is_busy_is_still_published() {
    // Three tenants. `b` is large enough that a check of an edit of it keeps the loop busy
    // for longer than the background check of `a`, held 100 ms by the test hook. While `b`
    // is checked, an edit of `c` waits in the queue, and the wake-up of `a`'s finished check
    // comes after it: taken with that edit, the wake-up was lost, and `a` never published.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut big = String::from("[ou.contoso]\n");
    for i in 0..12000 {
        big.push_str(&format!(
            "[service.s{i}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"s{}\"]\n",
            (i + 1) % 12000
        ));
    }
    for (path, text) in [
        ("a/nimbus.toml", ""),
        ("a/org.toml", "[ou.contoso]\n"),
        ("b/nimbus.toml", ""),
        ("b/org.toml", big.as_str()),
        ("c/nimbus.toml", ""),
        ("c/org.toml", "[ou.contoso]\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (a, b, c) = (
        root.join("a/org.toml"),
        root.join("b/org.toml"),
        root.join("c/org.toml"),
    );
    let mut s = Server::start(&[
        ("NIMBUS_LINT_LSP_TEST_CHECK_DELAY_MS", "100"),
        ("NIMBUS_LINT_LSP_TRACE", "1"),
    ]);
    s.initialize(&root, false);
    let has = |code: &'static str| {
        move |p: &Value| {
            p["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == code)
        }
    };
    s.open(&a, "[ou.contoso]\nbogus = 1\n");
    s.diagnostics(&uri(&a), has("unknown-field"));
    s.open(&b, &big);
    s.open(&c, "[ou.contoso]\n");
    // Every workspace checked once in the background (the folder search is over).
    std::thread::sleep(std::time::Duration::from_millis(2000));
    // Closed unsaved: `a` is checked again from the disk, in the background.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&a)}}),
    );
    // The loop starts that check, then takes the edit of `b` (a check of about half a second
    // here); the edit of `c` comes while it runs, and the wake-up after it.
    std::thread::sleep(std::time::Duration::from_millis(50));
    s.change(&b, 2, &format!("{big}\n"));
    std::thread::sleep(std::time::Duration::from_millis(30));
    s.change(&c, 2, "[ou.contoso]\n\n");
    let d = s.diagnostics(&uri(&a), |p| !has("unknown-field")(p));
    assert_eq!(codes(&d), Vec::<String>::new(), "{}", s.log());
    assert_eq!(s.stop(), 0);
}

#[test]
fn the_server_gives_the_syntax_messages_and_helps_of_the_command_line() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let (mut s, _) = Server::init(&root, false);
    for (tail, message, needle) in [
        (
            "[service.new]\nou = “sales”\n",
            "invalid TOML: curly quotes “ ” are not TOML quotes\nhelp: use straight quotes: `ou = \"sales\"`",
            "“sales”",
        ),
        (
            "[service.new]\ntransfers = [\"x\"\n\n[service.other]\n",
            "invalid TOML: unclosed array: the `[` on line 3 has no `]`\nhelp: add `]` after `\"x\"`",
            "[\"x\"",
        ),
    ] {
        let text = format!("{}\n{tail}", read_text(&sales));
        let line = text.lines().count() - tail.lines().count() + 2;
        let message = message.replace("line 3", &format!("line {line}"));
        s.open(&sales, &text);
        let d = s.diagnostics(&uri(&sales), |p| {
            !p["diagnostics"].as_array().unwrap().is_empty()
        });
        assert_eq!(codes(&d), ["syntax"]);
        let diag = &d["diagnostics"][0];
        assert_eq!(diag["message"], message.as_str(), "{diag}");
        let nth = text.matches(needle).count() - 1;
        let want = range_of(&text, needle, nth, Enc::Utf16);
        assert_eq!(diag["range"]["start"], want["start"], "{diag}");
    }
}

// ------------------------------------------------------------------------------------------
// Incremental text sync, and `shutdown` while a check runs.

/// The UTF-16 position of byte `offset` of `text`, where `\n`, `\r\n` and a lone `\r` each end
/// a line (the protocol's lines, which the server's positions count too; the command line
/// counts `\n` only, which makes a difference only where a lone `\r` is).
fn edit_position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let mut line = 0;
    let mut start = 0;
    for (i, b) in before.bytes().enumerate() {
        let crlf = b == b'\r' && text.as_bytes().get(i + 1) == Some(&b'\n');
        if b == b'\n' || (b == b'\r' && !crlf) {
            line += 1;
            start = i + 1;
        }
    }
    json!({"line": line, "character": before[start..].encode_utf16().count()})
}

/// A change replacing bytes `a..b` of `text` (its range in UTF-16 positions), which is
/// applied to `text` as a plain string edit too.
fn splice(text: &mut String, a: usize, b: usize, new: &str) -> Value {
    let range = json!({"start": edit_position(text, a), "end": edit_position(text, b)});
    text.replace_range(a..b, new);
    json!({"range": range, "text": new})
}

/// [`splice`] of bytes `from..to` of the `nth` occurrence of `needle` in `text`.
fn splice_in(
    text: &mut String,
    needle: &str,
    nth: usize,
    from: usize,
    to: usize,
    new: &str,
) -> Value {
    let start = at(text, needle, nth, 0);
    splice(text, start + from, start + to, new)
}

/// Byte offset of the `nth` occurrence of `needle` in `text`, plus `into`.
fn at(text: &str, needle: &str, nth: usize, into: usize) -> usize {
    text.match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} not in the text"))
        .0
        + into
}

/// A diagnostic as both sides can give it: code, message (with its help), and the start as
/// a 1-based line and character column.
type Seen = (String, String, u64, u64);

/// What `check --stdin-filename PATH -` reports for `text` as the file `path` of the
/// workspace at `root`, for that file.
fn cli_diagnostics(root: &Path, path: &Path, text: &str) -> Vec<Seen> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nimbus-lint"))
        .args(["check", "--format", "json", "--stdin-filename"])
        .arg(path)
        .arg("-")
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run check");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check's JSON: {e}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let name = path.strip_prefix(root).unwrap().to_str().unwrap();
    let mut seen: Vec<Seen> = (report["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["file"] == name)
        .map(|d| {
            let mut message = d["message"].as_str().unwrap().to_owned();
            if let Some(help) = d["help"].as_str().filter(|h| !h.is_empty()) {
                message = format!("{message}\nhelp: {help}");
            }
            let code = d["code"].as_str().unwrap().to_owned();
            (
                code,
                message,
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    seen
}

/// The server's diagnostics for `text` in the same terms: the protocol's lines (where a lone
/// `\r` ends one) and UTF-16 columns turned into the command line's (lines at `\n` only,
/// characters).
fn lsp_diagnostics(params: &Value, text: &str) -> Vec<Seen> {
    let mut seen: Vec<Seen> = (params["diagnostics"].as_array().unwrap().iter())
        .map(|d| {
            let at = protocol_offset(text, &d["range"]["start"]);
            let before = &text[..at];
            let line = before.matches('\n').count();
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let chars = before[start..].chars().count();
            let code = d["code"].as_str().unwrap().to_owned();
            let message = d["message"].as_str().unwrap().to_owned();
            (code, message, line as u64 + 1, chars as u64 + 1)
        })
        .collect();
    seen.sort();
    seen
}

impl Server {
    /// Sends `changes` (ranged or whole) as version `version` of `path`.
    fn edit(&mut self, path: &Path, version: i64, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version},
                   "contentChanges": changes}),
        );
    }

    /// After version `version` of `path`, which should now be `text`: the server's
    /// diagnostics for it are those `check` gives for that text. Returns their codes.
    fn same_as_cli(&mut self, root: &Path, path: &Path, version: i64, text: &str) -> Vec<String> {
        let d = self.diagnostics(&uri(path), |p| p["version"] == version);
        let cli = cli_diagnostics(root, path, text);
        assert_eq!(lsp_diagnostics(&d, text), cli, "version {version}:\n{text}");
        cli.into_iter().map(|(code, ..)| code).collect()
    }
}

#[test]
fn incremental_edits_of_astral_and_crlf_text_leave_the_text_check_sees() {
    let root = fixture("unicode");
    let org = root.join("org.toml");
    let mut text = crlf(&read_text(&org));
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, &text);
    assert_eq!(s.same_as_cli(&root, &org, 1, &text), ["unknown-reference"]);

    // Several changes in one notification, each on the text the one before left: the typo
    // after `😀 日本` fixed, an emoji typed between two others, an unknown OU after them.
    let changes = vec![
        splice_in(&mut text, "contosso", 0, 6, 7, ""),
        splice_in(&mut text, "😀😀", 0, 4, 4, "🎉"),
        splice_in(&mut text, "\"contoso\", lic", 1, 1, 8, "nowhere😀"),
    ];
    assert!(
        text.contains("😀🎉😀 Hülfe\", ou = \"nowhere😀\""),
        "{text}"
    );
    s.edit(&org, 2, changes);
    assert_eq!(s.same_as_cli(&root, &org, 2, &text), ["unknown-reference"]);

    // Whole CRLF lines away and in: the comment line, and a new OU with an unknown key.
    let comment = at(&text, "# Zürich", 0, 0);
    let next = comment + text[comment..].find("\r\n").unwrap() + 2;
    let mut changes = vec![splice(&mut text, comment, next, "")];
    let end = text.len();
    changes.push(splice(
        &mut text,
        end,
        end,
        "\r\n[ou.zurich]\r\nname = \"Zürich 🏔️\"\r\nparent = \"contoso\"\r\nbogus = 1\r\n",
    ));
    s.edit(&org, 3, changes);
    assert_eq!(
        s.same_as_cli(&root, &org, 3, &text),
        ["unknown-field", "unknown-reference"]
    );

    // A change without a range still replaces the whole text; ranged ones follow it.
    text = text.replace("bogus = 1", "bogus = \"😀\"");
    let mut changes = vec![json!({"text": text})];
    changes.push(splice_in(&mut text, "bogus", 0, 0, 5, "name2"));
    s.edit(&org, 4, changes);
    s.same_as_cli(&root, &org, 4, &text);

    // A line typed one character at a time, a notification each, as editors send them: its
    // `\r` is a line end of its own until the `\n` joins it.
    let mut version = 5;
    let line = at(&text, "name2", 0, 0);
    for (i, c) in "transfers = [\"🙂\"]\r\n".chars().enumerate() {
        let p = line + "transfers = [\"🙂\"]\r\n".char_indices().nth(i).unwrap().0;
        let change = splice(&mut text, p, p, &c.to_string());
        s.edit(&org, version, vec![change]);
        version += 1;
    }
    assert_eq!(
        s.same_as_cli(&root, &org, version - 1, &text),
        ["unknown-field", "unknown-field", "unknown-reference"]
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn ranges_outside_the_text_inside_a_character_or_inverted_are_clamped_and_logged() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.contoso]\r\nname = \"😀\"\r\n"),
    ]);
    let org = root.join("org.toml");
    let mut text = read_text(&org);
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, &text);
    s.same_as_cli(&root, &org, 1, &text);
    let change = |start: (u32, u32), end: (u32, u32), new: &str| {
        json!({"range": {"start": {"line": start.0, "character": start.1},
                         "end": {"line": end.0, "character": end.1}},
               "text": new})
    };

    // Past the end of a line: its end, before `\r\n`.
    s.edit(&org, 2, vec![change((0, 99), (0, 120), " # x")]);
    text = text.replacen("[ou.contoso]", "[ou.contoso] # x", 1);
    s.logged("(version 2) has a range, 0:99-0:120, that lies outside the text");
    s.same_as_cli(&root, &org, 2, &text);

    // Between the two halves of `😀` (columns 8 and 9): after it.
    s.edit(&org, 3, vec![change((1, 9), (1, 9), "b")]);
    text = text.replacen("😀", "😀b", 1);
    s.logged("(version 3) has a range, 1:9-1:9, that splits a character");
    s.same_as_cli(&root, &org, 3, &text);

    // Lines past the end: the end of the text.
    s.edit(
        &org,
        4,
        vec![change(
            (50, 0),
            (60, 3),
            "[ou.extra]\r\nparent = \"nowhere\"\r\n",
        )],
    );
    text.push_str("[ou.extra]\r\nparent = \"nowhere\"\r\n");
    s.logged("(version 4) has a range, 50:0-60:3, that lies outside the text");
    assert_eq!(s.same_as_cli(&root, &org, 4, &text), ["unknown-reference"]);

    // An end before the start: the two swapped.
    s.edit(&org, 5, vec![change((1, 4), (1, 0), "label")]);
    text = text.replacen("name", "label", 1);
    s.logged("(version 5) has a range, 1:4-1:0, that ends before it starts");
    assert_eq!(
        s.same_as_cli(&root, &org, 5, &text),
        ["unknown-field", "unknown-reference"]
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn shutdown_is_answered_before_the_check_of_a_large_change_ends_and_nothing_follows() {
    let mut big = String::from("[ou.contoso]\nname = \"Contoso\"\n");
    for i in 0..12000 {
        big.push_str(&format!(
            "[service.s{i}]\nou = \"contoso\"\nlicense = \"contact_center\"\ntransfers = [\"s{}\"]\n",
            (i + 1) % 12000
        ));
    }
    let (_dir, root) = folder_with(&[("nimbus.toml", ""), ("org.toml", big.as_str())]);
    let org = root.join("org.toml");
    let u = uri(&org);
    let (mut s, _) = Server::init(&root, false);
    s.open(&org, &big);
    s.diagnostics(&u, |p| p["version"] == 1);

    // A change that takes a check of the whole file, and `shutdown` right behind it, in one
    // write: the server takes the change first, and the check it starts would publish
    // version 2 when it ends.
    let change = splice(&mut big, 0, 0, "# edited\n");
    s.next_id += 1;
    let id = s.next_id;
    let frames: String = [
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": u, "version": 2}, "contentChanges": [change]}}),
        json!({"jsonrpc": "2.0", "id": id, "method": "shutdown", "params": null}),
    ]
    .iter()
    .map(|v| {
        let body = v.to_string();
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    })
    .collect();
    s.stdin.write_all(frames.as_bytes()).unwrap();
    s.stdin.flush().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let v = s.next(deadline);
        if v["id"] == id {
            assert_eq!(v["result"], Value::Null, "{v}");
            break;
        }
        // The reply comes first: the check of version 2 has not ended, or was never begun.
        assert!(
            !(v["method"] == "textDocument/publishDiagnostics" && v["params"]["version"] == 2),
            "version 2 was published before `shutdown` was answered"
        );
    }
    s.notify("exit", Value::Null);
    assert_eq!(s.wait(), 0);
    // Nothing at all after the reply.
    let after: Vec<Value> = s.incoming.iter().collect();
    assert!(after.is_empty(), "{after:?}");
}

// ------------------------------------------------------------------------------------------
// Random editing sessions: seeded, so a failure replays.

/// A small seeded generator (SplitMix64): the sessions are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A place in `text` a position can name: a character boundary, not inside a `\r\n`.
    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) || inside_crlf(text, at) {
            at -= 1;
        }
        at
    }
}

/// True between the `\r` and the `\n` of a line end, which no LSP position names.
fn inside_crlf(text: &str, at: usize) -> bool {
    at > 0 && text.as_bytes()[at - 1] == b'\r' && text.as_bytes().get(at) == Some(&b'\n')
}

/// What a random edit types: pieces of TOML, of the workspace's ids and of text that breaks
/// it (quotes, brackets, line ends of both kinds, a lone `\r`, characters of every width).
const TYPED: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "=",
    " = ",
    ".",
    ",",
    "{",
    "}",
    "#",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\\",
    "\"\"\"",
    "1",
    "true",
    "é",
    "日本",
    "😀",
    "sales",
    "support",
    "contoso",
    "sales-team",
    "billing",
    "twilio-us",
    "whatsapp-sales",
    "\nou = \"sales\"\n",
    "\ntransfers = [\"billing\", \"support-desk\"]\n",
    "\n[service.new]\nou = \"contoso\"\n",
    "\n[service.new.instant_messaging]\nchannels = [\"sms\"]\n",
    "channels",
    "messaging_entry",
    "license = \"contact_center\"",
    "\n# nimbus-lint: allow(im-no-agents)\n",
    "[ou.",
    "service.",
    "\nparent = \"sales\"",
    "\n[ou.new]\nname = \"New\"\n",
    "\n[connector.new]\ntype = \"twilio\"\nou = \"support\"\n",
    "connector = \"twilio-support\"",
    // Misspellings with one certain fix, for the quick fixes.
    "\ntransfers = [\"sales-taem\", \"biling\"]\n",
    "\nlicense = \"contact_centre\"\n",
    "\nchanels = [\"sms\"]\n",
    "\nou = \"contosso\"\n",
    "\nconnector = \"twilio-su\"\n",
];

/// Whole lines a line-wise edit inserts: valid TOML, some with a misspelling that has one
/// certain fix.
const LINES: &[&str] = &[
    "transfers = [\"sales-taem\", \"biling\"]",
    "license = \"contact_centre\"",
    "chanels = [\"sms\"]",
    "ou = \"contosso\"",
    "connector = \"twilio-su\"",
    "parent = \"sales\"",
    "[service.new]",
    "[service.new.instant_messaging]",
    "messaging_entry = \"whatsap-sales\"",
    "[ou.new]",
    "# nimbus-lint: allow(im-no-agents)",
    "",
];

/// A random change to `text` (applied to it too): a piece typed, a run deleted, or a run
/// replaced by a piece; with `lines`, a whole line inserted or deleted (ended as the text's
/// first line is).
fn random_change(rng: &mut Rng, text: &mut String, lines: bool) -> Value {
    let a = rng.boundary(text);
    if lines {
        let a = text[..a].rfind('\n').map_or(0, |i| i + 1);
        let end = if text.contains("\r\n") { "\r\n" } else { "\n" };
        if rng.below(3) == 0 {
            let b = text[a..].find('\n').map_or(text.len(), |i| a + i + 1);
            return splice(text, a, b, "");
        }
        let line = format!("{}{end}", LINES[rng.below(LINES.len())]);
        return splice(text, a, a, &line);
    }
    let mut b = a;
    if rng.below(3) > 0 {
        for _ in 0..=rng.below(12) {
            if let Some(c) = text[b..].chars().next() {
                b += c.len_utf8();
            }
        }
        if inside_crlf(text, b) {
            b += 1;
        }
    }
    let new = if b > a && rng.below(2) == 0 {
        ""
    } else {
        TYPED[rng.below(TYPED.len())]
    };
    splice(text, a, b, new)
}

/// Every location in a definition or references answer lies in its file's text: the open
/// text for `open`, the file on disk for the others.
fn locations_inside(answer: &Value, open: &Path, text: &str, asked: &str) {
    let list = match answer {
        Value::Null => return,
        Value::Array(list) => list.clone(),
        one => vec![one.clone()],
    };
    for loc in list {
        let target = loc["uri"].as_str().expect("a location's uri");
        let body = if target == uri(open) {
            text.to_owned()
        } else {
            let path = target.strip_prefix("file://").expect("a file: uri");
            std::fs::read_to_string(path).expect("a location in a file on disk")
        };
        let lines = protocol_lines(&body);
        for end in ["start", "end"] {
            let p = &loc["range"][end];
            let line = p["line"].as_u64().unwrap() as usize;
            let character = p["character"].as_u64().unwrap() as usize;
            assert!(
                line < lines.len() && character <= lines[line].1.encode_utf16().count(),
                "{asked}: {loc} lies outside the text:\n{body}"
            );
        }
    }
}

/// Random requests at random places of `text`, the open document `path`: each is answered,
/// none with an error, and what points into a text points inside it. Returns the edits of a
/// quick fix offered for the document, if one was.
fn random_requests(s: &mut Server, rng: &mut Rng, path: &Path, text: &str) -> Option<Vec<Value>> {
    let mut fix = None;
    for _ in 0..3 {
        let at = rng.boundary(text);
        let pos = edit_position(text, at);
        let doc = json!({"uri": uri(path)});
        let (method, params) = match rng.below(8) {
            0 => (
                "textDocument/hover",
                json!({"textDocument": doc, "position": pos}),
            ),
            1 => (
                "textDocument/definition",
                json!({"textDocument": doc, "position": pos}),
            ),
            2 => (
                "textDocument/references",
                json!({"textDocument": doc, "position": pos,
                       "context": {"includeDeclaration": rng.below(2) == 0}}),
            ),
            3 => (
                "textDocument/completion",
                json!({"textDocument": doc, "position": pos}),
            ),
            4 => (
                "textDocument/prepareRename",
                json!({"textDocument": doc, "position": pos}),
            ),
            5 => (
                "textDocument/rename",
                json!({"textDocument": doc, "position": pos, "newName": "renamed"}),
            ),
            6 => ("textDocument/documentSymbol", json!({"textDocument": doc})),
            _ => {
                let end = edit_position(text, at.max(rng.boundary(text)));
                (
                    "textDocument/codeAction",
                    json!({"textDocument": doc, "range": {"start": pos, "end": end},
                           "context": {"diagnostics": []}}),
                )
            }
        };
        let r = s.request(method, params);
        // A rename may be refused (-32803, with the reason), never fail otherwise.
        let refused = method.contains("ename") && r["error"]["code"] == -32803;
        assert!(
            r.get("error").is_none() || refused,
            "{method} at {pos}: {r}\n{text}"
        );
        if matches!(
            method,
            "textDocument/definition" | "textDocument/references"
        ) {
            locations_inside(&r["result"], path, text, &format!("{method} at {pos}"));
        }
        if method == "textDocument/documentSymbol" {
            for sym in r["result"].as_array().into_iter().flatten() {
                for range in [&sym["range"], &sym["selectionRange"]] {
                    let at = json!({"uri": uri(path), "range": range});
                    locations_inside(&at, path, text, &format!("{method}: {sym}"));
                }
            }
        }
        if method == "textDocument/prepareRename" && r["result"].is_object() {
            let at = json!({"uri": uri(path), "range": r["result"]["range"]});
            locations_inside(&at, path, text, &format!("{method} at {pos}"));
        }
        for (target, edits) in r["result"]["changes"].as_object().into_iter().flatten() {
            let ranges: Vec<Value> = (edits.as_array().unwrap().iter())
                .map(|e| json!({"uri": target, "range": e["range"]}))
                .collect();
            locations_inside(&json!(ranges), path, text, &format!("{method} at {pos}"));
        }
        for action in r["result"].as_array().into_iter().flatten() {
            for (target, edits) in action["edit"]["changes"].as_object().into_iter().flatten() {
                let edits = edits.as_array().unwrap();
                let ranges: Vec<Value> = (edits.iter())
                    .map(|e| json!({"uri": target, "range": e["range"]}))
                    .collect();
                locations_inside(&json!(ranges), path, text, &format!("{method} at {pos}"));
                if *target == uri(path) {
                    fix = Some(edits.clone());
                }
            }
        }
    }
    fix
}

/// Seeded random sessions on three files of the navigation fixture (LF, and CRLF for even
/// seeds): edits of one to three changes each (characters, or whole lines), a few requests
/// after each, a quick fix taken when one is offered, and every other round the diagnostics
/// compared with `check`'s on the same text. (Explored with 60 seeds of 40 rounds on the
/// services, the diagnostics compared after every edit, and 60 of 30 over the three files,
/// 12 quick fixes taken: no difference.)
#[test]
fn random_edits_and_requests_keep_the_server_answering_and_in_step_with_check() {
    let nav = fixture("nav");
    for seed in 1..=6u64 {
        let edited = ["services/sales.toml", "org.toml", "twilio.toml"][(seed % 3) as usize];
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for rel in [
            "nimbus.toml",
            "org.toml",
            "twilio.toml",
            "services/support.toml",
            "services/sales.toml",
        ] {
            std::fs::create_dir_all(root.join(rel).parent().unwrap()).unwrap();
            std::fs::copy(nav.join(rel), root.join(rel)).unwrap();
        }
        let edited = root.join(edited);
        let mut text = read_text(&edited);
        if seed % 2 == 0 {
            text = crlf(&text);
        }
        std::fs::write(&edited, &text).unwrap();
        let mut rng = Rng(seed);
        // Half the sessions edit whole lines, which keeps the file's syntax more often than
        // not, and with it the diagnostics that have quick fixes.
        let line_wise = seed > 3;
        let (mut s, _) = Server::init(&root, false);
        s.open(&edited, &text);
        s.same_as_cli(&root, &edited, 1, &text);
        let mut version = 1;
        for round in 0..16 {
            for _ in 0..=rng.below(4) {
                let changes = (0..=rng.below(2))
                    .map(|_| random_change(&mut rng, &mut text, line_wise))
                    .collect();
                version += 1;
                s.edit(&edited, version, changes);
                let fix = random_requests(&mut s, &mut rng, &edited, &text);
                // A quick fix taken, as the editor applies it (a lone `\r` ending a line).
                if let Some(edits) = fix {
                    text = apply_edits(&text, &edits);
                    version += 1;
                    s.edit(&edited, version, vec![json!({"text": text})]);
                }
            }
            // Every other round, the last among them, the diagnostics are compared with
            // check's on the same text.
            if round % 2 == 1 {
                s.same_as_cli(&root, &edited, version, &text);
            }
        }
        assert_eq!(s.stop(), 0);
        let log = s.log();
        assert!(!log.contains("panicked"), "seed {seed}: {log}");
    }
}

impl Server {
    /// `textDocument/rename` at `pos` of `path` to `new`.
    fn rename(&mut self, path: &Path, pos: Value, new: &str) -> Value {
        self.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri(path)}, "position": pos, "newName": new}),
        )
    }

    /// The texts of `files` (the editor's `texts` where given, else the disk's) after the
    /// rename at `pos` of `path` to `new`, which must change no other file.
    fn renamed(
        &mut self,
        files: &[&Path],
        texts: &[(&Path, &str)],
        (path, pos): (&Path, Value),
        new: &str,
    ) -> Vec<String> {
        let r = self.rename(path, pos, new);
        let changes = r["result"]["changes"]
            .as_object()
            .unwrap_or_else(|| panic!("{r}"));
        for u in changes.keys() {
            assert!(files.iter().any(|f| uri(f) == *u), "{u} changed: {r}");
        }
        (files.iter())
            .map(|f| {
                let text = (texts.iter().find(|(p, _)| p == f))
                    .map_or_else(|| read_text(f), |(_, t)| t.to_string());
                match changes.get(&uri(f)) {
                    Some(edits) => apply_edits(&text, edits.as_array().unwrap()),
                    None => text,
                }
            })
            .collect()
    }
}

#[test]
fn rename_changes_the_id_in_every_header_key_and_reference_across_files() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        (
            "a.toml",
            "ou.root.name = \"Root 🏔\"\nou . 'eu' . parent = \"root\"\n",
        ),
        (
            "b.toml",
            "[ou]\nemea = { parent = \"root\" }\n\n[service.\"desk\"]\nou = 'root'\nlicense = \"contact_center\"\ntransfers = [\"vip\"]\n\n\
             [service.desk.instant_messaging]\n\n[service]\nvip.ou = \"eu\"\nvip.license = \"contact_center\"\n",
        ),
    ]);
    let (a, b) = (root.join("a.toml"), root.join("b.toml"));
    let (mut s, _) = Server::init(&root, false);
    // `a.toml` open with an unsaved line above: the edits are made to the editor's text.
    let a_text = format!("# draft\n{}", read_text(&a));
    s.open(&a, &a_text);
    s.diagnostics(&uri(&a), |_| true);
    let b_text = read_text(&b);

    // From a reference, the id inside its quotes is offered for editing.
    let at = inside(&b_text, "'root'", 0, 2, Enc::Utf16);
    let r = s.at("textDocument/prepareRename", &b, at.clone());
    assert_eq!(
        r["result"],
        json!({"range": sub_range(&b_text, "'root'", 0, 1, 4, Enc::Utf16), "placeholder": "root"})
    );
    let files = [a.as_path(), b.as_path()];
    let got = s.renamed(&files, &[(&a, &a_text)], (&b, at), "tenant");
    assert_eq!(
        got,
        [
            "# draft\nou.tenant.name = \"Root 🏔\"\nou . 'eu' . parent = \"tenant\"\n",
            "[ou]\nemea = { parent = \"tenant\" }\n\n[service.\"desk\"]\nou = 'tenant'\nlicense = \"contact_center\"\ntransfers = [\"vip\"]\n\n\
             [service.desk.instant_messaging]\n\n[service]\nvip.ou = \"eu\"\nvip.license = \"contact_center\"\n",
        ]
    );

    // From a quoted header key: the header, the IM table's and nothing in `a.toml`.
    let at = inside(&b_text, "\"desk\"", 0, 3, Enc::Utf16);
    let r = s.at("textDocument/prepareRename", &b, at.clone());
    assert_eq!(r["result"]["placeholder"], "desk");
    assert_eq!(
        r["result"]["range"],
        sub_range(&b_text, "\"desk\"", 0, 1, 4, Enc::Utf16)
    );
    let got = s.renamed(&files, &[(&a, &a_text)], (&b, at), "front-desk");
    assert_eq!(got[0], a_text);
    assert_eq!(
        got[1],
        b_text
            .replace("\"desk\"", "\"front-desk\"")
            .replace("service.desk.", "service.front-desk.")
    );

    // Dotted keys below `[service]`, each line of them, and the reference.
    let at = inside(&b_text, "vip.license", 0, 1, Enc::Utf16);
    let got = s.renamed(&files, &[(&a, &a_text)], (&b, at), "vip-desk");
    assert_eq!(got[1], b_text.replace("vip", "vip-desk"));
    // An OU defined by a quoted key of a dotted line, used in another file.
    let at = inside(&a_text, "'eu'", 0, 1, Enc::Utf16);
    let got = s.renamed(&files, &[(&a, &a_text)], (&a, at), "europe");
    assert_eq!(got[0], a_text.replace("'eu'", "'europe'"));
    assert_eq!(got[1], b_text.replace("\"eu\"", "\"europe\""));
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_refuses_what_it_cannot_make_certain_and_says_why() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n[ou.emea]\nparent = \"root\"\n"),
        (
            "deep.toml",
            "service = { deep = { ou = \"root\", license = \"contact_center\" } }\n",
        ),
    ]);
    let (org, deep) = (root.join("org.toml"), root.join("deep.toml"));
    let (mut s, _) = Server::init(&root, false);
    let org_text = read_text(&org);
    s.open(&org, &org_text);
    s.diagnostics(&uri(&org), |_| true);
    let on_root = inside(&org_text, "\"root\"", 0, 1, Enc::Utf16);

    let r = s.rename(&org, on_root.clone(), "Root");
    assert_eq!(
        refusal(&r),
        "`Root` is not a valid id: ids match `^[a-z0-9][a-z0-9_-]*$` (lowercase letters, digits, `_` and `-`)"
    );
    let r = s.rename(&org, on_root.clone(), "emea");
    assert_eq!(
        refusal(&r),
        "an OU `emea` exists already (org.toml:2): choose another id"
    );
    // The same id: nothing to change.
    let r = s.rename(&org, on_root.clone(), "root");
    assert_eq!(r["result"], json!({}), "{r}");
    // Off an id: nothing to rename.
    let off = inside(&org_text, "parent", 0, 2, Enc::Utf16);
    let r = s.at("textDocument/prepareRename", &org, off.clone());
    assert_eq!(r["result"], Value::Null, "{r}");
    let r = s.rename(&org, off, "x");
    assert_eq!(
        refusal(&r),
        "no entity's id here: rename a table's id, or a reference to it"
    );
    // An id inside an inline table of inline tables is out of the rename's reach: refused,
    // not half made.
    let deep_text = read_text(&deep);
    let r = s.rename(
        &deep,
        inside(&deep_text, "deep", 0, 1, Enc::Utf16),
        "deeper",
    );
    assert_eq!(
        refusal(&r),
        "`deep` is written where a rename cannot reach it (inside an inline table, or with escapes): rename it by hand"
    );
    // A file that does not parse may name the id: no rename until it does.
    let draft = root.join("draft.toml");
    s.open(&draft, "[service.half\nou = \"root\"\n");
    s.diagnostics(&uri(&draft), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let why = "draft.toml:1 does not parse: fix its syntax error first, so that a rename finds every place that names an id";
    let r = s.at("textDocument/prepareRename", &org, on_root.clone());
    assert_eq!(refusal(&r), why);
    let r = s.rename(&org, on_root, "tenant");
    assert_eq!(refusal(&r), why);
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_refuses_when_a_table_with_an_error_names_the_id() {
    // References the model does not read (a misspelled kind, an array of IM tables, an
    // unknown key) would keep the old id: the rename says where, and edits nothing.
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n[ou.emea]\nparent = \"root\"\n"),
        (
            "typo.toml",
            "[services.desk]\nou = \"emea\"\nlicense = \"contact_center\"\n",
        ),
        (
            "desk.toml",
            "[service.help]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"help\"]\n\
             [[service.help.instant_messaging]]\nmessaging_entry = \"main\"\n\
             [messaging_entry.main]\nou = \"root\"\n",
        ),
    ]);
    let org = root.join("org.toml");
    let (mut s, _) = Server::init(&root, false);
    let org_text = read_text(&org);
    s.open(&org, &org_text);
    s.diagnostics(&uri(&org), |_| true);
    let on_emea = inside(&org_text, "emea", 0, 1, Enc::Utf16);
    let r = s.rename(&org, on_emea, "europe");
    assert_eq!(
        refusal(&r),
        "`emea` is also written at typo.toml:2 (`services.desk.ou`), which is not read as a reference: its table or key has an error; correct that first, so that the rename reaches it"
    );
    let desk = root.join("desk.toml");
    let desk_text = read_text(&desk);
    s.open(&desk, &desk_text);
    let on_main = inside(&desk_text, "[messaging_entry.main", 0, 18, Enc::Utf16);
    let r = s.rename(&desk, on_main, "primary");
    assert_eq!(
        refusal(&r),
        "`main` is also written at desk.toml:6 (`service.help.instant_messaging.messaging_entry`), which is not read as a reference: its table or key has an error; correct that first, so that the rename reaches it"
    );
    // What the model reads is renamed whole: the service, and its own transfer.
    let on_help = inside(&desk_text, "help", 0, 1, Enc::Utf16);
    let files = [org.as_path(), desk.as_path()];
    let got = s.renamed(&files, &[], (&desk, on_help), "helpdesk");
    assert_eq!(got, [org_text, desk_text.replace("help", "helpdesk")]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_in_a_file_no_workspace_reads_says_so() {
    let (_dir, top) = folder_with(&[
        ("ws/nimbus.toml", "[workspace]\nexclude = [\"drafts/**\"]\n"),
        ("ws/org.toml", "[ou.root]\n"),
        ("ws/drafts/d.toml", "[ou.root]\n"),
        ("elsewhere/x.toml", "[ou.root]\n"),
    ]);
    let root = top.join("ws");
    let (mut s, _) = Server::init(&root, false);
    let org = root.join("org.toml");
    s.open(&org, &read_text(&org));
    s.diagnostics(&uri(&org), |_| true);
    let draft = root.join("drafts/d.toml");
    s.open(&draft, "[ou.root]\n");
    let r = s.rename(&draft, json!({"line": 0, "character": 5}), "tenant");
    assert_eq!(
        refusal(&r),
        "this file is not part of its workspace (hidden, ignored, excluded or over the size limit): nothing in it is renamed"
    );
    let elsewhere = top.join("elsewhere/x.toml");
    s.open(&elsewhere, "[ou.root]\n");
    let r = s.rename(&elsewhere, json!({"line": 0, "character": 5}), "tenant");
    assert_eq!(
        refusal(&r),
        "this file is in no nimbus-lint workspace (no nimbus.toml at or above it): nothing in it is renamed"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn every_dotted_line_of_an_entity_leads_to_it() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        (
            "a.toml",
            "ou.root.name = \"Root\"\n\n[service]\nvip.ou = \"root\"\nvip.license = \"contact_center\"\n",
        ),
    ]);
    let a = root.join("a.toml");
    let text = read_text(&a);
    let (mut s, _) = Server::init(&root, false);
    s.open(&a, &text);
    s.diagnostics(&uri(&a), |_| true);
    // On the second line of `vip`'s keys: hover, definition (its first key) and references.
    let at = inside(&text, "vip.license", 0, 1, Enc::Utf16);
    let r = s.at("textDocument/hover", &a, at.clone());
    assert_eq!(
        r["result"]["range"],
        sub_range(&text, "vip.license", 0, 0, 3, Enc::Utf16),
        "{r}"
    );
    let r = s.at("textDocument/definition", &a, at);
    assert_eq!(
        r["result"]["range"],
        sub_range(&text, "vip.ou", 0, 0, 3, Enc::Utf16),
        "{r}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_reads_files_changed_behind_the_server_and_renames_inside_a_second_definition() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n[ou.sales]\nparent = \"root\"\n"),
        (
            "x.toml",
            "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
        (
            "y.toml",
            "[service.b]\nou = \"sales\"\nlicense = \"contact_center\"\ntransfers = [\"desk\"]\n",
        ),
        // A service's IM table alone in another file: a second definition of `desk`.
        (
            "z.toml",
            "[service.desk.instant_messaging]\nchannels = [\"interact\"]\n[service.c]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
        (
            "w.toml",
            "[service.w]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let (x, y, z) = (
        root.join("x.toml"),
        root.join("y.toml"),
        root.join("z.toml"),
    );
    let (mut s, _) = Server::init(&root, false);
    let x_text = read_text(&x);
    s.open(&x, &x_text);
    s.diagnostics(&uri(&x), |_| true);
    // Changed on disk with no notification (a client that watches no files): lines above.
    let y_text = format!("# moved\n# down\n{}", read_text(&y));
    std::fs::write(&y, &y_text).unwrap();
    let files = [x.as_path(), y.as_path(), z.as_path()];
    let got = s.renamed(
        &files,
        &[(&x, &x_text)],
        (&x, inside(&x_text, "desk", 0, 1, Enc::Utf16)),
        "front",
    );
    assert_eq!(got[0], x_text.replace("desk", "front"));
    assert_eq!(got[1], y_text.replace("\"desk\"", "\"front\""));
    assert_eq!(
        got[2],
        read_text(&z).replace("service.desk.", "service.front.")
    );

    // References inside the second definition are renamed with the others, whatever their
    // string's form.
    std::fs::write(
        &z,
        "[service.desk.instant_messaging]\nchannels = [\"interact\"]\n[service.desk]\nou = \"sales\"\n\
         [ou.sales]\nparent = '''\nroot'''\n",
    )
    .unwrap();
    let org = root.join("org.toml");
    let org_text = read_text(&org);
    let w = root.join("w.toml");
    let got = s.renamed(
        &[
            org.as_path(),
            x.as_path(),
            y.as_path(),
            z.as_path(),
            w.as_path(),
        ],
        &[(&x, &x_text)],
        (&org, inside(&org_text, "[ou.sales]", 0, 5, Enc::Utf16)),
        "emea",
    );
    // (Its `[ou.sales]` defines `sales` a second time: renamed as one.)
    let want = read_text(&z).replace("\"sales\"", "\"emea\"");
    assert_eq!(got[3], want.replace("[ou.sales]", "[ou.emea]"));
    let got = s.renamed(
        &[
            org.as_path(),
            x.as_path(),
            y.as_path(),
            z.as_path(),
            w.as_path(),
        ],
        &[(&x, &x_text)],
        (&org, inside(&org_text, "[ou.root]", 0, 5, Enc::Utf16)),
        "tenant",
    );
    assert_eq!(got[3], read_text(&z).replace("\nroot'''", "\ntenant'''"));
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_refusals_say_what_stands_in_the_way() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n"),
        (
            "x.toml",
            "[service.desk]\nou = \"root\"\nlicense = \"contact_center\"\n[service]\nkey = 5\n",
        ),
        (
            "y.toml",
            "[service.b]\nou = \"root\"\nlicense = \"contact_center\"\ntransfers = [\"desk\", \"billing\"]\n",
        ),
    ]);
    let x = root.join("x.toml");
    let x_text = read_text(&x);
    let (mut s, _) = Server::init(&root, false);
    s.open(&x, &x_text);
    s.diagnostics(&uri(&x), |_| true);
    let on_desk = inside(&x_text, "desk", 0, 1, Enc::Utf16);
    // An unknown reference already names the new id: it would name the renamed service.
    let r = s.rename(&x, on_desk.clone(), "billing");
    assert_eq!(
        refusal(&r),
        "`billing` is written in 1 reference that names no service now (y.toml:4): renamed, `desk` would be named there too; choose another id, or correct it first"
    );
    // A key the new id meets: the file would no longer parse.
    let r = s.rename(&x, on_desk.clone(), "key");
    assert!(refusal(&r).starts_with("renamed, x.toml:"), "{r}");
    assert!(refusal(&r).ends_with(": choose another id"), "{r}");
    // A header of a file that does not parse: the reason, not "no id here".
    let broken = format!("{x_text}oops =\n");
    s.change(&x, 2, &broken);
    s.diagnostics(&uri(&x), |p| codes(p).contains(&"syntax".to_owned()));
    let r = s.at("textDocument/prepareRename", &x, on_desk.clone());
    assert!(
        refusal(&r).starts_with("x.toml:")
            && refusal(&r).contains(" does not parse: fix its syntax error first"),
        "{r}"
    );
    let r = s.rename(&x, on_desk, "front");
    assert!(
        refusal(&r).contains(" does not parse: fix its syntax error first"),
        "{r}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn rename_and_quick_fix_edits_carry_open_documents_versions_for_clients_that_take_document_changes()
{
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n"),
        (
            "x.toml",
            "[service.desk]\nou = \"root\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let (org, x) = (root.join("org.toml"), root.join("x.toml"));
    let mut s = Server::start(&[]);
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "workspace": {"workspaceEdit": {"documentChanges": true}},
        }}),
    );
    s.notify("initialized", json!({}));
    let x_text = read_text(&x);
    s.open(&x, &x_text);
    s.change(&x, 7, &x_text);
    s.diagnostics(&uri(&x), |_| true);
    let r = s.rename(&x, inside(&x_text, "\"root\"", 0, 1, Enc::Utf16), "tenant");
    let changes = r["result"]["documentChanges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"));
    let mut got: Vec<(String, Value)> = (changes.iter())
        .map(|c| {
            (
                c["textDocument"]["uri"].as_str().unwrap().to_owned(),
                c["textDocument"]["version"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    // The open document at the version it was edited to; a file on disk, none.
    assert_eq!(got, [(uri(&org), Value::Null), (uri(&x), json!(7))]);
    // A quick fix's edit, too, is for the version its diagnostic was found in.
    let typo = x_text.replace("contact_center", "contact_centre");
    s.change(&x, 8, &typo);
    s.diagnostics(&uri(&x), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    let at = range_of(&typo, "\"contact_centre\"", 0, Enc::Utf16);
    let r = s.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&x)}, "range": at,
               "context": {"diagnostics": [], "only": ["quickfix"]}}),
    );
    assert_eq!(
        r["result"][0]["edit"],
        json!({"documentChanges": [{
            "textDocument": {"uri": uri(&x), "version": 8},
            "edits": [{"range": at, "newText": "\"contact_center\""}],
        }]}),
        "{r}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn document_and_workspace_symbols_list_the_entities() {
    let root = fixture("nav");
    let sales = root.join("services/sales.toml");
    let text = read_text(&sales);
    let (mut s, caps) = Server::init(&root, false);
    assert_eq!(caps["capabilities"]["documentSymbolProvider"], true);
    assert_eq!(caps["capabilities"]["workspaceSymbolProvider"], true);
    s.open(&sales, &text);
    s.diagnostics(&uri(&sales), |_| true);
    let r = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&sales)}}),
    );
    let symbols = r["result"].as_array().unwrap_or_else(|| panic!("{r}"));
    let names: Vec<(&str, &str, u64)> = (symbols.iter())
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["detail"].as_str().unwrap(),
                s["kind"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names[..3],
        [
            ("sales-ivr", "service · Sales IVR", 5),
            ("sales-sms", "service · Sales by SMS", 5),
            ("sales-team", "service · Sales Team", 5),
        ]
    );
    // The table with its IM table, up to the blank line before the next; the id selected.
    let first = &symbols[0];
    let end = text.find("\n\n[service.sales-sms]").unwrap();
    let start = text.find("[service.sales-ivr]").unwrap();
    assert_eq!(
        first["range"],
        json!({"start": position(&text, start, Enc::Utf16), "end": position(&text, end, Enc::Utf16)})
    );
    assert_eq!(
        first["selectionRange"],
        sub_range(&text, "[service.sales-ivr]", 0, 9, 9, Enc::Utf16)
    );
    // Search by id or name, in every workspace checked: ids starting with the query first.
    let r = s.request("workspace/symbol", json!({"query": "SUPPORT"}));
    let found: Vec<(&str, &str)> = (r["result"].as_array().unwrap().iter())
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["containerName"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(found[0].0, "support");
    assert!(found.iter().any(|(n, _)| *n == "support-desk"), "{found:?}");
    assert!(
        found.iter().all(|(n, _)| n.contains("support")),
        "{found:?}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn the_outline_of_a_file_that_does_not_parse_shows_its_tables_and_escaped_ids_are_not_renamed() {
    let (_dir, root) = folder_with(&[
        ("nimbus.toml", ""),
        ("org.toml", "[ou.root]\n"),
        (
            "a.toml",
            "[service.desk]\nou = \"root\"\nlicense = \"contact_center\"\n",
        ),
        (
            "b.toml",
            "[service.\"d\\u0065sk\".instant_messaging]\nchannels = []\n",
        ),
    ]);
    let (a, b) = (root.join("a.toml"), root.join("b.toml"));
    let (mut s, _) = Server::init(&root, false);
    // A half-typed table below: the file does not parse, its outline still shows `desk` (and
    // the table being typed).
    let text = format!("{}[service.half\n", read_text(&a));
    s.open(&a, &text);
    s.diagnostics(&uri(&a), |p| codes(p).contains(&"syntax".to_owned()));
    let r = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&a)}}),
    );
    let names: Vec<&str> = (r["result"].as_array().unwrap().iter())
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["desk", "half"], "{r}");
    s.change(&a, 2, &read_text(&a));
    s.diagnostics(&uri(&a), |p| !codes(p).contains(&"syntax".to_owned()));
    // The IM table's key spelled with an escape: refused where the rename begins.
    let b_text = read_text(&b);
    let r = s.at(
        "textDocument/prepareRename",
        &b,
        inside(&b_text, "d\\u0065sk", 0, 1, Enc::Utf16),
    );
    assert_eq!(
        r["error"]["message"], "`desk` is written with escapes here: rename it by hand",
        "{r}"
    );
    assert_eq!(s.stop(), 0);
}

/// The message of an error response (a refused rename), or nothing.
fn refusal(r: &Value) -> String {
    r["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

// Audit 20 of the language server (`notes/audit-lsp-20.md`): workspace symbols before any
// file is opened, the URI a closed document's list goes to, a Content-Length too long, a
// replace-all of a large document, a lone carriage return, a notification refused.

const AUDIT20_ORG: &str = "[ou.root]\n\n[ou.sales]\nparent = \"root\"\n";

#[test]
fn workspace_symbols_search_the_folders_workspaces_before_any_file_is_opened() {
    let dir = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", AUDIT20_ORG),
        (
            "svc.toml",
            "[service.sales-desk]\nou = \"sales\"\nlicense = \"contact_center\"\n",
        ),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
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
    let dir = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", AUDIT20_ORG),
        ("a+b@c/x.toml", ""),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    s.until_answered();
    let client = uri(&root).replace("%2B", "+") + "/a+b@c/x.toml";
    let server = uri(&root.join("a+b@c/x.toml"));
    assert_ne!(client, server);
    s.open_uri(&client, "[ou.other]\nparent = \"nowhere\"\n");
    let p = s.diagnostics(&client, |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&p), ["unknown-reference"]);
    // Closed: the file on disk is empty, so the list is cleared, under the client's URI.
    s.close_uri(&client);
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
        ("org.toml", AUDIT20_ORG),
        ("a+b/x.toml", "[ou.other]\nparent = \"nowhere\"\n"),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    let server = uri(&root.join("a+b/x.toml"));
    let client = uri(&root).replace("%2B", "+") + "/a+b/x.toml";
    // The folder's check sends the file's error under the server's spelling.
    let p = s.diagnostics(&server, |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&p), ["unknown-reference"]);
    s.open_uri(&client, "[ou.other]\nparent = \"nowhere\"\n");
    // That list is cleared, and the error sent under the client's.
    s.diagnostics(&server, |p| p["diagnostics"] == json!([]));
    let p = s.diagnostics(&client, |_| true);
    assert_eq!(codes(&p), ["unknown-reference"]);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_file_open_under_two_uris_stays_open_until_both_are_closed() {
    let dir = common::workspace(&[
        ("nimbus.toml", ""),
        ("org.toml", AUDIT20_ORG),
        ("svc.toml", "[ou.x]\nparent = \"root\"\n"),
    ]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    s.until_answered();
    let path = root.join("svc.toml");
    let folder = uri(&root).rsplit('/').next().unwrap().to_owned();
    let (a, b) = (uri(&path), format!("{}/../{folder}/./svc.toml", uri(&root)));
    let nonempty = |p: &Value| !p["diagnostics"].as_array().unwrap().is_empty();
    let empty = |p: &Value| p["diagnostics"] == json!([]);
    s.open_uri(&a, "[ou.x]\nparent = \"nowhere\"\n");
    s.open_uri(&b, "[ou.x]\nparent = \"nowhere\"\n");
    let p = s.diagnostics(&b, |_| true);
    assert_eq!(codes(&p), ["unknown-reference"]);
    // Each document has its text: a change of `a`'s applies to `a`'s (and is what is checked
    // now), and both URIs get the file's list, each with its document's version.
    let change = |version: u32, range: Value, text: &str| {
        json!({"textDocument": {"uri": a, "version": version},
               "contentChanges": [{"range": range, "text": text}]})
    };
    s.notify(
        "textDocument/didChange",
        change(2, lsp_range((1, 10), (1, 17)), "sales"),
    );
    s.diagnostics(&a, |p| p["version"] == 2 && empty(p));
    let p = s.diagnostics(&b, empty);
    assert_eq!(p["version"], 1);
    s.notify(
        "textDocument/didChange",
        change(3, lsp_range((1, 10), (1, 15)), "nowhere"),
    );
    s.diagnostics(&a, |p| p["version"] == 3 && nonempty(p));
    s.diagnostics(&b, nonempty);
    // `b` closed: its list is cleared; `a` stays open, its unsaved text still checked.
    s.close_uri(&b);
    s.diagnostics(&b, empty);
    let p = s.at(
        "textDocument/hover",
        &path,
        json!({"line": 0, "character": 4}),
    );
    assert!(p["result"].is_object(), "{p}");
    let cleared: Vec<Value> = (s.until_answered().into_iter())
        .filter(|m| m["params"]["uri"] == a.as_str() && empty(&m["params"]))
        .collect();
    assert_eq!(cleared, Vec::<Value>::new());
    s.notify(
        "textDocument/didChange",
        change(4, lsp_range((1, 10), (1, 17)), "rooot"),
    );
    let p = s.diagnostics(&a, |p| p["version"] == 4);
    assert_eq!(codes(&p), ["unknown-reference"]);
    let message = p["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("rooot"), "{p}");
    // `a` closed too: the file on disk is checked, and clean.
    s.close_uri(&a);
    s.diagnostics(&a, empty);
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_content_length_too_long_costs_no_message() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", AUDIT20_ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
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
fn a_replace_all_sent_from_the_end_of_a_large_document_lands_every_edit() {
    // No workspace: the edits are applied, and nothing is checked after them.
    let dir = common::workspace(&[("placeholder.txt", "")]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    let path = root.join("big.toml");
    let lines = 20_000;
    let text: String = (0..lines).map(|i| format!("k{i} = \"x\"\n")).collect();
    s.open_uri(&uri(&path), &text);
    // Every `x` becomes `yy`, from the last line to the first, as VS Code sends a replace-all.
    let changes: Vec<Value> = (0..lines)
        .rev()
        .map(|i| {
            let col = format!("k{i} = \"").len();
            json!({"range": {"start": {"line": i, "character": col},
                             "end": {"line": i, "character": col + 1}}, "text": "yy"})
        })
        .collect();
    // Applied in one pass (`Text::edit_all`; its unit property test holds it to the edits made
    // one at a time); how long it takes is not asserted here: timings are the benchmarks'.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&path), "version": 2}, "contentChanges": changes}),
    );
    s.until_answered();
    // The text is the one the edits make: an edit at the last line's end lands there.
    let end = format!("k{} = \"yy\"", lines - 1).len();
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&path), "version": 3},
               "contentChanges": [{"range": {"start": {"line": lines - 1, "character": end},
                                             "end": {"line": lines, "character": 0}},
                                   "text": "\n[ou.x]\n"}]}),
    );
    s.no_range_amended();
    assert_eq!(s.stop(), 0);
}

#[test]
fn changes_sent_from_the_start_of_a_large_document_land_every_edit() {
    let n = 10_000;
    let mut text = String::from("[ou.root]\n");
    for i in 0..n {
        text.push_str(&format!("[ou.o{i}]\nparent = \"rooot\"\n"));
    }
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", &text)]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    let doc = uri(&root.join("org.toml"));
    s.open_uri(&doc, &text);
    let p = s.diagnostics(&doc, |p| p["version"] == 1);
    assert_eq!(codes(&p).len(), n, "one unknown-reference per OU");
    // From the first OU to the last, each range in the text the ones before left: each
    // `rooot` mended and a line added after it, then a comment at the end of that new line
    // (on the line where the change before it ended).
    let mut changes = Vec::new();
    for i in 0..n {
        let line = 2 + 3 * i;
        let name = format!("name = \"O{i}");
        changes.push(json!({"range": {"start": {"line": line, "character": 10},
                                      "end": {"line": line, "character": 15}},
                            "text": format!("root\"\n{name}")}));
        let end = json!({"line": line + 1, "character": name.len() + 1});
        changes.push(json!({"range": {"start": end, "end": end}, "text": format!("  # {i}")}));
    }
    s.edit(&root.join("org.toml"), 2, changes);
    // An edit off by a line or a column would break the syntax or leave a `rooot`.
    let p = s.diagnostics(&doc, |p| p["version"] == 2);
    assert_eq!(codes(&p), Vec::<String>::new());
    s.no_range_amended();
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_lone_carriage_return_is_a_line_end_in_the_range_of_its_error() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", AUDIT20_ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    let doc = uri(&root.join("org.toml"));
    // For the protocol, `\r` alone ends line 1: the error there ends at the start of line 2,
    // not at column 17 of a line 16 columns long.
    s.open_uri(
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

/// The outline of `path`: each symbol's name, range and selection range.
fn outline(s: &mut Server, path: &Path) -> Vec<(Value, Value, Value)> {
    let r = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(path)}}),
    );
    (r["result"].as_array().expect("symbols").iter())
        .map(|sym| {
            let field = |k: &str| sym[k].clone();
            (field("name"), field("range"), field("selectionRange"))
        })
        .collect()
}

/// An LSP range from `(line, character)` to `(line, character)`.
fn lsp_range(a: (u32, u32), b: (u32, u32)) -> Value {
    json!({"start": {"line": a.0, "character": a.1}, "end": {"line": b.0, "character": b.1}})
}

#[test]
fn after_a_lone_carriage_return_positions_count_the_lines_as_the_client_does() {
    // `[ou.contoso]\nname = "Contoso"\r[ou.sales]\rparent = "contoso"\n`: the file's line 1
    // (TOML's and the command line's) is the client's lines 1 to 3. The outline's range of
    // `contoso` ends at its end: 3:18 (was 1:46, past the end of line 1).
    let ws = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/bare-cr/ws");
    let org = ws.join("org.toml");
    let (mut s, _) = Server::init(&ws, false);
    let p = s.diagnostics(&uri(&org), |p| {
        !p["diagnostics"].as_array().unwrap().is_empty()
    });
    assert_eq!(codes(&p), ["syntax"]);
    let contoso = (
        json!("contoso"),
        lsp_range((0, 0), (3, 18)),
        lsp_range((0, 4), (0, 11)),
    );
    assert_eq!(outline(&mut s, &org), [contoso]);
    assert_eq!(s.stop(), 0);

    // Lines after the one a lone `\r` cuts: each is one line further for the client, in
    // the outline, the diagnostics and navigation, and a position the client sends is read
    // on its line.
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", "[ou.contoso]\n")]);
    let root = dir.path().canonicalize().expect("root");
    let (org, desk) = (root.join("org.toml"), root.join("desk.toml"));
    let (mut s, _) = Server::init(&root, false);
    let text = "[ou.sales]\nname = \"Sales\"\r# note\n[ou.support]\nparent = \"contoso\"\n";
    s.open(&desk, text);
    let p = s.diagnostics(&uri(&desk), |p| p["version"] == 1);
    assert_eq!(codes(&p), ["syntax"]);
    assert_eq!(p["diagnostics"][0]["range"], lsp_range((1, 14), (2, 0)));
    assert_eq!(
        outline(&mut s, &desk),
        [
            (
                json!("sales"),
                lsp_range((0, 0), (2, 6)),
                lsp_range((0, 4), (0, 9))
            ),
            (
                json!("support"),
                lsp_range((3, 0), (4, 18)),
                lsp_range((3, 4), (3, 11))
            ),
        ]
    );
    let reference = edit_position(text, at(text, "\"contoso\"", 0, 3));
    assert_eq!(reference, json!({"line": 4, "character": 12}));
    let r = s.at("textDocument/definition", &desk, reference.clone());
    assert_eq!(r["result"]["uri"], uri(&org), "{r}");
    let r = s.at("textDocument/references", &desk, reference);
    let found: Vec<(&Value, &Value)> = (r["result"].as_array().expect("references").iter())
        .map(|l| (&l["uri"], &l["range"]))
        .collect();
    assert!(
        found.contains(&(&json!(uri(&desk)), &lsp_range((4, 10), (4, 17)))),
        "{r}"
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn a_notification_with_invalid_parameters_is_reported_in_the_clients_log() {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", AUDIT20_ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let (mut s, _) = Server::init(&root, false);
    s.until_answered();
    let doc = uri(&root.join("org.toml"));
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": doc, "version": 1, "text": AUDIT20_ORG}}),
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

/// A server on a workspace of [`AUDIT20_ORG`] with `svc.toml` open, holding `svc`.
fn open_beside_audit20_org(svc: &str) -> (tempfile::TempDir, Server, PathBuf) {
    let dir = common::workspace(&[("nimbus.toml", ""), ("org.toml", AUDIT20_ORG)]);
    let root = dir.path().canonicalize().expect("root");
    let path = root.join("svc.toml");
    let (mut s, _) = Server::init(&root, false);
    s.open(&path, svc);
    (dir, s, path)
}

/// The completion items at `pos` in `path`.
fn completion_items(s: &mut Server, path: &Path, pos: Value) -> Vec<Value> {
    let r = s.at("textDocument/completion", path, pos);
    r["result"]["items"].as_array().cloned().unwrap_or_default()
}

/// Each completion item as `label "newText" (detail)`.
fn described(items: &[Value]) -> Vec<String> {
    (items.iter())
        .map(|i| {
            let (label, text) = (&i["label"], &i["textEdit"]["newText"]);
            format!(
                "{} {} ({})",
                label.as_str().unwrap(),
                text,
                i["detail"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn completion_offers_the_values_of_keys_that_take_fixed_ones() {
    let svc = "[service.desk]\nou = \"sales\"\nlicense = \"\"\nuser_assignment = \n\n[service.desk.instant_messaging]\nchannels = [\"sms\", \"\"]\n\n[connector.tw]\nou = \"root\"\ntype = \"tw\nregion = \"u\"\n";
    // `au1` holds the `u` typed too, after those that start with it.
    let (_dir, mut s, path) = open_beside_audit20_org(svc);
    let at = |needle: &str, into: usize| inside(svc, needle, 0, into, Enc::Utf16);
    let mut offered = |pos: Value| described(&completion_items(&mut s, &path, pos));
    assert_eq!(
        offered(at("license = \"\"", 11)),
        [
            "advanced_routing \"advanced_routing\" (licence)",
            "enterprise_routing \"enterprise_routing\" (licence)",
            "contact_center \"contact_center\" (licence)",
        ]
    );
    // No quote typed: the value brings its own.
    assert_eq!(
        offered(at("user_assignment = \n", 18)),
        [
            "ms_teams \"\\\"ms_teams\\\"\" (user assignment)",
            "skill_based \"\\\"skill_based\\\"\" (user assignment)",
            "none \"\\\"none\\\"\" (user assignment)",
        ]
    );
    // Not a channel the list holds already.
    assert_eq!(
        offered(at("\"sms\", \"\"", 8)),
        [
            "whatsapp \"whatsapp\" (channel)",
            "interact \"interact\" (channel)",
        ]
    );
    // What was typed filters; a string left open is closed.
    assert_eq!(
        offered(at("type = \"tw", 10)),
        ["twilio \"twilio\\\"\" (connector type)"]
    );
    assert_eq!(
        offered(at("region = \"u\"", 11)),
        [
            "us1 \"us1\" (region)",
            "us2 \"us2\" (region)",
            "au1 \"au1\" (region)"
        ]
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn fixed_values_are_filtered_by_what_was_typed_and_keep_their_order_in_the_client() {
    // `chat` lists `whatsapp`: that is no item of `desk`'s list.
    let svc = "[service.desk]\nou = \"sales\"\nlicense = \"contact_center\"\nuser_assignment = \"sk\"\n[service.desk.instant_messaging]\nchannels = [\"\"]\n\n[service.chat]\nou = \"sales\"\nlicense = \"contact_center\"\n[service.chat.instant_messaging]\nchannels = [\"whatsapp\"]\n";
    let (_dir, mut s, path) = open_beside_audit20_org(svc);
    let at = |needle: &str, into: usize| inside(svc, needle, 0, into, Enc::Utf16);
    let channels = completion_items(&mut s, &path, at("[\"\"]", 2));
    assert_eq!(
        described(&channels),
        [
            "whatsapp \"whatsapp\" (channel)",
            "sms \"sms\" (channel)",
            "interact \"interact\" (channel)",
        ]
    );
    // Values of an enumeration, sorted by the server's order, not by label.
    let kinds_and_sorts: Vec<(&Value, &Value)> = (channels.iter())
        .map(|i| (&i["kind"], &i["sortText"]))
        .collect();
    assert_eq!(
        kinds_and_sorts,
        [
            (&json!(20), &json!("00")),
            (&json!(20), &json!("01")),
            (&json!(20), &json!("02"))
        ]
    );
    // Only the values holding what was typed.
    assert_eq!(
        described(&completion_items(&mut s, &path, at("\"sk\"", 3))),
        ["skill_based \"skill_based\" (user assignment)"]
    );
    assert_eq!(s.stop(), 0);
}

#[test]
fn completed_ids_are_references_and_fixed_values_are_not() {
    let svc = "[service.desk]\nou = \"\"\nlicense = \"\"\n";
    let (_dir, mut s, path) = open_beside_audit20_org(svc);
    let kinds =
        |items: Vec<Value>| -> Vec<Value> { items.iter().map(|i| i["kind"].clone()).collect() };
    let ous = completion_items(&mut s, &path, inside(svc, "ou = \"\"", 0, 6, Enc::Utf16));
    assert_eq!(kinds(ous), [json!(18), json!(18)]);
    let licences = completion_items(
        &mut s,
        &path,
        inside(svc, "license = \"\"", 0, 11, Enc::Utf16),
    );
    assert_eq!(kinds(licences), [json!(20), json!(20), json!(20)]);
    assert_eq!(s.stop(), 0);
}

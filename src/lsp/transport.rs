//! Messages over stdin/stdout, in the protocol's framing (`Content-Length` headers).
//!
//! lsp-server's own stdio transport hands messages over a rendezvous channel, so the reader
//! waits for the main loop after each one and nothing piles up while a check runs. Here the
//! reader thread feeds an unbounded queue instead: when the main loop comes back from a check,
//! every message that arrived meanwhile is already waiting, and a burst of changes is taken (and
//! checked) at once.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{self, Receiver, RecvError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};

use lsp_server::Message;

/// What the main loop's queue holds.
enum Incoming {
    /// A message from the client.
    Message(Message),
    /// A background check has ended (see [`Waker`]).
    Wake,
    /// The input has ended: every message before this one was read.
    Closed,
}

/// Where messages come from and go to.
pub struct Transport {
    incoming: Receiver<Incoming>,
    /// For [`Transport::waker`]. Since it keeps the queue open, the end of the input is told
    /// by [`Incoming::Closed`], not by the queue closing.
    wake: Sender<Incoming>,
    /// True once [`Incoming::Closed`] was taken.
    closed: Cell<bool>,
    /// Messages taken from the queue but not handled yet, in order: they come out first.
    held: RefCell<VecDeque<Message>>,
    out: Output,
}

/// Wakes the main loop from [`Transport::recv_or_wake`]: a background thread's way to say
/// that its work is done.
pub struct Waker(Sender<Incoming>);

impl Waker {
    /// Wakes the loop (or, when it is busy, makes its next wait end at once).
    pub fn wake(&self) {
        let _ = self.0.send(Incoming::Wake);
    }
}

/// Tells the loop the input has ended when the reader stops, however it stops.
struct CloseOnDrop(Sender<Incoming>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Incoming::Closed);
    }
}

/// The client's side of the stream, shared by the main loop and the reader (which answers a
/// malformed message itself).
type Output = Arc<Mutex<Box<dyn Write + Send>>>;

impl Transport {
    /// The process's stdin and stdout.
    pub fn stdio() -> io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let out: Output = Arc::new(Mutex::new(Box::new(io::BufWriter::new(io::stdout()))));
        let answer = Arc::clone(&out);
        let wake = tx.clone();
        std::thread::Builder::new()
            .name("lsp-reader".to_owned())
            .spawn(move || {
                let tx = CloseOnDrop(tx);
                read_loop(io::BufReader::new(io::stdin()), &tx.0, &answer);
            })?;
        Ok(Transport::over(rx, wake, out))
    }

    fn over(incoming: Receiver<Incoming>, wake: Sender<Incoming>, out: Output) -> Self {
        Transport {
            incoming,
            wake,
            closed: Cell::new(false),
            held: RefCell::new(VecDeque::new()),
            out,
        }
    }

    /// A [`Waker`] for a background thread.
    pub fn waker(&self) -> Waker {
        Waker(self.wake.clone())
    }

    /// What the queue held: a message, `None` for a wake-up, `Err` once the input ended.
    fn take(&self, got: Incoming) -> Result<Option<Message>, RecvError> {
        match got {
            Incoming::Message(m) => Ok(Some(m)),
            Incoming::Wake => Ok(None),
            Incoming::Closed => {
                self.closed.set(true);
                Err(RecvError)
            }
        }
    }

    /// Waits for the next message; `Err` when the input is closed and drained.
    pub fn recv(&self) -> Result<Message, RecvError> {
        loop {
            if let Some(m) = self.recv_or_wake()? {
                return Ok(m);
            }
        }
    }

    /// Waits for the next message or a [`Waker`]'s call (`Ok(None)`); `Err` when the input is
    /// closed and drained.
    pub fn recv_or_wake(&self) -> Result<Option<Message>, RecvError> {
        if let Some(m) = self.held.borrow_mut().pop_front() {
            return Ok(Some(m));
        }
        if self.closed.get() {
            return Err(RecvError);
        }
        self.take(self.incoming.recv()?)
    }

    /// The next message if one is waiting (`Ok(None)` when none is), without blocking; `Err`
    /// when the input is closed and drained.
    pub fn try_recv(&self) -> Result<Option<Message>, RecvError> {
        if let Some(m) = self.held.borrow_mut().pop_front() {
            return Ok(Some(m));
        }
        if self.closed.get() {
            return Err(RecvError);
        }
        loop {
            match self.incoming.try_recv() {
                Ok(Incoming::Wake) => {}
                Ok(got) => return self.take(got),
                Err(TryRecvError::Empty) => return Ok(None),
                Err(TryRecvError::Disconnected) => return Err(RecvError),
            }
        }
    }

    /// Every message already waiting (those held first), without blocking.
    pub fn drain(&self) -> Vec<Message> {
        let mut out: Vec<Message> = self.held.borrow_mut().drain(..).collect();
        while !self.closed.get() {
            match self.incoming.try_recv() {
                Ok(Incoming::Message(m)) => out.push(m),
                Ok(Incoming::Wake) => {}
                Ok(Incoming::Closed) => self.closed.set(true),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        out
    }

    /// Waits for the next message or a [`Waker`]'s call, and holds the message: it is
    /// handed out later, in its turn, by the calls that take messages. `Ok(true)` when the
    /// message held satisfies `f`; `Err` when the input has ended.
    pub fn hold_next(&self, f: impl Fn(&Message) -> bool) -> Result<bool, RecvError> {
        if self.closed.get() {
            return Err(RecvError);
        }
        let Some(m) = self.take(self.incoming.recv()?)? else {
            return Ok(false);
        };
        let hit = f(&m);
        self.held.borrow_mut().push_back(m);
        Ok(hit)
    }

    /// Writes one message (and flushes). A broken output is logged: the client is gone, and
    /// the input ending will end the loop.
    pub fn send(&self, msg: impl Into<Message>) {
        let msg = msg.into();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = msg.write(&mut *out) {
            log(&format!("cannot write to the client: {e}"));
        }
    }

    /// Flushes what is left; the reader thread ends with its input.
    pub fn close(&self) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = out.flush();
    }
}

/// Reads framed messages until the input ends or an `exit` notification arrives. A message
/// that is not valid JSON-RPC is logged, answered with the error JSON-RPC prescribes
/// (`ParseError` or `InvalidRequest`), and skipped: its frame was read whole.
fn read_loop(input: impl BufRead, tx: &Sender<Incoming>, out: &Output) {
    let mut input = Rewound::new(input);
    loop {
        match read_message(&mut input) {
            Ok(Some(msg)) => {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if tx.send(Incoming::Message(msg)).is_err() || exit {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                log(&format!("skipped a malformed message: {e}"));
                if let Some(m) = e.get_ref().and_then(|e| e.downcast_ref::<Malformed>()) {
                    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
                    if let Err(e) = m.answer(&mut *out) {
                        log(&format!("cannot write to the client: {e}"));
                    }
                }
            }
            Err(e) => {
                log(&format!("cannot read from the client: {e}"));
                return;
            }
        }
    }
}

/// A frame that holds no valid message, and the error response it is owed.
#[derive(Debug)]
struct Malformed {
    /// `-32700` (not JSON) or `-32600` (JSON, but no valid message).
    code: i32,
    /// The request's id when it could be read, else `null`, as JSON-RPC says.
    id: serde_json::Value,
    /// What was wrong.
    reason: String,
}

impl Malformed {
    /// Not JSON at all (or not UTF-8).
    fn parse(reason: impl ToString) -> io::Error {
        Malformed::error(-32700, serde_json::Value::Null, reason)
    }

    /// JSON, but no valid message: answered with its id, when it has one that may be one.
    fn request(value: &serde_json::Value) -> io::Error {
        // Not a fraction or a number too large to read exactly: the client could not match it.
        let id = match value.get("id") {
            Some(id @ serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => id.clone(),
            Some(id @ serde_json::Value::String(_)) => id.clone(),
            _ => serde_json::Value::Null,
        };
        let reason = "JSON, but no JSON-RPC message: a request has an integer or string `id` and \
                      a string `method`, a notification a `method` and no `id`";
        Malformed::error(-32600, id, reason)
    }

    fn error(code: i32, id: serde_json::Value, reason: impl ToString) -> io::Error {
        let reason = reason.to_string();
        io::Error::new(io::ErrorKind::InvalidData, Malformed { code, id, reason })
    }

    /// Writes the error response, framed, and flushes. lsp-server's `Response` cannot carry
    /// the `null` id, so it is written here.
    fn answer(&self, out: &mut dyn Write) -> io::Result<()> {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": { "code": self.code, "message": self.reason },
        })
        .to_string();
        write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
        out.flush()
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Malformed {}

/// The largest message body read: the largest document the loader accepts, JSON-escaped,
/// with room to spare. A larger one is skipped as it arrives, never held.
const MAX_BODY: u64 = 512 << 20;

/// An input with bytes put back in front of it: the start of the next frame, read by a body
/// whose `Content-Length` was too long.
struct Rewound<R> {
    /// Bytes put back, read first (from `at` on).
    front: Vec<u8>,
    at: usize,
    inner: R,
}

impl<R: BufRead> Rewound<R> {
    fn new(inner: R) -> Self {
        Rewound {
            front: Vec::new(),
            at: 0,
            inner,
        }
    }

    /// Puts `bytes` back: they are read again before the rest of the input.
    fn unread(&mut self, bytes: &[u8]) {
        let mut front = bytes.to_vec();
        front.extend_from_slice(&self.front[self.at..]);
        (self.front, self.at) = (front, 0);
    }
}

impl<R: BufRead> Read for Rewound<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let got = self.fill_buf()?;
            let n = got.len().min(buf.len());
            buf[..n].copy_from_slice(&got[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Rewound<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.front.len() {
            return Ok(&self.front[self.at..]);
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.at < self.front.len() {
            self.at = (self.at + n).min(self.front.len());
            if self.at == self.front.len() {
                (self.front, self.at) = (Vec::new(), 0);
            }
        } else {
            self.inner.consume(n);
        }
    }
}

/// The message at the start of a body whose `Content-Length` was too long, and where the
/// bytes after it begin (the start of the next frame, read too soon): `None` when the body
/// does not start with a JSON object, or holds nothing after it.
fn leading_object(body: &[u8]) -> Option<(serde_json::Value, usize)> {
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        // Cut inside a character of the next frame's body: what comes before it.
        Err(e) => std::str::from_utf8(&body[..e.valid_up_to()]).ok()?,
    };
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let value = values.next()?.ok().filter(serde_json::Value::is_object)?;
    let end = values.byte_offset();
    (end < body.len()).then_some((value, end))
}

/// Reads one framed message, as `Message::read` does, with four differences:
///
/// - a string holding half of a UTF-16 surrogate pair (`"\ud83d"`, which editors send for a
///   half-typed emoji) is read with U+FFFD in its place, where strict JSON parsing would drop
///   the whole change;
/// - headers may end in `\n` alone and need no space after the colon, and after a frame
///   whose `Content-Length` was wrong the reader finds the next `Content-Length:` even when
///   it is glued to the end of the last body: one bad frame never loses the ones after it;
/// - a body over [`MAX_BODY`] is skipped (read and dropped) rather than allocated;
/// - a body that holds a message and then more (its `Content-Length` was too long, and the
///   next frame's first bytes were read with it) gives that message, and the bytes after it
///   are read again as the start of the next frame.
fn read_message(input: &mut Rewound<impl BufRead>) -> io::Result<Option<Message>> {
    const HEADER: &str = "content-length:";
    let mut length: Option<u64> = None;
    let mut garbage = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.by_ref().take(64 << 10).read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let header = text.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        // The last `Content-Length:` of the line: what precedes it is the tail of a frame
        // whose length was wrong (which may itself hold that text).
        let lower = header.to_ascii_lowercase();
        match lower.rfind(HEADER) {
            Some(at) => {
                let value = header[at + HEADER.len()..].trim();
                match value.parse() {
                    Ok(n) => {
                        garbage |= at > 0;
                        length = Some(n);
                    }
                    // Not a length after all: read on to the next header.
                    Err(_) => garbage = true,
                }
            }
            // `Content-Type` and the like, before or after the length.
            None if header.contains(':') && !header.starts_with(['{', '"']) => {}
            None => garbage = true,
        }
    }
    if garbage {
        log("skipped bytes that belonged to no message (a wrong Content-Length before?)");
    }
    let length = length.unwrap_or_default();
    if length > MAX_BODY {
        io::copy(&mut input.by_ref().take(length), &mut io::sink())?;
        return Err(Malformed::error(
            -32600,
            serde_json::Value::Null,
            format!("a message of {length} bytes, over the limit of {MAX_BODY}"),
        ));
    }
    let mut body = Vec::with_capacity(length.min(1 << 20) as usize);
    if input.by_ref().take(length).read_to_end(&mut body)? < length as usize {
        return Ok(None);
    }
    let text = match String::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            let body = e.into_bytes();
            let Some((value, end)) = leading_object(&body) else {
                let e = std::str::from_utf8(&body).expect_err("not UTF-8");
                return Err(Malformed::parse(format!("not UTF-8: {e}")));
            };
            input.unread(&body[end..]);
            log(
                "a Content-Length was longer than its message: the next frame is read from the message's end",
            );
            return message_of(value);
        }
    };
    if let Ok(msg) = serde_json::from_str::<Message>(&text) {
        // A request whose id is no integer or string (`1.5`, `null`, `{}`) reads as a
        // notification, and would go unanswered: looked at again when it may have an id.
        if !(matches!(msg, Message::Notification(_)) && text.contains("\"id\"")) {
            return Ok(Some(msg));
        }
    }
    let text = lone_surrogates(&text).unwrap_or(text);
    // Kept apart as JSON-RPC keeps them: not JSON, or JSON but no message.
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(value) => value,
        Err(e) => {
            let Some((value, end)) = leading_object(text.as_bytes()) else {
                return Err(Malformed::parse(format!("not JSON: {e}")));
            };
            input.unread(&text.as_bytes()[end..]);
            log(
                "a Content-Length was longer than its message: the next frame is read from the message's end",
            );
            value
        }
    };
    message_of(value)
}

/// The message a JSON value holds, or the error JSON-RPC prescribes.
fn message_of(value: serde_json::Value) -> io::Result<Option<Message>> {
    <Message as serde::Deserialize>::deserialize(&value)
        .map_err(|_| {
            // A response is never answered, even a malformed one (JSON-RPC): logged only.
            if value.get("method").is_none()
                && (value.get("result").is_some() || value.get("error").is_some())
            {
                io::Error::new(io::ErrorKind::InvalidData, "a malformed response")
            } else {
                Malformed::request(&value)
            }
        })
        .and_then(|msg| match msg {
            Message::Notification(_) if value.get("id").is_some() => {
                Err(Malformed::request(&value))
            }
            msg => Ok(Some(msg)),
        })
}

/// `text` (JSON) with each `\u` escape of a lone surrogate replaced by `\ufffd`, or `None`
/// when it holds none.
fn lone_surrogates(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let (mut done, mut at, mut changed) = (0, 0, false);
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        match unit(at) {
            Some(0xd800..=0xdbff)
                if unit(at + 6).is_some_and(|low| (0xdc00..=0xdfff).contains(&low)) =>
            {
                at += 12;
            }
            Some(0xd800..=0xdfff) => {
                out.push_str(&text[done..at]);
                out.push_str("\\ufffd");
                at += 6;
                done = at;
                changed = true;
            }
            // Any other escape, `\\` included: two characters.
            _ => at += 2,
        }
    }
    if !changed {
        return None;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// One line on stderr, which editors keep as the server's log: written in one call, so that
/// an editor reading the pipe gets it whole, not as a piece per `write!` argument.
pub fn log(line: &str) {
    let _ = io::stderr()
        .lock()
        .write_all(format!("nimbus-lint lsp: {line}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::{lone_surrogates, read_loop, read_message};
    use lsp_server::Message;

    #[test]
    fn a_malformed_message_is_answered_as_json_rpc_says_and_the_next_one_is_read() {
        let framed = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let (b, _) = frame("b");
        let input = [
            framed(r#"{"jsonrpc":"2.0","id":1,"method":"#),
            framed(r#"{"jsonrpc":"2.0","id":7,"method":5}"#),
            framed(r#"{"jsonrpc":"2.0","id":[1],"method":5}"#),
            // Ids no request may have: answered (with the `null` id, as none can be matched),
            // not taken for notifications.
            framed(r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#),
            framed(r#"{"jsonrpc":"2.0","id":18446744073709551616,"method":"x"}"#),
            framed(r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#),
            framed(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x","params":{"t":"\ud83d"}}"#),
            // A malformed response from the client: not answered.
            framed(r#"{"jsonrpc":"2.0","id":null,"error":{"code":"x"}}"#),
            framed(&b),
        ]
        .concat();
        let out = super::memory::Output::default();
        let shared: super::Output =
            std::sync::Arc::new(std::sync::Mutex::new(Box::new(out.clone())));
        let (tx, rx) = std::sync::mpsc::channel();
        read_loop(input.as_bytes(), &tx, &shared);
        let read: Vec<Message> = (rx.try_iter())
            .filter_map(|i| match i {
                super::Incoming::Message(m) => Some(m),
                _ => None,
            })
            .collect();
        assert!(
            matches!(&read[..], [Message::Notification(n)] if n.method == "b"),
            "{read:?}"
        );
        let answers: Vec<String> = out
            .raw_messages()
            .iter()
            .map(|v| {
                format!(
                    "{} {} {}",
                    v["id"], v["error"]["code"], v["error"]["message"]
                )
            })
            .collect();
        let no_message = "\"JSON, but no JSON-RPC message: a request has an integer or string \
                          `id` and a string `method`, a notification a `method` and no `id`\"";
        assert_eq!(
            answers,
            [
                "null -32700 \"not JSON: EOF while parsing a value at line 1 column 33\""
                    .to_owned(),
                format!("7 -32600 {no_message}"),
                format!("null -32600 {no_message}"),
                format!("null -32600 {no_message}"),
                format!("null -32600 {no_message}"),
                format!("null -32600 {no_message}"),
                format!("null -32600 {no_message}"),
            ]
        );
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        assert_eq!(
            lone_surrogates(r#"{"t":"a\ud83d b"}"#).as_deref(),
            Some(r#"{"t":"a\ufffd b"}"#)
        );
        assert_eq!(
            lone_surrogates(r#"{"t":"\ude00\ud83d"}"#).as_deref(),
            Some(r#"{"t":"\ufffd\ufffd"}"#)
        );
        assert_eq!(lone_surrogates(r#"{"t":"\ud83d\ude00 é \u00e9"}"#), None);
        // An escaped backslash followed by `ud83d` is text, not an escape.
        assert_eq!(lone_surrogates(r#"{"t":"\\ud83d"}"#), None);
    }

    /// The methods of the messages `input` holds, and the errors met between them.
    fn methods(input: &[u8]) -> Vec<String> {
        let mut input = super::Rewound::new(input);
        let mut out = Vec::new();
        loop {
            match read_message(&mut input) {
                Ok(Some(Message::Request(r))) => out.push(r.method),
                Ok(Some(Message::Notification(n))) => out.push(n.method),
                Ok(Some(Message::Response(_))) => out.push("response".to_owned()),
                Ok(None) => return out,
                Err(e) => out.push(format!("error: {e}")),
            }
        }
    }

    fn frame(method: &str) -> (String, usize) {
        let body = format!(r#"{{"jsonrpc":"2.0","method":"{method}","params":{{}}}}"#);
        let len = body.len();
        (body, len)
    }

    #[test]
    fn a_wrong_length_costs_one_message_and_lenient_headers_are_read() {
        let (a, la) = frame("a");
        let (b, lb) = frame("b");
        let (c, lc) = frame("c");
        let (d, ld) = frame("d");
        // Too short a length for `a`: its tail is glued to `b`'s header, which is still found.
        // `c` has no space after the colon and LF line ends; `d` a Content-Type too.
        let input = format!(
            "Content-Length: {}\r\n\r\n{a}Content-Length: {lb}\r\n\r\n{b}\
             content-length:{lc}\n\n{c}\
             Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: {ld}\r\n\r\n{d}",
            la - 5
        );
        let got = methods(input.as_bytes());
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got[0].starts_with("error: "), "{got:?}");
        assert_eq!(got[1..], ["b", "c", "d"]);
    }

    #[test]
    fn a_body_that_says_content_length_does_not_mislead_the_recovery() {
        // `a` is 20 bytes short; its tail holds "Content-Length: 5 tail"; `b` must be read.
        let a = r#"{"jsonrpc":"2.0","method":"a","params":{"t":"Content-Length: 5 tail"}}"#;
        let (b, lb) = frame("b");
        let input = format!(
            "Content-Length: {}\r\n\r\n{a}Content-Length: {lb}\r\n\r\n{b}",
            a.len() - 20
        );
        let got = methods(input.as_bytes());
        assert_eq!(got.last().map(String::as_str), Some("b"), "{got:?}");
        // A header field before the length is no garbage.
        let input =
            format!("Content-Type: application/vscode-jsonrpc\r\nContent-Length: {lb}\r\n\r\n{b}");
        assert_eq!(methods(input.as_bytes()), ["b"]);
    }

    #[test]
    fn a_huge_length_is_skipped_not_allocated() {
        let (b, lb) = frame("b");
        let input =
            format!("Content-Length: 100000000000\r\n\r\n{{}}Content-Length: {lb}\r\n\r\n{b}");
        // The skipped body runs to the end of this input: nothing after it is read.
        assert_eq!(
            methods(input.as_bytes()),
            ["error: a message of 100000000000 bytes, over the limit of 536870912"]
        );
    }

    #[test]
    fn a_change_holding_half_an_emoji_is_read_not_dropped() {
        let body = r#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"text":"x = 1 # \ud83d"}}"#;
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let msg = read_message(&mut super::Rewound::new(frame.as_bytes()))
            .expect("read")
            .expect("a message");
        let Message::Notification(n) = msg else {
            panic!("{msg:?}")
        };
        assert_eq!(n.params["text"], "x = 1 # \u{fffd}");
        let bad = "Content-Length: 5\r\n\r\n{bad}";
        assert!(read_message(&mut super::Rewound::new(bad.as_bytes())).is_err());
        let mut empty = super::Rewound::new("".as_bytes());
        assert!(read_message(&mut empty).expect("end").is_none());
    }
}

#[cfg(test)]
pub mod memory {
    //! A transport over memory, for unit tests of the loop.

    use std::io::Write;
    use std::sync::{Arc, Mutex, mpsc};

    use lsp_server::Message;

    use super::Incoming;

    use super::Transport;

    /// What the server wrote.
    #[derive(Clone, Default)]
    pub struct Output(Arc<Mutex<Vec<u8>>>);

    impl Write for Output {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Output {
        /// The frames written so far, as JSON: error responses with a `null` id too, which
        /// `Message` cannot read.
        pub fn raw_messages(&self) -> Vec<serde_json::Value> {
            let bytes = self.0.lock().unwrap().clone();
            let text = String::from_utf8(bytes).unwrap();
            text.split("Content-Length: ")
                .filter(|f| !f.is_empty())
                .map(|f| {
                    let (_, body) = f.split_once("\r\n\r\n").unwrap();
                    serde_json::from_str(body).unwrap()
                })
                .collect()
        }

        /// The messages written so far.
        pub fn messages(&self) -> Vec<Message> {
            let bytes = self.0.lock().unwrap().clone();
            let mut input = &bytes[..];
            let mut out = Vec::new();
            while let Some(m) = Message::read(&mut input).unwrap() {
                out.push(m);
            }
            out
        }
    }

    /// A transport whose input is `incoming`, all of it waiting from the start, then closed.
    pub fn transport(incoming: Vec<Message>) -> (Transport, Output) {
        let (tx, rx) = mpsc::channel();
        for m in incoming {
            tx.send(Incoming::Message(m)).unwrap();
        }
        tx.send(Incoming::Closed).unwrap();
        let out = Output::default();
        let t = Transport::over(rx, tx, Arc::new(Mutex::new(Box::new(out.clone()))));
        (t, out)
    }
}

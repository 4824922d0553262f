//! Messages over stdin/stdout, framed by lsp-server.
//!
//! lsp-server's own stdio transport hands messages over a rendezvous channel, so the reader
//! waits for the main loop after each one and nothing piles up while a check runs. Here the
//! reader thread feeds an unbounded queue instead: when the main loop comes back from a check,
//! every message that arrived meanwhile is already waiting, and a burst of changes is taken (and
//! checked) at once.

use std::io::{self, BufRead, Write};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvError, Sender, TryRecvError};

use lsp_server::Message;

/// Where messages come from and go to.
pub struct Transport {
    incoming: Receiver<Message>,
    out: Mutex<Box<dyn Write + Send>>,
}

impl Transport {
    /// The process's stdin and stdout.
    pub fn stdio() -> io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("lsp-reader".to_owned())
            .spawn(move || read_loop(io::BufReader::new(io::stdin()), &tx))?;
        Ok(Transport {
            incoming: rx,
            out: Mutex::new(Box::new(io::BufWriter::new(io::stdout()))),
        })
    }

    /// Waits for the next message; `Err` when the input is closed and drained.
    pub fn recv(&self) -> Result<Message, RecvError> {
        self.incoming.recv()
    }

    /// Every message already waiting, without blocking.
    pub fn drain(&self) -> Vec<Message> {
        let mut out = Vec::new();
        loop {
            match self.incoming.try_recv() {
                Ok(m) => out.push(m),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return out,
            }
        }
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
/// that is not valid JSON-RPC is logged and skipped (its frame was read whole).
fn read_loop(mut input: impl BufRead, tx: &Sender<Message>) {
    loop {
        match Message::read(&mut input) {
            Ok(Some(msg)) => {
                let exit = matches!(&msg, Message::Notification(n) if n.method == "exit");
                if tx.send(msg).is_err() || exit {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                log(&format!("skipped a malformed message: {e}"));
            }
            Err(e) => {
                log(&format!("cannot read from the client: {e}"));
                return;
            }
        }
    }
}

/// One line on stderr, which editors keep as the server's log.
pub fn log(line: &str) {
    let _ = writeln!(io::stderr().lock(), "nimbus-lint lsp: {line}");
}

#[cfg(test)]
pub mod memory {
    //! A transport over memory, for unit tests of the loop.

    use std::io::Write;
    use std::sync::{Arc, Mutex, mpsc};

    use lsp_server::Message;

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
            tx.send(m).unwrap();
        }
        let out = Output::default();
        let t = Transport {
            incoming: rx,
            out: Mutex::new(Box::new(out.clone())),
        };
        (t, out)
    }
}

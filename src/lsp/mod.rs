//! `nimbus-lint lsp`: a language server over stdio (lsp-server + lsp-types, synchronous).
//!
//! One thread reads messages from stdin into an unbounded queue; the main thread takes every
//! message waiting there at once, applies the text changes, and re-checks each touched workspace
//! once per batch, so a burst of keystrokes costs one check of the newest text. Requests are
//! answered in order, after the pending changes are checked, each inside `catch_unwind`: a panic
//! is logged to stderr and answered with an error, and the server goes on. A check runs on a
//! thread of its own while the main thread watches the queue: when `shutdown` or `exit` arrives
//! meanwhile, the check is abandoned and nothing more is published, so `shutdown` is answered
//! at once and `exit` ends the process, however big the workspace. When no message
//! waits, the main thread does background work a slice at a time: the search of the editor's
//! folders for workspaces, and the checks of workspaces with no open document.
//!
//! - `transport`: framing over stdin/stdout, on lsp-server's `Message`.
//! - `server`: the state (open documents, workspaces), the loop, the dispatch, publishing.
//! - `analysis`: the pipeline of [`crate::analyze`] with the editor's texts as overlays, and
//!   caches (files read, files parsed) so that a keystroke re-parses one file.
//! - `convert`: byte offsets ↔ LSP positions (UTF-16 or UTF-8), file paths ↔ URIs,
//!   diagnostics.
//! - `text`: an open document's text, and the edits of `textDocument/didChange` applied to
//!   it (incremental sync: ranges in LSP positions, the line starts kept up to date).
//! - `navigate`: where ids are defined and used: definition, references, hover.
//! - `complete`: completion of ids in reference positions.
//! - `actions`: code actions, the diagnostics' fixes (one each, and all of a file at once).
//!
//! Every diagnostic's `codeDescription` is the rule's documentation link, [`crate::rule_url`]
//! (the same as SARIF's `helpUri`); `nimbus-lint explain CODE` prints that documentation.

mod actions;
mod analysis;
mod complete;
mod convert;
mod navigate;
mod rename;
mod server;
mod symbols;
mod text;
mod transport;

/// Serves the Language Server Protocol on stdin/stdout until the client exits.
///
/// Returns an error when the connection breaks before the handshake ends. After an `exit`
/// notification that was not preceded by `shutdown`, the process exits with code 1, as the
/// protocol asks.
pub fn serve() -> Result<(), String> {
    let transport = transport::Transport::stdio()
        .map_err(|e| format!("cannot set up the connection over stdin/stdout: {e}"))?;
    let outcome = server::run(&transport);
    transport.close();
    match outcome {
        Ok(server::Ending::Clean) => Ok(()),
        Ok(server::Ending::WithoutShutdown) => std::process::exit(1),
        Err(e) => Err(e),
    }
}

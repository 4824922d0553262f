//! Reading the files of a workspace: each file (or an editor's buffer for it) read once,
//! held to the size limit.

use std::path::{Path, PathBuf};

use super::naming::Naming;
use super::{LoadError, Overlays, io_message};
use crate::source::SourceFile;

/// Reads the entity files of one workspace, each named as messages name it.
pub(super) struct Reader<'a> {
    pub(super) root: &'a Path,
    pub(super) naming: &'a Naming,
    pub(super) overlays: &'a Overlays,
    pub(super) max_size: u64,
    /// How the root is named (`.` when it is the current folder).
    pub(super) shown_root: String,
}

impl Reader<'_> {
    /// The file at `path`, or why it could not be read.
    pub(super) fn read(&self, mut path: PathBuf) -> Read {
        let rel = rel(self.root, &path);
        // Named from the root's name once: the same as `naming.display(path)`, cheaper, when
        // the root is at or below the current folder. Above it (the command runs in a
        // subfolder of the workspace), files below the current folder are named from there,
        // the others absolutely.
        let display = if self.shown_root == "." {
            crate::source::printable(&rel).into_owned()
        } else if Path::new(&self.shown_root).is_absolute() {
            self.naming.display(&path)
        } else {
            format!("{}/{}", self.shown_root, crate::source::printable(&rel))
        };
        match read_file(&mut path, &rel, display, self.overlays, self.max_size) {
            Ok(file) => Read::Source(file),
            Err(error) => Read::Failed { rel, path, error },
        }
    }
}

/// One file the loader tried to read.
pub(super) enum Read {
    /// Read.
    Source(SourceFile),
    /// Not read: the error, and the file's names (the loader sorts by `rel`).
    Failed {
        rel: String,
        path: PathBuf,
        error: LoadError,
    },
}

impl Read {
    pub(super) fn rel(&self) -> &str {
        match self {
            Read::Source(file) => file.rel(),
            Read::Failed { rel, .. } => rel,
        }
    }

    pub(super) fn path(&self) -> &Path {
        match self {
            Read::Source(file) => &file.path,
            Read::Failed { path, .. } => path,
        }
    }
}

/// The path of `p` relative to `root`, with `/` separators.
pub(super) fn rel(root: &Path, p: &Path) -> String {
    crate::source::path_text(p.strip_prefix(root).unwrap_or(p)).into_owned()
}

pub(super) fn read(
    root: &Path,
    path: &Path,
    naming: &Naming,
    overlays: &Overlays,
    errors: &mut Vec<LoadError>,
) -> Option<SourceFile> {
    read_file(
        &mut path.to_path_buf(),
        &rel(root, path),
        naming.display(path),
        overlays,
        crate::parse::settings::DEFAULT_MAX_FILE_SIZE,
    )
    .map_err(|e| errors.push(e))
    .ok()
}

/// Reads one file (or takes its overlay): open, size, one read, close. The source takes
/// `path` (left empty); on an error it is left as it was.
fn read_file(
    path: &mut PathBuf,
    rel: &str,
    display: String,
    overlays: &Overlays,
    max_size: u64,
) -> Result<SourceFile, LoadError> {
    if let Some(bytes) = overlays.get(path.as_path()) {
        // An editor's buffer is held to the limit like the file on disk.
        if bytes.len() as u64 > max_size {
            // Stdin is read one byte past the limit at most.
            let len = bytes.len() as u64;
            let len = if len == max_size.saturating_add(1) {
                format!("at least {len}")
            } else {
                len.to_string()
            };
            return Err(LoadError {
                path: display,
                message: too_big(len, max_size),
            });
        }
        let mut file = SourceFile::from_bytes(std::mem::take(path), rel, &display, bytes);
        file.from_buffer = true;
        return Ok(file);
    }
    let fail = |message: String| LoadError {
        path: display.clone(),
        message,
    };
    use std::io::Read;
    let mut file = std::fs::File::open(&*path).map_err(|e| fail(io_message(&e)))?;
    let too_big = |len: String| fail(too_big(len, max_size));
    // Most files are small: one read into a buffer of 64 KiB gets them whole. A regular file
    // returns fewer bytes than asked only at its end, so no further call is needed to find
    // it (open, read, close: three system calls a file).
    const FIRST: usize = 64 * 1024;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; FIRST]);
    }
    // A whole file in the buffer becomes its source at once, without a copy in between.
    enum First {
        Whole(SourceFile),
        TooBig(usize),
        Part(Vec<u8>),
    }
    let first = BUFFER.with_borrow_mut(|buf| {
        loop {
            match file.read(buf) {
                Ok(n) if n < FIRST && n as u64 > max_size => break Ok(First::TooBig(n)),
                Ok(n) if n < FIRST => {
                    let source =
                        SourceFile::from_bytes(std::mem::take(path), rel, &display, &buf[..n]);
                    break Ok(First::Whole(source));
                }
                Ok(n) => break Ok(First::Part(buf[..n].to_vec())),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        }
    });
    let mut bytes = match first.map_err(|e| fail(io_message(&e)))? {
        First::Whole(source) => return Ok(source),
        First::TooBig(n) => return Err(too_big(n.to_string())),
        First::Part(bytes) => bytes,
    };
    let n = bytes.len();
    let len = file.metadata().map_err(|e| fail(io_message(&e)))?.len();
    if len > max_size {
        return Err(too_big(len.to_string()));
    }
    bytes.reserve_exact((len as usize).saturating_sub(n) + 1);
    file.by_ref()
        .take(max_size.saturating_add(1).saturating_sub(n as u64))
        .read_to_end(&mut bytes)
        .map_err(|e| fail(io_message(&e)))?;
    if bytes.len() as u64 > max_size {
        // Reading stopped one byte over the limit.
        return Err(too_big(format!("at least {}", bytes.len())));
    }
    Ok(SourceFile::from_bytes(
        std::mem::take(path),
        rel,
        &display,
        &bytes,
    ))
}

/// The message for a file of `len` bytes over `max_size`.
fn too_big(len: impl std::fmt::Display, max_size: u64) -> String {
    format!(
        "the file has {len} bytes, more than the limit of {max_size} (`[workspace] max_file_size` in nimbus.toml)"
    )
}

//! Load: find the workspace root, walk it, and read every file once.
//!
//! **Invariant:** the pipeline reads the workspace here only; what else touches the file system
//! is the commands' business (`build`'s writer and `--check` reader, `check --fix`, the
//! language server's watching). A file that cannot be read is a [`LoadError`] (the tool could
//! not do its job, exit 2), never a panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::Gitignore;
use rayon::prelude::*;

use crate::parse::settings::{ParsedSettings, Settings, parse_settings};
use crate::source::{FileId, SourceFile, Sources};

/// The settings file at a workspace root.
pub const SETTINGS_FILE: &str = "nimbus.toml";

/// How deep `check` and the language server's folder search follow workspaces nested in each
/// other: each level's walk looks at every folder above it, so a chain of nested workspaces
/// costs the cube of its depth.
pub const MAX_NESTED: usize = 32;

/// A problem that stops the tool from doing its job on some path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The path, as the user sees it.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Bytes that replace a file's content on disk (an editor's unsaved buffer, or stdin), read
/// as the file would be: not UTF-8 is a `syntax` error at the first bad byte.
pub type Overlays = HashMap<PathBuf, Vec<u8>>;

/// A workspace's files, read.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The root folder.
    pub root: PathBuf,
    /// Every file read.
    pub sources: Sources,
    /// `nimbus.toml`, when present.
    pub settings_file: Option<FileId>,
    /// Its parsed settings.
    pub settings: ParsedSettings,
    /// The entity files, in path order.
    pub entity_files: Vec<FileId>,
    /// Paths that could not be read.
    pub errors: Vec<LoadError>,
    /// Things the user should know that are not problems of the configuration.
    pub notes: Vec<String>,
    /// Folders below the root that hold a `nimbus.toml` of their own: separate workspaces,
    /// not read as part of this one.
    pub nested: Vec<PathBuf>,
}

/// How the current directory is used to name files.
#[derive(Debug, Clone)]
pub struct Naming {
    cwd: PathBuf,
}

impl Naming {
    /// Names relative to the process's current directory.
    pub fn from_cwd() -> Self {
        Naming {
            cwd: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// Names relative to `dir` (an absolute path).
    pub fn at(dir: &Path) -> Self {
        Naming {
            cwd: dir.to_path_buf(),
        }
    }

    /// The absolute form of `path` (without resolving symbolic links).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.cwd.join(path)
        };
        normalize(&joined)
    }

    /// `path` relative to the current directory when below it, else absolute.
    pub fn display(&self, path: &Path) -> String {
        let abs = self.absolute(path);
        let shown = abs.strip_prefix(&self.cwd).unwrap_or(&abs);
        let s = crate::source::path_text(shown);
        if s.is_empty() {
            ".".to_owned()
        } else {
            crate::source::printable(&s).into_owned()
        }
    }
}

/// Removes `.` and resolves `..` lexically (without touching the file system).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The workspace root for `path`: the nearest folder at or above it holding `nimbus.toml`;
/// failing that, `path` itself (its folder, for a file).
pub fn find_root(path: &Path, naming: &Naming) -> Result<PathBuf, LoadError> {
    locate(path, naming).map(|found| found.root)
}

/// The workspace root found for a command-line PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The root folder.
    pub root: PathBuf,
    /// True when PATH is a file with no `nimbus.toml` at or above it: its folder was taken.
    pub guessed: bool,
    /// When PATH is a link to a file of a workspace nested below: that file, which `root`
    /// reads (or leaves out, and says why), spelled from the outer root.
    pub target: Option<PathBuf>,
}

/// Like [`find_root`], telling also whether a file's folder was taken for want of a
/// `nimbus.toml`.
pub fn locate(path: &Path, naming: &Naming) -> Result<Found, LoadError> {
    // `org.toml/` (or `org.toml/.`, `org.toml/..`) names a folder, as the system reads it;
    // the path's own spelling is lost once made absolute.
    if let Some((file, suffix)) = file_named_as_folder(path, naming) {
        return Err(LoadError {
            path: naming.display(&file),
            message: format!(
                "a file, named as a folder (`{suffix}` after it): drop the `{suffix}`"
            ),
        });
    }
    // The system takes `..` after what comes before it, which must be a folder: `org.toml/x/..`
    // and `missing/..` name nothing, however they read once made absolute.
    let mut before = PathBuf::new();
    for part in path.components() {
        if part == std::path::Component::ParentDir && !before.as_os_str().is_empty() {
            let found = std::fs::metadata(naming.absolute(&before));
            let message = match found {
                Ok(m) if m.is_dir() => None,
                Ok(_) => Some("a part of the path is a file, not a folder".to_owned()),
                Err(e) => Some(io_message(&e)),
            };
            if let Some(message) = message {
                // As typed: made absolute, the path would read as something else.
                let typed = crate::source::printable(&path.to_string_lossy()).into_owned();
                return Err(LoadError {
                    path: typed,
                    message,
                });
            }
        }
        before.push(part);
    }
    let abs = naming.absolute(path);
    let meta = std::fs::metadata(&abs).map_err(|e| LoadError {
        path: naming.display(path),
        message: io_message(&e),
    })?;
    if meta.is_dir() {
        return Ok(Found {
            root: root_above(abs),
            guessed: false,
            target: None,
        });
    }
    let root = root_of_file(&abs);
    // A link to a file of a workspace nested below: that workspace reads the file.
    let (root, target) = match linked_into_nested(&abs, &root) {
        Some((nested, target)) => (nested, Some(target)),
        None => (root, None),
    };
    Ok(Found {
        guessed: !has_settings(&root),
        root,
        target,
    })
}

/// When `link` is a symbolic link to a file that lies, inside `root`, in a workspace nested
/// below it: that workspace's root and the file, spelled from `root`.
fn linked_into_nested(link: &Path, root: &Path) -> Option<(PathBuf, PathBuf)> {
    if !std::fs::symlink_metadata(link)
        .ok()?
        .file_type()
        .is_symlink()
    {
        return None;
    }
    let target = std::fs::canonicalize(link).ok()?;
    let inside = target
        .strip_prefix(std::fs::canonicalize(root).ok()?)
        .ok()?;
    let target = root.join(inside);
    Some((InNested::default().root_of(root, &target)?, target))
}

/// When `path`, as written, ends with `/`, `/.` or `/..`: what comes before, and that end.
/// (Names that are not UTF-8 too: the end looked for is ASCII.)
pub fn folder_suffix(path: &Path) -> Option<(PathBuf, String)> {
    let text = path.as_os_str().to_string_lossy();
    let sep = std::path::MAIN_SEPARATOR;
    let mut stem: &str = &text;
    loop {
        let shorter = (stem.strip_suffix(sep))
            .or_else(|| stem.strip_suffix(&format!("{sep}..")))
            .or_else(|| stem.strip_suffix(&format!("{sep}.")));
        match shorter {
            Some(s) if !s.is_empty() => stem = s,
            _ => break,
        }
    }
    if stem.len() == text.len() {
        return None;
    }
    let suffix = text[stem.len()..].to_owned();
    // The same end taken off the path itself: components drop a trailing `/` and `.`.
    let mut parts: Vec<std::path::Component> = path.components().collect();
    while parts.len() > 1
        && matches!(
            parts.last(),
            Some(std::path::Component::CurDir | std::path::Component::ParentDir)
        )
    {
        parts.pop();
    }
    Some((parts.iter().collect(), suffix))
}

/// When `path` ends with `/`, `/.` or `/..` after the name of something that is not a
/// folder (which the system refuses: "not a directory"): that name, and what follows.
fn file_named_as_folder(path: &Path, naming: &Naming) -> Option<(PathBuf, String)> {
    let (file, suffix) = folder_suffix(path)?;
    let meta = std::fs::metadata(naming.absolute(&file)).ok()?;
    (!meta.is_dir()).then_some((file, suffix))
}

/// True when the walk of the workspace root `outer` enters the folder `dir`, were it on disk:
/// `dir` lies below `outer`, and no hidden folder, `.gitignore` or symbolic link on the way
/// keeps the walk out. For roots without `nimbus.toml`: no `exclude` globs are applied.
pub fn walk_enters(outer: &Path, dir: &Path) -> bool {
    dir != outer && skipped(outer, dir, true, &Gitignore::empty()).is_none()
}

/// True when the walk of the workspace at `root` (with its `nimbus.toml`'s `exclude` globs)
/// enters the folder `dir` below it: where a nested workspace in `dir` is found.
pub fn workspace_enters(root: &Path, dir: &Path) -> bool {
    dir != root && skipped(root, dir, true, &excludes(root, &settings_of(root))).is_none()
}

/// [`walk_enters`] and [`workspace_enters`] asked of many folders: each workspace's ignore
/// files and settings are read once, not once a question (the language server asks about
/// every workspace it knows on a save).
#[derive(Default)]
pub struct Entering {
    walks: HashMap<PathBuf, IgnoreFiles>,
    workspaces: HashMap<PathBuf, (Gitignore, IgnoreFiles)>,
}

impl Entering {
    /// [`walk_enters`].
    pub fn walk_enters(&mut self, outer: &Path, dir: &Path) -> bool {
        let ignores = (self.walks)
            .entry(outer.to_path_buf())
            .or_insert_with(|| IgnoreFiles::of(outer));
        dir != outer && skipped_with(outer, dir, true, &Gitignore::empty(), ignores).is_none()
    }

    /// [`workspace_enters`].
    pub fn workspace_enters(&mut self, root: &Path, dir: &Path) -> bool {
        let (excluded, ignores) = (self.workspaces)
            .entry(root.to_path_buf())
            .or_insert_with(|| (excludes(root, &settings_of(root)), IgnoreFiles::of(root)));
        dir != root && skipped_with(root, dir, true, excluded, ignores).is_none()
    }
}

/// True when the folder `dir` holds `nimbus.toml`, in any form: a file, or a link, a folder or
/// a pipe of that name, which mark the workspace's root all the same and are refused there with
/// an error (see [`settings_file`]): a settings file that cannot be read is not "no settings".
pub fn has_settings(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(SETTINGS_FILE)).is_ok()
}

/// The workspace root of the file at `abs` (an absolute path), which need not exist (an
/// editor's new buffer): the nearest folder at or above the file's that holds `nimbus.toml`,
/// else the file's own folder.
pub fn root_of_file(abs: &Path) -> PathBuf {
    root_above(abs.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// The nearest folder at or above `start` that holds `nimbus.toml`, else `start`.
fn root_above(start: PathBuf) -> PathBuf {
    settings_root(&start).unwrap_or(start)
}

/// The nearest folder at or above `dir` that holds `nimbus.toml` on disk (see
/// [`has_settings`]).
pub fn settings_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| has_settings(d))
        .map(Path::to_path_buf)
}

/// True when `path` names a settings file (`nimbus.toml`).
pub fn is_settings(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == SETTINGS_FILE)
}

/// A short, stable description of an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".to_owned(),
        PermissionDenied => "permission denied".to_owned(),
        IsADirectory => "is a directory".to_owned(),
        NotADirectory => "a part of the path is a file, not a folder".to_owned(),
        StorageFull => "no space left on the device".to_owned(),
        ReadOnlyFilesystem => "the file system is read-only".to_owned(),
        InvalidFilename => "the path, or a name in it, is too long for the system".to_owned(),
        // The system's own words, in the same lower case and without `(os error N)`, nor the
        // path that the walk's errors repeat ("IO error for operation on PATH: …").
        _ => {
            let text = e.to_string();
            let text = match text.strip_prefix("IO error for operation on ") {
                Some(rest) => rest.rsplit(": ").next().unwrap_or(rest).to_owned(),
                None => text,
            };
            let text = match text.rfind(" (os error ") {
                Some(at) if text.ends_with(')') => &text[..at],
                _ => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// Reads the workspace at `root`; `overlays` replace files' text.
pub fn load(root: &Path, naming: &Naming, overlays: &Overlays) -> Loaded {
    let mut loaded = Loaded {
        root: root.to_path_buf(),
        ..Loaded::default()
    };
    load_settings(root, naming, overlays, &mut loaded);
    let settings = &loaded.settings.settings;
    let excludes = excludes(root, settings);
    let limit = settings.max_files;
    let reader = Reader {
        root,
        naming,
        overlays,
        max_size: settings.max_file_size,
        shown_root: naming.display(root),
    };
    let walked = walk_and_read(root, &excludes, naming, limit, &reader);
    loaded.notes.extend(walked.notes);
    loaded.errors.extend(walked.errors);
    let Walked {
        mut read,
        mut found,
        mut nested,
        ..
    } = walked;
    split_unsaved_nested(root, overlays, &mut nested, &mut read, &mut found);
    nested.sort();
    for dir in &nested {
        loaded.notes.push(nested_note(dir, naming));
    }
    // Folders are read in the file system's order: report in a stable one.
    loaded.notes.sort();
    loaded.errors.sort_by(|a, b| a.path.cmp(&b.path));
    let fresh = unwalked_buffers(root, overlays, &nested, &read, &found, &excludes);
    loaded.nested = nested;
    let total = read.len() + found.len() + fresh.len();
    if total as u64 > limit {
        // Over the limit: the first files in path order are kept, whichever the walk met first.
        loaded.errors.push(LoadError {
            path: naming.display(root),
            message: format!(
                "the workspace has {total} TOML files, more than the limit of {limit} (`[workspace] max_files` in nimbus.toml)"
            ),
        });
        let mut paths: Vec<(String, PathBuf)> = read
            .drain(..)
            .map(|read| match read {
                Read::Source(file) => file.path,
                Read::Failed { path, .. } => path,
            })
            .chain(found)
            .chain(fresh)
            .map(|p| (rel(root, &p), p))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        paths.truncate(limit as usize);
        read = paths
            .into_par_iter()
            .map(|(_, path)| reader.read(path))
            .collect();
    } else {
        // Files the walk met past the limit, when a nested `nimbus.toml` in an editor took
        // others away, and new editor buffers.
        let rest: Vec<PathBuf> = found.into_iter().chain(fresh).collect();
        read.extend(
            rest.into_par_iter()
                .map(|p| reader.read(p))
                .collect::<Vec<_>>(),
        );
    }
    // By the relative path, then by the path itself: two files may have the same relative
    // path once it is made printable (`a\b.toml` and `a/b.toml`, or invalid UTF-8).
    read.sort_unstable_by(|a, b| (a.rel(), a.path()).cmp(&(b.rel(), b.path())));
    read.dedup_by(|a, b| a.path() == b.path());
    for r in read {
        match r {
            Read::Source(file) => {
                let id = loaded.sources.add(file);
                loaded.entity_files.push(id);
            }
            Read::Failed { error, .. } => loaded.errors.push(error),
        }
    }
    loaded
}

/// Reads `nimbus.toml` (the editor's text of it, else the file when it is a regular one) into
/// `loaded`: its source, its settings and their diagnostics.
fn load_settings(root: &Path, naming: &Naming, overlays: &Overlays, loaded: &mut Loaded) {
    let settings_path = root.join(SETTINGS_FILE);
    let readable = overlays.contains_key(&settings_path)
        || match settings_file(root) {
            SettingsFile::Regular => true,
            SettingsFile::Absent => false,
            SettingsFile::Refused(message) => {
                loaded.errors.push(LoadError {
                    path: naming.display(&settings_path),
                    message,
                });
                false
            }
        };
    if readable && let Some(file) = read(root, &settings_path, naming, overlays, &mut loaded.errors)
    {
        let id = loaded.sources.add(file);
        loaded.settings = parse_settings(id, loaded.sources.get(id));
        loaded.settings_file = Some(id);
    }
}

/// Reads the entity files of one workspace, each named as messages name it.
struct Reader<'a> {
    root: &'a Path,
    naming: &'a Naming,
    overlays: &'a Overlays,
    max_size: u64,
    /// How the root is named (`.` when it is the current folder).
    shown_root: String,
}

impl Reader<'_> {
    /// The file at `path`, or why it could not be read.
    fn read(&self, mut path: PathBuf) -> Read {
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

/// What the walk of a workspace found and read.
struct Walked {
    /// The files read (up to the limit of files).
    read: Vec<Read>,
    /// The files met past the limit, not read.
    found: Vec<PathBuf>,
    /// Folders below the root with a `nimbus.toml` of their own.
    nested: Vec<PathBuf>,
    notes: Vec<String>,
    errors: Vec<LoadError>,
}

/// Walks the workspace and reads its files while the walk goes on, in batches on the thread
/// pool, up to `limit` files; which files a workspace over the limit keeps is decided after
/// the walk.
fn walk_and_read(
    root: &Path,
    excludes: &Gitignore,
    naming: &Naming,
    limit: u64,
    reader: &Reader,
) -> Walked {
    const BATCH: usize = 64;
    let done = std::sync::Mutex::new(Vec::new());
    let mut found: Vec<PathBuf> = Vec::new();
    let mut walked = 0u64;
    let (nested, notes, errors) = rayon::scope(|scope| {
        let mut batch = Vec::with_capacity(BATCH);
        let spawn = |batch: Vec<PathBuf>| {
            let done = &done;
            scope.spawn(move |_| {
                let read: Vec<_> = batch.into_iter().map(|p| reader.read(p)).collect();
                done.lock().unwrap_or_else(|e| e.into_inner()).extend(read);
            });
        };
        let walked_out = walk(root, excludes, naming, |path| {
            walked += 1;
            if walked > limit {
                found.push(path);
                return;
            }
            batch.push(path);
            if batch.len() == BATCH {
                spawn(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            spawn(batch);
        }
        walked_out
    });
    Walked {
        read: done.into_inner().unwrap_or_else(|e| e.into_inner()),
        found,
        nested,
        notes,
        errors,
    }
}

/// An editor's unsaved `nimbus.toml` below the root makes a workspace of its own too: its
/// folder joins `nested`, and its files leave `read` and `found`.
fn split_unsaved_nested(
    root: &Path,
    overlays: &Overlays,
    nested: &mut Vec<PathBuf>,
    read: &mut Vec<Read>,
    found: &mut Vec<PathBuf>,
) {
    for p in overlays.keys() {
        if let Some(dir) = p.parent()
            && is_settings(p)
            && dir != root
            && dir.starts_with(root)
            && !nested.iter().any(|n| dir.starts_with(n))
        {
            nested.retain(|n| !n.starts_with(dir));
            nested.push(dir.to_path_buf());
            read.retain(|r| !r.path().starts_with(dir));
            found.retain(|f| !f.starts_with(dir));
        }
    }
}

/// Editor buffers the walk did not meet (new files), where the walk would look.
fn unwalked_buffers(
    root: &Path,
    overlays: &Overlays,
    nested: &[PathBuf],
    read: &[Read],
    found: &[PathBuf],
    excludes: &Gitignore,
) -> Vec<PathBuf> {
    if overlays.is_empty() {
        return Vec::new();
    }
    let settings_path = root.join(SETTINGS_FILE);
    let walked: std::collections::HashSet<&Path> = (read.iter().map(Read::path))
        .chain(found.iter().map(PathBuf::as_path))
        .collect();
    (overlays.keys())
        .filter(|p| {
            p.starts_with(root)
                && !nested.iter().any(|n| p.starts_with(n))
                && p.extension().is_some_and(|e| e == "toml")
                && **p != settings_path
                && !walked.contains(p.as_path())
                && admitted(root, p, excludes)
        })
        .cloned()
        .collect()
}

/// The note that says a folder below the root is a workspace of its own.
pub fn nested_note(dir: &Path, naming: &Naming) -> String {
    format!(
        "{}: holds its own nimbus.toml: a workspace of its own, not part of this one",
        naming.display(dir)
    )
}

/// One file the loader tried to read.
enum Read {
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
    fn rel(&self) -> &str {
        match self {
            Read::Source(file) => file.rel(),
            Read::Failed { rel, .. } => rel,
        }
    }

    fn path(&self) -> &Path {
        match self {
            Read::Source(file) => &file.path,
            Read::Failed { path, .. } => path,
        }
    }
}

/// The path of `p` relative to `root`, with `/` separators.
fn rel(root: &Path, p: &Path) -> String {
    crate::source::path_text(p.strip_prefix(root).unwrap_or(p)).into_owned()
}

fn read(
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

/// A walk of `root` with the loader's rules: hidden files and folders skipped, `.gitignore`
/// files honoured (even outside a git repository; inside one, not those above its top, which
/// git does not read; not the user's global one), symbolic links not followed. The loader
/// adds `exclude` and nested workspaces on top.
///
/// It never enters a folder whose ignore files [`ignore_files_ok`] refuses (the walk would
/// open them whatever they are); the caller checks `root` and its parents first.
pub fn walker(root: &Path) -> ignore::WalkBuilder {
    walker_in(root, in_repository(root))
}

/// [`walker`], told whether `root` lies in a repository ([`in_repository`]).
fn walker_in(root: &Path, repository: bool) -> ignore::WalkBuilder {
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .hidden(true)
        .ignore(false)
        .git_global(false)
        .git_ignore(true)
        .git_exclude(true)
        // Outside a repository every `.gitignore` counts; inside one, as git reads them: none
        // above the repository's top.
        .require_git(repository)
        .parents(true)
        .follow_links(false)
        .filter_entry(|e| !is_dir_entry(e) || e.depth() == 0 || ignore_files_ok(e.path()).is_ok());
    walker
}

fn is_dir_entry(e: &ignore::DirEntry) -> bool {
    e.file_type().is_some_and(|t| t.is_dir())
}

/// Ignore files larger than this are not read.
const MAX_IGNORE_FILE: u64 = 8 << 20;

/// Whether the ignore files the walk opens in folder `dir` (`.gitignore`, and
/// `.git/info/exclude` in a repository's top folder) may be read: each must be a regular file
/// (or a link to one) of reasonable size. A pipe would block the walk forever and a device
/// such as `/dev/zero` would never end; both can be committed as symbolic links. On refusal:
/// the file and why.
pub fn ignore_files_ok(dir: &Path) -> Result<(), (PathBuf, String)> {
    let gitignore = dir.join(".gitignore");
    // A worktree's is its repository's, which the walk opens all the same; a folder with no
    // `.git` costs one look, as it did.
    let exclude = git_dir(dir).map(|git| git.join("info").join("exclude"));
    for file in std::iter::once(gitignore).chain(exclude) {
        // Follows links: what the walk would open.
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if meta.is_dir() {
            continue;
        }
        if !meta.is_file() {
            let why = "not a regular file (a pipe, socket or device), not read";
            return Err((file, why.to_owned()));
        }
        if meta.len() > MAX_IGNORE_FILE {
            let why = format!(
                "{} bytes, more than ignore files may hold, not read",
                meta.len()
            );
            return Err((file, why));
        }
    }
    Ok(())
}

/// The first ignore file at or above `root` that the walk would open and that
/// [`ignore_files_ok`] refuses.
pub fn ignore_files_above(root: &Path) -> Result<(), (PathBuf, String)> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().try_for_each(ignore_files_ok)
}

/// The `exclude` globs of `nimbus.toml`, as a gitignore relative to the root.
fn excludes(root: &Path, settings: &Settings) -> Gitignore {
    let mut excludes = ignore::gitignore::GitignoreBuilder::new(root);
    for glob in &settings.exclude {
        let _ = excludes.add_line(None, &glob.value);
    }
    excludes.build().unwrap_or_else(|_| Gitignore::empty())
}

/// Why the walk of a workspace leaves a path out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Outside the root.
    Outside,
    /// Hidden: its name, or a folder's on the way, starts with `.`.
    Hidden,
    /// Matched by `[workspace] exclude`.
    Excluded,
    /// Ignored by the `.gitignore` file at this path.
    Ignored(PathBuf),
    /// A symbolic link, or below a linked folder: the walk follows none.
    Link,
}

/// True when the walk would read `path` (below `root`) if it were on disk.
fn admitted(root: &Path, path: &Path, excludes: &Gitignore) -> bool {
    skipped(root, path, false, excludes).is_none()
}

/// Why the walk of `root` would leave out `path` (a folder when `is_dir`), were it on disk:
/// a hidden folder or file on the way, an `exclude` glob, a symbolic link on the way (the walk
/// follows none), an ignore file (see [`IgnoreFiles`]); `None` when it would enter or read it.
fn skipped(root: &Path, path: &Path, is_dir: bool, excludes: &Gitignore) -> Option<Skipped> {
    skipped_with(root, path, is_dir, excludes, &mut IgnoreFiles::of(root))
}

/// [`skipped`], with the ignore files parsed so far (a walk asks about many links).
fn skipped_with(
    root: &Path,
    path: &Path,
    is_dir: bool,
    excludes: &Gitignore,
    ignores: &mut IgnoreFiles,
) -> Option<Skipped> {
    let Ok(rel) = path.strip_prefix(root) else {
        return Some(Skipped::Outside);
    };
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return Some(Skipped::Hidden);
    }
    if excludes
        .matched_path_or_any_parents(path, is_dir)
        .is_ignore()
    {
        return Some(Skipped::Excluded);
    }
    // Each folder on the way, then the path itself, as the walk meets them: a folder it
    // leaves out hides everything below it.
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let last = at == path;
        if at
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return Some(Skipped::Link);
        }
        let found = if last && !is_dir {
            ignores.ignoring(&at, false)
        } else {
            ignores.folder_ignoring(&at)
        };
        if let Some(file) = found {
            return Some(Skipped::Ignored(file));
        }
    }
    None
}

/// The ignore files the walk reads (the `ignore` crate's rules), each parsed once: the
/// `.gitignore` of every folder above a path, the deepest deciding (a `!x.toml` puts back what
/// one above left out), then a repository's `info/exclude` (found through `.git`, a folder, or
/// a worktree's file that names its repository). In a repository, only the folders up to the
/// nearest repository's top count, as for git.
#[derive(Default)]
struct IgnoreFiles {
    /// True when the root lies in a repository ([`in_repository`]).
    repository: bool,
    /// Per folder, whether it is a repository's top.
    tops: HashMap<PathBuf, bool>,
    gitignores: HashMap<PathBuf, Option<Gitignore>>,
    excludes: HashMap<PathBuf, Option<(PathBuf, Gitignore)>>,
    /// Per folder, the ignore file that leaves it out: each folder judged once a walk.
    folders: HashMap<PathBuf, Option<PathBuf>>,
}

impl IgnoreFiles {
    /// The ignore files of the workspace at `root`.
    fn of(root: &Path) -> Self {
        IgnoreFiles {
            repository: in_repository(root),
            ..IgnoreFiles::default()
        }
    }

    /// [`IgnoreFiles::ignoring`] for the folder `dir`, remembered.
    fn folder_ignoring(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.folders.get(dir) {
            return known.clone();
        }
        let found = self.ignoring(dir, true);
        self.folders.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The ignore file that leaves `path` out, if one does.
    fn ignoring(&mut self, path: &Path, is_dir: bool) -> Option<PathBuf> {
        let mut above: Vec<&Path> = path.ancestors().skip(1).collect();
        if self.repository
            && let Some(top) = above.iter().position(|dir| self.is_top(dir))
        {
            above.truncate(top + 1);
        }
        for dir in &above {
            if let Some(g) = self.gitignore(dir) {
                match g.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return Some(dir.join(".gitignore")),
                    ignore::Match::Whitelist(_) => return None,
                    ignore::Match::None => {}
                }
            }
        }
        for dir in &above {
            if let Some((file, g)) = self.exclude(dir) {
                match g.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return Some(file.clone()),
                    ignore::Match::Whitelist(_) => return None,
                    ignore::Match::None => {}
                }
            }
        }
        None
    }

    fn is_top(&mut self, dir: &Path) -> bool {
        *(self.tops)
            .entry(dir.to_path_buf())
            .or_insert_with(|| is_repository_top(dir))
    }

    fn gitignore(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.gitignores
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = dir.join(".gitignore");
                (file.is_file() && ignore_files_ok(dir).is_ok()).then(|| parsed(dir, &file))
            })
            .as_ref()
    }

    fn exclude(&mut self, dir: &Path) -> Option<&(PathBuf, Gitignore)> {
        self.excludes
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let file = git_dir(dir)?.join("info/exclude");
                (file.is_file() && ignore_files_ok(dir).is_ok()).then(|| {
                    let g = parsed(dir, &file);
                    (file, g)
                })
            })
            .as_ref()
    }
}

/// True when `dir` is the top of a repository, as the walk's `ignore` crate tells one: it holds
/// `.git` (a folder, or a worktree's file) or `.jj`, links followed.
fn is_repository_top(dir: &Path) -> bool {
    dir.join(".git").metadata().is_ok() || dir.join(".jj").metadata().is_ok()
}

/// True when `root` (made absolute, links resolved, as the walk does) or a folder above it is
/// a repository's top.
fn in_repository(root: &Path) -> bool {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().any(is_repository_top)
}

/// The ignore file `file`, its patterns relative to `dir`.
fn parsed(dir: &Path, file: &Path) -> Gitignore {
    let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
    let _ = builder.add(file);
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The git folder whose `info/exclude` applies to the repository at `dir`: `.git` itself, or
/// for a worktree (`.git` a file, `gitdir: …`), its repository's common folder.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = std::fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    if !meta.is_file() || meta.len() > 4096 {
        return None;
    }
    // As the walk's `ignore` crate reads it: a worktree's `gitdir:` with its `commondir`; a
    // `.git` file without one (a submodule, `--separate-git-dir`) gets no `info/exclude`.
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let gitdir = dir.join(text.lines().next()?.strip_prefix("gitdir: ")?.trim());
    let common = std::fs::read_to_string(gitdir.join("commondir")).ok()?;
    Some(gitdir.join(common.trim()))
}

/// Why the workspace at `root` would not read the file at `path` (below it, on disk or not),
/// by the `exclude` globs of its `nimbus.toml` on disk; `None` when it would.
pub fn skipped_file(root: &Path, path: &Path) -> Option<Skipped> {
    let settings_path = root.join(SETTINGS_FILE);
    if path == settings_path {
        return None;
    }
    skipped(root, path, false, &excludes(root, &settings_of(root)))
}

/// What the `nimbus.toml` of a folder is, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsFile {
    /// None there.
    Absent,
    /// A regular file, or a symbolic link to one inside the folder: it is read.
    Regular,
    /// Something that must not be read, and why: a pipe or device would block or never end,
    /// and a link out of the workspace would show another file's text in diagnostics.
    Refused(String),
}

/// What the `nimbus.toml` of `root` is (see [`SettingsFile`]).
pub fn settings_file(root: &Path) -> SettingsFile {
    let path = root.join(SETTINGS_FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return SettingsFile::Absent;
    };
    let special = || {
        SettingsFile::Refused("not a regular file (a pipe, socket or device), not read".to_owned())
    };
    let folder = || {
        SettingsFile::Refused(
            "a folder, not the settings file: rename it, or make nimbus.toml a file".to_owned(),
        )
    };
    if meta.is_dir() {
        return folder();
    }
    if meta.is_file() {
        return SettingsFile::Regular;
    }
    if !meta.is_symlink() {
        return special();
    }
    let Ok(canonical_root) = std::fs::canonicalize(root) else {
        return SettingsFile::Absent;
    };
    let Ok(target) = std::fs::canonicalize(&path) else {
        let what = if link_loops(&path) {
            "symbolic link loop"
        } else {
            "broken symbolic link"
        };
        return SettingsFile::Refused(format!(
            "{what}, not read: the workspace's settings would be lost; make it a file (or remove it)"
        ));
    };
    if target.is_dir() {
        folder()
    } else if !target.is_file() {
        special()
    } else if !stays_inside(&canonical_root, &target) {
        SettingsFile::Refused(
            "symbolic link to a file outside the workspace or in a hidden folder, not read: make it a file of its own"
                .to_owned(),
        )
    } else {
        SettingsFile::Regular
    }
}

/// The settings of the workspace at `root`, as its `nimbus.toml` on disk says (defaults
/// without one, or with one that [`settings_file`] refuses).
pub fn settings_of(root: &Path) -> Settings {
    let settings_path = root.join(SETTINGS_FILE);
    if settings_file(root) != SettingsFile::Regular {
        return Settings::default();
    }
    let bytes = std::fs::File::open(&settings_path).and_then(|f| {
        use std::io::Read;
        let mut bytes = Vec::new();
        f.take(crate::parse::settings::DEFAULT_MAX_FILE_SIZE)
            .read_to_end(&mut bytes)
            .map(|_| bytes)
    });
    match bytes {
        Ok(bytes) => {
            let file = SourceFile::from_bytes(settings_path, SETTINGS_FILE, SETTINGS_FILE, &bytes);
            parse_settings(FileId(0), &file).settings
        }
        Err(_) => Settings::default(),
    }
}

/// Why the workspace at `root` with `settings` reads `path`, or would read it once written
/// there: the bundle must never be written over what it is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A `nimbus.toml`: the root's, or a nested workspace's.
    Settings,
    /// A `.toml` file the walk reads.
    Entity,
    /// A `.toml` file the walk would read, were it there.
    FutureEntity,
    /// A `.gitignore` that decides what the walk reads.
    Gitignore,
}

/// Whether `path` is (or would be) an input of the workspace at `root`, seen through symbolic
/// links and `..`: both are resolved on disk as far as they exist.
pub fn input_at(root: &Path, settings: &Settings, path: &Path) -> Option<Input> {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let path = resolved(path);
    path.strip_prefix(&root).ok()?;
    let excludes = excludes(&root, settings);
    let dir = path.parent().unwrap_or(&root);
    let entered = || dir == root || skipped(&root, dir, true, &excludes).is_none();
    if is_settings(&path) && entered() {
        return Some(Input::Settings);
    }
    if path.file_name().is_some_and(|n| n == ".gitignore") {
        return entered().then_some(Input::Gitignore);
    }
    if path.extension().is_none_or(|e| e != "toml")
        || skipped(&root, &path, false, &excludes).is_some()
    {
        return None;
    }
    Some(if path.exists() {
        Input::Entity
    } else {
        Input::FutureEntity
    })
}

/// True when `path`, resolved on disk (symbolic links, `..`), lies below `root` and in no
/// hidden folder: where a repository's own settings may have `build` write. A committed
/// link (`hooks -> .git/hooks`) must not lead the bundle elsewhere.
pub fn stays_inside(root: &Path, path: &Path) -> bool {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    resolved(path).strip_prefix(&root).is_ok_and(|rel| {
        rel.components().all(|c| match c {
            std::path::Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
            _ => false,
        })
    })
}

/// `path` with its longest existing part resolved on disk (symbolic links, `..`), the rest
/// appended as it is.
fn resolved(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut at = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(at) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return normalize(path),
        }
    }
}

/// Every entity file under `root`: `*.toml`, not hidden, not ignored by `.gitignore` or
/// `exclude`, not the root's `nimbus.toml`, not inside a folder that holds a `nimbus.toml` of
/// its own (those folders come second); symbolic links to folders are not followed.
fn walk(
    root: &Path,
    excludes: &Gitignore,
    naming: &Naming,
    mut on_file: impl FnMut(PathBuf),
) -> (Vec<PathBuf>, Vec<String>, Vec<LoadError>) {
    let (mut notes, mut errors) = (Vec::new(), Vec::new());
    let walk_excludes = excludes.clone();
    let settings_path = root.join(SETTINGS_FILE);
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut in_nested = InNested::default();
    let mut ignores = IgnoreFiles::of(root);
    let nested: std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>> = std::sync::Arc::default();
    let refused: std::sync::Arc<std::sync::Mutex<Vec<(PathBuf, String)>>> =
        std::sync::Arc::default();
    let unreadable = |(file, why): (PathBuf, String)| LoadError {
        path: naming.display(&file),
        message: format!("{why}: it decides which files are read, so the folder was not checked"),
    };
    if let Err(bad) = ignore_files_above(root) {
        return (Vec::new(), notes, vec![unreadable(bad)]);
    }
    let walker = walker_in(root, ignores.repository)
        .filter_entry({
            let nested = std::sync::Arc::clone(&nested);
            let refused = std::sync::Arc::clone(&refused);
            move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if walk_excludes.matched(e.path(), is_dir).is_ignore() {
                    return false;
                }
                // A nested workspace first: this walk never opens its ignore files.
                if is_dir && e.depth() > 0 && has_settings(e.path()) {
                    if let Ok(mut nested) = nested.lock() {
                        nested.push(e.path().to_path_buf());
                    }
                    return false;
                }
                if is_dir
                    && e.depth() > 0
                    && let Err(bad) = ignore_files_ok(e.path())
                {
                    if let Ok(mut refused) = refused.lock() {
                        refused.push(bad);
                    }
                    return false;
                }
                true
            }
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                match walk_failure(root, &e) {
                    WalkFailure::Unread(path, e) => errors.push(LoadError {
                        path: naming.display(&path),
                        message: format!(
                            "{}: the folder could not be read, none of its files were checked",
                            io_message(e)
                        ),
                    }),
                    WalkFailure::Note(note) => notes.push(note),
                    WalkFailure::Gone => {}
                }
                continue;
            }
        };
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") || path == settings_path {
            continue;
        }
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        let special = || LoadError {
            path: naming.display(path),
            message: "not a regular file (a pipe, socket or device), not read".to_owned(),
        };
        if !ft.is_file() && !ft.is_symlink() {
            // Opening a pipe would wait for a writer forever.
            errors.push(special());
            continue;
        }
        if ft.is_symlink() {
            let lookups = (&mut in_nested, &mut ignores);
            match linked_file(root, &canonical_root, path, excludes, lookups) {
                Link::Folder => {}
                Link::Special => errors.push(special()),
                Link::Note(what) => notes.push(format!("{}: {what}", naming.display(path))),
            }
            continue;
        }
        on_file(path.to_path_buf());
    }
    let nested = std::mem::take(&mut *nested.lock().unwrap_or_else(|e| e.into_inner()));
    let mut refused = std::mem::take(&mut *refused.lock().unwrap_or_else(|e| e.into_inner()));
    refused.sort();
    errors.extend(refused.into_iter().map(unreadable));
    (nested, notes, errors)
}

/// Whether a path below the root lies in a workspace nested in it, each folder looked at once
/// in a walk (many links into one deep folder cost its depth once, not once each).
#[derive(Default)]
struct InNested {
    /// Per folder below the root: the innermost folder at or above it, below the root, that
    /// holds a `nimbus.toml`.
    memo: HashMap<PathBuf, Option<PathBuf>>,
}

impl InNested {
    /// The root of the workspace nested below `root` that holds `path` (the innermost), if
    /// one does.
    fn root_of(&mut self, root: &Path, path: &Path) -> Option<PathBuf> {
        let mut unknown = Vec::new();
        let mut answer = None;
        for dir in path.ancestors().skip(1) {
            if dir == root || !dir.starts_with(root) {
                break;
            }
            if let Some(known) = self.memo.get(dir) {
                answer = known.clone();
                break;
            }
            unknown.push(dir);
            if has_settings(dir) {
                answer = Some(dir.to_path_buf());
                break;
            }
        }
        for dir in unknown {
            self.memo.insert(dir.to_path_buf(), answer.clone());
        }
        answer
    }
}

/// What a symbolic link met by the walk comes to: never read itself.
enum Link {
    /// It leads to a folder: the walk does not follow it, silently.
    Folder,
    /// It leads to a pipe, socket or device.
    Special,
    /// A note on why it is skipped (outside the workspace, read at its target, broken).
    Note(&'static str),
}

/// What the walk makes of the symbolic link `path`, found among the files of `root`.
fn linked_file(
    root: &Path,
    canonical_root: &Path,
    path: &Path,
    excludes: &Gitignore,
    (in_nested, ignores): (&mut InNested, &mut IgnoreFiles),
) -> Link {
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(_) if link_loops(path) => return Link::Note("symbolic link loop, skipped"),
        Err(_) => return Link::Note("broken symbolic link, skipped"),
    };
    if target.is_dir() {
        return Link::Folder;
    }
    // Not followed, whatever it leads to (a file, `/dev/zero`).
    let Ok(rel) = target.strip_prefix(canonical_root) else {
        return Link::Note("symbolic link to a file outside the workspace, not followed");
    };
    if !target.is_file() {
        return Link::Special;
    }
    // Its target is a file of the workspace, read where it is (reading it twice would define
    // every entity in it twice), if the walk reads it.
    let inside = root.join(rel);
    if in_nested.root_of(root, &inside).is_some() {
        return Link::Note(
            "symbolic link to a file of a workspace nested in this one, not read: that workspace reads it, checked on its own",
        );
    }
    let read = target.extension().is_some_and(|e| e == "toml")
        && skipped_with(root, &inside, false, excludes, ignores).is_none();
    Link::Note(if read {
        "symbolic link to another file of the workspace, read at its target"
    } else {
        "symbolic link to another file of the workspace, not read: the workspace does not read its target either"
    })
}

/// What an error of the walk means for the workspace.
#[derive(Debug)]
enum WalkFailure<'e> {
    /// A folder (or file) the walk could not read: the workspace is incomplete.
    Unread(PathBuf, &'e std::io::Error),
    /// Something to tell that does not lose files (a `.gitignore` line that is not a glob).
    Note(String),
    /// A path that no longer exists: nothing to read, nothing to tell.
    Gone,
}

/// Sorts out an error of the walk: the walk wraps the failure with its path and depth.
fn walk_failure<'e>(root: &Path, e: &'e ignore::Error) -> WalkFailure<'e> {
    let mut path = None;
    let mut cur = e;
    loop {
        match cur {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert(p);
                cur = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                cur = err;
            }
            _ => break,
        }
    }
    match cur {
        // Gone since the listing, or a root that is an editor's new folder: nothing lost.
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => WalkFailure::Gone,
        ignore::Error::Io(io) => {
            WalkFailure::Unread(path.cloned().unwrap_or_else(|| root.to_path_buf()), io)
        }
        _ => WalkFailure::Note(e.to_string()),
    }
}

/// A workspace held in memory: `(path relative to the root, bytes)` pairs, as if read from a
/// folder. `nimbus.toml` at the top is the settings file; other `.toml` paths are entity
/// files; the rest is ignored. For fuzzing, property tests and tools that have no folder.
pub fn load_memory(files: &[(&str, &[u8])]) -> Loaded {
    let mut loaded = Loaded {
        root: PathBuf::from("."),
        ..Loaded::default()
    };
    let mut entity: Vec<&(&str, &[u8])> = Vec::new();
    for f in files {
        if f.0 == SETTINGS_FILE && loaded.settings_file.is_none() {
            let file = SourceFile::from_bytes(f.0.into(), f.0, f.0, f.1);
            let id = loaded.sources.add(file);
            loaded.settings = parse_settings(id, loaded.sources.get(id));
            loaded.settings_file = Some(id);
        } else if f.0.ends_with(".toml") && f.0 != SETTINGS_FILE {
            entity.push(f);
        }
    }
    entity.sort_by_key(|f| f.0);
    entity.dedup_by_key(|f| f.0);
    for (rel, bytes) in entity {
        let file = SourceFile::from_bytes(PathBuf::from(rel), rel, rel, bytes);
        let id = loaded.sources.add(file);
        loaded.entity_files.push(id);
    }
    loaded
}

/// True when following the symbolic link at `path` comes back to a link already seen.
fn link_loops(path: &Path) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut at = path.to_path_buf();
    for _ in 0..64 {
        let Ok(target) = std::fs::read_link(&at) else {
            return false;
        };
        let next = normalize(&at.parent().unwrap_or(Path::new("")).join(target));
        if !seen.insert(next.clone()) {
            return true;
        }
        at = next;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entering_answers_as_each_question_asked_alone() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path().canonicalize().unwrap();
        for (path, text) in [
            ("nimbus.toml", "[workspace]\nexclude = [\"drafts\"]\n"),
            (".gitignore", "old/\n"),
            ("a/b/nimbus.toml", ""),
            ("drafts/c/nimbus.toml", ""),
            ("old/d/nimbus.toml", ""),
            (".hidden/e/nimbus.toml", ""),
            ("f/.gitignore", "g\n"),
            ("f/g/nimbus.toml", ""),
            ("f/h/nimbus.toml", ""),
        ] {
            let p = top.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let dirs = [
            "a/b",
            "drafts/c",
            "old/d",
            ".hidden/e",
            "f/g",
            "f/h",
            "f",
            "a",
        ];
        let mut entering = Entering::default();
        for d in dirs.iter().chain(dirs.iter().rev()) {
            let d = top.join(d);
            assert_eq!(
                entering.walk_enters(&top, &d),
                walk_enters(&top, &d),
                "{d:?}"
            );
            assert_eq!(
                entering.workspace_enters(&top, &d),
                workspace_enters(&top, &d),
                "{d:?}"
            );
        }
        let entered: Vec<&str> = (dirs.iter().copied())
            .filter(|d| entering.workspace_enters(&top, &top.join(d)))
            .collect();
        assert_eq!(entered, ["a/b", "f/h", "f", "a"]);
    }

    #[test]
    fn io_messages_are_short_lower_case_and_name_no_path_twice() {
        let long = std::io::Error::from(std::io::ErrorKind::InvalidFilename);
        assert_eq!(
            io_message(&long),
            "the path, or a name in it, is too long for the system"
        );
        let walked = std::io::Error::other("IO error for operation on /a/b: Too many links");
        assert_eq!(io_message(&walked), "too many links");
        let plain = std::io::Error::other("Resource busy (os error 16)");
        assert_eq!(io_message(&plain), "resource busy");
    }

    #[test]
    fn a_folder_the_walk_cannot_read_is_an_error_that_names_it() {
        // As the walk reports it (`ignore`'s `read_dir` failure): depth and path around the cause.
        let root = Path::new("/ws");
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let e = ignore::Error::WithPath {
            path: PathBuf::from("/ws/locked"),
            err: Box::new(ignore::Error::WithDepth {
                depth: 1,
                err: Box::new(ignore::Error::Io(denied())),
            }),
        };
        match walk_failure(root, &e) {
            WalkFailure::Unread(path, io) => {
                assert_eq!(path, Path::new("/ws/locked"));
                assert_eq!(io_message(io), "permission denied");
            }
            other => panic!("{other:?}"),
        }
        let bare = ignore::Error::Io(denied());
        assert!(matches!(walk_failure(root, &bare), WalkFailure::Unread(p, _) if p == root));
        let glob = ignore::Error::Glob {
            glob: Some("a[".to_owned()),
            err: "unclosed character class".to_owned(),
        };
        assert!(matches!(walk_failure(root, &glob), WalkFailure::Note(_)));
        let gone = ignore::Error::Io(std::io::ErrorKind::NotFound.into());
        assert!(matches!(walk_failure(root, &gone), WalkFailure::Gone));
    }

    /// A workspace folder holding `files` (relative path, text).
    fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn rels(loaded: &Loaded) -> Vec<&str> {
        loaded
            .entity_files
            .iter()
            .map(|&id| loaded.sources.get(id).rel())
            .collect()
    }

    #[test]
    fn files_past_the_limit_are_read_when_an_unsaved_nested_settings_file_takes_others_away() {
        let dir = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_files = 3\n"),
            ("a/1.toml", ""),
            ("a/2.toml", ""),
            ("a/3.toml", ""),
            ("b.toml", ""),
            ("c.toml", ""),
        ]);
        let root = dir.path();
        let overlays = Overlays::from([(root.join("a/nimbus.toml"), Vec::new())]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert_eq!(rels(&loaded), ["b.toml", "c.toml"]);
        assert_eq!(loaded.errors, []);
    }

    #[cfg(unix)]
    #[test]
    fn a_backslash_in_a_name_is_no_separator_and_both_files_are_read() {
        let dir = workspace(&[("a\\b.toml", "[ou.x]\n"), ("a/b.toml", "[ou.y]\n")]);
        let loaded = load(dir.path(), &Naming::at(dir.path()), &Overlays::new());
        assert_eq!(rels(&loaded), ["a/b.toml", "a\\b.toml"]);
        let texts: Vec<&str> = loaded
            .entity_files
            .iter()
            .map(|&id| &*loaded.sources.get(id).text)
            .collect();
        assert_eq!(texts.len(), 2);
        assert_ne!(texts[0], texts[1]);
    }

    #[test]
    fn a_file_over_the_size_limit_is_named_with_its_exact_size_even_past_the_first_read() {
        let big = "# x\n".repeat(25_000);
        let dir = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_file_size = 1000\n"),
            ("big.toml", &big),
            ("small.toml", "# 1234567890\n"),
        ]);
        let loaded = load(dir.path(), &Naming::at(dir.path()), &Overlays::new());
        assert_eq!(rels(&loaded), ["small.toml"]);
        let messages: Vec<&str> = loaded.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the file has 100000 bytes, more than the limit of 1000 (`[workspace] max_file_size` in nimbus.toml)"
            ]
        );
    }

    #[test]
    fn an_editor_buffer_over_the_size_limit_is_refused_like_the_file() {
        let ws = workspace(&[
            ("nimbus.toml", "[workspace]\nmax_file_size = 20\n"),
            ("a.toml", "[ou.a]\n"),
        ]);
        let root = ws.path();
        let big = b"[ou.a]\nname = \"a long enough name\"\n".to_vec();
        let overlays = Overlays::from([(root.join("a.toml"), big)]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert!(rels(&loaded).is_empty(), "{:?}", rels(&loaded));
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0]
                .message
                .starts_with("the file has 35 bytes, more than the limit of 20")
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_editor_buffer_of_a_linked_file_or_below_a_linked_folder_is_not_read() {
        let outside = workspace(&[
            ("ext.toml", "[ou.ext]\n"),
            ("dir/inner.toml", "[ou.inner]\n"),
        ]);
        let ws = workspace(&[("nimbus.toml", ""), ("a.toml", "[ou.a]\n")]);
        let root = ws.path();
        std::os::unix::fs::symlink(outside.path().join("ext.toml"), root.join("link.toml"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path().join("dir"), root.join("linkdir")).unwrap();
        let overlays = Overlays::from([
            (root.join("link.toml"), b"[ou.ext]\n".to_vec()),
            (root.join("linkdir/inner.toml"), b"[ou.inner]\n".to_vec()),
            (root.join("new.toml"), b"[ou.new]\n".to_vec()),
        ]);
        let loaded = load(root, &Naming::at(root), &overlays);
        assert_eq!(rels(&loaded), ["a.toml", "new.toml"]);
    }
}

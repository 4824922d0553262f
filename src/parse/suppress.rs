//! `# nimbus-lint: allow(code, ...)` comments and the entities they cover.
//!
//! A run of comment lines applies to the entity whose table header (or inline key) follows it;
//! above a bare `[kind]` header it covers every entity written in that table: inline below it,
//! and in the `[kind.id]` tables that follow it, up to a header of another table.

use crate::diagnostic::Diagnostic;
use crate::model::{Kind, SecretHit, Sp, Suppression};
use crate::rules::{Code, unused_suppression};
use crate::source::{FileId, Span};

use super::ParsedFile;
use super::lines::{Line, key_path, top_level};

/// What a comment run stands above.
#[derive(Clone)]
enum Target {
    Entity(Kind, String),
    /// Every entity of `kind` whose id lies in the byte range.
    Section(Kind, usize, usize),
    Nothing,
}

/// Finds the directives of a file and what each applies to, with the problems met and the
/// codes shaped like credentials (a secret pasted into `allow(..)` is masked like any other).
pub(super) fn scan(
    file: FileId,
    src: &str,
    parsed: &[ParsedFile],
) -> (Vec<Suppression>, Vec<Diagnostic>, Vec<SecretHit>) {
    let mut diags = Vec::new();
    let mut secrets = Vec::new();
    // Each comment with the run it belongs to; each run's target.
    let mut found = Found::default();
    let mut pending: Vec<Suppression> = Vec::new();
    let mut section: Vec<String> = Vec::new();
    let mut open_section: Option<(Kind, usize)> = None;
    for top in top_level(src) {
        if matches!(top.line, Line::Header { .. } | Line::Key(_)) {
            trailing_directive(file, src, top.text_start, &mut diags);
        }
        match top.line {
            Line::Blank | Line::Other => flush(&mut pending, &mut found, Target::Nothing),
            Line::Comment(comment) => {
                let at = top.text_start;
                if let Some(d) = parse_directive(file, at, comment, &mut diags, &mut secrets) {
                    pending.push(d);
                }
            }
            Line::Header { path, array } => {
                // `[service.a]` after `[service]` is still in the `service` table.
                if let Some((kind, s)) = open_section
                    && section_kind(&path) != Some(kind)
                {
                    close_section(&mut found, kind, s, top.start);
                    open_section = None;
                }
                section = path;
                let target = if array {
                    Target::Nothing
                } else {
                    match (section_kind(&section), section.get(1)) {
                        (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                        (Some(kind), None) => {
                            if let Some((k, s)) = open_section.take() {
                                close_section(&mut found, k, s, top.start);
                            }
                            open_section = Some((kind, top.start));
                            Target::Section(kind, usize::MAX, usize::MAX)
                        }
                        _ => Target::Nothing,
                    }
                };
                flush(&mut pending, &mut found, target);
            }
            Line::Key(body) => {
                let path = key_path(body);
                let target = match section.len() {
                    0 => match (section_kind(&path), path.get(1)) {
                        (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                        _ => Target::Nothing,
                    },
                    1 => match (section_kind(&section), path.first()) {
                        (Some(kind), Some(id)) => Target::Entity(kind, id.clone()),
                        _ => Target::Nothing,
                    },
                    _ => Target::Nothing,
                };
                flush(&mut pending, &mut found, target);
            }
        }
    }
    if let Some((kind, s)) = open_section {
        close_section(&mut found, kind, s, src.len());
    }
    flush(&mut pending, &mut found, Target::Nothing);
    named_twice(src, &mut diags, &found.comments);

    // One list of entities a run, shared by its comments.
    let lists: Vec<std::sync::Arc<[(Kind, String)]>> = (found.runs.into_iter())
        .map(|target| match target {
            Target::Entity(kind, id) => std::sync::Arc::from([(kind, id)]),
            Target::Section(kind, from, to) => ids_in(parsed, kind)
                .filter(|(_, span)| (from..to).contains(&(span.start as usize)))
                .map(|(id, _)| (kind, id.to_owned()))
                .collect(),
            Target::Nothing => std::sync::Arc::new([]),
        })
        .collect();
    let suppressions = (found.comments.into_iter())
        .map(|(mut s, run)| {
            s.targets = lists[run].clone();
            s
        })
        .collect();
    (suppressions, diags, secrets)
}

/// Withholds the fix of each unknown code that would name a code its run of comments (the
/// comment lines written together, above one entity) names already, or that another fix of
/// the run writes too: fixed, the run would name it twice (`allow(im-no-agent)` above
/// `allow(im-no-agents)`). The help says so.
fn named_twice(src: &str, diags: &mut [Diagnostic], comments: &[(Suppression, usize)]) {
    let written = |d: &Diagnostic| {
        (d.code == Code::UnusedSuppression)
            .then_some(d.fix.as_ref()?)
            .and_then(|f| Some((f.span.start as usize, Code::parse(&f.text)?)))
    };
    if !diags.iter().any(|d| written(d).is_some()) {
        return;
    }
    // Each comment line's start and its run: comment lines one below the other.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut run = 0;
    let mut after_comment = false;
    for top in top_level(src) {
        let comment = matches!(top.line, Line::Comment(_));
        run += usize::from(comment && !after_comment);
        if comment {
            runs.push((top.start, run));
        }
        after_comment = comment;
    }
    let run_of = |at: usize| {
        let i = runs.partition_point(|&(start, _)| start <= at);
        i.checked_sub(1).map(|i| runs[i].1)
    };
    let mut named: rustc_hash::FxHashMap<(Option<usize>, Code), usize> = Default::default();
    let codes = comments.iter().flat_map(|(s, _)| &s.codes);
    for (at, code) in
        (codes.map(|c| (c.span.start as usize, c.value))).chain(diags.iter().filter_map(written))
    {
        *named.entry((run_of(at), code)).or_default() += 1;
    }
    for d in diags.iter_mut() {
        if let Some((at, code)) = written(d)
            && named.get(&(run_of(at), code)).is_some_and(|&n| n > 1)
        {
            d.fix = None;
            d.help = format!(
                "did you mean `{code}`? The comments above this entity name it already (or another code mends into it): fixed, it would be named twice: write it once"
            );
        }
    }
}

/// The directives found so far.
#[derive(Default)]
struct Found {
    /// Each comment, with the index of its run.
    comments: Vec<(Suppression, usize)>,
    /// What each run of comments stands above.
    runs: Vec<Target>,
    /// The runs above the `[kind]` table still open.
    open: Vec<usize>,
}

/// Ends the run of `pending` comments: they stand above `target`.
fn flush(pending: &mut Vec<Suppression>, found: &mut Found, target: Target) {
    if pending.is_empty() {
        return;
    }
    let run = found.runs.len();
    if matches!(target, Target::Section(..)) {
        found.open.push(run);
    }
    found.runs.push(target);
    found.comments.extend(pending.drain(..).map(|s| (s, run)));
}

/// Gives the runs above the `[kind]` table that ends at `to` their byte range.
fn close_section(found: &mut Found, kind: Kind, from: usize, to: usize) {
    for run in found.open.drain(..) {
        if let Target::Section(k, start, end) = &mut found.runs[run]
            && *k == kind
        {
            *start = from;
            *end = to;
        }
    }
}

fn ids_in(parsed: &[ParsedFile], kind: Kind) -> impl Iterator<Item = (&str, Span)> + '_ {
    parsed.iter().flat_map(move |p| {
        let defs: Box<dyn Iterator<Item = &crate::model::Def> + '_> = match kind {
            Kind::Ou => Box::new(p.ous.iter().map(|e| &e.def)),
            Kind::Connector => Box::new(p.connectors.iter().map(|e| &e.def)),
            Kind::MessagingEntry => Box::new(p.entries.iter().map(|e| &e.def)),
            Kind::Service => Box::new(p.services.iter().map(|e| &e.def)),
        };
        defs.map(|d| (d.id.as_str(), d.id_span))
    })
}

fn section_kind(path: &[String]) -> Option<Kind> {
    let first = path.first()?;
    Kind::ALL.into_iter().find(|k| k.key() == first)
}

/// Reports a `nimbus-lint` comment at the end of a header or key line: only comments on lines
/// of their own are read, and one that is silently ignored leaves the user puzzled. Misspelled
/// directives (`alow(..)`) are reported too, as [`misspelled_directive`] finds them.
fn trailing_directive(file: FileId, src: &str, line_at: usize, diags: &mut Vec<Diagnostic>) {
    let rest = &src[line_at..];
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let Some(hash) = super::lines::comment_start(line) else {
        return;
    };
    let comment = &line[hash + 1..];
    let body = comment.trim_start();
    // A directive however spelled, as a comment on a line of its own would be reported
    // (`alow(..)`, no `:`): at the end of a line, what is wrong first is where it stands.
    if looks_like_directive(body) || misspelled_directive(file, 0, body).is_some() {
        let at = line_at + hash;
        diags.push(unused_suppression::trailing_directive(Span::new(
            file,
            at..at + 1 + comment.trim_end().len(),
        )));
    }
}

/// True when a comment's text is a directive however spelled: the tool's name (`nimbus-lint`,
/// `nimbus_lint`, any case), an optional colon, then `allow(`. Prose that merely names the tool
/// (`# nimbus-lint checks this file in CI`) is not one.
pub(super) fn looks_like_directive(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("nimbus-lint")
        .or_else(|| lower.strip_prefix("nimbus_lint"))
    else {
        return false;
    };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    rest.strip_prefix("allow")
        .is_some_and(|r| r.trim_start().starts_with('('))
}

/// Words written for `allow`.
const ALLOW: &[&str] = &[
    "allow", "ignore", "disable", "suppress", "skip", "noqa", "off",
];

/// A directive written almost right (`body` the comment's text from its first word, at byte
/// `at`): the tool's name misspelled or in capitals, no `:` after it, another word than
/// `allow` (or `allow` misspelled), the codes without parentheses or without the `)`.
/// Reported at the first part at fault, with the line as it should read, and mended when that
/// line is certain (every code a known one, nothing left over) and the word was meant as the
/// directive's (not an English form of it, as in a sentence: see [`english_form`]).
fn misspelled_directive(file: FileId, at: usize, body: &str) -> Option<Diagnostic> {
    let name = body.get(..11)?;
    if !name.eq_ignore_ascii_case("nimbus-lint") && !name.eq_ignore_ascii_case("nimbus_lint") {
        return None;
    }
    let after_name = &body[11..];
    let colon = after_name.trim_start().starts_with(':');
    let verb_rest = after_name
        .trim_start()
        .strip_prefix(':')
        .unwrap_or(after_name.trim_start())
        .trim_start();
    let verb_at = body.len() - verb_rest.len();
    let verb_len = verb_rest
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let verb = &verb_rest[..verb_len];
    // `allow` or another word for it, or one of them misspelled (`alow`, `ignroe`).
    // A misspelling only after `nimbus-lint:`: without the colon, a sentence about the tool
    // (`# nimbus-lint skips (…)`) is as likely.
    let near = |v: &str| crate::suggest::nearest(&v.to_ascii_lowercase(), ALLOW.iter().copied());
    let known = ALLOW.iter().any(|a| a.eq_ignore_ascii_case(verb));
    if !known && (!colon || verb_len < 4 || near(verb).is_none()) {
        return None;
    }
    let args = &verb_rest[verb_len..];
    // Whether the verb was meant as the directive's word: see `english_form`.
    let verb_meant = known || args.starts_with('(') || !english_form(verb);
    let args_at = body.len() - args.len();
    // The codes, where what is read of the comment ends, and whether the list has its `(` and
    // its `)`.
    let opened = args.trim_start().strip_prefix('(');
    let (codes, end, parens) = match opened.map(|inner| (inner, inner.find(')'))) {
        Some((inner, Some(close))) => {
            let codes: Vec<&str> = inner[..close]
                .split([',', ' ', '\t'])
                .filter(|c| !c.is_empty())
                .collect();
            (codes, body.len() - inner.len() + close + 1, true)
        }
        // `allow(im-no-agents`, `allow im-no-agents`, `disable=im-no-agents`: the words that
        // are codes.
        unclosed => {
            let list = match unclosed {
                Some((inner, _)) => inner,
                None => args.trim_start_matches(['=', ':', ' ', '\t']),
            };
            let (codes, end) = leading_codes(list, body.len() - list.len());
            if codes.is_empty() {
                return None;
            }
            (codes, end, false)
        }
    };
    // Prose that merely names the tool and a word (`# nimbus-lint off for drafts`) is no directive.
    if !colon && !parens && codes.is_empty() {
        return None;
    }
    let corrected = format!("nimbus-lint: allow({})", codes.join(", "));
    let trailing = body[end..].trim_end();
    let line = if trailing.is_empty() {
        format!("# {corrected}")
    } else if trailing.starts_with([',', ';', '.', ':', '!', '?']) {
        // `allow(im-no-agents), the bot answers`: the reason's punctuation kept in place.
        format!("# {corrected}{trailing}")
    } else {
        format!("# {corrected} {}", trailing.trim_start())
    };
    let span = |r: std::ops::Range<usize>| Span::new(file, at + r.start..at + r.end);
    let (part, message, action) = if name != "nimbus-lint" {
        (
            span(0..11),
            format!("the tool's name is written `nimbus-lint`, not `{name}`"),
            "write `nimbus-lint`",
        )
    } else if !colon {
        (
            span(0..11),
            "missing `:` after `nimbus-lint`".to_owned(),
            "add `:` after `nimbus-lint`",
        )
    } else if verb != "allow" {
        (
            span(verb_at..verb_at + verb_len),
            format!("the directive is `allow`, not `{verb}`"),
            "write `allow`",
        )
    } else if !parens && opened.is_some() {
        (
            span(args_at + (args.len() - args.trim_start().len())..end.max(args_at)),
            "the list of codes has no `)`".to_owned(),
            "close it",
        )
    } else if !parens {
        (
            span(args_at + (args.len() - args.trim_start().len())..end.max(args_at)),
            "the codes go in parentheses".to_owned(),
            "put the codes in `allow(..)`",
        )
    } else {
        return None;
    };
    // A list left open with more words after its codes (`allow(a b-misspelled`): where the
    // list was meant to end is not known.
    let open_with_more = opened.is_some() && !parens && !body[end..].trim().is_empty();
    let certain =
        !codes.is_empty() && codes.iter().all(|c| Code::parse(c).is_some()) && !open_with_more;
    let fix = (certain && verb_meant).then(|| (span(0..end), corrected));
    // A credential pasted into the comment is not repeated.
    let secret = crate::rules::syntax::alphanumeric_runs(body)
        .any(|r| crate::rules::secret_in_config::is_secret_shaped(&body[r]));
    let help = match (secret, verb_meant) {
        (true, _) => action.to_owned(),
        (false, true) => format!("{action}: `{line}`"),
        (false, false) => format!(
            "{action}: `{line}`; or, for a remark rather than a directive, drop the `:` after `nimbus-lint`"
        ),
    };
    Some(unused_suppression::misspelled_directive(
        part, message, &help, fix,
    ))
}

/// The English forms of the words of [`ALLOW`] (see [`english_form`]).
const ENGLISH_FORMS: &[&str] = &[
    "allows",
    "allowed",
    "allowing",
    "ignores",
    "ignored",
    "ignoring",
    "disables",
    "disabled",
    "disabling",
    "suppresses",
    "suppressed",
    "suppressing",
    "skips",
    "skipped",
    "skipping",
];

/// True when `verb` is an English form of a word of [`ALLOW`] ([`ENGLISH_FORMS`]: `allows`,
/// `skips`, `ignored`, `skipping`, `disabling`): then `nimbus-lint: skips im-no-agents here`
/// is as likely a sentence about the tool as a directive, and rewriting it into `allow(..)`
/// would silence a warning nobody asked to silence.
///
/// So [`misspelled_directive`] still reports such a comment (it starts like a directive and
/// is not read as one; the help says how to write either), but mends it only when the word is
/// written as a directive's: followed at once by `(` (`allows(im-no-agents)`). A word of
/// `ALLOW` in other capitals (`Allow`, `SKIP`) is the word itself, and a typo that is no
/// English form (`alow`, `ignroe`, `supress`, `allowd`, `skiped`) is no sentence: both are
/// mended as before.
fn english_form(verb: &str) -> bool {
    ENGLISH_FORMS.contains(&verb.to_ascii_lowercase().as_str())
}

/// The words at the start of `list` (at byte `at` of the comment) that are codes, up to the
/// first that is not, and where the last ends.
fn leading_codes(list: &str, at: usize) -> (Vec<&str>, usize) {
    let mut codes = Vec::new();
    let mut end = at;
    let mut offset = 0;
    for w in list.split_inclusive([',', ' ', '\t']) {
        let code = w.trim_end_matches([',', ' ', '\t']);
        let here = offset;
        offset += w.len();
        if code.is_empty() {
            continue;
        }
        if Code::parse(code).is_none() {
            break;
        }
        codes.push(code);
        end = at + here + code.len();
    }
    (codes, end)
}

/// Reads `nimbus-lint: allow(a, b)` out of a comment; other comments give `None`.
fn parse_directive(
    file: FileId,
    hash_at: usize,
    comment: &str,
    diags: &mut Vec<Diagnostic>,
    secrets: &mut Vec<SecretHit>,
) -> Option<Suppression> {
    let body = comment.trim_start();
    let comment_span = Span::new(file, hash_at..hash_at + 1 + comment.trim_end().len());
    let body_at = hash_at + 1 + (comment.len() - body.len());
    let Some(rest) = body.strip_prefix("nimbus-lint:").filter(|r| {
        let r = r.trim_start();
        r.starts_with("allow") && r["allow".len()..].trim_start().starts_with('(')
    }) else {
        // `# nimbus-lint allow(..)`, `# nimbus_lint: ..`, `# nimbus-lint: ignore(..)`: meant as
        // a directive, not read as one.
        if let Some(d) = misspelled_directive(file, body_at, body) {
            diags.push(d);
        } else if looks_like_directive(body) || body.starts_with("nimbus-lint:") {
            diags.push(unused_suppression::bad_directive(comment_span));
        }
        return None;
    };
    let args_at = body_at + "nimbus-lint:".len() + (rest.len() - rest.trim_start().len());
    let rest = rest.trim_start();
    let inner = rest
        .strip_prefix("allow")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.find(')').map(|end| &r[..end]));
    let Some(inner) = inner else {
        // `allow(im-no-agents`: the `)` is missing.
        diags.push(
            misspelled_directive(file, body_at, body)
                .unwrap_or_else(|| unused_suppression::bad_directive(comment_span)),
        );
        return None;
    };
    let inner_at = args_at + rest.find('(').map_or(0, |i| i + 1);
    let mut codes = Vec::new();
    let mut at = inner_at;
    let mut parts = Vec::new();
    for part in inner.split(',') {
        let code = part.trim();
        let code_at = at + (part.len() - part.trim_start().len());
        at += part.len() + 1;
        if !code.is_empty() {
            parts.push((code, Span::new(file, code_at..code_at + code.len())));
        }
    }
    if parts.is_empty() {
        diags.push(unused_suppression::no_codes(comment_span));
        return None;
    }
    // The code each part names or is nearest to: a fix that would name a code twice in the
    // comment is offered, not made.
    let meant: Vec<Option<Code>> = (parts.iter())
        .map(|(code, _)| Code::parse(code).or_else(|| Code::nearest(code)))
        .collect();
    let mut times: rustc_hash::FxHashMap<Option<Code>, usize> = Default::default();
    for m in &meant {
        *times.entry(*m).or_default() += 1;
    }
    for (k, &(code, span)) in parts.iter().enumerate() {
        let words: Vec<&str> = code.split_whitespace().collect();
        match Code::parse(code) {
            Some(value) => codes.push(Sp { value, span }),
            // `allow(a b)`: codes without the commas between them.
            None if words.len() > 1 && words.iter().all(|w| Code::parse(w).is_some()) => {
                diags.push(unused_suppression::codes_without_commas(
                    span,
                    &words.join(", "),
                ));
            }
            None => {
                // A credential pasted in the list, alone or among other words (`im-no-agents
                // AbCd…`, `AbCd…-x`): each run of letters and digits shaped like one.
                for run in crate::rules::syntax::alphanumeric_runs(code) {
                    if crate::rules::secret_in_config::is_secret_shaped(&code[run.clone()]) {
                        let at = span.start as usize;
                        secrets.push(SecretHit {
                            span: Span::new(file, at + run.start..at + run.end),
                            value: code[run].to_owned(),
                            literal_secret: false,
                            key: None,
                            entity: None,
                            loose: false,
                        });
                    }
                }
                let alone = times.get(&meant[k]).is_some_and(|&n| n == 1);
                diags.push(unused_suppression::unknown_code(
                    span, code, meant[k], alone,
                ));
            }
        }
    }
    // `allow(a) allow(b)`: the text after the first `)` is its reason, not read as codes.
    let close = inner_at + inner.len();
    let tail_at = close + 1 - (hash_at + 1);
    if let Some(tail) = comment.get(tail_at..)
        && let Some(second) = tail.find("allow(")
        && let Some(end) = tail[second..].find(')')
    {
        let more: Vec<&str> = (tail[second + "allow(".len()..second + end].split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if !more.is_empty() && more.iter().all(|c| Code::parse(c).is_some()) {
            let firsts: Vec<&str> = parts.iter().map(|(c, _)| *c).collect();
            let all = [firsts, more.clone()].concat().join(", ");
            let merged = format!("allow({all})");
            let between = tail[..second].trim();
            let from = hash_at + 1 + tail_at + second;
            let to = from + end + 1;
            let fix = (between.is_empty() || between == ",").then(|| {
                (
                    Span::new(file, close..to),
                    format!(", {})", more.join(", ")),
                )
            });
            diags.push(unused_suppression::second_allow(
                Span::new(file, from..to),
                &merged,
                fix,
            ));
        }
    }
    if codes.is_empty() {
        return None;
    }
    Some(Suppression {
        span: comment_span,
        codes,
        targets: std::sync::Arc::new([]),
    })
}

#[cfg(test)]
mod tests {
    use crate::source::{FileId, SourceFile};

    #[test]
    fn english_forms_of_the_directive_words_are_told_from_typos() {
        for form in [
            "allows",
            "Allowed",
            "allowing",
            "skips",
            "skipped",
            "skipping",
            "ignores",
            "ignored",
            "ignoring",
            "disables",
            "disabling",
            "suppresses",
            "suppressed",
        ] {
            assert!(super::english_form(form), "{form}");
        }
        for typo in [
            "alow", "allwo", "ignroe", "supress", "skp", "allow", "Skip", "disabel", "allowd",
            "skiped", "ignors",
        ] {
            assert!(!super::english_form(typo), "{typo}");
        }
    }

    /// Comments above a `[kind]` table share one list of its entities: a list for each would
    /// cost lines × entities of memory (4,000 lines above 4,000 OUs took 1.3 GB).
    #[test]
    fn the_comments_of_a_run_share_one_list_of_entities() {
        let mut text = "# nimbus-lint: allow(unused-connector)\n".repeat(50);
        text.push_str("[ou]\nroot = {}\n");
        for i in 0..50 {
            text.push_str(&format!("a{i} = {{ parent = \"root\" }}\n"));
        }
        let file = SourceFile::new("a.toml".into(), "a.toml", "a.toml", text.into());
        let parts = super::super::parse_pieces(FileId(0), &file);
        let sups = &parts[0].suppressions;
        assert_eq!(sups.len(), 50);
        assert_eq!(sups[0].targets.len(), 51);
        assert!(
            sups.iter()
                .all(|s| std::sync::Arc::ptr_eq(&s.targets, &sups[0].targets))
        );
    }
}

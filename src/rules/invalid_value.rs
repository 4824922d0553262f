//! `invalid-value`: a value of the wrong type, outside its set, or an id breaking the pattern.

use super::text::list;
use super::{Code, Rule};
use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Kind;
use crate::source::Span;

/// The rule record.
pub const RULE: Rule = Rule {
    code: "invalid-value",
    severity: Severity::Error,
    hard: true,
    summary: "wrong type, a value outside its enum, an id that does not match the id pattern",
    explanation: r#"## What it checks

Every value must have the type its key takes (strings for ids and names, an array of strings
for `transfers` and `channels`, a table for `instant_messaging`), enumerated values must be one
of their spellings (`license`: `advanced_routing`, `enterprise_routing`, `contact_center`;
`user_assignment`: `ms_teams`, `skill_based`, `none`; `region`: `us1`, `us2`, `ie1`, `de1`,
`au1`, `jp1`, `sg1`, `br1`; `channels`: `whatsapp`, `sms`, `interact`), and ids must match
`^[a-z0-9][a-z0-9_-]*$`. It also covers values of `nimbus.toml` (`[lints]` levels, `exclude`
globs, limits). Malformed `# nimbus-lint:` comments are `unused-suppression`'s.

## Why it matters

Nimbus only knows these values; anything else is rejected when the tenant is provisioned, far
from the line that caused it. A field of the wrong type is reported once, here, and no rule
reports it as missing on top.

## Example

```toml
[service.Sales-IVR]
ou = "sales"
license = "contact-center"
transfers = "sales-team"
```

## Fix

```toml
[service.sales-ivr]
ou = "sales"
license = "contact_center"
transfers = ["sales-team"]
```
"#,
    check: Some(check),
};

/// References labelled on an id that breaks the pattern, at most.
const SHOWN_REFERENCES: usize = 5;

/// Ids that break the pattern, once per entity (the parser reports the rest of this rule).
fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (m, res) = (&cx.ws.model, &cx.ws.res);
    let taken = |kind: Kind| move |slug: &str| res.lookup(m, kind, slug).is_some();
    // An IM table alone is told the service it likely meant, by `missing-field`.
    let lone = cx.lone_im_tables();
    // The references that name an id breaking the pattern (they resolve): renamed with it.
    let mut naming: rustc_hash::FxHashMap<(Kind, &str), Vec<Span>> = Default::default();
    let refs = (m.ous.iter().flat_map(|o| o.refs()))
        .chain(m.connectors.iter().flat_map(|c| c.def.refs()))
        .chain(m.entries.iter().flat_map(|e| e.refs()))
        .chain(m.services.iter().flat_map(|s| s.refs()));
    for (kind, value) in refs.filter(|(_, v)| !crate::model::is_valid_id(&v.value)) {
        naming
            .entry((kind, value.value.as_str()))
            .or_default()
            .push(value.span);
    }
    for kind in Kind::ALL {
        for (i, def) in m.defs(kind).enumerate() {
            if crate::model::is_valid_id(&def.id)
                || (kind == Kind::Service && lone.get(&i).is_some_and(Option::is_some))
            {
                continue;
            }
            let mut d = bad_id(def.id_span, kind, &def.id, taken(kind));
            // Written in two headers (`[service.Desk]` and its IM table's): both to rename.
            if kind == Kind::Service
                && let Some(im) = m.services[i].im.value()
                && im.form == crate::model::ImForm::Header
                && let slug = crate::model::slug(&def.id)
                && !slug.is_empty()
                && !taken(kind)(&slug)
            {
                d.help.push_str(&format!(
                    " in both headers, `[service.{slug}]` and `[service.{slug}.instant_messaging]`"
                ));
                let header = &cx.ws.sources.get(im.header.file).text[im.header.range()];
                // After the kind's key: the id is the second key of the header.
                let after = header.find('.').map_or(0, |i| i + 1);
                let at =
                    (header[after..].find(&*def.id))
                        .map(|i| after + i)
                        .map_or(im.header, |i| {
                            let start = im.header.start as usize + i;
                            Span::new(im.header.file, start..start + def.id.len())
                        });
                d = d.with(at, "rename it here too");
            }
            if let Some(spans) = naming.get(&(kind, def.id.as_str()))
                && d.help.contains(": try `")
            {
                let n = spans.len();
                d.help.push_str(&if n == 1 {
                    ", and write it in the reference that names it".to_owned()
                } else {
                    format!(", and write it in the {n} references that name it")
                });
                let slug = crate::model::slug(&def.id);
                for &at in spans.iter().take(SHOWN_REFERENCES) {
                    d = d.with(at, format!("named here: write `{slug}` here too"));
                }
                super::text::label_the_rest(
                    &mut d,
                    n.saturating_sub(SHOWN_REFERENCES),
                    "reference",
                    "references",
                );
            }
            out.push(d);
        }
    }
    // Later definitions of an id are not in the model: each key is still reported.
    for d in res
        .duplicates
        .iter()
        .filter(|d| !crate::model::is_valid_id(&d.id))
    {
        out.push(bad_id(d.later_id, d.kind, &d.id, taken(d.kind)));
    }
}

fn new(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(Code::InvalidValue, span, message)
}

/// A value of the wrong type: `expected` names the type it must have (`a string`), `found` the
/// one written; `example` is a valid line.
pub(crate) fn wrong_type(
    span: Span,
    key: &str,
    expected: &str,
    found: &str,
    example: &str,
) -> Diagnostic {
    let key = if key.contains(' ') {
        key.to_owned()
    } else {
        format!("`{key}`")
    };
    new(span, format!("{key} must be {expected}, found {found}"))
        .label(found.to_owned())
        .help(format!("write it like this: `{example}`"))
}

/// `key`, a key an entity of `kind` takes, written in the table of the kind itself (below
/// `[connector]`), where each key is an entity's id; `owner`, the one entity written there
/// (its id, and whether as an inline table), which it likely belongs to.
pub(crate) fn entity_key_in_kind_table(
    span: Span,
    kind: Kind,
    key: &str,
    owner: Option<(&str, bool)>,
) -> Diagnostic {
    let noun = kind.noun();
    let place = format!(
        "below `[{}]`, each key is the id of {} {noun}",
        kind.key(),
        kind.article()
    );
    let help = match owner {
        Some((id, true)) => format!("{place}: write `{key}` inside `{id} = {{ … }}`"),
        Some((id, false)) => format!("{place}: write it `{id}.{key} = …`"),
        None => format!(
            "{place}: move it into the table of the {noun} it belongs to (`[{}.<id>]`)",
            kind.key()
        ),
    };
    new(
        span,
        format!(
            "`{key}` is a key of {} {noun}, written where an id goes",
            kind.article()
        ),
    )
    .label("not an id")
    .help(help)
}

/// A string outside its set of spellings, with the values nearest to it (a fix only when one
/// alone is that near).
pub(crate) fn not_a_choice(
    span: Span,
    key: &str,
    noun: &str,
    value: &str,
    allowed: &[&str],
    near: &[&str],
) -> Diagnostic {
    let (mut help, pick) = match (value_hint(noun, value), near) {
        (Some((hint, code)), _) => (hint, code),
        (None, [one]) => (crate::suggest::did_you_mean(Some(one)), Some(*one)),
        // Equally near values: each named, none picked (a region picked wrong moves the key).
        (None, [_, _, ..]) => (
            format!("did you mean {}? ", super::text::list_or(near)),
            None,
        ),
        (None, []) => (String::new(), None),
    };
    help.push_str(&format!("`{key}` takes one of {}", list(allowed)));
    let message = if value.is_empty() {
        format!("empty {noun}: the string names none")
    } else {
        format!("unknown {noun} `{value}`")
    };
    let d = new(span, message).label(format!("not a {noun}")).help(help);
    match pick {
        Some(p) => d.fix_string(span, p),
        None => d,
    }
}

/// What a value written in other words means: a region written as a place or a continent
/// (the edit distance from `eu1` to `au1` is one, but Europe is `ie1` or `de1`, and a key
/// works in its own region only), other products' names of a user assignment or a channel
/// (`teams`, `web`). The help, and the one value meant when there is one.
fn value_hint(noun: &str, value: &str) -> Option<(String, Option<&'static str>)> {
    let v = value.trim().to_ascii_lowercase();
    // Other products' words for a user assignment or a channel: the value meant is certain.
    let meant = match (noun, v.as_str()) {
        ("user assignment", "teams" | "msteams" | "microsoft_teams" | "microsoft teams") => {
            Some(("", "ms_teams"))
        }
        ("user assignment", "skills" | "skill" | "skill-based" | "skill based") => {
            Some(("", "skill_based"))
        }
        (
            "channel",
            "web" | "webchat" | "web_chat" | "chat" | "website" | "widget" | "livechat",
        ) => Some((
            "the website's chat widget is the `interact` channel: ",
            "interact",
        )),
        ("channel", "text" | "sms_text" | "texting") => Some(("", "sms")),
        ("channel", "wa" | "whats_app" | "whats app") => Some(("", "whatsapp")),
        _ => None,
    };
    if let Some((why, code)) = meant {
        return Some((
            format!("{why}{}", crate::suggest::did_you_mean(Some(code))),
            Some(code),
        ));
    }
    if noun != "region" {
        return None;
    }
    let code = match v.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "eu" | "europe" | "emea" => {
            let help = "Europe has two regions, `ie1` (Ireland) and `de1` (Germany): ";
            return Some((help.into(), None));
        }
        // Written with a case or spaces of its own: the nearest spelling says so.
        "us" if v == "us1" || v == "us2" => return None,
        "us" | "usa" | "united states" | "america" => {
            let help = "the United States have two regions, `us1` (the default, and the only one \
                        with SMS and WhatsApp) and `us2`: ";
            return Some((help.into(), None));
        }
        "ie" | "ireland" | "dublin" => "ie1",
        "de" | "germany" | "frankfurt" => "de1",
        "au" | "australia" | "sydney" => "au1",
        "jp" | "japan" | "tokyo" => "jp1",
        "sg" | "singapore" => "sg1",
        "br" | "brazil" | "sao paulo" => "br1",
        _ => return None,
    };
    (code != v).then(|| (crate::suggest::did_you_mean(Some(code)), Some(code)))
}

/// An entity id that breaks the id pattern.
/// `taken` says whether an id is already another entity's: never suggested.
fn bad_id(span: Span, kind: Kind, id: &str, taken: impl Fn(&str) -> bool) -> Diagnostic {
    let slug = crate::model::slug(id);
    let mut help = String::from(
        "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit",
    );
    if !slug.is_empty() && slug != id {
        if taken(&slug) {
            help.push_str(&format!(
                " (`{slug}` is another {}'s: choose a new id)",
                kind.noun()
            ));
        } else {
            help.push_str(&format!(": try `{slug}`"));
        }
    }
    new(span, format!("invalid {} id `{id}`", kind.noun()))
        .label("does not match `^[a-z0-9][a-z0-9_-]*$`")
        .help(help)
}

/// `[[kind.id]]`: entities are tables, not arrays of tables.
pub(crate) fn array_of_tables(span: Span, what: &str) -> Diagnostic {
    new(span, format!("`{what}` is an array of tables"))
        .label("written with `[[…]]`")
        .help(format!("an entity is one table: write `[{what}]`"))
}

/// `api_key_secret = { env = "…" }` with a name no shell accepts.
/// `meant`: the variable a shell-style reference names (`TWILIO` for `$TWILIO`).
pub(crate) fn bad_env_name(span: Span, name: &str, meant: Option<&str>) -> Diagnostic {
    let message = if name.is_empty() {
        "`env` is empty: it must name an environment variable".to_owned()
    } else {
        format!("`{name}` is not an environment variable name")
    };
    let d = new(span, message).label("not a variable name");
    match meant {
        Some(m) => d
            .help(format!(
                "`env` takes the variable's name alone: `env = \"{m}\"`"
            ))
            .fix_string(span, m),
        None if name.is_empty() => d.help(
            "name the variable that holds the secret, e.g. `env = \"TWILIO_API_KEY_SECRET\"`",
        ),
        None => d.help(
            "use letters, digits and `_`, not starting with a digit, e.g. `TWILIO_API_KEY_SECRET`",
        ),
    }
}

/// `api_key_secret = "$NAME"` (`written`, or `"%NAME%"`…): a variable's reference where its
/// table goes.
pub(crate) fn env_name_as_value(span: Span, name: &str, written: &str) -> Diagnostic {
    let table = format!("{{ env = \"{name}\" }}");
    let sign = if written.starts_with('%') { "%" } else { "$" };
    new(
        span,
        format!("`api_key_secret` names variable `{name}` as a shell would, in a plain string"),
    )
    .label("a string, not a reference to the variable")
    .help(format!(
        "a variable is named in a table, without `{sign}`: write `api_key_secret = {table}`"
    ))
    .fix(span, table, format!("Write `{{ env = \"{name}\" }}`"))
}

/// `api_key_secret = {}` without `env`.
pub(crate) fn secret_without_env(span: Span) -> Diagnostic {
    new(
        span,
        "`api_key_secret` does not name an environment variable".into(),
    )
    .label("no `env` key")
    .help("write `api_key_secret = { env = \"TWILIO_API_KEY_SECRET\" }`")
}

/// An `exclude` pattern that is not a valid glob.
pub(crate) fn bad_glob(span: Span, glob: &str, why: &str) -> Diagnostic {
    new(span, format!("invalid exclude pattern `{glob}`"))
        .label(why.to_owned())
        .help("`exclude` takes gitignore-style patterns relative to the root, e.g. `drafts/**`")
}

/// An `exclude` pattern with braces: gitignore syntax has no alternatives (`{a,b}`), and git
/// reads them as plain characters; the pattern is not applied.
pub(crate) fn glob_braces(span: Span, glob: &str) -> Diagnostic {
    new(span, format!("`exclude` pattern `{glob}` holds braces"))
        .label("gitignore patterns have no `{a,b}`")
        .help("list each pattern on its own, e.g. `exclude = [\"drafts/**\", \"keep/**\"]`; for a brace in a name, write `\\{` and `\\}`")
}

/// `[build] output` that names no file: empty, a folder (`.`, `..`, a trailing `/`).
pub(crate) fn not_a_file_path(span: Span, path: &str) -> Diagnostic {
    let message = if path.is_empty() {
        "`output` is empty: it must name a file".to_owned()
    } else {
        format!("`output` must name a file, not `{path}`")
    };
    new(span, message)
        .label("not a file name")
        .help("write the bundle's file path relative to the workspace root, e.g. `output = \"dist/bundle.json\"`")
}

/// An `exclude` pattern starting with `./`, which no path matches in gitignore syntax; `rest`
/// follows it. Fixed as anchored at the root, as meant: `/rest`.
pub(crate) fn glob_dot_slash(span: Span, glob: &str, rest: &str) -> Diagnostic {
    let anchored = format!("/{rest}");
    new(span, format!("`exclude` pattern `{glob}` starts with `./`"))
        .label("matches nothing")
        .help(format!(
            "gitignore patterns are relative to the root without `./`; to anchor one at the root, start it with `/`: `{anchored}`"
        ))
        .fix_string(span, &anchored)
}

/// `name = ""` (or blanks): a display name that shows nothing.
pub(crate) fn blank_name(span: Span) -> Diagnostic {
    new(
        span,
        "`name` is blank: it is the name Nimbus shows".to_owned(),
    )
    .label("no name to show")
    .help("write the display name, or remove the line: without `name`, the id is shown")
}

/// `[build] output = "-"`: stdout on the command line (`-o -`), a file named `-` here.
pub(crate) fn output_dash(span: Span) -> Diagnostic {
    new(span, "`output` is `-`, which only the command line reads as stdout".to_owned())
        .label("a file named `-`")
        .help("name the bundle's file, e.g. `output = \"dist/bundle.json\"`; to write to stdout, run `nimbus-lint build -o -`")
}

/// `[build] output` that would write outside the workspace or into a hidden folder.
pub(crate) fn output_outside(span: Span, path: &str) -> Diagnostic {
    new(span, format!("`output` must stay inside the workspace, not `{path}`"))
        .label("outside the workspace")
        .help("write a path below the workspace root, e.g. `output = \"dist/bundle.json\"`; to write anywhere else, run `nimbus-lint build -o PATH`")
}

/// `[build] output` naming a hidden file or a path through a hidden folder.
pub(crate) fn output_hidden(span: Span, path: &str) -> Diagnostic {
    new(span, format!("`output` must not be hidden, nor lie in a hidden folder: `{path}`"))
        .label("a hidden file or folder")
        .help("write a path whose names do not start with `.`, e.g. `output = \"dist/bundle.json\"`; to write there all the same, run `nimbus-lint build -o PATH`")
}

/// `[lints]` trying to lower an error of parsing or resolution.
pub(crate) fn hard_error_lowered(span: Span, code: Code) -> Diagnostic {
    new(span, format!("`{code}` cannot be lowered"))
        .label("must stay `error`")
        .help(format!(
            "`{code}` stays an error: {}; fix the problem instead, or remove this line",
            code.why_hard()
        ))
}

/// A limit that is not a positive integer.
pub(crate) fn not_a_count(span: Span, key: &str) -> Diagnostic {
    new(span, format!("`{key}` must be a positive integer"))
        .label("not a positive integer")
        .help(format!("write e.g. `{key} = 100000`"))
}

/// A count over the largest the tool can honour.
pub(crate) fn count_over(span: Span, key: &str, max: u64) -> Diagnostic {
    new(span, format!("`{key}` is over its largest value, {max}"))
        .label(format!("over {max}"))
        .help(format!("write at most `{key} = {max}`"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_follow_the_id_pattern() {
        assert_eq!(crate::model::slug("Sales IVR"), "sales-ivr");
        assert_eq!(crate::model::slug("_x"), "x");
        assert_eq!(crate::model::slug("ok"), "ok");
        assert_eq!(crate::model::slug("zürich"), "zurich");
        assert_eq!(crate::model::slug("Café-Desk"), "cafe-desk");
        assert_eq!(crate::model::slug("Straße 1"), "strasse-1");
        assert_eq!(crate::model::slug("a & -b"), "a-b");
        assert_eq!(crate::model::slug("a--b"), "a--b");
        assert_eq!(crate::model::slug("sales 🚀"), "sales");
    }
}

//! Compile: a clean workspace → the normalized bundle.
//!
//! The bundle's types are the wire format, kept apart from the model: keys come in the order of
//! the fields below, every list is sorted, every default is filled in, every id resolved. The
//! same workspace always gives the same bytes.

use std::borrow::Cow;
use std::io::{self, Write};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::graph::Transfers;
use crate::model::Secret;
use crate::resolve::Workspace;

/// The bundle's format version.
pub const SCHEMA_VERSION: u32 = 1;

/// The normalized configuration of a Nimbus tenant, as `nimbus-lint build` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "nimbus-lint bundle")]
pub struct Bundle<'a> {
    /// Version of this format: 1.
    pub schema_version: u32,
    /// Organization Units, sorted by id.
    pub ous: Vec<BundleOu<'a>>,
    /// Twilio provider connectors, sorted by id.
    pub connectors: Vec<BundleConnector<'a>>,
    /// Messaging entries, sorted by id.
    pub messaging_entries: Vec<BundleEntry<'a>>,
    /// Services, sorted by id.
    pub services: Vec<BundleService<'a>>,
}

/// An Organization Unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleOu<'a> {
    /// The OU's id.
    pub id: Cow<'a, str>,
    /// Display name (the id when not given).
    pub name: Cow<'a, str>,
    /// The OU above it; `null` for the root OU (the tenant).
    pub parent: Option<Cow<'a, str>>,
    /// Ids from the root OU down to this one (inclusive).
    pub path: Vec<Cow<'a, str>>,
}

/// A reference to an environment variable that holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvRef<'a> {
    /// The variable's name.
    pub env: Cow<'a, str>,
}

/// A Twilio provider connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleConnector<'a> {
    /// The connector's id.
    pub id: Cow<'a, str>,
    /// Display name.
    pub name: Cow<'a, str>,
    /// The OU it belongs to.
    pub ou: Cow<'a, str>,
    /// Always `twilio`.
    #[serde(rename = "type")]
    pub kind: Cow<'a, str>,
    /// Twilio region (default `us1`).
    pub region: Cow<'a, str>,
    /// The API Key SID (`SK` + 32 hex digits).
    pub api_key_sid: Cow<'a, str>,
    /// Where the API key secret comes from at deploy time; never the secret itself.
    pub api_key_secret: Option<EnvRef<'a>>,
}

/// A messaging entry: one Twilio Conversations service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleEntry<'a> {
    /// The entry's id.
    pub id: Cow<'a, str>,
    /// Display name.
    pub name: Cow<'a, str>,
    /// The OU it belongs to.
    pub ou: Cow<'a, str>,
    /// The connector it authenticates with.
    pub connector: Cow<'a, str>,
    /// The Conversations Service SID (`IS` + 32 hex digits).
    pub service_sid: Cow<'a, str>,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleService<'a> {
    /// The service's id.
    pub id: Cow<'a, str>,
    /// Display name.
    pub name: Cow<'a, str>,
    /// The OU it belongs to.
    pub ou: Cow<'a, str>,
    /// `advanced_routing`, `enterprise_routing` or `contact_center`.
    pub license: Cow<'a, str>,
    /// `ms_teams`, `skill_based` or `none` (default `ms_teams`).
    pub user_assignment: Cow<'a, str>,
    /// True when the service lists a channel: customers contact it directly.
    pub front_desk: bool,
    /// Services it transfers to, sorted by id.
    pub transfers: Vec<Cow<'a, str>>,
    /// Its IM settings; `null` when the service offers no IM.
    pub instant_messaging: Option<BundleIm<'a>>,
}

/// A service's IM settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleIm<'a> {
    /// The messaging entry it applies, or `null`.
    pub messaging_entry: Option<Cow<'a, str>>,
    /// Channels customers use to contact it directly, sorted.
    pub channels: Vec<Cow<'a, str>>,
    /// Front desks with a messaging entry that reach it through IM services (empty for a front
    /// desk), sorted by id.
    pub proxied_by: Vec<Cow<'a, str>>,
}

/// Builds the bundle of a workspace without errors, borrowing its strings.
///
/// Fields that a clean workspace always has are read with their defaults when absent; call
/// this only when `check` reported no error.
pub fn compile<'a>(ws: &'a Workspace, transfers: &Transfers) -> Bundle<'a> {
    let m = &ws.model;
    let res = &ws.res;
    let b = |s: &'a str| Cow::Borrowed(s);
    let ou_id = |o: Option<u32>| b(o.map_or("", |o| m.ous[o as usize].def.id.as_str()));
    let text = |f: &'a crate::model::Field<String>| b(f.value().map_or("", String::as_str));
    let service_id = |s: u32| b(m.services[s as usize].def.id.as_str());

    let mut ous: Vec<BundleOu<'a>> = m
        .ous
        .iter()
        .enumerate()
        .map(|(i, o)| BundleOu {
            id: b(&o.def.id),
            name: b(o.def.display_name()),
            parent: res.tree.parent[i].map(|p| b(&m.ous[p as usize].def.id)),
            path: res
                .tree
                .path(i as u32)
                .unwrap_or_default()
                .into_iter()
                .map(|p| b(&m.ous[p as usize].def.id))
                .collect(),
        })
        .collect();
    let mut connectors: Vec<BundleConnector<'a>> = m
        .connectors
        .iter()
        .enumerate()
        .map(|(i, c)| BundleConnector {
            id: b(&c.def.id),
            name: b(c.def.display_name()),
            ou: ou_id(res.connector_ou[i]),
            kind: text(&c.kind),
            region: b(c.region().as_str()),
            api_key_sid: text(&c.api_key_sid),
            api_key_secret: match c.api_key_secret.value() {
                Some(Secret::Env(env)) => Some(EnvRef { env: b(env) }),
                _ => None,
            },
        })
        .collect();
    let mut messaging_entries: Vec<BundleEntry<'a>> = m
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| BundleEntry {
            id: b(&e.def.id),
            name: b(e.def.display_name()),
            ou: ou_id(res.entry_ou[i]),
            connector: b(
                res.entry_connector[i].map_or("", |c| m.connectors[c as usize].def.id.as_str())
            ),
            service_sid: text(&e.service_sid),
        })
        .collect();
    let mut services: Vec<BundleService<'a>> = m
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| BundleService {
            id: b(&s.def.id),
            name: b(s.def.display_name()),
            ou: ou_id(res.service_ou[i]),
            license: b(s.license.value().map_or("", |l| l.as_str())),
            user_assignment: b(s.user_assignment().as_str()),
            front_desk: s.is_front_desk(),
            transfers: sorted(res.transfers[i].iter().map(|&(t, _)| service_id(t))),
            instant_messaging: s.im.value().map(|im| BundleIm {
                messaging_entry: res.service_entry[i].map(|e| b(&m.entries[e as usize].def.id)),
                channels: sorted(im.channels.iter().map(|c| b(c.value.as_str()))),
                proxied_by: sorted(transfers.proxied_by[i].iter().map(|&d| service_id(d))),
            }),
        })
        .collect();
    ous.sort_by(|a, b| a.id.cmp(&b.id));
    connectors.sort_by(|a, b| a.id.cmp(&b.id));
    messaging_entries.sort_by(|a, b| a.id.cmp(&b.id));
    services.sort_by(|a, b| a.id.cmp(&b.id));
    Bundle {
        schema_version: SCHEMA_VERSION,
        ous,
        connectors,
        messaging_entries,
        services,
    }
}

/// Sorted and without repeats: these lists are sets.
fn sorted<'a>(items: impl Iterator<Item = Cow<'a, str>>) -> Vec<Cow<'a, str>> {
    let mut v: Vec<Cow<'a, str>> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Writes the bundle as committed: two-space indented JSON with a final newline.
pub fn write(bundle: &Bundle<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, bundle).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The bundle as bytes (for tests and small workspaces; `write` streams).
pub fn to_bytes(bundle: &Bundle<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write(bundle, &mut out).expect("writing to memory cannot fail");
    out
}

/// The first entity that differs between two bundles, for `build --check`'s message.
pub fn first_difference(new: &Bundle<'_>, old: &Bundle<'_>) -> Option<String> {
    fn diff<T: PartialEq>(
        kind: &str,
        new: &[T],
        old: &[T],
        id: impl Fn(&T) -> &str,
    ) -> Option<String> {
        let mut o = old.iter().peekable();
        let mut n = new.iter().peekable();
        loop {
            return match (n.peek(), o.peek()) {
                (None, None) => None,
                (Some(a), Some(b)) if id(a) == id(b) => {
                    if a != b {
                        Some(format!("{kind} `{}` changed", id(a)))
                    } else {
                        n.next();
                        o.next();
                        continue;
                    }
                }
                (Some(a), Some(b)) if id(a) < id(b) => Some(format!("{kind} `{}` is new", id(a))),
                (Some(_), Some(b)) | (None, Some(b)) => {
                    Some(format!("{kind} `{}` was removed", id(b)))
                }
                (Some(a), None) => Some(format!("{kind} `{}` is new", id(a))),
            };
        }
    }
    if new.schema_version != old.schema_version {
        return Some(format!(
            "schema_version changed from {} to {}",
            old.schema_version, new.schema_version
        ));
    }
    diff("OU", &new.ous, &old.ous, |e| &e.id)
        .or_else(|| diff("connector", &new.connectors, &old.connectors, |e| &e.id))
        .or_else(|| {
            diff(
                "messaging entry",
                &new.messaging_entries,
                &old.messaging_entries,
                |e| &e.id,
            )
        })
        .or_else(|| diff("service", &new.services, &old.services, |e| &e.id))
}

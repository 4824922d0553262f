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
use crate::model::{Kind, Secret};
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
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
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
    #[schemars(regex(pattern = r"^SK[0-9a-fA-F]{32}$"))]
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
    #[schemars(regex(pattern = r"^IS[0-9a-fA-F]{32}$"))]
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

/// Builds one entity of the bundle at a time, borrowing the workspace's strings.
///
/// Fields that a clean workspace always has are read with their defaults when absent: use it
/// only when `check` reported no error.
struct Builder<'a> {
    ws: &'a Workspace,
    transfers: &'a Transfers,
}

impl<'a> Builder<'a> {
    fn ou_id(&self, o: Option<u32>) -> Cow<'a, str> {
        let m = &self.ws.model;
        Cow::Borrowed(o.map_or("", |o| m.ous[o as usize].def.id.as_str()))
    }

    fn ou(&self, i: u32) -> BundleOu<'a> {
        let m = &self.ws.model;
        let tree = &self.ws.res.tree;
        let o = &m.ous[i as usize];
        BundleOu {
            id: Cow::Borrowed(&o.def.id),
            name: Cow::Borrowed(o.def.display_name()),
            parent: tree.parent[i as usize]
                .map(|p| Cow::Borrowed(m.ous[p as usize].def.id.as_str())),
            path: tree
                .path(i)
                .unwrap_or_default()
                .into_iter()
                .map(|p| Cow::Borrowed(m.ous[p as usize].def.id.as_str()))
                .collect(),
        }
    }

    fn connector(&self, i: u32) -> BundleConnector<'a> {
        let c = &self.ws.model.connectors[i as usize];
        BundleConnector {
            id: Cow::Borrowed(&c.def.id),
            name: Cow::Borrowed(c.def.display_name()),
            ou: self.ou_id(self.ws.res.connector_ou[i as usize]),
            kind: text(&c.kind),
            region: Cow::Borrowed(c.region().as_str()),
            api_key_sid: text(&c.api_key_sid),
            api_key_secret: match c.api_key_secret.value() {
                Some(Secret::Env(env)) => Some(EnvRef {
                    env: Cow::Borrowed(env),
                }),
                _ => None,
            },
        }
    }

    fn entry(&self, i: u32) -> BundleEntry<'a> {
        let m = &self.ws.model;
        let e = &m.entries[i as usize];
        BundleEntry {
            id: Cow::Borrowed(&e.def.id),
            name: Cow::Borrowed(e.def.display_name()),
            ou: self.ou_id(self.ws.res.entry_ou[i as usize]),
            connector: Cow::Borrowed(
                self.ws.res.entry_connector[i as usize]
                    .map_or("", |c| m.connectors[c as usize].def.id.as_str()),
            ),
            service_sid: text(&e.service_sid),
        }
    }

    fn service(&self, i: u32) -> BundleService<'a> {
        let m = &self.ws.model;
        let res = &self.ws.res;
        let service_id = |s: u32| Cow::Borrowed(m.services[s as usize].def.id.as_str());
        let s = &m.services[i as usize];
        let i = i as usize;
        BundleService {
            id: Cow::Borrowed(&s.def.id),
            name: Cow::Borrowed(s.def.display_name()),
            ou: self.ou_id(res.service_ou[i]),
            license: Cow::Borrowed(s.license.value().map_or("", |l| l.as_str())),
            user_assignment: Cow::Borrowed(s.user_assignment().as_str()),
            front_desk: s.is_front_desk(),
            transfers: sorted(res.transfers[i].iter().map(|&(t, _)| service_id(t))),
            instant_messaging: s.im.value().map(|im| BundleIm {
                messaging_entry: res.service_entry[i]
                    .map(|e| Cow::Borrowed(m.entries[e as usize].def.id.as_str())),
                channels: sorted(im.channels.iter().map(|c| Cow::Borrowed(c.value.as_str()))),
                proxied_by: sorted(
                    self.transfers.proxied_by()[i]
                        .iter()
                        .map(|&d| service_id(d)),
                ),
            }),
        }
    }

    /// The entities of `kind`, as indices sorted by id.
    fn order(&self, kind: Kind) -> Vec<u32> {
        let m = &self.ws.model;
        let mut order: Vec<u32> = (0..m.defs(kind).count() as u32).collect();
        order.sort_unstable_by(|&a, &b| m.def(kind, a).id.cmp(&m.def(kind, b).id));
        order
    }
}

fn text(f: &crate::model::Field<crate::model::Text>) -> Cow<'_, str> {
    Cow::Borrowed(f.value().map_or("", crate::model::Text::as_str))
}

/// Builds the bundle of a workspace without errors, borrowing its strings.
///
/// Use it only when `check` reported no error. [`write_workspace`] streams the same bytes
/// without holding the whole bundle in memory.
pub fn compile<'a>(ws: &'a Workspace, transfers: &'a Transfers) -> Bundle<'a> {
    let b = Builder { ws, transfers };
    Bundle {
        schema_version: SCHEMA_VERSION,
        ous: b.order(Kind::Ou).into_iter().map(|i| b.ou(i)).collect(),
        connectors: b
            .order(Kind::Connector)
            .into_iter()
            .map(|i| b.connector(i))
            .collect(),
        messaging_entries: b
            .order(Kind::MessagingEntry)
            .into_iter()
            .map(|i| b.entry(i))
            .collect(),
        services: b
            .order(Kind::Service)
            .into_iter()
            .map(|i| b.service(i))
            .collect(),
    }
}

/// A list of the bundle, serialized one entity at a time.
struct Stream<'b, 'a, T> {
    order: Vec<u32>,
    builder: &'b Builder<'a>,
    build: fn(&Builder<'a>, u32) -> T,
}

impl<T: Serialize> Serialize for Stream<'_, '_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.order.iter().map(|&i| (self.build)(self.builder, i)))
    }
}

/// The bundle as a value that serializes itself entity by entity (field order as [`Bundle`]).
struct StreamedBundle<'a> {
    builder: Builder<'a>,
}

impl Serialize for StreamedBundle<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let b = &self.builder;
        let mut st = s.serialize_struct("Bundle", 5)?;
        st.serialize_field("schema_version", &SCHEMA_VERSION)?;
        st.serialize_field(
            "ous",
            &Stream {
                order: b.order(Kind::Ou),
                builder: b,
                build: Builder::ou,
            },
        )?;
        st.serialize_field(
            "connectors",
            &Stream {
                order: b.order(Kind::Connector),
                builder: b,
                build: Builder::connector,
            },
        )?;
        st.serialize_field(
            "messaging_entries",
            &Stream {
                order: b.order(Kind::MessagingEntry),
                builder: b,
                build: Builder::entry,
            },
        )?;
        st.serialize_field(
            "services",
            &Stream {
                order: b.order(Kind::Service),
                builder: b,
                build: Builder::service,
            },
        )?;
        st.end()
    }
}

/// Writes the bundle of a workspace without errors, entity by entity: the same bytes as
/// [`write()`] of [`compile`], without the whole bundle in memory.
pub fn write_workspace(
    ws: &Workspace,
    transfers: &Transfers,
    out: &mut dyn Write,
) -> io::Result<()> {
    let streamed = StreamedBundle {
        builder: Builder { ws, transfers },
    };
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    // `From` keeps the kind of an I/O error (a closed pipe stays one).
    serde_json::to_writer_pretty(&mut out, &streamed).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The most ids the OUs' `path`s of one bundle may list, together: a path lists every OU
/// above, so a chain of OUs n deep lists n(n+1)/2 (a chain 100,000 deep, five billion:
/// tens of gigabytes). A tenant a few levels deep lists a few times its OUs.
pub const MAX_PATH_IDS: u64 = 10_000_000;

/// How many ids the OUs' `path`s of the bundle of `ws` list, and the deepest OU (its index
/// and depth below its root), when it has OUs under a root.
pub fn path_ids(ws: &Workspace) -> (u64, Option<(u32, u32)>) {
    let tree = &ws.res.tree;
    let mut total = 0u64;
    let mut deepest: Option<(u32, u32)> = None;
    for ou in (0..tree.parent.len() as u32).filter(|&o| tree.is_rooted(o)) {
        let depth = tree.depth[ou as usize];
        total += u64::from(depth) + 1;
        if deepest.is_none_or(|(_, d)| depth > d) {
            deepest = Some((ou, depth));
        }
    }
    (total, deepest)
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
    serde_json::to_writer_pretty(&mut out, bundle).map_err(io::Error::from)?;
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
        // Edited by hand or by another tool: say so rather than misname an entity as new.
        if let Some(w) = old.windows(2).find(|w| id(&w[0]) >= id(&w[1])) {
            return Some(format!(
                "{kind} `{}` is out of order: the bundle lists entities by id, and the file has it after `{}`",
                id(&w[1]),
                id(&w[0])
            ));
        }
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

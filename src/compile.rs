//! Compile: a clean workspace → the normalized bundle.
//!
//! The bundle's types are the wire format, kept apart from the model: keys come in the order of
//! the fields below, every list is sorted, every default is filled in, every id resolved. The
//! same workspace always gives the same bytes.

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
pub struct Bundle {
    /// Version of this format: 1.
    pub schema_version: u32,
    /// Organization Units, sorted by id.
    pub ous: Vec<BundleOu>,
    /// Twilio provider connectors, sorted by id.
    pub connectors: Vec<BundleConnector>,
    /// Messaging entries, sorted by id.
    pub messaging_entries: Vec<BundleEntry>,
    /// Services, sorted by id.
    pub services: Vec<BundleService>,
}

/// An Organization Unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleOu {
    /// The OU's id.
    pub id: String,
    /// Display name (the id when not given).
    pub name: String,
    /// The OU above it; `null` for the root OU (the tenant).
    pub parent: Option<String>,
    /// Ids from the root OU down to this one (inclusive).
    pub path: Vec<String>,
}

/// A reference to an environment variable that holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvRef {
    /// The variable's name.
    pub env: String,
}

/// A Twilio provider connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleConnector {
    /// The connector's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The OU it belongs to.
    pub ou: String,
    /// Always `twilio`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Twilio region (default `us1`).
    pub region: String,
    /// The API Key SID (`SK` + 32 hex digits).
    pub api_key_sid: String,
    /// Where the API key secret comes from at deploy time; never the secret itself.
    pub api_key_secret: Option<EnvRef>,
}

/// A messaging entry: one Twilio Conversations service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleEntry {
    /// The entry's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The OU it belongs to.
    pub ou: String,
    /// The connector it authenticates with.
    pub connector: String,
    /// The Conversations Service SID (`IS` + 32 hex digits).
    pub service_sid: String,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleService {
    /// The service's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The OU it belongs to.
    pub ou: String,
    /// `advanced_routing`, `enterprise_routing` or `contact_center`.
    pub license: String,
    /// `ms_teams`, `skill_based` or `none` (default `ms_teams`).
    pub user_assignment: String,
    /// True when the service lists a channel: customers contact it directly.
    pub front_desk: bool,
    /// Services it transfers to, sorted by id.
    pub transfers: Vec<String>,
    /// Its IM settings; `null` when the service offers no IM.
    pub instant_messaging: Option<BundleIm>,
}

/// A service's IM settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BundleIm {
    /// The messaging entry it applies, or `null`.
    pub messaging_entry: Option<String>,
    /// Channels customers use to contact it directly, sorted.
    pub channels: Vec<String>,
    /// Front desks with a messaging entry that reach it through IM services (empty for a front
    /// desk), sorted by id.
    pub proxied_by: Vec<String>,
}

/// Builds the bundle of a workspace without errors.
///
/// Fields that a clean workspace always has are read with their defaults when absent; call
/// this only when `check` reported no error.
pub fn compile(ws: &Workspace, transfers: &Transfers) -> Bundle {
    let m = &ws.model;
    let res = &ws.res;
    let ou_id = |o: Option<u32>| o.map_or_else(String::new, |o| m.ous[o as usize].def.id.clone());
    let text = |f: &crate::model::Field<String>| f.value().cloned().unwrap_or_default();

    let mut ous: Vec<BundleOu> = m
        .ous
        .iter()
        .enumerate()
        .map(|(i, o)| BundleOu {
            id: o.def.id.clone(),
            name: o.def.display_name().to_owned(),
            parent: res.tree.parent[i].map(|p| m.ous[p as usize].def.id.clone()),
            path: res
                .tree
                .path(i as u32)
                .unwrap_or_default()
                .into_iter()
                .map(|p| m.ous[p as usize].def.id.clone())
                .collect(),
        })
        .collect();
    let mut connectors: Vec<BundleConnector> = m
        .connectors
        .iter()
        .enumerate()
        .map(|(i, c)| BundleConnector {
            id: c.def.id.clone(),
            name: c.def.display_name().to_owned(),
            ou: ou_id(res.connector_ou[i]),
            kind: text(&c.kind),
            region: c.region().as_str().to_owned(),
            api_key_sid: text(&c.api_key_sid),
            api_key_secret: match c.api_key_secret.value() {
                Some(Secret::Env(env)) => Some(EnvRef { env: env.clone() }),
                _ => None,
            },
        })
        .collect();
    let mut messaging_entries: Vec<BundleEntry> = m
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| BundleEntry {
            id: e.def.id.clone(),
            name: e.def.display_name().to_owned(),
            ou: ou_id(res.entry_ou[i]),
            connector: res.entry_connector[i]
                .map(|c| m.connectors[c as usize].def.id.clone())
                .unwrap_or_default(),
            service_sid: text(&e.service_sid),
        })
        .collect();
    let service_id = |s: u32| m.services[s as usize].def.id.clone();
    let mut services: Vec<BundleService> = m
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| BundleService {
            id: s.def.id.clone(),
            name: s.def.display_name().to_owned(),
            ou: ou_id(res.service_ou[i]),
            license: s.license.value().map_or("", |l| l.as_str()).to_owned(),
            user_assignment: s.user_assignment().as_str().to_owned(),
            front_desk: s.is_front_desk(),
            transfers: sorted(res.transfers[i].iter().map(|&(t, _)| service_id(t))),
            instant_messaging: s.im.value().map(|im| BundleIm {
                messaging_entry: res.service_entry[i].map(|e| m.entries[e as usize].def.id.clone()),
                channels: sorted(im.channels.iter().map(|c| c.value.as_str().to_owned())),
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
fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = items.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The bundle as written: two-space indented JSON with a final newline.
pub fn to_bytes(bundle: &Bundle) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(bundle).expect("bundle types always serialize");
    out.push(b'\n');
    out
}

/// The first entity that differs between two bundles, for `build --check`'s message.
pub fn first_difference(new: &Bundle, old: &Bundle) -> Option<String> {
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

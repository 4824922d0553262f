//! JSON Schemas (draft-07, what Taplo / Even Better TOML read) of the input and of the bundle.
//!
//! The input schema is generated from the types below, which describe the TOML files for
//! editors: they only exist for their schema. The bundle schema comes from the bundle's own
//! wire types in [`crate::compile`].

use std::collections::BTreeMap;

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::{Channel, License, Region, UserAssignment};
use crate::rules::Code;

/// Pattern of entity ids.
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9_-]*$";

/// A TOML file of a nimbus-lint workspace: entities (`[ou.ID]`, `[connector.ID]`,
/// `[messaging_entry.ID]`, `[service.ID]`) or, in `nimbus.toml` at the workspace root, the
/// settings (`[workspace]`, `[build]`, `[lints]`).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields, title = "nimbus-lint configuration")]
#[allow(dead_code)]
struct ConfigFile {
    /// Organization Units, keyed by id. The one OU without `parent` is the tenant (the root).
    ou: Option<BTreeMap<String, OuTable>>,
    /// Twilio provider connectors, keyed by id.
    connector: Option<BTreeMap<String, ConnectorTable>>,
    /// Messaging entries, keyed by id: each ties Nimbus to one Twilio Conversations service.
    messaging_entry: Option<BTreeMap<String, EntryTable>>,
    /// Services, keyed by id, with the transfers between them.
    service: Option<BTreeMap<String, ServiceTable>>,
    /// Workspace settings (nimbus.toml only).
    workspace: Option<WorkspaceTable>,
    /// Settings of `nimbus-lint build` (nimbus.toml only).
    build: Option<BuildTable>,
    /// Severity per rule code: "error", "warning" or "allow" (nimbus.toml only).
    lints: Option<BTreeMap<String, LintLevel>>,
}

/// An Organization Unit.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct OuTable {
    /// Display name (defaults to the id).
    name: Option<String>,
    /// Id of the OU above this one. Leave it out on the tenant, the one root OU.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    parent: Option<String>,
}

/// A Twilio provider connector: how Nimbus authenticates with Twilio.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ConnectorTable {
    /// Display name (defaults to the id).
    name: Option<String>,
    /// Id of the OU the connector belongs to; entries in this OU or below it can use it.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    ou: String,
    /// Provider type: always "twilio".
    #[schemars(rename = "type")]
    kind: ConnectorType,
    /// Twilio region the API key was created in (default "us1"). WhatsApp and SMS through
    /// Conversations are only offered in us1.
    region: Option<Region>,
    /// SID of a Twilio API key: "SK" + 32 hex digits. Never the account SID (AC…).
    #[schemars(regex(pattern = r"^SK[0-9a-fA-F]{32}$"))]
    api_key_sid: String,
    /// Where the API key secret comes from: an environment variable, never a literal.
    api_key_secret: Option<SecretRef>,
}

/// The only supported provider.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
#[allow(dead_code)]
enum ConnectorType {
    /// Twilio Conversations.
    Twilio,
}

/// A secret taken from the environment at deploy time.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SecretRef {
    /// Name of the environment variable, e.g. "TWILIO_API_KEY_SECRET".
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    env: String,
}

/// A messaging entry: one Twilio Conversations service.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct EntryTable {
    /// Display name (defaults to the id).
    name: Option<String>,
    /// Id of the OU the entry belongs to; services in this OU or below it can apply it.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    ou: String,
    /// Id of a provider connector in this entry's OU or above it.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    connector: String,
    /// Conversations Service SID: "IS" + 32 hex digits (Twilio console: Conversations →
    /// Manage → Services). Not the Messaging Service SID (MG…).
    #[schemars(regex(pattern = r"^IS[0-9a-fA-F]{32}$"))]
    service_sid: String,
}

/// A service.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ServiceTable {
    /// Display name (defaults to the id).
    name: Option<String>,
    /// Id of the OU the service belongs to.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    ou: String,
    /// Licence. WhatsApp and SMS need "contact_center".
    license: License,
    /// How users are assigned (default "ms_teams"); "none" for IVRs and first-level
    /// redirection services without users.
    user_assignment: Option<UserAssignment>,
    /// Ids of the services this one transfers conversations to.
    #[schemars(inner(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$")))]
    transfers: Option<Vec<String>>,
    /// Instant Messaging (the Modalities Service Settings). Its presence turns IM on.
    instant_messaging: Option<ImTable>,
}

/// A service's Instant Messaging settings.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ImTable {
    /// Id of the messaging entry the service applies (visible from its OU). Needed when
    /// `channels` lists "whatsapp" or "sms".
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9_-]*$"))]
    messaging_entry: Option<String>,
    /// How customers contact the service directly. A service with a channel is a front desk;
    /// without, it is only a transfer target and must be reached from a front desk.
    channels: Option<Vec<Channel>>,
}

/// `[workspace]` of nimbus.toml.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct WorkspaceTable {
    /// Gitignore-style patterns, relative to the root, of files and folders to skip (no
    /// `{a,b}`: gitignore has none; `\{` for a brace in a name).
    #[schemars(inner(regex(pattern = r"^([^{}\\]|\\.)*\\?$")))]
    exclude: Option<Vec<String>>,
    /// Largest file read, in bytes (default 64 MiB, at most 4 GiB - 1).
    #[schemars(range(min = 1, max = 4294967295u64))]
    max_file_size: Option<u64>,
    /// Most files read (default 100,000).
    #[schemars(range(min = 1))]
    max_files: Option<u64>,
}

/// `[build]` of nimbus.toml.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct BuildTable {
    /// Where `nimbus-lint build` writes the bundle: a file's path relative to the root that
    /// stays inside the workspace (not absolute, no `..` above the root, no `~/`) and names
    /// no hidden file or folder (a name starting with `.`).
    output: Option<String>,
}

/// A rule's severity.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
#[allow(dead_code)]
enum LintLevel {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warning,
    /// Do not report.
    Allow,
}

/// Descriptions on one line, and no `format` of schemars' own (`uint32`), which validators
/// in strict mode refuse: the integer's bounds say it already.
fn plain(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint") || f.starts_with("int"))
            {
                map.remove("format");
            }
            if let Some(Value::String(d)) = map.get_mut("description") {
                *d = d.replace('\n', " ");
            }
            map.values_mut().for_each(plain);
        }
        Value::Array(items) => items.iter_mut().for_each(plain),
        _ => {}
    }
}

fn generate<T: JsonSchema>() -> serde_json::Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).expect("schemas serialize")
}

/// The JSON Schema of the configuration files.
pub fn config() -> serde_json::Value {
    let mut schema = generate::<ConfigFile>();
    let props = &mut schema["properties"];
    for kind in ["ou", "connector", "messaging_entry", "service"] {
        let p = &mut props[kind];
        p["propertyNames"] = serde_json::json!({ "pattern": ID_PATTERN });
        p["description"] = serde_json::Value::String(format!(
            "{} Ids match {ID_PATTERN}.",
            p["description"].as_str().unwrap_or_default()
        ));
    }
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    props["lints"]["propertyNames"] = serde_json::json!({ "enum": codes });
    // Errors of parsing and resolution (and `unsupported-connector`) cannot be lowered: only
    // "error" for them.
    let hard: serde_json::Map<String, serde_json::Value> = Code::ALL
        .iter()
        .filter(|c| c.rule().hard)
        .map(|c| {
            let only = serde_json::json!({
                "enum": ["error"],
                "description": format!("`{c}` cannot be lowered: {}.", c.why_hard()),
            });
            (c.as_str().to_owned(), only)
        })
        .collect();
    props["lints"]["properties"] = serde_json::Value::Object(hard);
    // A file's name: not empty, not ending with a separator (`.` and `..` the tool reports),
    // not `-` (stdout on the command line only).
    let output = &mut schema["definitions"]["BuildTable"]["properties"]["output"];
    output["minLength"] = serde_json::json!(1);
    output["pattern"] = serde_json::json!("[^/\\\\]$");
    output["not"] = serde_json::json!({"const": "-"});
    // The defaults the tool applies, for editors that show or fill them in.
    let defs = &mut schema["definitions"];
    // A display name shows something: not blank.
    for table in ["OuTable", "ConnectorTable", "EntryTable", "ServiceTable"] {
        if let Some(name) = defs[table]["properties"].get_mut("name") {
            name["pattern"] = serde_json::json!("\\S");
        }
    }
    defs["ConnectorTable"]["properties"]["region"]["default"] = "us1".into();
    defs["ServiceTable"]["properties"]["user_assignment"]["default"] = "ms_teams".into();
    defs["ServiceTable"]["properties"]["transfers"]["default"] = serde_json::json!([]);
    defs["ImTable"]["properties"]["channels"]["default"] = serde_json::json!([]);
    let workspace = &mut defs["WorkspaceTable"]["properties"];
    workspace["exclude"]["default"] = serde_json::json!([]);
    workspace["max_file_size"]["default"] = crate::parse::settings::DEFAULT_MAX_FILE_SIZE.into();
    workspace["max_files"]["default"] = crate::parse::settings::DEFAULT_MAX_FILES.into();
    for_editors(&mut schema);
    plain(&mut schema);
    schema
}

/// TOML has no null: optional keys are simply left out, so `null` alternatives go; and sets of
/// constants also get a plain `enum`, which every editor completes.
fn for_editors(value: &mut serde_json::Value) {
    use serde_json::Value;
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            items.iter_mut().for_each(for_editors);
        }
        return;
    };
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            map.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(any)) = map.get_mut("anyOf") {
        any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
        if any.len() == 1 {
            let only = any.remove(0);
            map.remove("anyOf");
            map.insert("allOf".into(), Value::Array(vec![only]));
        }
    }
    let consts: Option<Vec<Value>> = map
        .get("oneOf")
        .and_then(Value::as_array)
        .and_then(|items| items.iter().map(|i| i.get("const").cloned()).collect());
    if let Some(Value::String(d)) = map.get_mut("description") {
        *d = d.replace('\n', " ");
    }
    if let Some(consts) = consts {
        map.insert("enum".into(), Value::Array(consts));
        map.insert("type".into(), Value::String("string".into()));
    }
    map.values_mut().for_each(for_editors);
}

/// The JSON Schema of the bundle.
pub fn bundle() -> serde_json::Value {
    let mut schema = generate::<crate::compile::Bundle>();
    plain(&mut schema);
    // Every key is always written (`null` where there is no value): all are required.
    require_every_property(&mut schema);
    if let Some(serde_json::Value::Object(defs)) = schema.get_mut("definitions") {
        for def in defs.values_mut() {
            require_every_property(def);
        }
    }
    fn names<T>(spellings: &[(&str, T)]) -> Vec<String> {
        spellings.iter().map(|(n, _)| (*n).to_owned()).collect()
    }
    let defs = &mut schema["definitions"];
    defs["BundleService"]["properties"]["license"]["enum"] = names(License::SPELLINGS).into();
    defs["BundleService"]["properties"]["user_assignment"]["enum"] =
        names(UserAssignment::SPELLINGS).into();
    defs["BundleConnector"]["properties"]["region"]["enum"] = names(Region::SPELLINGS).into();
    defs["BundleConnector"]["properties"]["type"]["enum"] = serde_json::json!(["twilio"]);
    defs["BundleIm"]["properties"]["channels"]["items"]["enum"] = names(Channel::SPELLINGS).into();
    schema["properties"]["schema_version"]["const"] = serde_json::json!(1);
    schema
}

/// Marks every property of an object schema as required.
fn require_every_property(schema: &mut serde_json::Value) {
    let Some(serde_json::Value::Object(props)) = schema.get("properties") else {
        return;
    };
    let all: Vec<serde_json::Value> = props.keys().cloned().map(Into::into).collect();
    schema["required"] = serde_json::Value::Array(all);
}

/// A schema as committed: two-space indented JSON with a final newline.
pub fn to_text(schema: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).expect("schemas serialize");
    s.push('\n');
    s
}

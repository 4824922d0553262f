//! The rule registry: every diagnostic code, its default severity and its long explanation.
//!
//! Each rule lives in its own file: its [`Rule`] record (code, severity, summary, the long text
//! that `explain` and SARIF print) and, for rules over the resolved model, its check function.
//! Rules of the parse stage (`syntax`, `unknown-field`) only build diagnostics that the parser
//! raises; `invalid-value` builds those and has a check of its own; `unused-suppression`'s
//! diagnostics come from the parser (malformed comments) and from the check stage, which knows
//! which comments silenced something. `sid` holds what the two SID rules share.

use crate::check::Context;
use crate::diagnostic::{Diagnostic, Severity};

/// A check over the resolved workspace, pushing what it finds.
pub type CheckFn = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// What the registry knows about one rule.
#[derive(Debug)]
pub struct Rule {
    /// The stable kebab-case code.
    pub code: &'static str,
    /// Severity unless `[lints]` or the command line say otherwise.
    pub severity: Severity,
    /// True for errors of parsing and resolution (and a connector type other than Twilio's),
    /// which no level or comment can lower: see [`Code::why_hard`].
    pub hard: bool,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// The long form, in Markdown: what it checks, why it matters, a failing example, the fix.
    pub explanation: &'static str,
    /// The check, for rules over the resolved model.
    pub check: Option<CheckFn>,
}

pub mod channel_license;
pub mod channel_region;
pub mod duplicate_id;
pub mod duplicate_service_sid;
pub mod im_no_agents;
pub mod im_unreachable;
pub mod invalid_api_key_sid;
pub mod invalid_service_sid;
pub mod invalid_value;
pub mod missing_field;
pub mod missing_messaging_entry;
pub mod ou_cycle;
pub mod reference_not_visible;
pub mod root_ou;
pub mod secret_in_config;
pub mod self_transfer;
pub mod syntax;
pub mod unknown_field;
pub mod unknown_reference;
pub mod unsupported_connector;
pub mod unused_connector;
pub mod unused_messaging_entry;
pub mod unused_suppression;

/// Builds [`Code`] from the rule modules, in the contract's order. The modules are declared
/// above, one `pub mod` a line, not by the macro: tools that read the source without expanding
/// macros (cargo-mutants) must find every rule file.
macro_rules! registry {
    ($($variant:ident => $module:ident,)*) => {
        /// Every diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = concat!("The code of the rule in [`", stringify!($module), "`].")]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the order of the contract's rule table.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The rule behind the code.
            pub fn rule(self) -> &'static Rule {
                match self {
                    $(Code::$variant => &$module::RULE,)*
                }
            }
        }
    };
}

registry! {
    Syntax => syntax,
    UnknownField => unknown_field,
    MissingField => missing_field,
    InvalidValue => invalid_value,
    DuplicateId => duplicate_id,
    UnknownReference => unknown_reference,
    RootOu => root_ou,
    OuCycle => ou_cycle,
    ReferenceNotVisible => reference_not_visible,
    UnsupportedConnector => unsupported_connector,
    InvalidApiKeySid => invalid_api_key_sid,
    InvalidServiceSid => invalid_service_sid,
    DuplicateServiceSid => duplicate_service_sid,
    SecretInConfig => secret_in_config,
    MissingMessagingEntry => missing_messaging_entry,
    ImUnreachable => im_unreachable,
    ChannelLicense => channel_license,
    ChannelRegion => channel_region,
    ImNoAgents => im_no_agents,
    SelfTransfer => self_transfer,
    UnusedMessagingEntry => unused_messaging_entry,
    UnusedConnector => unused_connector,
    UnusedSuppression => unused_suppression,
}

pub(crate) mod advice;
mod sid;
pub(crate) mod text;

impl Code {
    /// The kebab-case code.
    pub fn as_str(self) -> &'static str {
        self.rule().code
    }

    /// The code spelled `s`, if any.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// Why a rule that is [`Rule::hard`] cannot be lowered nor silenced, as a clause.
    pub fn why_hard(self) -> &'static str {
        match self {
            Code::UnsupportedConnector => {
                "Nimbus has no connector of another type than `twilio`, and the bundle cannot hold one"
            }
            Code::InvalidApiKeySid | Code::InvalidServiceSid => {
                "the bundle holds SIDs alone, and anything else (an account SID above all) must never reach Nimbus"
            }
            _ => "the workspace cannot be read as written",
        }
    }

    /// The one kind of entity the rule's findings are about, for the rules that judge one
    /// kind alone (`im-no-agents` services, `unused-connector` connectors).
    pub fn about_kind(self) -> Option<crate::model::Kind> {
        use crate::model::Kind;
        match self {
            Code::ImNoAgents
            | Code::ImUnreachable
            | Code::MissingMessagingEntry
            | Code::ChannelLicense
            | Code::ChannelRegion
            | Code::SelfTransfer => Some(Kind::Service),
            Code::UnusedMessagingEntry | Code::InvalidServiceSid | Code::DuplicateServiceSid => {
                Some(Kind::MessagingEntry)
            }
            Code::UnusedConnector | Code::InvalidApiKeySid | Code::UnsupportedConnector => {
                Some(Kind::Connector)
            }
            Code::OuCycle => Some(Kind::Ou),
            _ => None,
        }
    }

    /// How grave a finding of the rule is for security, on the 0.0 to 10.0 scale of GitHub
    /// code scanning (SARIF's `security-severity`): a credential in the configuration is
    /// high. `None` for rules that are not about security.
    pub fn security_severity(self) -> Option<&'static str> {
        match self {
            Code::SecretInConfig => Some("8.0"),
            _ => None,
        }
    }

    /// The known code nearest to a misspelled one.
    pub fn nearest(s: &str) -> Option<Code> {
        crate::suggest::nearest(s, Code::ALL.iter().map(|c| c.as_str())).and_then(Code::parse)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity a user can set for a rule: `error`, `warning` or `allow` (off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warning,
    /// Do not report.
    Allow,
}

impl Level {
    /// The spellings `[lints]` accepts.
    pub const NAMES: [&'static str; 3] = ["error", "warning", "allow"];

    /// The level spelled `s`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "allow" => Some(Level::Allow),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let rule = code.rule();
            assert!(seen.insert(rule.code), "duplicate code {}", rule.code);
            assert!(
                rule.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                rule.code
            );
            for heading in ["## What it checks", "## Why", "## Example", "## Fix"] {
                assert!(
                    rule.explanation.contains(heading),
                    "{} lacks `{heading}`",
                    rule.code
                );
            }
            assert!(!rule.summary.is_empty());
        }
    }

    #[test]
    fn model_rules_have_checks_and_parse_rules_do_not() {
        // `invalid-value` is both: types and spellings at parse time, ids over the model,
        // where a suggested id can be checked against the ids already taken.
        for code in Code::ALL {
            let parse_stage = matches!(
                code,
                Code::Syntax | Code::UnknownField | Code::UnusedSuppression
            );
            assert_eq!(code.rule().check.is_some(), !parse_stage, "{code}");
        }
    }

    #[test]
    fn every_rule_file_is_in_the_registry() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let helpers = ["mod", "advice", "sid", "text"];
        let mut files = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if path.extension().is_none_or(|e| e != "rs") || helpers.contains(&stem) {
                continue;
            }
            files += 1;
            let code = Code::parse(&stem.replace('_', "-"));
            assert!(code.is_some(), "src/rules/{stem}.rs is not in `registry!`");
        }
        assert_eq!(files, Code::ALL.len());
    }
}

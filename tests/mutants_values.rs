//! Behaviour of `secret-in-config` and `invalid-value` (`src/rules/secret_in_config.rs`,
//! `src/rules/invalid_value.rs`) that mutation testing (cargo-mutants) found no test pinning
//! down: each test here fails on at least one mutant that the rest of the suite let through.

mod common;

use common::{workspace, workspace_diagnostics as check};

/// The message of each diagnostic of `code`, in order.
fn messages(found: &[serde_json::Value], code: &str) -> Vec<String> {
    (found.iter())
        .filter(|d| d["code"] == code)
        .map(|d| d["message"].as_str().expect("message").to_owned())
        .collect()
}

/// Guards the shape of an API key secret (`is_secret_shaped`): 32 letters and digits count
/// only when they mix upper case, lower case *and* digits. Strings with two of the three (or
/// one) are names, not credentials, and must not be reported. Kills
/// `secret_in_config.rs:70:9` and `71:9` (`&&` → `||` in `is_secret_shaped`), under which
/// upper case alone, or digits with either case, made a secret.
#[test]
fn only_strings_mixing_upper_case_lower_case_and_digits_are_api_key_secrets() {
    let names = [
        ("upper", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF"),
        ("lower-digits", "abcdefghijklmnopqrstuvwxyz012345"),
        ("upper-digits", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"),
        ("upper-lower", "ABCDEFGHIJKLMNOPabcdefghijklmnop"),
        ("all-three", "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6"),
    ];
    let org: String = (names.iter())
        .map(|(id, name)| format!("[ou.{id}]\nname = \"{name}\"\n\n"))
        .collect();
    let found = check(&[("org.toml", &org)]);
    assert_eq!(
        messages(&found, "secret-in-config"),
        ["string shaped like a Twilio API key secret: `q1W2…` (32 characters)"],
        "{found:#?}"
    );
}

/// Guards where `invalid-value` points in the IM table's header when a service's id breaks the
/// pattern and is written quoted in both headers: at the id itself, past its opening quote.
/// Kills `invalid_value.rs:83:40` (`+` → `-` in
/// `check`), under which the label fell on the `.` before the quote (no test had a quoted id
/// in an IM table's header: for a bare id the offset is 0, and `-` equals `+`).
#[test]
fn a_quoted_id_in_the_im_tables_header_is_labelled_where_it_is_written() {
    let services = "[ou.contoso]\n\n\
                    [service.\"Sales Desk\"]\nou = \"contoso\"\nlicense = \"contact_center\"\n\n\
                    [service.\"Sales Desk\".instant_messaging]\nchannels = [\"interact\"]\n";
    let found = check(&[("s.toml", services)]);
    let bad: Vec<&serde_json::Value> = (found.iter())
        .filter(|d| d["code"] == "invalid-value")
        .collect();
    let [d] = bad[..] else { panic!("{found:#?}") };
    assert_eq!(d["message"], "invalid service id `Sales Desk`");
    let at = |v: &serde_json::Value| {
        let n = |k: &str| v[k].as_u64().expect("position");
        (n("line"), n("column"), n("end_line"), n("end_column"))
    };
    // `[service."Sales Desk"]`: the key as written, quotes and all.
    assert_eq!(at(d), (3, 10, 3, 22), "{d:#}");
    let labels = d["labels"].as_array().expect("labels");
    let [label] = &labels[..] else {
        panic!("{d:#}")
    };
    assert_eq!(label["message"], "rename it here too");
    // `[service."Sales Desk".instant_messaging]`: the id itself, past its opening quote.
    assert_eq!(at(label), (7, 11, 7, 21), "{d:#}");
    assert!(
        (d["help"].as_str().expect("help")).ends_with(
            ": try `sales-desk` in both headers, `[service.sales-desk]` and \
             `[service.sales-desk.instant_messaging]`"
        ),
        "{d:#}"
    );
}

/// Guards the values written in other words that `invalid-value` maps to the one meant, where
/// the spelling alone is too far to suggest it: regions written as a city or a country
/// (`Dublin`, `Sydney`, `Tokyo`, `Singapore`, `Brazil`), a user assignment as `skills`, channels
/// as `texting` and `wa`. Each help names the value meant. Kills the deleted match arms of
/// `value_hint` (`invalid_value.rs:170:9`, `180:9`, `181:9`, `205:9`, `207:9`, `208:9`, `209:9`,
/// `210:9`), under which these helps named no value or a wrong one.
#[test]
fn values_written_in_other_words_are_told_the_value_meant() {
    // One connector per region written as a place.
    let connectors: String = (["Dublin", "Sydney", "Tokyo", "Singapore", "Brazil"].iter())
        .enumerate()
        .map(|(i, region)| {
            format!(
                "[connector.tw{i}]\nou = \"contoso\"\ntype = \"twilio\"\nregion = \"{region}\"\n\
                 api_key_sid = \"SK0123456789abcdef0123456789abcdef\"\n\
                 api_key_secret = {{ env = \"TWILIO_API_KEY_SECRET\" }}\n\n"
            )
        })
        .collect();
    let org = String::from("[ou.contoso]\n\n") + &connectors;
    let files = [
        ("org.toml", org.as_str()),
        (
            "s.toml",
            "[service.desk]\nou = \"contoso\"\nlicense = \"contact_center\"\n\
             user_assignment = \"skills\"\n\
             [service.desk.instant_messaging]\nchannels = [\"texting\", \"wa\"]\n",
        ),
    ];
    let found = check(&files);
    let helps: Vec<(String, String)> = (found.iter())
        .filter(|d| d["code"] == "invalid-value")
        .map(|d| {
            let s = |k: &str| d[k].as_str().expect("text").to_owned();
            let help = s("help");
            // The hint, before the list of every spelling.
            let hint = help.split_inclusive('?').next().expect("hint").to_owned();
            (s("message"), hint)
        })
        .collect();
    let pair = |m: &str, h: &str| (m.to_owned(), h.to_owned());
    assert_eq!(
        helps,
        [
            pair("unknown region `Dublin`", "did you mean `ie1`?"),
            pair("unknown region `Sydney`", "did you mean `au1`?"),
            pair("unknown region `Tokyo`", "did you mean `jp1`?"),
            pair("unknown region `Singapore`", "did you mean `sg1`?"),
            pair("unknown region `Brazil`", "did you mean `br1`?"),
            pair(
                "unknown user assignment `skills`",
                "did you mean `skill_based`?"
            ),
            pair("unknown channel `texting`", "did you mean `sms`?"),
            pair("unknown channel `wa`", "did you mean `whatsapp`?"),
        ],
        "{found:#?}"
    );
}

/// Two API key secrets joined by a NUL byte, in a file that does not parse (a NUL is no TOML):
/// too long to be one word with the NUL dropped (UTF-16 read as UTF-8), so each is a word of
/// its own, and the snippet masks each where it stands, past its first 4 characters. Kills
/// `secret_in_config.rs:171:37` (`+` → `*`), `173:18` (`+=` → `*=`) and `173:32` (`+` → `*`)
/// in `push_shaped`, under which the second word (or both) was taken at the wrong bytes and
/// left partly unmasked.
#[test]
fn credentials_joined_by_a_nul_byte_are_each_masked_where_they_stand() {
    let (a, b) = (
        "q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6",
        "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4",
    );
    let org = format!("[ou.contoso]\nname = \"key {a}\0{b}\"\n");
    let dir = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    let human = common::run(dir.path(), &["check"]);
    assert_eq!(human.code, 1, "{}{}", human.stdout, human.stderr);
    let stars = "*".repeat(28);
    let masked = format!(" 2 │ name = \"key q1W2{stars}?Z9y8{stars}\"\n");
    assert!(human.stdout.contains(&masked), "{}", human.stdout);
    for secret in [a, b] {
        assert!(!human.stdout.contains(&secret[4..8]), "{}", human.stdout);
    }
}

/// A run of NUL bytes alone at the very end of a file is no word: the scan for credentials
/// stops at the end of the text. Kills `secret_in_config.rs:138:21` (`<` → `<=` in
/// `shaped_words`), under which the scan read one byte past the end and the run panicked.
#[test]
fn nul_bytes_at_the_end_of_a_file_are_no_credential() {
    let org = format!("[ou.contoso]\nname = \"x\"\n{}", "\0".repeat(40));
    let dir = workspace(&[("nimbus.toml", ""), ("org.toml", &org)]);
    for format in ["json", "human"] {
        let r = common::run(dir.path(), &["check", "--format", format]);
        assert_eq!(r.code, 1, "{format}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("syntax"), "{}", r.stdout);
        assert!(!r.stdout.contains("secret-in-config"), "{}", r.stdout);
    }
}

/// Guards the help of an id with nothing to keep (no letter or digit: its slug is empty): it
/// says what ids are made of and offers no id. Kills `invalid_value.rs:223:25` (`&&` → `||`
/// in `bad_id`), under which it offered "try ``".
#[test]
fn an_id_with_no_letter_or_digit_is_offered_no_new_id() {
    let found = check(&[("org.toml", "[ou.\"***\"]\n")]);
    let bad: Vec<(&str, &str)> = (found.iter())
        .filter(|d| d["code"] == "invalid-value")
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bad,
        [(
            "invalid OU id `***`",
            "ids use lowercase letters, digits, `-` and `_`, and start with a letter or digit"
        )],
        "{found:#?}"
    );
}

/// Guards how a word shaped like an API key secret that no check recorded is masked in a
/// text (a message, a hover): the text around it kept whole, the word cut to its first 4
/// characters. Kills `secret_in_config.rs:185:42` (`+` → `-`: the 4 characters before the
/// word were cut instead, and the word's own first 4 lost; `+` → `*`: 12 more characters of
/// the secret printed).
#[test]
fn a_word_shaped_like_a_secret_is_masked_to_its_first_four_characters() {
    use nimbus_lint::rules::secret_in_config::mask_shaped;
    assert_eq!(
        mask_shaped("key q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6, and Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4")
            .as_deref(),
        Some("key q1W2…, and Z9y8…")
    );
    assert_eq!(mask_shaped("key 0123456789abcdef0123456789abcdef"), None);
}

/// Guards the help of a credential pasted as a messaging entry's `service_sid`: it asks for
/// the Conversations Service SID there, not for a variable. Kills `secret_in_config.rs:250:9`
/// (the `service_sid` arm of `shaped_help` deleted: the generic help instead).
#[test]
fn a_credential_pasted_as_a_service_sid_is_told_what_the_key_takes() {
    let files = [(
        "org.toml",
        "[ou.contoso]\n\n[messaging_entry.wa]\nou = \"contoso\"\n\
         service_sid = \"q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6\"\n",
    )];
    let found = check(&files);
    let secrets: Vec<(&str, &str)> = (found.iter())
        .filter(|d| d["code"] == "secret-in-config")
        .map(|d| (d["message"].as_str().unwrap(), d["help"].as_str().unwrap()))
        .collect();
    assert_eq!(
        secrets,
        [(
            "string shaped like a Twilio API key secret: `q1W2…` (32 characters)",
            "`service_sid` takes the Conversations Service SID (`IS` + 32 hex digits), not a \
             credential: write the SID here, and rotate the exposed credential in Twilio"
        )],
        "{found:#?}"
    );
}

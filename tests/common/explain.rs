//! The examples of the rules' long explanations (`nimbus-lint explain CODE`), as files.

/// The TOML blocks of one `## ` section of an explanation, as files: a block (or a part of
/// one) that opens with `# path.toml` is that file, anything else `a.toml`.
pub fn section_files(text: &str, title: &str) -> Vec<(String, String)> {
    let start = text.find(title).expect("section") + title.len();
    let rest = &text[start..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut files: Vec<(String, String)> = Vec::new();
    for block in section.split("```toml\n").skip(1) {
        let block = &block[..block.find("```").expect("closed block")];
        let mut name = "a.toml".to_owned();
        for line in block.lines() {
            if let Some(path) = line
                .strip_prefix("# ")
                .filter(|p| p.ends_with(".toml") && !p.contains(' '))
            {
                name = path.to_owned();
                continue;
            }
            match files.iter_mut().find(|(n, _)| *n == name) {
                Some((_, text)) => {
                    text.push_str(line);
                    text.push('\n');
                }
                None => files.push((name.clone(), format!("{line}\n"))),
            }
        }
    }
    files
}

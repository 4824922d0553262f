//! `--format short`: `FILE:LINE:COL: SEVERITY[CODE]: MESSAGE`, one line a diagnostic.

use std::io::{self, Write};

use crate::Analysis;

/// Writes one line per diagnostic.
pub fn render(results: &[Analysis], out: &mut dyn Write) -> io::Result<()> {
    for (r, d) in super::in_order(results) {
        let file = r.ws.sources.get(d.span.file);
        let at = file.position(d.span.start as usize);
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            file.display(),
            at.line,
            at.column,
            d.severity.as_str(),
            d.code,
            d.message
        )?;
    }
    Ok(())
}

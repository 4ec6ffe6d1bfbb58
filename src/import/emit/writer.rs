//! The TOML writer every section uses: lines, comments and sections, `key = value  # note` with
//! each assumed value collected for the header, and the literal helpers (strings, numbers,
//! scenario names).

use super::super::infra::Prov;

/// A provenance or assumption comment for one value.
pub(super) enum Note {
    From(String),
    Assumed(String),
    Plain(String),
}

/// `from <resource>`.
pub(super) fn from(p: &Prov) -> Note {
    Note::From(p.to_string())
}

/// Builds the TOML text, collecting the assumptions as it goes.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) out: String,
    pub(super) assumed: Vec<String>,
}

impl Writer {
    pub(super) fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    pub(super) fn comment(&mut self, text: &str) {
        if text.is_empty() {
            self.line("#");
        }
        for l in text.lines() {
            self.line(&format!("# {l}"));
        }
    }

    pub(super) fn section(&mut self, header: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.line(header);
    }

    /// `key = value  # note`; `path` is the field's dotted path, for the list of assumptions.
    pub(super) fn kv(&mut self, path: &str, key: &str, value: String, note: Note) {
        let comment = match note {
            Note::From(p) => format!("from {p}"),
            Note::Plain(t) => t,
            Note::Assumed(why) => {
                self.assumed.push(format!("{path}.{key} = {value}: {why}"));
                format!("ASSUMED: {why}")
            }
        };
        self.line(&format!("{key} = {value}  # {comment}"));
    }
}

/// A TOML string literal.
pub(super) fn s(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML number: whole numbers without a fraction.
pub(super) fn n(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A scenario name: lower case letters, digits, `-` and `_`.
pub fn sanitize(name: &str) -> String {
    let cleaned: String = refs_stripped(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut out = String::new();
    for c in cleaned.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches('-').to_string()
}

/// `text` without its reference markers.
pub(super) fn refs_stripped(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '⟨' => depth += 1,
            '⟩' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize("Bags Service"), "bags-service");
        assert_eq!(sanitize("⟨AWS::StackName⟩-bags"), "bags");
        assert_eq!(sanitize("storage_API"), "storage_api");
    }

    #[test]
    fn numbers_print_whole_when_whole() {
        assert_eq!(n(30.0), "30");
        assert_eq!(n(0.5), "0.5");
    }
}

//! Errors in scenario files and overrides. Every error names the dotted path of the field that
//! broke a rule and, where the field is in the file, its line, so the user can go straight to it.

use std::fmt;
use std::path::PathBuf;

/// A rejected scenario: which field, where, and which rule it broke.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    /// The scenario file, when there is one.
    pub file: Option<PathBuf>,
    /// Dotted path of the field, with array indices as numbers (`traffic.0.rate_rps`); empty
    /// for errors about the whole document (TOML syntax).
    pub path: String,
    /// 1-based line in the file, when the field (or its table) is in the file.
    pub line: Option<usize>,
    /// Where the value came from when it was not the file (`--set traffic.0.rate_rps=-1`).
    pub origin: Option<String>,
    /// The rule that was broken, in plain words.
    pub message: String,
}

impl ScenarioError {
    /// An error about the field at `path`; file, line and origin are filled in by the loader.
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: None,
            path: path.into(),
            line: None,
            origin: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            write!(f, ": ")?;
        } else if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(origin) = &self.origin {
            write!(f, " (set by {origin})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Rewrites one of serde's messages in the words of the scenario file, as the rule that was
/// broken: `invalid type: string "fast", expected f64` becomes `must be a number (got the string
/// "fast")`. Returns the path to report, which for an unknown or missing field is the field's
/// own path (serde reports the table that holds it), and the message. A message it does not
/// recognise (our own `custom` messages) is returned unchanged.
///
/// serde builds these messages from fixed templates (`serde::de::Error`'s provided methods);
/// the tests below pin them, so a serde update that rewords them is noticed.
pub fn plain_serde_error(path: &str, message: &str) -> (String, String) {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let names = backticked(allowed);
        // serde_path_to_error's path usually ends with the unknown key already; never twice.
        let field_path = if path.rsplit('.').next() == Some(field) {
            path.to_string()
        } else {
            join_path(path, field)
        };
        let parent = field_path
            .strip_suffix(field)
            .unwrap_or("")
            .trim_end_matches('.');
        let place = if parent.is_empty() {
            "at the top level".to_string()
        } else {
            format!("in `{parent}`")
        };
        let hint = closest(field, &names)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        let list = if names.is_empty() {
            format!("nothing is allowed {place}")
        } else {
            format!(
                "fields allowed {place}: {}",
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return (field_path, format!("unknown field{hint}; {list}"));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (got, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        let names: Vec<String> = backticked(allowed)
            .iter()
            .map(|n| format!("{n:?}"))
            .collect();
        return (
            path.to_string(),
            format!("must be one of {} (got {got:?})", names.join(", ")),
        );
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return (
            join_path(path, field),
            "is missing; it is required and has no default".to_string(),
        );
    }
    if let Some(field) = message
        .strip_prefix("duplicate field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return (join_path(path, field), "is given twice".to_string());
    }
    if message == "wanted string or table" {
        // The toml crate's words for a non-string where a named choice (`arrival`, `dist`,
        // `algorithm`, a profile `shape`) goes.
        return (
            path.to_string(),
            "must be one of this field's names, in quotes (see docs/scenario.md)".to_string(),
        );
    }
    let mismatch = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|r| r.rsplit_once(", expected "));
    if let Some((got, expected)) = mismatch {
        return (
            path.to_string(),
            format!(
                "must be {} (got {})",
                expected_words(expected),
                got_words(got)
            ),
        );
    }
    (path.to_string(), message.to_string())
}

/// The names in backticks of serde's "expected one of `a`, `b`" lists.
fn backticked(list: &str) -> Vec<&str> {
    list.split('`').skip(1).step_by(2).collect()
}

/// serde's `Expected` (Rust type names) in the words of a TOML file.
fn expected_words(expected: &str) -> String {
    let whole = |max: u64| format!("a whole number from 0 to {max}");
    match expected {
        "f64" | "f32" => "a number".to_string(),
        "u8" => whole(u8::MAX.into()),
        "u16" => whole(u16::MAX.into()),
        "u32" => whole(u32::MAX.into()),
        // TOML integers are 64-bit signed: a larger value cannot be written at all.
        "u64" | "usize" => whole(i64::MAX.unsigned_abs()),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "a string" => "a string in quotes".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "an array".to_string(),
        "a map" => "a table".to_string(),
        e if e.starts_with("struct ") => "a table".to_string(),
        e => e.to_string(),
    }
}

/// serde's `Unexpected` (what the file held) in the words of a TOML file.
fn got_words(got: &str) -> String {
    let value_in_backticks = ["boolean `", "integer `", "floating point `"]
        .iter()
        .find_map(|p| got.strip_prefix(p).and_then(|r| r.strip_suffix('`')));
    if let Some(v) = value_in_backticks {
        return v.to_string();
    }
    if let Some(s) = got.strip_prefix("string ") {
        return format!("the string {s}");
    }
    match got {
        "map" => "a table".to_string(),
        "sequence" => "an array".to_string(),
        g => g.to_string(),
    }
}

/// The name in `names` closest to `word`, when it is close enough to be a likely typo.
fn closest<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|n| (edit_distance(word, n), *n))
        .filter(|&(d, n)| d <= (n.len() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Levenshtein distance, counting a swap of two neighbouring letters as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Builds a dotted path such as `traffic.0.rate_rps` from its parts.
pub fn join_path(parent: &str, child: impl fmt::Display) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::{Error, Unexpected};

    /// serde's own wording, produced through its real templates, so a change in serde shows up.
    fn serde_says(e: serde::de::value::Error) -> String {
        e.to_string()
    }

    #[test]
    fn rewrites_serde_messages_as_rules() {
        type E = serde::de::value::Error;
        let cases = [
            (
                E::invalid_type(Unexpected::Str("fast"), &"f64"),
                "traffic.0.rate_rps",
                "must be a number (got the string \"fast\")",
            ),
            (
                E::invalid_type(Unexpected::Float(1.5), &"u32"),
                "x.targets",
                "must be a whole number from 0 to 4294967295 (got 1.5)",
            ),
            (
                E::invalid_value(Unexpected::Signed(-1), &"u32"),
                "x.targets",
                "must be a whole number from 0 to 4294967295 (got -1)",
            ),
            (
                E::invalid_type(Unexpected::Signed(5), &"struct RawSimulation"),
                "simulation",
                "must be a table (got 5)",
            ),
            (
                E::invalid_value(Unexpected::Signed(-1), &"u64"),
                "simulation.seed",
                "must be a whole number from 0 to 9223372036854775807 (got -1)",
            ),
            (
                E::unknown_variant("bursty", &["poisson", "constant"]),
                "traffic.0.arrival",
                "must be one of \"poisson\", \"constant\" (got \"bursty\")",
            ),
        ];
        for (error, path, expected) in cases {
            let (p, m) = plain_serde_error(path, &serde_says(error));
            assert_eq!((p.as_str(), m.as_str()), (path, expected));
        }
    }

    #[test]
    fn names_the_unknown_or_missing_field_itself() {
        let unknown = serde_says(serde::de::value::Error::unknown_field(
            "warmpu_s",
            &["name", "duration_s", "warmup_s"],
        ));
        // serde_path_to_error may or may not have the key already: the result is the same.
        for path in ["simulation", "simulation.warmpu_s"] {
            let (p, m) = plain_serde_error(path, &unknown);
            assert_eq!(p, "simulation.warmpu_s");
            assert_eq!(
                m,
                "unknown field (did you mean `warmup_s`?); fields allowed in `simulation`: \
                 `name`, `duration_s`, `warmup_s`"
            );
        }
        let (p, m) = plain_serde_error(
            "",
            &serde_says(serde::de::value::Error::unknown_field(
                "zzz",
                &["simulation", "traffic"],
            )),
        );
        assert_eq!(p, "zzz");
        assert_eq!(
            m,
            "unknown field; fields allowed at the top level: `simulation`, `traffic`"
        );
        let (p, m) = plain_serde_error(
            "simulation",
            &serde_says(serde::de::value::Error::missing_field("duration_s")),
        );
        assert_eq!(p, "simulation.duration_s");
        assert!(m.contains("required"), "{m}");
    }

    #[test]
    fn leaves_our_own_messages_alone() {
        let (p, m) = plain_serde_error("a.b", "must be 0 or more (got -1)");
        assert_eq!(
            (p.as_str(), m.as_str()),
            ("a.b", "must be 0 or more (got -1)")
        );
    }

    #[test]
    fn suggests_only_near_misses() {
        assert_eq!(
            closest("durationn_s", &["duration_s", "seed"]),
            Some("duration_s")
        );
        assert_eq!(closest("warmpu_s", &["warmup_s"]), Some("warmup_s"));
        assert_eq!(closest("colour", &["seed", "name"]), None);
    }
}

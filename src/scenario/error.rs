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

/// Builds a dotted path such as `traffic.0.rate_rps` from its parts.
pub fn join_path(parent: &str, child: impl fmt::Display) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

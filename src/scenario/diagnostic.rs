//! Scenario errors as people read compiler errors: the one-line message, then the file, line
//! and column, the source line and a caret under the fault (rendered with `annotate-snippets`).
//!
//! ```text
//! error: scenario.toml:4: `simulation.warmup_s`: must be 0 or more and less than duration_s (5) (got 30)
//!   --> scenario.toml:4:1
//!    |
//!  4 | warmup_s = 30
//!    | ^^^^^^^^^^^^^ simulation.warmup_s
//! ```
//! The caret is placed from the error's field path ([`super::locate::span_of`]) or, for a TOML
//! syntax error, from the parser's own span; an error whose value came from `--set` or
//! `--vary` has no line in the file and so no snippet.

use std::ops::Range;

use annotate_snippets::{Level, Renderer, Snippet};

use super::ScenarioError;
use super::locate::line_at;

/// The span to underline in `text` for `e`, when it has a line there.
pub fn span(e: &ScenarioError, text: &str) -> Option<Range<usize>> {
    let line = e.line?;
    let found = if e.path.is_empty() {
        toml::Deserializer::parse(text)
            .err()
            .and_then(|err| err.span())
            .or_else(|| text.parse::<toml_edit::DocumentMut>().err()?.span())
    } else {
        super::locate::span_of(text, &e.path)
    };
    match found {
        Some(s) if line_at(text, s.start) == line => Some(widen(text, s)),
        // The line is known but not the place on it: underline the line's text.
        _ => {
            let start: usize = text
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum();
            let rest = text.get(start..)?;
            let len = rest.find('\n').unwrap_or(rest.len());
            let indent = rest[..len].len() - rest[..len].trim_start().len();
            Some(start + indent..start + len.max(indent + 1))
        }
    }
}

/// An empty span (a parser pointing between characters) covers one character.
fn widen(text: &str, s: Range<usize>) -> Range<usize> {
    if s.end > s.start {
        return s;
    }
    let end = text[s.start..]
        .chars()
        .next()
        .map_or(s.start, |c| s.start + c.len_utf8());
    s.start..end
}

/// The 1-based column of byte `offset` (in characters).
pub fn column_at(text: &str, offset: usize) -> usize {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[start..offset].chars().count() + 1
}

/// `e` with its snippet, when the file can be read again and `e` has a line in it; else the
/// plain message. The first line is always `error: ` and the plain message.
pub fn render(e: &ScenarioError) -> String {
    let plain = format!("error: {e}");
    let Some(file) = &e.file else {
        return plain;
    };
    let Ok(text) = std::fs::metadata(file)
        .ok()
        .filter(|m| m.is_file())
        .map_or(Err(()), |_| std::fs::read_to_string(file).map_err(|_| ()))
    else {
        return plain;
    };
    let Some(span) = span(e, &text) else {
        return plain;
    };
    let title = e.to_string();
    let origin = file.display().to_string();
    let label = if e.path.is_empty() {
        "here"
    } else {
        e.path.as_str()
    };
    let message = Level::Error.title(&title).snippet(
        Snippet::source(&text)
            .origin(&origin)
            .fold(true)
            .annotation(Level::Error.span(span).label(label)),
    );
    Renderer::plain().render(message).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[simulation]\nname = \"x\"\nwarmup_s = 30\n\n[[traffic]]\nrate_rps = -1\n";

    fn error(path: &str, line: usize) -> ScenarioError {
        ScenarioError {
            line: Some(line),
            ..ScenarioError::at(path, "broken")
        }
    }

    #[test]
    fn the_caret_covers_the_field_and_its_value() {
        let s = span(&error("simulation.warmup_s", 3), DOC).unwrap();
        assert_eq!(&DOC[s.clone()], "warmup_s = 30");
        assert_eq!(column_at(DOC, s.start), 1);
        let s = span(&error("traffic.0.rate_rps", 6), DOC).unwrap();
        assert_eq!(&DOC[s], "rate_rps = -1");
    }

    #[test]
    fn a_syntax_error_points_where_the_parser_stopped() {
        let bad = "[simulation]\nduration_s = = 5\n";
        let s = span(&error("", 2), bad).unwrap();
        assert_eq!(line_at(bad, s.start), 2);
        assert!(column_at(bad, s.start) > 1, "{s:?}");
    }
}

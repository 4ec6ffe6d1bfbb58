//! Finds the line of a dotted path in the TOML text, so errors found after parsing (a negative
//! rate, an unknown target group) can point at the line as well as the field.

use std::ops::Range;

use toml_edit::{Document, Item, Table, Value};

/// A place in the parsed document: a table (`[x]` or `[[x]]` element) or a value (inline
/// tables and arrays included).
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Value(&'a Value),
    ArrayOfTables(&'a toml_edit::ArrayOfTables),
}

impl<'a> Node<'a> {
    fn from_item(item: &'a Item) -> Option<Node<'a>> {
        match item {
            Item::Table(t) => Some(Node::Table(t)),
            Item::Value(v) => Some(Node::Value(v)),
            Item::ArrayOfTables(a) => Some(Node::ArrayOfTables(a)),
            Item::None => None,
        }
    }

    /// The child named `segment`, with the span to report for it (the key where there is one).
    fn child(self, segment: &str) -> Option<(Option<Range<usize>>, Node<'a>)> {
        let index = segment.parse::<usize>().ok();
        match self {
            Node::Table(t) => {
                let item = t.get(segment)?;
                let span = t
                    .key(segment)
                    .and_then(|k| k.span())
                    .or_else(|| item.span());
                Some((span, Node::from_item(item)?))
            }
            Node::ArrayOfTables(a) => {
                let t = a.get(index?)?;
                Some((t.span(), Node::Table(t)))
            }
            Node::Value(Value::InlineTable(t)) => {
                let v = t.get(segment)?;
                let span = t.key(segment).and_then(|k| k.span()).or_else(|| v.span());
                Some((span, Node::Value(v)))
            }
            Node::Value(Value::Array(a)) => {
                let v = a.get(index?)?;
                Some((v.span(), Node::Value(v)))
            }
            Node::Value(_) => None,
        }
    }
}

/// The 1-based line of the deepest part of `path` (dotted, indices as numbers) found in `text`.
/// A missing field points at the table that should hold it.
pub fn line_of(text: &str, path: &str) -> Option<usize> {
    if Document::parse(text).is_err() {
        return plain_line_of(text, path);
    }
    span_of(text, path).map(|span| line_at(text, span.start))
}

/// The byte span of the deepest part of `path` found in `text`: its key, through its value
/// when the whole path is found (`warmup_s = 30`). A missing field gives its table's span.
pub fn span_of(text: &str, path: &str) -> Option<Range<usize>> {
    let doc = Document::parse(text).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut best = None;
    let mut whole = true;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let Some((span, next)) = node.child(segment) else {
            whole = false;
            break;
        };
        if let Some(span) = span {
            best = Some(span);
        }
        node = next;
    }
    let value = match node {
        Node::Value(v) if whole => v.span(),
        _ => None,
    };
    match (best, value) {
        (Some(key), Some(v))
            if v.start >= key.start && line_at(text, v.start) == line_at(text, key.start) =>
        {
            Some(key.start..v.end)
        }
        (best, _) => best,
    }
}

/// The line of `key = ...` under `[table]`, for text that `toml_edit` cannot parse but the
/// scenario parser can (an integer past `i64::MAX`, such as a seed of 2^63, which is then
/// refused by its field): a plain scan, for two-part paths only.
fn plain_line_of(text: &str, path: &str) -> Option<usize> {
    let (table, key) = path.split_once('.')?;
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
        } else if inside
            && line
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(i + 1);
        }
    }
    None
}

/// The 1-based line holding byte `offset` of `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[simulation]\nname = \"x\"\nduration_s = 10\n\n[[traffic]]\nname = \"a\"\n\n[[traffic]]\nname = \"b\"\nrate_rps = -1\n\n[target_groups.bags]\napp = { workers = 2,\n  service = { dist = \"constant\", ms = 1 } }\n";

    #[test]
    fn finds_lines_of_nested_fields() {
        assert_eq!(line_of(DOC, "simulation.duration_s"), Some(3));
        assert_eq!(line_of(DOC, "traffic.1.rate_rps"), Some(10));
        assert_eq!(line_of(DOC, "traffic.0.name"), Some(6));
        assert_eq!(line_of(DOC, "target_groups.bags.app.workers"), Some(13));
        assert_eq!(line_of(DOC, "target_groups.bags.app.service.ms"), Some(14));
        // A missing field points at its table.
        assert_eq!(line_of(DOC, "traffic.0.rate_rps"), Some(5));
        assert_eq!(line_of(DOC, "nothing.here"), None);
    }

    #[test]
    fn finds_a_plain_key_in_text_toml_edit_refuses() {
        let text = "[simulation]\nname = \"x\"\nseed = 9223372036854775808\n\n[x]\nseed = 1\n";
        assert_eq!(line_of(text, "simulation.seed"), Some(3));
        assert_eq!(line_of(text, "simulation.other"), None);
    }
}

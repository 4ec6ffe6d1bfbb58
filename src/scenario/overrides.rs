//! `--set KEY=VALUE`: overrides one field by its dotted path (`traffic.0.rate_rps=800`), the
//! value in TOML syntax. Applied to the document before it is parsed, so an override is checked
//! exactly like a value written in the file (unknown fields, types, ranges).

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::error::ScenarioError;

/// Tables whose keys are user-chosen names: `--set` may change entries of these but never
/// create one, so a typo in a name is an error rather than a new, half-specified entry.
const NAMED_MAPS: &[&str] = &["target_groups", "load_balancers"];

/// One parsed `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path, e.g. `target_groups.bags.targets`.
    pub path: String,
    /// The value as written.
    pub value: String,
}

impl Override {
    /// Parses `KEY=VALUE`.
    pub fn parse(arg: &str) -> Result<Override, ScenarioError> {
        let (path, value) = arg.split_once('=').ok_or_else(|| {
            ScenarioError::at("", format!("--set expects KEY=VALUE, got `{arg}`"))
        })?;
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(ScenarioError::at(
                path,
                format!("--set {arg}: the key is not a dotted path"),
            ));
        }
        Ok(Override {
            path: path.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// How errors refer to this override.
    pub fn origin(&self) -> String {
        format!("--set {}={}", self.path, self.value)
    }
}

/// A mutable place in the document that a path can step through.
enum Place<'a> {
    Table(&'a mut Table),
    Inline(&'a mut InlineTable),
    Array(&'a mut Array),
    Tables(&'a mut ArrayOfTables),
    Leaf,
}

impl<'a> Place<'a> {
    fn of_item(item: &'a mut Item) -> Place<'a> {
        match item {
            Item::Table(t) => Place::Table(t),
            Item::ArrayOfTables(a) => Place::Tables(a),
            Item::Value(v) => Place::of_value(v),
            Item::None => Place::Leaf,
        }
    }

    fn of_value(value: &'a mut Value) -> Place<'a> {
        match value {
            Value::InlineTable(t) => Place::Inline(t),
            Value::Array(a) => Place::Array(a),
            _ => Place::Leaf,
        }
    }

    /// Steps into `seg`, creating a missing table unless `may_create` is false.
    fn child(self, seg: &str, so_far: &str, may_create: bool) -> Result<Place<'a>, String> {
        let missing = || format!("there is no `{seg}` in `{so_far}`");
        match self {
            Place::Table(t) => {
                if !t.contains_key(seg) {
                    if !may_create {
                        // A named entry: list the names there are, since a typo is likely.
                        let names: Vec<String> = t.iter().map(|(k, _)| format!("`{k}`")).collect();
                        let defined = if names.is_empty() {
                            "none is defined".to_string()
                        } else {
                            format!("defined: {}", names.join(", "))
                        };
                        return Err(format!(
                            "{} ({defined}); --set changes entries but does not create them",
                            missing()
                        ));
                    }
                    let mut new = Table::new();
                    new.set_implicit(true);
                    t.insert(seg, Item::Table(new));
                }
                Ok(Place::of_item(t.get_mut(seg).expect("ensured above")))
            }
            Place::Inline(t) => {
                if !t.contains_key(seg) {
                    if !may_create {
                        return Err(missing());
                    }
                    t.insert(seg, Value::InlineTable(InlineTable::new()));
                }
                Ok(Place::of_value(t.get_mut(seg).expect("ensured above")))
            }
            Place::Array(a) => {
                let i = index(seg, so_far, a.len())?;
                Ok(Place::of_value(a.get_mut(i).expect("index checked")))
            }
            Place::Tables(a) => {
                let i = index(seg, so_far, a.len())?;
                Ok(Place::Table(a.get_mut(i).expect("index checked")))
            }
            Place::Leaf => Err(format!("`{so_far}` is a single value, not a table")),
        }
    }

    /// Sets `seg` to `value`.
    fn set(self, seg: &str, so_far: &str, value: Value) -> Result<(), String> {
        match self {
            Place::Table(t) => {
                t.insert(seg, Item::Value(value));
            }
            Place::Inline(t) => {
                t.insert(seg, value);
            }
            Place::Array(a) => {
                let i = index(seg, so_far, a.len())?;
                *a.get_mut(i).expect("index checked") = value;
            }
            Place::Tables(_) => {
                return Err(format!(
                    "`{so_far}.{seg}` is a whole table; set one of its fields"
                ));
            }
            Place::Leaf => return Err(format!("`{so_far}` is a single value, not a table")),
        }
        Ok(())
    }
}

/// Applies `ov` to `doc`. Intermediate tables are created where missing (`health_check` of a
/// group that had none), except entries of named maps and array elements, which must exist.
pub fn apply(doc: &mut DocumentMut, ov: &Override) -> Result<(), ScenarioError> {
    let segments: Vec<&str> = ov.path.split('.').collect();
    let (last, parents) = segments.split_last().expect("parse rejects empty paths");
    let mut place = Place::Table(doc.as_table_mut());
    let result = (|| {
        for (depth, seg) in parents.iter().enumerate() {
            let so_far = segments[..depth].join(".");
            let may_create = !NAMED_MAPS.contains(&so_far.as_str());
            place = place.child(seg, &so_far, may_create)?;
        }
        place.set(last, &parents.join("."), parse_value(&ov.value))
    })();
    result.map_err(|msg| {
        let mut e = ScenarioError::at(ov.path.clone(), msg);
        e.origin = Some(ov.origin());
        e
    })
}

fn index(seg: &str, so_far: &str, len: usize) -> Result<usize, String> {
    let range = match len {
        0 => format!("`{so_far}` is empty"),
        1 => format!("`{so_far}` has 1 entry (index 0)"),
        n => format!("`{so_far}` has {n} entries (indices 0 to {})", n - 1),
    };
    let i: usize = seg.parse().map_err(|_| {
        format!("`{so_far}` is a list, so the next part must be an index, not `{seg}`; {range}")
    })?;
    if i >= len {
        return Err(format!("index {i} is out of range: {range}"));
    }
    Ok(i)
}

impl Override {
    /// The value as the scenario reads it, typed for JSON: `6` a number, `true` a boolean,
    /// `"round_robin"` or a bare word a string, `[1, 2]` an array (what `sweep.json`,
    /// `compare.json` and the CSVs write, so pandas and jq see numbers as numbers).
    pub fn typed(&self) -> serde_json::Value {
        toml::from_str::<toml::Table>(&format!("v = {}", self.value))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .and_then(|v| serde_json::to_value(v).ok())
            .unwrap_or_else(|| serde_json::Value::String(self.value.clone()))
    }

    /// [`Override::typed`] as a CSV cell: a string without its quotes, anything else as JSON
    /// text (`6`, `0.5`, `true`).
    pub fn cell(&self) -> String {
        match self.typed() {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// Parses a value in TOML syntax; a bare word that is not valid TOML is taken as a string, so
/// `--set simulation.name=peak` works without shell-quoted quotes.
fn parse_value(raw: &str) -> Value {
    raw.parse::<Value>()
        .unwrap_or_else(|_| Value::from(raw.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[simulation]\nname = \"x\"\nduration_s = 10\n\n[[traffic]]\nname = \"a\"\nrate_rps = 5\n\n[target_groups.bags]\ntargets = 2\napp = { workers = 2, service = { dist = \"constant\", ms = 1 } }\n";

    fn set(arg: &str) -> Result<String, ScenarioError> {
        let mut doc: DocumentMut = DOC.parse().unwrap();
        apply(&mut doc, &Override::parse(arg)?)?;
        Ok(doc.to_string())
    }

    #[test]
    fn sets_fields_by_dotted_path() {
        assert!(
            set("traffic.0.rate_rps=800")
                .unwrap()
                .contains("rate_rps = 800")
        );
        assert!(
            set("target_groups.bags.targets=6")
                .unwrap()
                .contains("targets = 6")
        );
        assert!(
            set("target_groups.bags.app.workers=8")
                .unwrap()
                .contains("workers = 8")
        );
        assert!(
            set("target_groups.bags.app.service.ms=3")
                .unwrap()
                .contains("ms = 3")
        );
        assert!(
            set("simulation.warmup_s=5")
                .unwrap()
                .contains("warmup_s = 5")
        );
        assert!(
            set("simulation.name=peak")
                .unwrap()
                .contains("name = \"peak\"")
        );
    }

    #[test]
    fn values_are_typed_for_json() {
        let o = |v: &str| Override {
            path: "k".into(),
            value: v.into(),
        };
        assert_eq!(o("6").typed(), serde_json::json!(6));
        assert_eq!(o("0.5").typed(), serde_json::json!(0.5));
        assert_eq!(o("true").typed(), serde_json::json!(true));
        assert_eq!(o("\"random\"").typed(), serde_json::json!("random"));
        assert_eq!(o("random").typed(), serde_json::json!("random"));
        assert_eq!(o("[1, 2]").typed(), serde_json::json!([1, 2]));
        assert_eq!(o("\"random\"").cell(), "random");
        assert_eq!(o("true").cell(), "true");
    }

    #[test]
    fn rejects_paths_that_cannot_exist() {
        let e = set("traffic.3.rate_rps=1").unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
        assert_eq!(e.origin.as_deref(), Some("--set traffic.3.rate_rps=1"));
        let e = set("target_groups.nope.targets=1").unwrap_err();
        assert!(e.message.contains("no `nope`"), "{e}");
        assert!(set("simulation.name.x=1").is_err());
        assert!(Override::parse("novalue").is_err());
    }
}

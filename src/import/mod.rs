//! `simroute import KIND PATH`: infrastructure code to a scenario.
//!
//! Each reader (`cloudformation`, `openapi`, `terraform`) turns its input into the one shared
//! model of [`infra`]; [`emit`] writes that model as scenario TOML with a comment on every
//! value naming the resource it came from, and `# ASSUMED:` on every value the code does not
//! say (traffic, latencies, the app's workers), all of them also listed in the header.

mod cloudformation;
mod emit;
mod infra;
mod openapi;
mod terraform;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

/// `simroute import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// What the input is.
    #[arg(value_enum)]
    kind: Kind,
    /// The template or OpenAPI file (YAML or JSON), or a Terraform directory or
    /// `terraform show -json` plan file.
    path: PathBuf,
    /// Write the scenario to this file [default: stdout].
    #[arg(long)]
    out: Option<PathBuf>,
    /// A CloudFormation parameter, OpenAPI stage variable or Terraform variable: K=V; repeat.
    #[arg(long = "parameter", visible_alias = "var", value_name = "K=V")]
    parameters: Vec<String>,
}

/// Runs `simroute import`: the scenario on stdout (or `--out`), the assumed values and what was
/// not imported on stderr. A scenario that does not validate is an error (exit 2), never written.
pub fn run(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let params = parse_settings(&args.parameters, "--parameter")?;
    let out = import(args.kind, &args.path, &params)?;
    crate::scenario::load_str(&out.toml, Path::new("."), &[]).map_err(|e| {
        anyhow::anyhow!("the imported scenario does not validate (an importer bug): {e}")
    })?;
    for a in &out.assumed {
        eprintln!("assumed: {a}");
    }
    for u in &out.not_imported {
        eprintln!("not imported: {u}");
    }
    match &args.out {
        Some(file) => {
            std::fs::write(file, &out.toml)
                .with_context(|| format!("writing {}", file.display()))?;
            eprintln!(
                "wrote {} ({} assumed values to replace)",
                file.display(),
                out.assumed.len()
            );
        }
        None => print!("{}", out.toml),
    }
    Ok(ExitCode::SUCCESS)
}

/// The kinds of input `simroute import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A CloudFormation template (YAML or JSON; `cdk synth` output, SAM templates).
    Cloudformation,
    /// An OpenAPI 3 definition with API Gateway's extensions.
    Openapi,
    /// A directory of Terraform `.tf` files, or a `terraform show -json` plan.
    Terraform,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Cloudformation => "cloudformation",
            Kind::Openapi => "openapi",
            Kind::Terraform => "terraform",
        }
    }
}

/// Input that cannot be read: the file, the line and the resource, when known.
#[derive(Debug)]
pub struct ImportError {
    /// The file.
    pub file: PathBuf,
    /// Its 1-based line.
    pub line: Option<usize>,
    /// The resource (`AWS::ECS::Service BagsService`, `aws_lb.storage`).
    pub resource: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(r) = &self.resource {
            write!(f, ": {r}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

impl ImportError {
    fn new(file: &Path, line: Option<usize>, resource: Option<String>, message: String) -> Self {
        ImportError {
            file: file.to_path_buf(),
            line,
            resource,
            message,
        }
    }
}

/// A finished import.
#[derive(Debug)]
pub struct Imported {
    /// The scenario file's text.
    pub toml: String,
    /// Every assumed value, `key = value: why`.
    pub assumed: Vec<String>,
    /// What was not imported, and why.
    pub not_imported: Vec<String>,
}

/// Reads `path` as `kind` and writes the scenario; `params` are `--parameter`/`-var` settings.
pub fn import(
    kind: Kind,
    path: &Path,
    params: &[(String, String)],
) -> Result<Imported, ImportError> {
    let infra = match kind {
        Kind::Cloudformation => cloudformation::read(path, params)?,
        Kind::Openapi => openapi::read(path, params)?,
        Kind::Terraform => terraform::read(path, params)?,
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut name = emit::sanitize(&stem);
    if name.is_empty() || name.starts_with('.') {
        name = "imported".into();
    }
    let path_text = path.display().to_string();
    let out = emit::emit(
        &infra,
        &emit::Source {
            kind: kind.name(),
            path: &path_text,
            name: &name,
        },
    );
    Ok(Imported {
        toml: out.toml,
        assumed: out.assumed,
        not_imported: out.not_imported,
    })
}

/// Parses YAML (with CloudFormation's short tags turned into their long forms) or JSON; the
/// error carries the line.
fn parse_document(text: &str) -> Result<Value, (Option<usize>, String)> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text)
            .map_err(|e| (Some(e.line()), format!("not valid JSON: {e}")));
    }
    let yaml: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        (
            e.location().map(|l| l.line()),
            format!("not valid YAML: {e}"),
        )
    })?;
    Ok(yaml_to_json(yaml))
}

/// YAML to JSON; `!Ref x` becomes `{"Ref": x}`, `!GetAtt a.b` `{"Fn::GetAtt": [a, b]}`, any
/// other `!Name v` `{"Fn::Name": v}` (and `!Condition c` `{"Condition": c}`).
fn yaml_to_json(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(num) => {
            if let Some(i) = num.as_i64() {
                Value::from(i)
            } else if let Some(u) = num.as_u64() {
                Value::from(u)
            } else {
                num.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(seq) => Value::Array(seq.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_norway::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let inner = yaml_to_json(t.value);
            let (key, inner) = match name.as_str() {
                "Ref" => ("Ref".to_string(), inner),
                "Condition" => ("Condition".to_string(), inner),
                "GetAtt" => match inner {
                    Value::String(s) => {
                        let (res, attr) = s.split_once('.').unwrap_or((&s, ""));
                        (
                            "Fn::GetAtt".to_string(),
                            Value::Array(vec![Value::from(res), Value::from(attr)]),
                        )
                    }
                    other => ("Fn::GetAtt".to_string(), other),
                },
                other => (format!("Fn::{other}"), inner),
            };
            let mut m = serde_json::Map::new();
            m.insert(key, inner);
            Value::Object(m)
        }
    }
}

/// The line of the first `key:` (YAML) or `"key":` (JSON) at or after line `from` (0-based), as
/// a 1-based line number.
fn line_of_key(text: &str, key: &str, from: usize) -> Option<usize> {
    let yaml = format!("{key}:");
    let json = format!("\"{key}\"");
    text.lines()
        .enumerate()
        .skip(from)
        .find(|(_, l)| {
            let t = l.trim_start();
            t.starts_with(&yaml) || t.starts_with(&json) || t.starts_with(&format!("'{key}':"))
        })
        .map(|(i, _)| i + 1)
}

/// Typed access to a resource's (resolved) properties; errors name the property.
#[derive(Clone, Copy)]
struct Props<'a> {
    map: Option<&'a serde_json::Map<String, Value>>,
    /// The dotted path of this object, for error messages.
    at: &'a str,
}

impl<'a> Props<'a> {
    fn of(v: &'a Value, at: &'a str) -> Props<'a> {
        Props {
            map: v.as_object(),
            at,
        }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    fn name(&self, key: &str) -> String {
        if self.at.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    /// A string (numbers and booleans are written as text).
    fn str(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => scalar_text(v)
                .map(Some)
                .ok_or_else(|| format!("`{}` must be a string (got {v})", self.name(key))),
        }
    }

    /// A number (or a string holding one, as CloudFormation parameters and attributes are).
    fn num(&self, key: &str) -> Result<Option<f64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| format!("`{}` must be a number (got {s:?})", self.name(key))),
            Some(v) => Err(format!("`{}` must be a number (got {v})", self.name(key))),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(format!(
                "`{}` must be true or false (got {v})",
                self.name(key)
            )),
        }
    }

    /// A list (missing: empty; a single object: a list of one, as Terraform blocks are lists).
    fn list(&self, key: &str) -> Result<Vec<&'a Value>, String> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.iter().collect()),
            Some(v @ Value::Object(_)) => Ok(vec![v]),
            // A reference whose value cannot be known offline (a remote module's output).
            // (one element standing for them all).
            Some(v @ Value::String(s)) if s.contains('⟨') => Ok(vec![v]),
            Some(v) => Err(format!("`{}` must be a list (got {v})", self.name(key))),
        }
    }

    /// A nested object (Terraform's single blocks are lists of one: their first element).
    fn obj(&self, key: &str) -> Result<Option<&'a Value>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(Value::Array(a)) if a.is_empty() => Ok(None),
            Some(Value::Array(a)) if a[0].is_object() => Ok(Some(&a[0])),
            Some(v) => Err(format!("`{}` must be an object (got {v})", self.name(key))),
        }
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| match v {
            Value::Array(a) => !a.is_empty(),
            _ => true,
        })
    }
}

/// A scalar as text.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `K=V` settings from the command line.
pub fn parse_settings(items: &[String], flag: &str) -> anyhow::Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| anyhow::anyhow!("{flag} {s}: expected KEY=VALUE"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_long_forms() {
        let v = parse_document("A: !Ref B\nC: !GetAtt D.DNSName\nE: !Sub 'x${F}'\n").unwrap();
        assert_eq!(v["A"], serde_json::json!({"Ref": "B"}));
        assert_eq!(v["C"], serde_json::json!({"Fn::GetAtt": ["D", "DNSName"]}));
        assert_eq!(v["E"], serde_json::json!({"Fn::Sub": "x${F}"}));
    }

    #[test]
    fn parse_errors_carry_the_line() {
        let (line, msg) = parse_document("A: 1\nB: [1, 2\nC: 3\n").unwrap_err();
        assert!(line.is_some(), "{msg}");
        let (line, _) = parse_document("{\n\"a\": 1,\n}\n").unwrap_err();
        assert_eq!(line, Some(3));
    }

    #[test]
    fn keys_are_found_by_line() {
        let text = "Resources:\n  Api:\n    Type: x\n  Nlb:\n    Type: y\n";
        assert_eq!(line_of_key(text, "Nlb", 0), Some(4));
        assert_eq!(line_of_key(text, "Missing", 0), None);
    }
}

//! The template's parameters, conditions and mappings, and evaluating intrinsic values against
//! them: `Ref`, `Fn::GetAtt`, conditions and `Fn::Sub` (the other functions are in
//! `functions.rs`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::super::infra::*;
use super::super::scalar_text;

/// The template's parameters, conditions and mappings, to evaluate intrinsic functions.
pub(super) struct Template<'a> {
    pub(super) params: BTreeMap<String, Result<Value, String>>,
    pub(super) conditions: Option<&'a Map<String, Value>>,
    pub(super) mappings: Option<&'a Map<String, Value>>,
    pub(super) resources: Vec<String>,
    pub(super) stack: String,
}

const INTRINSICS: &[&str] = &[
    "Ref",
    "Condition",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::If",
    "Fn::Select",
    "Fn::FindInMap",
    "Fn::Split",
    "Fn::GetAZs",
    "Fn::ImportValue",
    "Fn::Base64",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::Cidr",
    "Fn::Length",
    "Fn::ToJsonString",
    "Fn::Transform",
];

/// A value as text: a list joined with commas.
pub(super) fn text_of(v: &Value) -> Result<String, String> {
    match v {
        Value::Array(a) => Ok(a
            .iter()
            .map(text_of)
            .collect::<Result<Vec<_>, _>>()?
            .join(",")),
        other => scalar_text(other).ok_or_else(|| format!("expected text, got {other}")),
    }
}

impl Template<'_> {
    /// A pseudo parameter, with fixed stand-ins (Region `us-east-1`, a dummy account).
    fn pseudo(&self, name: &str) -> Option<Value> {
        Some(match name {
            "AWS::Region" => Value::from("us-east-1"),
            "AWS::AccountId" => Value::from("123456789012"),
            "AWS::Partition" => Value::from("aws"),
            "AWS::URLSuffix" => Value::from("amazonaws.com"),
            "AWS::StackName" => Value::from(self.stack.clone()),
            "AWS::StackId" => Value::from(format!("stack/{}", self.stack)),
            "AWS::NotificationARNs" => Value::Array(Vec::new()),
            _ => return None,
        })
    }

    /// `Ref name`: `None` for `AWS::NoValue`.
    pub(super) fn reference(&self, name: &str) -> Result<Option<Value>, String> {
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(p) = self.params.get(name) {
            return p.clone().map(Some);
        }
        if let Some(v) = self.pseudo(name) {
            return Ok(Some(v));
        }
        if self.resources.iter().any(|r| r == name) {
            return Ok(Some(Value::from(marker(name, None))));
        }
        Err(format!(
            "`Ref {name}` names no parameter or resource of the template"
        ))
    }

    /// `Fn::GetAtt res.attr`: a marker.
    pub(super) fn get_att(&self, res: &str, attr: &str) -> Result<Value, String> {
        if self.resources.iter().any(|r| r == res) {
            Ok(Value::from(marker(res, Some(attr))))
        } else {
            Err(format!(
                "`Fn::GetAtt {res}.{attr}` names no resource of the template"
            ))
        }
    }

    /// The named condition's value.
    pub(super) fn condition(&self, name: &str, depth: usize) -> Result<bool, String> {
        let c = self
            .conditions
            .and_then(|c| c.get(name))
            .ok_or_else(|| format!("condition `{name}` is not defined"))?;
        self.truth(c, depth + 1)
    }

    /// A condition (a `Condition` reference or a function) as true or false.
    pub(super) fn truth(&self, v: &Value, depth: usize) -> Result<bool, String> {
        if depth > 32 {
            return Err("conditions nest too deep (a cycle?)".into());
        }
        if let Some(name) = v.get("Condition").and_then(Value::as_str) {
            return self.condition(name, depth);
        }
        match self.resolve(v, depth + 1)? {
            Some(Value::Bool(b)) => Ok(b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(format!("a condition must be true or false, got {other:?}")),
        }
    }

    /// Evaluates the intrinsic functions in `v`; `None` is `AWS::NoValue`.
    pub(super) fn resolve(&self, v: &Value, depth: usize) -> Result<Option<Value>, String> {
        if depth > 64 {
            return Err("values nest too deep".into());
        }
        match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    if let Some(x) = self.resolve(i, depth + 1)? {
                        out.push(x);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(m)
                if m.len() == 1 && INTRINSICS.contains(&m.keys().next().unwrap().as_str()) =>
            {
                let (k, arg) = m.iter().next().expect("one key");
                self.function(k, arg, depth + 1)
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    if let Some(x) = self.resolve(x, depth + 1)? {
                        out.insert(k.clone(), x);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// A function's argument list, resolved, with at least `len` items.
    pub(super) fn arg_list(
        &self,
        f: &str,
        arg: &Value,
        len: usize,
        depth: usize,
    ) -> Result<Vec<Value>, String> {
        let Some(Value::Array(items)) = self.resolve_raw_list(arg, depth)? else {
            return Err(format!("`{f}` takes a list"));
        };
        if items.len() < len {
            return Err(format!("`{f}` takes {len} arguments, got {}", items.len()));
        }
        Ok(items)
    }

    fn resolve_raw_list(&self, arg: &Value, depth: usize) -> Result<Option<Value>, String> {
        match arg {
            Value::Array(_) => self.resolve(arg, depth + 1),
            _ => Ok(None),
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Res.Attr}` and `${!Literal}` in `template`.
    pub(super) fn sub(&self, template: &str, vars: &Map<String, Value>) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let end = after
                .find('}')
                .ok_or_else(|| format!("`Fn::Sub` {template:?}: unclosed ${{"))?;
            let name = after[..end].trim();
            let value = if let Some(v) = vars.get(name) {
                text_of(v)?
            } else if let Some((res, attr)) = name.split_once('.')
                && !name.starts_with("AWS::")
                && !self.params.contains_key(name)
            {
                text_of(&self.get_att(res, attr)?)?
            } else {
                match self.reference(name)? {
                    Some(v) => text_of(&v)?,
                    None => String::new(),
                }
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

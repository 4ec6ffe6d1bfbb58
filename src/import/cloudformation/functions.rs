//! The intrinsic functions: `Fn::GetAtt`, `Fn::Sub`, the list functions (`Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Cidr`, `Fn::Length`), the condition
//! functions (`Fn::If`, `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`) and the rest
//! (`Fn::GetAZs`, `Fn::ImportValue` with stand-in values).

use serde_json::{Map, Value};

use super::super::infra::*;
use super::template::{Template, text_of};

impl Template<'_> {
    /// Evaluates intrinsic function `f` on `arg`.
    pub(super) fn function(
        &self,
        f: &str,
        arg: &Value,
        depth: usize,
    ) -> Result<Option<Value>, String> {
        match f {
            "Ref" => {
                let name = arg.as_str().ok_or("`Ref` takes a name")?;
                self.reference(name)
            }
            "Condition" => {
                let name = arg.as_str().ok_or("`Condition` takes a name")?;
                Ok(Some(Value::Bool(self.condition(name, depth)?)))
            }
            "Fn::GetAtt" => self.get_att_function(arg, depth),
            "Fn::Sub" => self.sub_function(arg, depth),
            "Fn::Join" | "Fn::Select" | "Fn::Split" | "Fn::FindInMap" | "Fn::Cidr"
            | "Fn::Length" => self.list_function(f, arg, depth),
            "Fn::If" | "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                self.condition_function(f, arg, depth)
            }
            "Fn::GetAZs" => Ok(Some(Value::Array(
                ["us-east-1a", "us-east-1b", "us-east-1c"]
                    .map(Value::from)
                    .to_vec(),
            ))),
            "Fn::ImportValue" => {
                let name = match self.resolve(arg, depth)? {
                    Some(v) => text_of(&v)?,
                    None => String::new(),
                };
                Ok(Some(Value::from(marker(&format!("import:{name}"), None))))
            }
            "Fn::Base64" => self.resolve(arg, depth),
            "Fn::ToJsonString" => {
                let v = self.resolve(arg, depth)?.unwrap_or(Value::Null);
                Ok(Some(Value::from(v.to_string())))
            }
            _ => Err(format!(
                "`{f}` (a template macro) cannot be evaluated offline"
            )),
        }
    }

    /// `Fn::GetAtt`: `res.attr` or `[res, attr]`.
    fn get_att_function(&self, arg: &Value, depth: usize) -> Result<Option<Value>, String> {
        let (res, attr) = match arg {
            Value::String(s) => {
                let (r, a) = s.split_once('.').unwrap_or((s, ""));
                (r.to_string(), a.to_string())
            }
            Value::Array(a) if a.len() == 2 => {
                let r = a[0].as_str().ok_or("`Fn::GetAtt` takes a resource name")?;
                let at = match self.resolve(&a[1], depth)? {
                    Some(v) => text_of(&v)?,
                    None => String::new(),
                };
                (r.to_string(), at)
            }
            _ => return Err("`Fn::GetAtt` takes [resource, attribute]".into()),
        };
        self.get_att(&res, &attr).map(Some)
    }

    /// `Fn::Sub`: a string, or `[string, map of variables]`.
    fn sub_function(&self, arg: &Value, depth: usize) -> Result<Option<Value>, String> {
        let (template, vars) = match arg {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(a) if a.len() == 2 => {
                let t = a[0].as_str().ok_or("`Fn::Sub` takes a string")?.to_string();
                let vars = match self.resolve(&a[1], depth)? {
                    Some(Value::Object(m)) => m,
                    _ => return Err("`Fn::Sub`'s second argument must be a map".into()),
                };
                (t, vars)
            }
            _ => return Err("`Fn::Sub` takes a string or [string, map]".into()),
        };
        self.sub(&template, &vars).map(|s| Some(Value::from(s)))
    }

    /// The functions over lists and maps.
    fn list_function(&self, f: &str, arg: &Value, depth: usize) -> Result<Option<Value>, String> {
        match f {
            "Fn::Join" => {
                let a = self.arg_list(f, arg, 2, depth)?;
                let delim = text_of(&a[0])?;
                let parts = match &a[1] {
                    Value::Array(items) => {
                        items.iter().map(text_of).collect::<Result<Vec<_>, _>>()?
                    }
                    other => vec![text_of(other)?],
                };
                Ok(Some(Value::from(parts.join(&delim))))
            }
            "Fn::Select" => {
                let a = self.arg_list(f, arg, 2, depth)?;
                let i: usize = text_of(&a[0])?
                    .parse()
                    .map_err(|_| "`Fn::Select`'s index must be a whole number".to_string())?;
                let list = match &a[1] {
                    Value::Array(items) => items.clone(),
                    Value::String(s) => s.split(',').map(Value::from).collect(),
                    _ => return Err("`Fn::Select` takes a list".into()),
                };
                list.get(i)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| format!("`Fn::Select` index {i} is out of range"))
            }
            "Fn::Split" => {
                let a = self.arg_list(f, arg, 2, depth)?;
                let delim = text_of(&a[0])?;
                let s = text_of(&a[1])?;
                Ok(Some(Value::Array(
                    s.split(delim.as_str()).map(Value::from).collect(),
                )))
            }
            "Fn::FindInMap" => {
                let a = self.arg_list(f, arg, 3, depth)?;
                let (m, k1, k2) = (text_of(&a[0])?, text_of(&a[1])?, text_of(&a[2])?);
                self.mappings
                    .and_then(|ms| ms.get(&m))
                    .and_then(|x| x.get(&k1))
                    .and_then(|x| x.get(&k2))
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| format!("`Fn::FindInMap [{m}, {k1}, {k2}]` is not in Mappings"))
            }
            "Fn::Cidr" => {
                let a = self.arg_list(f, arg, 3, depth)?;
                let count: usize = text_of(&a[1])?.parse().unwrap_or(1);
                Ok(Some(Value::Array(
                    (0..count)
                        .map(|i| Value::from(format!("10.0.{i}.0/24")))
                        .collect(),
                )))
            }
            "Fn::Length" => match self.resolve(arg, depth)? {
                Some(Value::Array(a)) => Ok(Some(Value::from(a.len()))),
                _ => Err("`Fn::Length` takes a list".into()),
            },
            _ => unreachable!("{f} is not a list function"),
        }
    }

    /// The condition functions.
    fn condition_function(
        &self,
        f: &str,
        arg: &Value,
        depth: usize,
    ) -> Result<Option<Value>, String> {
        match f {
            "Fn::If" => {
                let Value::Array(a) = arg else {
                    return Err("`Fn::If` takes [condition, then, else]".into());
                };
                if a.len() != 3 {
                    return Err("`Fn::If` takes [condition, then, else]".into());
                }
                let name = a[0].as_str().ok_or("`Fn::If` takes a condition name")?;
                if self.condition(name, depth)? {
                    self.resolve(&a[1], depth)
                } else {
                    self.resolve(&a[2], depth)
                }
            }
            "Fn::Equals" => {
                let a = self.arg_list(f, arg, 2, depth)?;
                let eq = match (text_of(&a[0]), text_of(&a[1])) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => a[0] == a[1],
                };
                Ok(Some(Value::Bool(eq)))
            }
            "Fn::And" | "Fn::Or" => {
                let Value::Array(items) = arg else {
                    return Err(format!("`{f}` takes a list of conditions"));
                };
                let mut vals = Vec::new();
                for i in items {
                    vals.push(self.truth(i, depth)?);
                }
                Ok(Some(Value::Bool(if f == "Fn::And" {
                    vals.iter().all(|b| *b)
                } else {
                    vals.iter().any(|b| *b)
                })))
            }
            "Fn::Not" => {
                let Value::Array(items) = arg else {
                    return Err("`Fn::Not` takes [condition]".into());
                };
                let first = items.first().ok_or("`Fn::Not` takes [condition]")?;
                Ok(Some(Value::Bool(!self.truth(first, depth)?)))
            }
            _ => unreachable!("{f} is not a condition function"),
        }
    }
}

//! CloudFormation templates (YAML with the short intrinsic tags, or JSON; `cdk synth` output and
//! SAM templates too) into the shared model.
//!
//! Parameters take their `Default` unless `--parameter K=V` sets them; `Ref`, `Fn::GetAtt`,
//! `Fn::Sub`, `Fn::Join`, `Fn::If`, `Fn::Select`, `Fn::FindInMap`, `Fn::Split` and the
//! condition functions are evaluated; a reference to a resource becomes a marker (see
//! [`infra`](super::infra)) that the emitter follows.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::infra::*;
use super::{ImportError, Props, line_of_key, parse_document, scalar_text};

/// The template's parameters, conditions and mappings, to evaluate intrinsic functions.
struct Template<'a> {
    params: BTreeMap<String, Result<Value, String>>,
    conditions: Option<&'a Map<String, Value>>,
    mappings: Option<&'a Map<String, Value>>,
    resources: Vec<String>,
    stack: String,
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

fn text_of(v: &Value) -> Result<String, String> {
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
    fn reference(&self, name: &str) -> Result<Option<Value>, String> {
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

    fn get_att(&self, res: &str, attr: &str) -> Result<Value, String> {
        if self.resources.iter().any(|r| r == res) {
            Ok(Value::from(marker(res, Some(attr))))
        } else {
            Err(format!(
                "`Fn::GetAtt {res}.{attr}` names no resource of the template"
            ))
        }
    }

    fn condition(&self, name: &str, depth: usize) -> Result<bool, String> {
        let c = self
            .conditions
            .and_then(|c| c.get(name))
            .ok_or_else(|| format!("condition `{name}` is not defined"))?;
        self.truth(c, depth + 1)
    }

    fn truth(&self, v: &Value, depth: usize) -> Result<bool, String> {
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
    fn resolve(&self, v: &Value, depth: usize) -> Result<Option<Value>, String> {
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

    fn arg_list(
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

    fn function(&self, f: &str, arg: &Value, depth: usize) -> Result<Option<Value>, String> {
        match f {
            "Ref" => {
                let name = arg.as_str().ok_or("`Ref` takes a name")?;
                self.reference(name)
            }
            "Condition" => {
                let name = arg.as_str().ok_or("`Condition` takes a name")?;
                Ok(Some(Value::Bool(self.condition(name, depth)?)))
            }
            "Fn::GetAtt" => {
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
            "Fn::Sub" => {
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
            "Fn::ToJsonString" => {
                let v = self.resolve(arg, depth)?.unwrap_or(Value::Null);
                Ok(Some(Value::from(v.to_string())))
            }
            _ => Err(format!(
                "`{f}` (a template macro) cannot be evaluated offline"
            )),
        }
    }

    fn sub(&self, template: &str, vars: &Map<String, Value>) -> Result<String, String> {
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

/// Reads a template file.
pub fn read(path: &Path, overrides: &[(String, String)]) -> Result<Infra, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ImportError::new(path, None, None, format!("cannot read the template: {e}"))
    })?;
    let doc =
        parse_document(&text).map_err(|(line, msg)| ImportError::new(path, line, None, msg))?;
    let stack = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    read_template(&doc, &text, path, overrides, &stack)
}

fn read_template(
    doc: &Value,
    text: &str,
    path: &Path,
    overrides: &[(String, String)],
    stack: &str,
) -> Result<Infra, ImportError> {
    let err = |line: Option<usize>, resource: Option<String>, msg: String| {
        ImportError::new(path, line, resource, msg)
    };
    let resources = doc
        .get("Resources")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            err(
                None,
                None,
                "no `Resources` section: not a CloudFormation template".into(),
            )
        })?;
    let resources_line = line_of_key(text, "Resources", 0).unwrap_or(1) - 1;
    let mut params = BTreeMap::new();
    if let Some(ps) = doc.get("Parameters").and_then(Value::as_object) {
        for (name, p) in ps {
            let list = p
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("List<") || t == "CommaDelimitedList");
            let value = match overrides.iter().rev().find(|(k, _)| k == name) {
                Some((_, v)) => Ok(Value::from(v.clone())),
                None => p.get("Default").cloned().ok_or_else(|| {
                    format!("parameter `{name}` has no Default: give --parameter {name}=VALUE")
                }),
            };
            let value = value.map(|v| match (&v, list) {
                (Value::String(s), true) => {
                    Value::Array(s.split(',').map(|x| Value::from(x.trim())).collect())
                }
                _ => v,
            });
            params.insert(name.clone(), value);
        }
    }
    for (k, _) in overrides {
        if !params.contains_key(k) {
            return Err(err(
                None,
                None,
                format!("--parameter {k}: the template has no parameter `{k}`"),
            ));
        }
    }
    let tpl = Template {
        params,
        conditions: doc.get("Conditions").and_then(Value::as_object),
        mappings: doc.get("Mappings").and_then(Value::as_object),
        resources: resources.keys().cloned().collect(),
        stack: stack.to_string(),
    };
    let mut infra = Infra::default();
    for (id, res) in resources {
        let line = line_of_key(text, id, resources_line);
        let kind = res
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| err(line, Some(id.clone()), "the resource has no `Type`".into()))?;
        let named = format!("{kind} {id}");
        if let Some(c) = res.get("Condition").and_then(Value::as_str) {
            let on = tpl
                .condition(c, 0)
                .map_err(|m| err(line, Some(named.clone()), m))?;
            if !on {
                continue;
            }
        }
        let empty = Value::Object(Map::new());
        let props = tpl
            .resolve(res.get("Properties").unwrap_or(&empty), 0)
            .map_err(|m| err(line, Some(named.clone()), m))?
            .unwrap_or(empty);
        let prov = Prov::new(kind, id);
        map_resource(&mut infra, id, kind, &props, prov)
            .map_err(|m| err(line, Some(named.clone()), m))?;
    }
    Ok(infra)
}

/// An ELB action: the first of forward, fixed-response and redirect.
fn action(actions: &[&Value], at: &str) -> Result<Option<Action>, String> {
    let mut other = None;
    for a in actions {
        let p = Props::of(a, at);
        let ty = p.str("Type")?.unwrap_or_default();
        match ty.as_str() {
            "forward" => {
                if let Some(tg) = p.str("TargetGroupArn")? {
                    return Ok(Some(Action::Forward(tg)));
                }
                if let Some(fc) = p.obj("ForwardConfig")? {
                    let fc = Props::of(fc, "ForwardConfig");
                    if let Some(first) = fc.list("TargetGroups")?.first() {
                        let tg = Props::of(first, "TargetGroups")
                            .str("TargetGroupArn")?
                            .unwrap_or_default();
                        return Ok(Some(Action::Forward(tg)));
                    }
                }
            }
            "fixed-response" => {
                let code = p
                    .obj("FixedResponseConfig")?
                    .map(|c| Props::of(c, "FixedResponseConfig").num("StatusCode"))
                    .transpose()?
                    .flatten()
                    .ok_or("a fixed-response action needs FixedResponseConfig.StatusCode")?;
                return Ok(Some(Action::Fixed(code as u16)));
            }
            "redirect" => {
                let code = p
                    .obj("RedirectConfig")?
                    .map(|c| Props::of(c, "RedirectConfig").str("StatusCode"))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default();
                let status = if code.ends_with("302") { 302 } else { 301 };
                return Ok(Some(Action::Redirect(status)));
            }
            other_ty => other = Some(Action::Other(other_ty.to_string())),
        }
    }
    Ok(other)
}

fn attributes(list: &[&Value]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in list {
        let p = Props::of(a, "Attributes");
        if let (Some(k), Some(v)) = (p.str("Key")?, p.str("Value")?) {
            out.insert(k, v);
        }
    }
    Ok(out)
}

fn num_attr(attrs: &BTreeMap<String, String>, key: &str) -> Result<Option<f64>, String> {
    attrs
        .get(key)
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("attribute `{key}` must be a number (got {v:?})"))
        })
        .transpose()
}

fn route_auth(kind: Option<String>, authorizer: Option<String>) -> RouteAuth {
    match (kind.as_deref(), authorizer) {
        (_, Some(a)) if kind.as_deref() != Some("NONE") => RouteAuth::Authorizer(a),
        (None | Some("NONE"), _) => RouteAuth::None,
        (Some(k), _) => RouteAuth::Type(k.to_string()),
    }
}

fn map_resource(
    infra: &mut Infra,
    id: &str,
    kind: &str,
    props: &Value,
    prov: Prov,
) -> Result<(), String> {
    let p = Props::of(props, "");
    let id = id.to_string();
    match kind {
        "AWS::ApiGatewayV2::Api" => {
            let proto = p.str("ProtocolType")?.unwrap_or_else(|| "HTTP".into());
            if proto != "HTTP" {
                infra
                    .unsupported
                    .push((prov, format!("{proto} APIs are not modelled")));
                return Ok(());
            }
            infra.apis.push(Api {
                id: id.clone(),
                prov: prov.clone(),
                kind: ApiKind::Http,
            });
            if let Some(body) = p.get("Body") {
                super::openapi::read_document(body, &id, &prov, infra)?;
            }
            if p.has("BodyS3Location") {
                infra.unsupported.push((
                    prov,
                    "BodyS3Location: the OpenAPI body in S3 cannot be read offline".into(),
                ));
            }
        }
        "AWS::ApiGateway::RestApi" => {
            infra.apis.push(Api {
                id: id.clone(),
                prov: prov.clone(),
                kind: ApiKind::Rest,
            });
            if let Some(body) = p.get("Body") {
                super::openapi::read_document(body, &id, &prov, infra)?;
            }
            if p.has("BodyS3Location") {
                infra.unsupported.push((
                    prov,
                    "BodyS3Location: the OpenAPI body in S3 cannot be read offline".into(),
                ));
            }
        }
        "AWS::Serverless::HttpApi" | "AWS::Serverless::Api" => {
            let api_kind = if kind == "AWS::Serverless::HttpApi" {
                ApiKind::Http
            } else {
                ApiKind::Rest
            };
            infra.apis.push(Api {
                id: id.clone(),
                prov: prov.clone(),
                kind: api_kind,
            });
            match p.get("DefinitionBody") {
                Some(body) => {
                    super::openapi::read_document(body, &id, &prov, infra)?;
                }
                None => infra.unsupported.push((
                    prov,
                    "only a DefinitionBody (inline OpenAPI) is read; SAM's implicit APIs from function events are not".into(),
                )),
            }
        }
        "AWS::ApiGatewayV2::Route" => {
            let key = p.str("RouteKey")?.ok_or("a route needs a RouteKey")?;
            let (method, path) = match key.split_once(' ') {
                Some((m, path)) => (m.to_string(), path.to_string()),
                None => (String::new(), key.clone()),
            };
            infra.routes.push(Route {
                prov,
                api: p.str("ApiId")?.unwrap_or_default(),
                method,
                path,
                resource: None,
                auth: route_auth(p.str("AuthorizationType")?, p.str("AuthorizerId")?),
                integration: p.str("Target")?,
            });
        }
        "AWS::ApiGatewayV2::Integration" => {
            infra.integrations.push(Integration {
                id,
                prov,
                kind: p
                    .str("IntegrationType")?
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                uri: p.str("IntegrationUri")?.unwrap_or_default(),
                connection_type: p.str("ConnectionType")?.map(|c| c.to_ascii_uppercase()),
                connection_id: p.str("ConnectionId")?,
                timeout_ms: p.num("TimeoutInMillis")?,
                tls_server_name: p
                    .obj("TlsConfig")?
                    .map(|t| Props::of(t, "TlsConfig").str("ServerNameToVerify"))
                    .transpose()?
                    .flatten(),
            });
        }
        "AWS::ApiGatewayV2::Authorizer" => {
            let ty = p.str("AuthorizerType")?.unwrap_or_default();
            let kind = match ty.as_str() {
                "JWT" => AuthorizerKind::Jwt,
                _ => AuthorizerKind::Lambda,
            };
            infra.authorizers.push(Authorizer {
                id,
                prov,
                kind,
                ttl_s: p.num("AuthorizerResultTtlInSeconds")?,
            });
        }
        "AWS::ApiGateway::Authorizer" => {
            let ty = p.str("Type")?.unwrap_or_default();
            let kind = match ty.as_str() {
                "COGNITO_USER_POOLS" => AuthorizerKind::Cognito,
                _ => AuthorizerKind::Lambda,
            };
            infra.authorizers.push(Authorizer {
                id,
                prov,
                kind,
                ttl_s: p.num("AuthorizerResultTtlInSeconds")?,
            });
        }
        "AWS::ApiGatewayV2::Stage" => {
            let throttle = match p.obj("DefaultRouteSettings")? {
                Some(d) => {
                    let d = Props::of(d, "DefaultRouteSettings");
                    match (
                        d.num("ThrottlingRateLimit")?,
                        d.num("ThrottlingBurstLimit")?,
                    ) {
                        (Some(r), Some(b)) => Some((r, b)),
                        _ => None,
                    }
                }
                None => None,
            };
            infra.stages.push(Stage {
                prov,
                api: p.str("ApiId")?.unwrap_or_default(),
                variables: string_map(p.obj("StageVariables")?)?,
                throttle,
            });
        }
        "AWS::ApiGateway::Stage" => {
            let mut throttle = None;
            for ms in p.list("MethodSettings")? {
                let m = Props::of(ms, "MethodSettings");
                let all = m.str("HttpMethod")?.as_deref() == Some("*")
                    && m.str("ResourcePath")?.as_deref() == Some("/*");
                if all
                    && let (Some(r), Some(b)) = (
                        m.num("ThrottlingRateLimit")?,
                        m.num("ThrottlingBurstLimit")?,
                    )
                {
                    throttle = Some((r, b));
                }
            }
            infra.stages.push(Stage {
                prov,
                api: p.str("RestApiId")?.unwrap_or_default(),
                variables: string_map(p.obj("Variables")?)?,
                throttle,
            });
        }
        "AWS::ApiGatewayV2::VpcLink" => infra.vpc_links.push(VpcLink {
            id,
            targets: Vec::new(),
        }),
        "AWS::ApiGateway::VpcLink" => {
            let targets = p
                .list("TargetArns")?
                .iter()
                .filter_map(|v| scalar_text(v))
                .collect();
            infra.vpc_links.push(VpcLink { id, targets });
        }
        "AWS::ApiGateway::Resource" => infra.rest_resources.push(RestResource {
            id,
            parent: p.str("ParentId")?.unwrap_or_default(),
            path_part: p.str("PathPart")?.ok_or("a resource needs a PathPart")?,
        }),
        "AWS::ApiGateway::Method" => {
            let method = p.str("HttpMethod")?.ok_or("a method needs an HttpMethod")?;
            let integration = match p.obj("Integration")? {
                Some(i) => {
                    let ip = Props::of(i, "Integration");
                    let uri = ip.str("Uri")?.unwrap_or_default();
                    let tls_server_name = uri
                        .strip_prefix("https://")
                        .map(|r| r.split(['/', ':']).next().unwrap_or(r).to_string())
                        .filter(|h| !h.is_empty() && refs(h).is_empty());
                    let iid = format!("{id}/Integration");
                    infra.integrations.push(Integration {
                        id: iid.clone(),
                        prov: prov.clone(),
                        kind: ip.str("Type")?.unwrap_or_default().to_ascii_uppercase(),
                        uri,
                        connection_type: ip.str("ConnectionType")?.map(|c| c.to_ascii_uppercase()),
                        connection_id: ip.str("ConnectionId")?,
                        timeout_ms: ip.num("TimeoutInMillis")?,
                        tls_server_name,
                    });
                    Some(iid)
                }
                None => None,
            };
            infra.routes.push(Route {
                prov,
                api: p.str("RestApiId")?.unwrap_or_default(),
                method,
                path: String::new(),
                resource: Some(p.str("ResourceId")?.unwrap_or_default()),
                auth: route_auth(p.str("AuthorizationType")?, p.str("AuthorizerId")?),
                integration,
            });
        }
        "AWS::ApiGateway::UsagePlan" => {
            let throttle = match p.obj("Throttle")? {
                Some(t) => {
                    let t = Props::of(t, "Throttle");
                    match (t.num("RateLimit")?, t.num("BurstLimit")?) {
                        (Some(r), Some(b)) => Some((r, b)),
                        _ => None,
                    }
                }
                None => None,
            };
            let why = match throttle {
                Some((r, b)) => format!(
                    "usage plans (per-client throttles, here {r} req/s with a burst of {b}) are not modelled"
                ),
                None => "usage plans (per-client throttles and quotas) are not modelled".into(),
            };
            infra.unsupported.push((prov, why));
        }
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => {
            let ty = p.str("Type")?.unwrap_or_else(|| "application".into());
            let lb_kind = match ty.as_str() {
                "network" => LbKind::Nlb,
                "application" => LbKind::Alb,
                other => {
                    infra
                        .unsupported
                        .push((prov, format!("{other} load balancers are not modelled")));
                    return Ok(());
                }
            };
            let attrs = attributes(&p.list("LoadBalancerAttributes")?)?;
            infra.load_balancers.push(LoadBalancer {
                id,
                prov,
                kind: lb_kind,
                name: p.str("Name")?,
                idle_timeout_s: num_attr(&attrs, "idle_timeout.timeout_seconds")?,
                cross_zone: attrs
                    .get("load_balancing.cross_zone.enabled")
                    .map(|v| v == "true"),
            });
        }
        "AWS::ElasticLoadBalancingV2::Listener" => {
            let port = p.num("Port")?.ok_or("a listener needs a Port")?;
            infra.listeners.push(Listener {
                id,
                prov,
                lb: p.str("LoadBalancerArn")?.unwrap_or_default(),
                port: port as u16,
                port_assumed: false,
                protocol: p.str("Protocol")?.map(|x| x.to_ascii_uppercase()),
                default_action: action(&p.list("DefaultActions")?, "DefaultActions")?,
            });
        }
        "AWS::ElasticLoadBalancingV2::ListenerRule" => {
            let mut c = Conditions::default();
            for cond in p.list("Conditions")? {
                let cp = Props::of(cond, "Conditions");
                let field = cp.str("Field")?.unwrap_or_default();
                let values = |cfg: &str| -> Result<Vec<String>, String> {
                    let mut v: Vec<String> = cp
                        .list("Values")?
                        .iter()
                        .filter_map(|x| scalar_text(x))
                        .collect();
                    if let Some(o) = cp.obj(cfg)? {
                        v.extend(
                            Props::of(o, cfg)
                                .list("Values")?
                                .iter()
                                .filter_map(|x| scalar_text(x)),
                        );
                    }
                    Ok(v)
                };
                match field.as_str() {
                    "path-pattern" => c.path.extend(values("PathPatternConfig")?),
                    "host-header" => c.host.extend(values("HostHeaderConfig")?),
                    "http-request-method" => c.method.extend(values("HttpRequestMethodConfig")?),
                    "http-header" => {
                        if let Some(h) = cp.obj("HttpHeaderConfig")? {
                            let hp = Props::of(h, "HttpHeaderConfig");
                            let vals = hp
                                .list("Values")?
                                .iter()
                                .filter_map(|x| scalar_text(x))
                                .collect();
                            c.header = Some((hp.str("HttpHeaderName")?.unwrap_or_default(), vals));
                        }
                    }
                    "query-string" => {
                        if let Some(q) = cp.obj("QueryStringConfig")? {
                            let qv = Props::of(q, "QueryStringConfig").list("Values")?;
                            if let Some(first) = qv.first() {
                                let kv = Props::of(first, "Values");
                                c.query = Some((
                                    kv.str("Key")?.unwrap_or_else(|| "*".into()),
                                    kv.str("Value")?.unwrap_or_default(),
                                ));
                            }
                        }
                    }
                    other => c.other.push(other.to_string()),
                }
            }
            let act =
                action(&p.list("Actions")?, "Actions")?.ok_or("a listener rule needs an action")?;
            infra.rules.push(ListenerRule {
                prov,
                listener: p.str("ListenerArn")?.unwrap_or_default(),
                priority: p
                    .num("Priority")?
                    .ok_or("a listener rule needs a Priority")? as u32,
                conditions: c,
                action: act,
            });
        }
        "AWS::ElasticLoadBalancingV2::TargetGroup" => {
            let attrs = attributes(&p.list("TargetGroupAttributes")?)?;
            infra.target_groups.push(TargetGroup {
                id,
                prov,
                name: p.str("Name")?,
                protocol: p.str("Protocol")?.map(|x| x.to_ascii_uppercase()),
                health: HealthSpec {
                    protocol: p
                        .str("HealthCheckProtocol")?
                        .map(|x| x.to_ascii_uppercase()),
                    interval_s: p.num("HealthCheckIntervalSeconds")?,
                    timeout_s: p.num("HealthCheckTimeoutSeconds")?,
                    healthy: p.num("HealthyThresholdCount")?,
                    unhealthy: p.num("UnhealthyThresholdCount")?,
                },
                dereg_delay_s: num_attr(&attrs, "deregistration_delay.timeout_seconds")?,
                algorithm: attrs.get("load_balancing.algorithm.type").cloned(),
                anomaly_mitigation: attrs
                    .get("load_balancing.algorithm.anomaly_mitigation")
                    .map(|v| v == "on"),
                slow_start_s: num_attr(&attrs, "slow_start.duration_seconds")?,
                stickiness: attrs.get("stickiness.enabled").map(|v| v == "true"),
                connection_termination: attrs
                    .get("deregistration_delay.connection_termination.enabled")
                    .map(|v| v == "true"),
                cross_zone: attrs.get("load_balancing.cross_zone.enabled").cloned(),
            });
        }
        "AWS::ECS::Service" => {
            let dc = p
                .obj("DeploymentConfiguration")?
                .map(|d| Props::of(d, "DeploymentConfiguration"));
            let subnets = match p.obj("NetworkConfiguration")? {
                Some(nc) => {
                    match Props::of(nc, "NetworkConfiguration").obj("AwsvpcConfiguration")? {
                        Some(a) => Props::of(a, "AwsvpcConfiguration").list("Subnets")?.len(),
                        None => 0,
                    }
                }
                None => 0,
            };
            let mut tgs = Vec::new();
            for lb in p.list("LoadBalancers")? {
                if let Some(t) = Props::of(lb, "LoadBalancers").str("TargetGroupArn")? {
                    tgs.push(t);
                }
            }
            let mut regs = Vec::new();
            for r in p.list("ServiceRegistries")? {
                if let Some(a) = Props::of(r, "ServiceRegistries").str("RegistryArn")? {
                    regs.push(a);
                }
            }
            infra.services.push(Service {
                id,
                prov,
                name: p.str("ServiceName")?,
                desired: p.num("DesiredCount")?,
                min_healthy_percent: dc
                    .map(|d| d.num("MinimumHealthyPercent"))
                    .transpose()?
                    .flatten(),
                max_percent: dc.map(|d| d.num("MaximumPercent")).transpose()?.flatten(),
                grace_s: p.num("HealthCheckGracePeriodSeconds")?,
                task_definition: p.str("TaskDefinition")?,
                target_groups: tgs,
                registries: regs,
                subnets,
            });
        }
        "AWS::ECS::TaskDefinition" => {
            let mut containers = Vec::new();
            for c in p.list("ContainerDefinitions")? {
                let cp = Props::of(c, "ContainerDefinitions");
                let mut ports = Vec::new();
                for pm in cp.list("PortMappings")? {
                    if let Some(x) = Props::of(pm, "PortMappings").num("ContainerPort")? {
                        ports.push(x);
                    }
                }
                let health = match cp.obj("HealthCheck")? {
                    Some(h) => {
                        let hp = Props::of(h, "HealthCheck");
                        Some(ContainerHealth {
                            interval_s: hp.num("Interval")?,
                            timeout_s: hp.num("Timeout")?,
                            retries: hp.num("Retries")?,
                            start_period_s: hp.num("StartPeriod")?,
                        })
                    }
                    None => None,
                };
                containers.push(Container {
                    name: cp.str("Name")?.unwrap_or_default(),
                    image: cp.str("Image")?.unwrap_or_default(),
                    ports,
                    health,
                    stop_timeout_s: cp.num("StopTimeout")?,
                });
            }
            infra.task_definitions.push(TaskDefinition {
                id,
                prov,
                containers,
                cpu: p.str("Cpu")?,
                memory: p.str("Memory")?,
            });
        }
        "AWS::ServiceDiscovery::Service" => {
            let ttl = match p.obj("DnsConfig")? {
                Some(d) => Props::of(d, "DnsConfig")
                    .list("DnsRecords")?
                    .first()
                    .map(|r| Props::of(r, "DnsRecords").num("TTL"))
                    .transpose()?
                    .flatten(),
                None => None,
            };
            infra.discovery_services.push(DiscoveryService {
                id,
                prov,
                name: p.str("Name")?,
                ttl_s: ttl,
                custom_health: p.get("HealthCheckCustomConfig").is_some(),
                route53_health: p.has("HealthCheckConfig"),
            });
        }
        "AWS::ApplicationAutoScaling::ScalableTarget" => {
            let dim = p.str("ScalableDimension")?.unwrap_or_default();
            if dim != "ecs:service:DesiredCount" {
                infra.unsupported.push((
                    prov,
                    format!(
                        "scalable dimension {dim} is not modelled (only ecs:service:DesiredCount)"
                    ),
                ));
                return Ok(());
            }
            infra.scalable_targets.push(ScalableTarget {
                id,
                prov,
                resource_id: p.str("ResourceId")?.unwrap_or_default(),
                min: p.num("MinCapacity")?,
                max: p.num("MaxCapacity")?,
            });
        }
        "AWS::ApplicationAutoScaling::ScalingPolicy" => {
            let target = p
                .str("ScalingTargetId")?
                .or(p.str("ResourceId")?)
                .unwrap_or_default();
            let ty = p.str("PolicyType")?.unwrap_or_default();
            let (kind, sin, sout) = if ty == "TargetTrackingScaling" {
                let c = p
                    .obj("TargetTrackingScalingPolicyConfiguration")?
                    .ok_or("target tracking needs TargetTrackingScalingPolicyConfiguration")?;
                let c = Props::of(c, "TargetTrackingScalingPolicyConfiguration");
                let metric = match c.obj("PredefinedMetricSpecification")? {
                    Some(m) => Props::of(m, "PredefinedMetricSpecification")
                        .str("PredefinedMetricType")?
                        .unwrap_or_default(),
                    None => c
                        .obj("CustomizedMetricSpecification")?
                        .map(|m| Props::of(m, "CustomizedMetricSpecification").str("MetricName"))
                        .transpose()?
                        .flatten()
                        .unwrap_or_else(|| "a custom metric".into()),
                };
                (
                    PolicyKind::Target {
                        metric,
                        value: c
                            .num("TargetValue")?
                            .ok_or("target tracking needs a TargetValue")?,
                    },
                    c.num("ScaleInCooldown")?,
                    c.num("ScaleOutCooldown")?,
                )
            } else {
                let c = p
                    .obj("StepScalingPolicyConfiguration")?
                    .ok_or("step scaling needs StepScalingPolicyConfiguration")?;
                let c = Props::of(c, "StepScalingPolicyConfiguration");
                let mut steps = Vec::new();
                for s in c.list("StepAdjustments")? {
                    let sp = Props::of(s, "StepAdjustments");
                    steps.push(Step {
                        lower: sp.num("MetricIntervalLowerBound")?,
                        upper: sp.num("MetricIntervalUpperBound")?,
                        change: sp
                            .num("ScalingAdjustment")?
                            .ok_or("a step needs a ScalingAdjustment")?,
                    });
                }
                let cd = c.num("Cooldown")?;
                (
                    PolicyKind::Steps {
                        adjustment_type: c.str("AdjustmentType")?.unwrap_or_default(),
                        steps,
                    },
                    cd,
                    cd,
                )
            };
            infra.policies.push(ScalingPolicy {
                id,
                prov,
                target,
                kind,
                scale_in_cooldown_s: sin,
                scale_out_cooldown_s: sout,
            });
        }
        "AWS::CloudWatch::Alarm" => {
            let actions = p
                .list("AlarmActions")?
                .iter()
                .filter_map(|v| scalar_text(v))
                .collect();
            infra.alarms.push(Alarm {
                prov,
                actions,
                metric: p.str("MetricName")?.unwrap_or_default(),
                statistic: p.str("Statistic")?,
                period_s: p.num("Period")?,
                evaluation_periods: p.num("EvaluationPeriods")?,
                threshold: p.num("Threshold")?.unwrap_or(0.0),
                comparison: p.str("ComparisonOperator")?.unwrap_or_default(),
            });
        }
        "AWS::Cognito::UserPool" => infra.user_pools.push(prov),
        _ => infra
            .unsupported
            .push((prov, "resource type not modelled".into())),
    }
    Ok(())
}

fn string_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = v {
        for (k, x) in m {
            out.insert(
                k.clone(),
                scalar_text(x).ok_or_else(|| format!("variable `{k}` must be a string"))?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(yaml: &str) -> Result<Infra, ImportError> {
        let doc = parse_document(yaml).unwrap();
        read_template(&doc, yaml, Path::new("t.yaml"), &[], "t")
    }

    #[test]
    fn intrinsics_resolve_to_parameters_and_markers() {
        let infra = template(
            "Parameters:\n  Port:\n    Type: Number\n    Default: 65534\nResources:\n  Nlb:\n    Type: AWS::ElasticLoadBalancingV2::LoadBalancer\n    Properties:\n      Type: network\n  L:\n    Type: AWS::ElasticLoadBalancingV2::Listener\n    Properties:\n      LoadBalancerArn: !Ref Nlb\n      Port: !Ref Port\n      DefaultActions:\n        - Type: forward\n          TargetGroupArn: !Join ['', ['x', !GetAtt Nlb.DNSName]]\n",
        )
        .unwrap();
        assert_eq!(infra.listeners[0].port, 65534);
        assert_eq!(infra.listeners[0].lb, "⟨Nlb⟩");
        assert_eq!(
            infra.listeners[0].default_action,
            Some(Action::Forward("x⟨Nlb#DNSName⟩".into()))
        );
    }

    #[test]
    fn sub_and_conditions() {
        let infra = template(
            "Parameters:\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: !Sub '${Env}-bags'\n      DesiredCount: !If [IsProd, 3, 1]\n  Dev:\n    Type: AWS::ECS::Service\n    Condition: NotProd\n",
        );
        // `NotProd` is not defined: an error naming the resource.
        let e = infra.unwrap_err();
        assert!(
            e.resource.as_deref() == Some("AWS::ECS::Service Dev"),
            "{e}"
        );
        assert_eq!(e.line, Some(13));
        let infra = template(
            "Parameters:\n  Env:\n    Type: String\n    Default: prod\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties:\n      ServiceName: !Sub '${Env}-bags'\n      DesiredCount: !If [IsProd, 3, 1]\n",
        )
        .unwrap();
        assert_eq!(infra.services[0].name.as_deref(), Some("prod-bags"));
        assert_eq!(infra.services[0].desired, Some(3.0));
    }

    #[test]
    fn a_bad_reference_names_the_resource_and_line() {
        let e = template(
            "Resources:\n  A:\n    Type: AWS::ECS::Service\n    Properties:\n      TaskDefinition: !Ref Nope\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("Nope"), "{e}");
    }
}

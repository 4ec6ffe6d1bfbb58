//! CloudFormation templates (YAML with the short intrinsic tags, or JSON; `cdk synth` output and
//! SAM templates too) into the shared model.
//!
//! Parameters take their `Default` unless `--parameter K=V` sets them; `Ref`, `Fn::GetAtt`,
//! `Fn::Sub`, `Fn::Join`, `Fn::If`, `Fn::Select`, `Fn::FindInMap`, `Fn::Split` and the
//! condition functions are evaluated; a reference to a resource becomes a marker (see
//! [`infra`](super::infra)) that the emitter follows.

//!
//! `template.rs` evaluates values against the template (with the functions in `functions.rs`);
//! `resources.rs` dispatches each resource type to its mapping in `api_gateway.rs`, `elb.rs`,
//! `ecs.rs` or `scaling.rs`.

mod api_gateway;
mod ecs;
mod elb;
mod functions;
mod resources;
mod scaling;
mod template;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::infra::*;
use super::{ImportError, line_of_key, parse_document};
use resources::map_resource;
use template::Template;

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

/// Reads a parsed template; `text` is its source, for line numbers.
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
    let params = parameters(doc, overrides);
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

/// Each parameter's value: `--parameter`, else its `Default` (an error, kept until something
/// refers to it, without one); a list type's text split at commas.
fn parameters(
    doc: &Value,
    overrides: &[(String, String)],
) -> BTreeMap<String, Result<Value, String>> {
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
    params
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

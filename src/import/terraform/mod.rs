//! Terraform into the shared model: a directory of `.tf` files (parsed and evaluated with
//! `hcl-rs`), or a `terraform show -json` plan (`planned_values`, fully resolved).
//!
//! In a directory: variables take `-var`/`--parameter K=V`, then `*.auto.tfvars` and
//! `terraform.tfvars`, then their `default`; `locals`, references between resources and local
//! modules (`source = "./..."`, with their input variables and outputs) are evaluated over a few
//! passes, each resource attribute becoming a reference marker until its value is known.
//! Modules from remote sources cannot be read offline: each is listed, with the outputs this
//! configuration uses from it and the inputs it was given.
//!
//! Parsing and evaluation: `modules.rs` (a module's blocks), `evaluate.rs` (the passes),
//! `functions.rs` (Terraform's functions), `plan.rs` (plan JSON). Mapping resources by type:
//! `resources.rs` dispatches to `api_gateway.rs`, `elb.rs`, `ecs.rs` and `scaling.rs`.

mod api_gateway;
mod ecs;
mod elb;
mod evaluate;
mod functions;
mod modules;
mod plan;
mod resources;
mod scaling;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate};
use serde_json::Value;

use super::ImportError;
use super::infra::*;
use evaluate::{Evaluated, collect_resources, evaluate_module};
use modules::{find_resource, load_module};
use plan::read_plan;
use resources::map_all;

/// Reads a Terraform directory or plan JSON file.
pub fn read(path: &Path, vars: &[(String, String)]) -> Result<Infra, ImportError> {
    if path.is_file() {
        return read_plan(path);
    }
    if !path.is_dir() {
        return Err(ImportError::new(
            path,
            None,
            None,
            "no such directory or plan file".into(),
        ));
    }
    let inputs = read_inputs(path, vars)?;
    let mut infra = Infra::default();
    let mut state = Reader {
        infra: &mut infra,
        resources: Vec::new(),
    };
    let root = load_module(path, "")?;
    for k in vars.iter().map(|(k, _)| k) {
        if !root.variables.contains_key(k) {
            return Err(ImportError::new(
                path,
                None,
                None,
                format!("--var {k}: the configuration declares no variable `{k}`"),
            ));
        }
    }
    let mut evaluated = Evaluated::default();
    for _ in 0..4 {
        evaluated = evaluate_module(&root, &inputs, &evaluated, &mut state.infra.notes, 0)?;
    }
    let mut notes = Vec::new();
    collect_resources(&evaluated, &mut state.resources, &mut notes);
    state.infra.notes.extend(notes);
    state.infra.notes.sort();
    state.infra.notes.dedup();
    let resources = std::mem::take(&mut state.resources);
    map_all(state.infra, &resources).map_err(|(addr, m)| {
        let (file, line) = find_resource(&root, &addr);
        ImportError::new(&file, line, Some(format!("Terraform {addr}")), m)
    })?;
    Ok(infra)
}

struct Reader<'a> {
    infra: &'a mut Infra,
    resources: Vec<(String, String, Value)>,
}

/// The root module's inputs: `terraform.tfvars`, then `*.auto.tfvars`, then `--var` (later
/// wins); a `--var` value is HCL, else taken as a string.
fn read_inputs(
    path: &Path,
    vars: &[(String, String)],
) -> Result<BTreeMap<String, Value>, ImportError> {
    let mut inputs = BTreeMap::new();
    for f in tfvars_files(path) {
        let text = std::fs::read_to_string(&f)
            .map_err(|e| ImportError::new(&f, None, None, format!("cannot read: {e}")))?;
        let body = parse_hcl(&f, &text)?;
        for s in body.iter() {
            if let hcl::Structure::Attribute(a) = s {
                let v = a.expr.evaluate(&Context::new()).map_err(|e| {
                    ImportError::new(
                        &f,
                        line_of(&text, &format!("{} ", a.key.as_str())),
                        None,
                        format!("`{}`: {e}", a.key.as_str()),
                    )
                })?;
                inputs.insert(a.key.as_str().to_string(), to_json(&v));
            }
        }
    }
    for (k, v) in vars {
        let value = hcl::parse(&format!("v = {v}"))
            .ok()
            .and_then(|b| {
                b.into_attributes()
                    .next()
                    .and_then(|a| a.expr.evaluate(&Context::new()).ok())
            })
            .map(|v| to_json(&v))
            .unwrap_or_else(|| Value::from(v.clone()));
        inputs.insert(k.clone(), value);
    }
    Ok(inputs)
}

/// `terraform.tfvars` then `*.auto.tfvars` in name order (later files win).
fn tfvars_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let tfvars = dir.join("terraform.tfvars");
    if tfvars.is_file() {
        out.push(tfvars);
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".auto.tfvars"))
        .collect();
    auto.sort();
    out.extend(auto);
    out
}

fn parse_hcl(file: &Path, text: &str) -> Result<hcl::Body, ImportError> {
    hcl::parse(text).map_err(|e| {
        let line = match &e {
            hcl::Error::Parse(p) => Some(p.location().line()),
            _ => None,
        };
        ImportError::new(file, line, None, format!("not valid HCL: {e}"))
    })
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map(|i| i + 1)
}

fn to_json(v: &hcl::Value) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn to_hcl(v: &Value) -> hcl::Value {
    serde_json::from_value(v.clone()).unwrap_or(hcl::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let path = dir.path().to_path_buf();
        (dir, path)
    }

    #[test]
    fn references_variables_and_locals_resolve() {
        let (_d, p) = module(&[(
            "main.tf",
            r#"
variable "port" { default = 8080 }
locals { name = "pets" }
resource "aws_lb" "main" {
  name               = "${local.name}-lb"
  load_balancer_type = "network"
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.main.arn
  port              = var.port
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.tg.arn
  }
}
resource "aws_lb_target_group" "tg" {
  name = local.name
  port = var.port
}
"#,
        )]);
        let infra = read(&p, &[("port".into(), "9000".into())]).unwrap();
        assert_eq!(infra.load_balancers[0].name.as_deref(), Some("pets-lb"));
        assert_eq!(infra.listeners[0].port, 9000);
        assert_eq!(infra.listeners[0].lb, marker("aws_lb.main", Some("arn")));
        assert_eq!(
            infra.listeners[0].default_action,
            Some(Action::Forward(marker(
                "aws_lb_target_group.tg",
                Some("arn")
            )))
        );
    }

    #[test]
    fn remote_modules_are_listed_with_what_they_would_provide() {
        let (_d, p) = module(&[(
            "main.tf",
            r#"
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
  cidr   = "10.0.0.0/16"
}
resource "aws_apigatewayv2_vpc_link" "l" {
  name       = "l"
  subnet_ids = module.vpc.private_subnets
}
"#,
        )]);
        let infra = read(&p, &[]).unwrap();
        let note = infra
            .notes
            .iter()
            .find(|n| n.contains("module.vpc"))
            .unwrap();
        assert!(note.contains("module.vpc.private_subnets"), "{note}");
        assert!(note.contains("cidr = \"10.0.0.0/16\""), "{note}");
    }

    #[test]
    fn parse_errors_name_the_line() {
        let (_d, p) = module(&[("main.tf", "resource \"aws_lb\" \"x\" {\n  name = \n}\n")]);
        let e = read(&p, &[]).unwrap_err();
        assert!(e.file.ends_with("main.tf"));
        assert!(e.line.is_some(), "{e}");
    }
}

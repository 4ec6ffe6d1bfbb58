//! A `terraform show -json` plan: `planned_values` holds every known value; a value only known
//! after apply is taken from `configuration`'s references, followed into child modules.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::super::infra::*;
use super::super::{ImportError, parse_document};
use super::resources::map_all;

/// Reads `terraform show -json` output: `planned_values` holds every known value; a value that is
/// only known after apply (an ARN) is taken from `configuration`'s references instead.
pub(super) fn read_plan(path: &Path) -> Result<Infra, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::new(path, None, None, format!("cannot read the plan: {e}")))?;
    let doc =
        parse_document(&text).map_err(|(line, msg)| ImportError::new(path, line, None, msg))?;
    let root = doc.pointer("/planned_values/root_module").ok_or_else(|| {
        ImportError::new(
            path,
            None,
            None,
            "no `planned_values.root_module`: not the output of `terraform show -json`".into(),
        )
    })?;
    let mut resources = Vec::new();
    plan_module(
        root,
        doc.pointer("/configuration/root_module"),
        "",
        &BTreeMap::new(),
        &mut resources,
    );
    let mut infra = Infra::default();
    map_all(&mut infra, &resources).map_err(|(addr, m)| {
        let line = text
            .lines()
            .position(|l| {
                l.contains(&format!("\"address\": \"{addr}\""))
                    || l.contains(&format!("\"address\":\"{addr}\""))
            })
            .map(|i| i + 1);
        ImportError::new(path, line, Some(format!("Terraform {addr}")), m)
    })?;
    Ok(infra)
}

fn plan_module(
    module: &Value,
    config: Option<&Value>,
    prefix: &str,
    var_refs: &BTreeMap<String, String>,
    out: &mut Vec<(String, String, Value)>,
) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let addr = r.get("address").and_then(Value::as_str).unwrap_or_default();
        let ty = r.get("type").and_then(Value::as_str).unwrap_or_default();
        let mut values = r
            .get("values")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let local_addr = addr.strip_prefix(prefix).unwrap_or(addr);
        let local_addr = local_addr.split('[').next().unwrap_or(local_addr);
        if let Some(exprs) = config
            .and_then(|c| c.get("resources"))
            .and_then(Value::as_array)
            .and_then(|rs| {
                rs.iter()
                    .find(|x| x.get("address").and_then(Value::as_str) == Some(local_addr))
            })
            .and_then(|x| x.get("expressions"))
        {
            fill_unknown(&mut values, exprs, prefix, var_refs);
        }
        out.push((addr.to_string(), ty.to_string(), values));
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let caddr = child
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = caddr.rsplit("module.").next().unwrap_or_default();
        let call = config.and_then(|c| c.pointer(&format!("/module_calls/{name}")));
        // What each of the child's input variables refers to in this module.
        let mut child_refs = BTreeMap::new();
        if let Some(exprs) = call
            .and_then(|c| c.get("expressions"))
            .and_then(Value::as_object)
        {
            for (k, e) in exprs {
                if let Some(r) = reference_marker(e, prefix, var_refs) {
                    child_refs.insert(k.clone(), r);
                }
            }
        }
        plan_module(
            child,
            call.and_then(|c| c.get("module")),
            &format!("{caddr}."),
            &child_refs,
            out,
        );
    }
}

/// The marker for what expression `e` (of a plan's `configuration`) refers to: a resource
/// (`aws_lb.storage.arn` → `⟨aws_lb.storage#arn⟩`) or, through `var_refs`, what a module input
/// variable was given.
fn reference_marker(
    e: &Value,
    prefix: &str,
    var_refs: &BTreeMap<String, String>,
) -> Option<String> {
    let refs = e.get("references")?.as_array()?;
    for r in refs.iter().filter_map(Value::as_str) {
        let parts: Vec<&str> = r.split('.').collect();
        if parts[0] == "var" {
            if let Some(m) = parts.get(1).and_then(|v| var_refs.get(*v)) {
                return Some(m.clone());
            }
            continue;
        }
        if parts[0] == "local" || parts[0] == "data" || parts.len() < 2 {
            continue;
        }
        let (id, attr) = (parts[..2].join("."), parts.get(2).copied());
        let id = format!("{prefix}{id}");
        return Some(match attr {
            Some("id") | None => marker(&id, None),
            Some(a) => marker(&id, Some(a)),
        });
    }
    None
}

/// Sets values unknown in the plan (null or missing) to the marker of what their expression
/// refers to; nested blocks are followed.
fn fill_unknown(
    values: &mut Value,
    exprs: &Value,
    prefix: &str,
    var_refs: &BTreeMap<String, String>,
) {
    let Some(em) = exprs.as_object() else { return };
    let Some(vm) = values.as_object_mut() else {
        return;
    };
    for (k, e) in em {
        let current = vm.get(k).cloned().unwrap_or(Value::Null);
        if e.get("references").is_some() {
            if current.is_null()
                && let Some(m) = reference_marker(e, prefix, var_refs)
            {
                vm.insert(k.clone(), Value::from(m));
            }
        } else if let (Value::Array(blocks), Value::Array(vals)) =
            (e, vm.entry(k.clone()).or_insert(Value::Null))
        {
            for (b, v) in blocks.iter().zip(vals.iter_mut()) {
                fill_unknown(v, b, prefix, var_refs);
            }
        }
    }
}

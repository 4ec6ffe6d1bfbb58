//! Evaluating a module over passes: input variables, locals, child modules and each resource's
//! attributes, with every resource attribute a reference marker until its value is known.

use std::collections::BTreeMap;

use hcl::eval::{Context, Evaluate};
use serde_json::{Map, Value};

use super::super::ImportError;
use super::super::infra::*;
use super::functions::{BASE_DIR, declare_functions};
use super::modules::{Module, ModuleCall, remote_outputs};
use super::resources::is_modelled;
use super::{to_hcl, to_json};

/// What one pass knows about a module: evaluated resources and outputs.
#[derive(Default, Clone)]
pub(super) struct Evaluated {
    /// Full address → (type, attributes, unresolved attribute errors).
    resources: BTreeMap<String, (String, Value, Vec<String>)>,
    outputs: BTreeMap<String, Value>,
    locals: BTreeMap<String, Value>,
    children: BTreeMap<String, Evaluated>,
}

/// Attributes every resource is taken to have, as markers, until (or unless) the code sets them.
const COMPUTED: &[&str] = &[
    "id",
    "arn",
    "name",
    "dns_name",
    "arn_suffix",
    "root_resource_id",
    "execution_arn",
    "api_endpoint",
    "invoke_url",
    "zone_id",
    "family",
    "revision",
    "cluster",
    "endpoint",
    "resource_id",
];

fn computed(addr: &str) -> Map<String, Value> {
    let mut m = Map::new();
    for a in COMPUTED {
        let v = if *a == "id" {
            marker(addr, None)
        } else {
            marker(addr, Some(a))
        };
        m.insert(a.to_string(), Value::from(v));
    }
    m
}

/// One evaluation pass over a module, using what the previous pass (`prev`) found.
pub(super) fn evaluate_module(
    m: &Module,
    inputs: &BTreeMap<String, Value>,
    prev: &Evaluated,
    notes: &mut Vec<String>,
    depth: usize,
) -> Result<Evaluated, ImportError> {
    if depth > 16 {
        return Err(ImportError::new(
            &m.dir,
            None,
            None,
            "modules nest too deep".into(),
        ));
    }
    BASE_DIR.with(|b| *b.borrow_mut() = m.dir.clone());
    let mut out = Evaluated::default();
    let var = input_variables(m, inputs);
    let build_ctx = |locals: &BTreeMap<String, Value>, ev: &Evaluated| scope(m, &var, locals, ev);
    // Locals, in a few rounds (they may refer to each other).
    let mut locals = prev.locals.clone();
    for _ in 0..3 {
        let ctx = build_ctx(&locals, prev);
        for (k, e) in &m.locals {
            if let Ok(v) = e.evaluate(&ctx) {
                locals.insert(k.clone(), to_json(&v));
            }
        }
    }
    let ctx = build_ctx(&locals, prev);
    for call in &m.modules {
        if let Some(ev) = evaluate_call(m, call, &ctx, prev, notes, depth)? {
            out.children.insert(call.0.clone(), ev);
        }
    }
    let ctx = build_ctx(
        &locals,
        &Evaluated {
            children: out.children.clone(),
            ..prev.clone()
        },
    );
    for (ty, name, body, _) in &m.resources {
        let addr = format!("{}{ty}.{name}", m.prefix);
        let mut errors = Vec::new();
        let attrs = eval_body(body, &ctx, &mut errors);
        out.resources
            .insert(addr, (ty.clone(), Value::Object(attrs), errors));
    }
    let ctx = build_ctx(
        &locals,
        &Evaluated {
            resources: out.resources.clone(),
            children: out.children.clone(),
            ..Default::default()
        },
    );
    for (k, e) in &m.outputs {
        if let Ok(v) = e.evaluate(&ctx) {
            out.outputs.insert(k.clone(), to_json(&v));
        }
    }
    out.locals = locals;
    Ok(out)
}

/// `var`: each variable's input, else its default, else null.
fn input_variables(m: &Module, inputs: &BTreeMap<String, Value>) -> hcl::Map<String, hcl::Value> {
    let mut var = hcl::Map::new();
    for (name, default) in &m.variables {
        let v = match inputs.get(name) {
            Some(v) => to_hcl(v),
            None => match default {
                Some(e) => e.evaluate(&Context::new()).unwrap_or(hcl::Value::Null),
                None => hcl::Value::Null,
            },
        };
        var.insert(name.clone(), v);
    }
    var
}
/// The evaluation context of a module: its functions, `var`, `local`, its resources (computed
/// attributes as markers, overridden by what `ev` knows), `data`, `module` outputs, `count` and
/// `path`.
fn scope(
    m: &Module,
    var: &hcl::Map<String, hcl::Value>,
    locals: &BTreeMap<String, Value>,
    ev: &Evaluated,
) -> Context<'static> {
    let mut ctx = Context::new();
    declare_functions(&mut ctx);
    ctx.declare_var("var", hcl::Value::Object(var.clone()));
    let mut local = hcl::Map::new();
    for (k, v) in locals {
        local.insert(k.clone(), to_hcl(v));
    }
    ctx.declare_var("local", hcl::Value::Object(local));
    declare_resources(&mut ctx, m, ev);
    let mut data: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for (ty, name) in &m.data {
        let addr = format!("{}data.{ty}.{name}", m.prefix);
        data.entry(ty.clone())
            .or_default()
            .insert(name.clone(), to_hcl(&Value::Object(computed(&addr))));
    }
    ctx.declare_var(
        "data",
        hcl::Value::Object(
            data.into_iter()
                .map(|(k, v)| (k, hcl::Value::Object(v)))
                .collect(),
        ),
    );
    ctx.declare_var("module", module_outputs(m, ev));
    let mut count = hcl::Map::new();
    count.insert("index".to_string(), hcl::Value::from(0));
    ctx.declare_var("count", hcl::Value::Object(count));
    let mut path = hcl::Map::new();
    path.insert("module".to_string(), hcl::Value::from("."));
    path.insert("root".to_string(), hcl::Value::from("."));
    ctx.declare_var("path", hcl::Value::Object(path));
    ctx
}

/// One variable per resource type, holding each resource's attributes.
fn declare_resources(ctx: &mut Context, m: &Module, ev: &Evaluated) {
    let mut by_type: BTreeMap<String, hcl::Map<String, hcl::Value>> = BTreeMap::new();
    for (ty, name, _, _) in &m.resources {
        let addr = format!("{}{ty}.{name}", m.prefix);
        let mut attrs = computed(&addr);
        if let Some((_, Value::Object(known), _)) = ev.resources.get(&addr) {
            for (k, v) in known {
                if !(k == "id" || k == "arn") {
                    attrs.insert(k.clone(), v.clone());
                }
            }
        }
        by_type
            .entry(ty.clone())
            .or_default()
            .insert(name.clone(), to_hcl(&Value::Object(attrs)));
    }
    for (ty, objs) in by_type {
        ctx.declare_var(ty, hcl::Value::Object(objs));
    }
}

/// `module`: a local module's evaluated outputs; a remote one's outputs used here, as markers.
fn module_outputs(m: &Module, ev: &Evaluated) -> hcl::Value {
    let mut modules = hcl::Map::new();
    for (name, _, _, child) in &m.modules {
        let mut outs = hcl::Map::new();
        match child {
            Some(_) => {
                if let Some(c) = ev.children.get(name) {
                    for (k, v) in &c.outputs {
                        outs.insert(k.clone(), to_hcl(v));
                    }
                }
            }
            None => {
                for o in remote_outputs(m, name) {
                    let addr = format!("{}module.{name}", m.prefix);
                    outs.insert(o.clone(), hcl::Value::from(marker(&addr, Some(&o))));
                }
            }
        }
        modules.insert(name.clone(), hcl::Value::Object(outs));
    }
    hcl::Value::Object(modules)
}

/// Evaluates a `module` call's arguments and, for a local module, one pass of the module; a
/// remote module is noted with its outputs used here and its inputs.
fn evaluate_call(
    m: &Module,
    (name, source, args, child): &ModuleCall,
    ctx: &Context,
    prev: &Evaluated,
    notes: &mut Vec<String>,
    depth: usize,
) -> Result<Option<Evaluated>, ImportError> {
    let mut child_inputs = BTreeMap::new();
    let mut shown = Vec::new();
    for (k, e) in args {
        if let Ok(v) = e.evaluate(ctx) {
            let j = to_json(&v);
            shown.push(format!("{k} = {j}"));
            child_inputs.insert(k.clone(), j);
        }
    }
    let Some(c) = child else {
        let outs = remote_outputs(m, name);
        notes.push(format!(
            "{}module.{name} (source {source:?}): a remote module cannot be read offline; the values it would provide{} are unknown; its inputs: {}",
            m.prefix,
            if outs.is_empty() {
                String::new()
            } else {
                format!(
                    " (outputs used here: {})",
                    outs.iter()
                        .map(|o| format!("module.{name}.{o}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            if shown.is_empty() {
                "none".to_string()
            } else {
                shown.join(", ")
            }
        ));
        return Ok(None);
    };
    let p = prev.children.get(name).cloned().unwrap_or_default();
    let ev = evaluate_module(c, &child_inputs, &p, notes, depth + 1)?;
    BASE_DIR.with(|b| *b.borrow_mut() = m.dir.clone());
    Ok(Some(ev))
}

/// A block body as JSON: attributes evaluated (those that cannot be are left out and named in
/// `errors`), nested blocks as lists of objects (Terraform's shape).
fn eval_body(body: &hcl::Body, ctx: &Context, errors: &mut Vec<String>) -> Map<String, Value> {
    let mut out = Map::new();
    for s in body.iter() {
        match s {
            hcl::Structure::Attribute(a) => match a.expr.evaluate(ctx) {
                Ok(v) => {
                    out.insert(a.key.as_str().to_string(), to_json(&v));
                }
                Err(e) => errors.push(format!("`{}`: {e}", a.key.as_str())),
            },
            hcl::Structure::Block(b) => {
                if b.identifier.as_str() == "dynamic" {
                    errors.push(format!(
                        "dynamic block `{}` is not expanded",
                        b.labels.first().map(|l| l.as_str()).unwrap_or("")
                    ));
                    continue;
                }
                let inner = eval_body(&b.body, ctx, errors);
                let entry = out
                    .entry(b.identifier.as_str().to_string())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(Value::Object(inner));
                }
            }
        }
    }
    out
}

/// Every resource of the module and its children, with the attributes that could not be
/// evaluated noted for the modelled types.
pub(super) fn collect_resources(
    ev: &Evaluated,
    out: &mut Vec<(String, String, Value)>,
    notes: &mut Vec<String>,
) {
    for (addr, (ty, attrs, errors)) in &ev.resources {
        if is_modelled(ty) {
            for e in errors {
                notes.push(format!(
                    "Terraform {addr}: {e} (left out: cannot be evaluated offline)"
                ));
            }
        }
        out.push((addr.clone(), ty.clone(), attrs.clone()));
    }
    for c in ev.children.values() {
        collect_resources(c, out, notes);
    }
}

//! Terraform into the shared model: a directory of `.tf` files (parsed and evaluated with
//! `hcl-rs`), or a `terraform show -json` plan (`planned_values`, fully resolved).
//!
//! In a directory: variables take `-var`/`--parameter K=V`, then `*.auto.tfvars` and
//! `terraform.tfvars`, then their `default`; `locals`, references between resources and local
//! modules (`source = "./..."`, with their input variables and outputs) are evaluated over a few
//! passes, each resource attribute becoming a reference marker until its value is known.
//! Modules from remote sources cannot be read offline: each is listed, with the outputs this
//! configuration uses from it and the inputs it was given.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use serde_json::{Map, Value};

use super::infra::*;
use super::{ImportError, Props, parse_document, scalar_text};

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

/// A `module` block: name, source, arguments, and the module itself when it is local.
type ModuleCall = (
    String,
    String,
    Vec<(String, hcl::Expression)>,
    Option<Box<Module>>,
);

/// One parsed module: its files and blocks.
struct Module {
    dir: PathBuf,
    /// `""` for the root, `module.NAME.` for a child.
    prefix: String,
    files: Vec<(PathBuf, String)>,
    variables: BTreeMap<String, Option<hcl::Expression>>,
    locals: Vec<(String, hcl::Expression)>,
    /// `(type, name, body, file index)`.
    resources: Vec<(String, String, hcl::Body, usize)>,
    data: Vec<(String, String)>,
    outputs: Vec<(String, hcl::Expression)>,
    /// `(name, source, arguments, child)`.
    modules: Vec<ModuleCall>,
}

fn load_module(dir: &Path, prefix: &str) -> Result<Module, ImportError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ImportError::new(dir, None, None, format!("cannot read the directory: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(ImportError::new(
            dir,
            None,
            None,
            "no .tf files in the directory".into(),
        ));
    }
    let mut m = Module {
        dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
        files: Vec::new(),
        variables: BTreeMap::new(),
        locals: Vec::new(),
        resources: Vec::new(),
        data: Vec::new(),
        outputs: Vec::new(),
        modules: Vec::new(),
    };
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .map_err(|e| ImportError::new(&p, None, None, format!("cannot read: {e}")))?;
        let body = parse_hcl(&p, &text)?;
        let fi = m.files.len();
        m.files.push((p.clone(), text.clone()));
        for s in body.into_inner() {
            let hcl::Structure::Block(b) = s else {
                continue;
            };
            let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
            match (b.identifier.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = b
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "default")
                        .map(|a| a.expr.clone());
                    m.variables.insert(name.clone(), default);
                }
                ("locals", []) => {
                    for a in b.body.attributes() {
                        m.locals.push((a.key.as_str().to_string(), a.expr.clone()));
                    }
                }
                ("resource", [ty, name]) => {
                    m.resources
                        .push((ty.clone(), name.clone(), b.body.clone(), fi))
                }
                ("data", [ty, name]) => m.data.push((ty.clone(), name.clone())),
                ("output", [name]) => {
                    if let Some(a) = b.body.attributes().find(|a| a.key.as_str() == "value") {
                        m.outputs.push((name.clone(), a.expr.clone()));
                    }
                }
                ("module", [name]) => {
                    let mut source = String::new();
                    let mut args = Vec::new();
                    for a in b.body.attributes() {
                        match a.key.as_str() {
                            "source" => {
                                source = a
                                    .expr
                                    .evaluate(&Context::new())
                                    .ok()
                                    .and_then(|v| v.as_str().map(String::from))
                                    .unwrap_or_default()
                            }
                            "version" | "providers" | "count" | "for_each" | "depends_on" => {}
                            k => args.push((k.to_string(), a.expr.clone())),
                        }
                    }
                    let local = source.starts_with("./") || source.starts_with("../");
                    let child = if local {
                        let child_dir = dir.join(&source);
                        Some(Box::new(load_module(
                            &child_dir,
                            &format!("{prefix}module.{name}."),
                        )?))
                    } else {
                        None
                    };
                    m.modules.push((name.clone(), source, args, child));
                }
                _ => {}
            }
        }
    }
    Ok(m)
}

/// What one pass knows about a module: evaluated resources and outputs.
#[derive(Default, Clone)]
struct Evaluated {
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

thread_local! {
    /// The module directory that `file()` reads relative to.
    static BASE_DIR: RefCell<PathBuf> = const { RefCell::new(PathBuf::new()) };
}

fn funcs(ctx: &mut Context) {
    fn any(n: usize) -> Vec<ParamType> {
        vec![ParamType::Any; n]
    }
    fn text(v: &hcl::Value) -> String {
        match v {
            hcl::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    fn num(v: &hcl::Value) -> Result<f64, String> {
        match v {
            hcl::Value::Number(n) => n.as_f64().ok_or("not a number".into()),
            hcl::Value::String(s) => s.parse().map_err(|_| format!("{s:?} is not a number")),
            other => Err(format!("{other} is not a number")),
        }
    }
    let defs: Vec<(&str, FuncDef)> = vec![
        (
            "jsonencode",
            FuncDef::new(
                |a: FuncArgs| Ok(hcl::Value::from(to_json(&a[0]).to_string())),
                any(1),
            ),
        ),
        (
            "jsondecode",
            FuncDef::new(
                |a: FuncArgs| {
                    serde_json::from_str::<Value>(&text(&a[0]))
                        .map(|v| to_hcl(&v))
                        .map_err(|e| e.to_string())
                },
                any(1),
            ),
        ),
        (
            "tonumber",
            FuncDef::new(|a: FuncArgs| num(&a[0]).map(hcl::Value::from), any(1)),
        ),
        (
            "tostring",
            FuncDef::new(|a: FuncArgs| Ok(hcl::Value::from(text(&a[0]))), any(1)),
        ),
        (
            "tolist",
            FuncDef::new(|a: FuncArgs| Ok(a[0].clone()), any(1)),
        ),
        (
            "toset",
            FuncDef::new(|a: FuncArgs| Ok(a[0].clone()), any(1)),
        ),
        (
            "tomap",
            FuncDef::new(|a: FuncArgs| Ok(a[0].clone()), any(1)),
        ),
        (
            "upper",
            FuncDef::new(
                |a: FuncArgs| Ok(hcl::Value::from(text(&a[0]).to_uppercase())),
                any(1),
            ),
        ),
        (
            "lower",
            FuncDef::new(
                |a: FuncArgs| Ok(hcl::Value::from(text(&a[0]).to_lowercase())),
                any(1),
            ),
        ),
        (
            "replace",
            FuncDef::new(
                |a: FuncArgs| {
                    Ok(hcl::Value::from(
                        text(&a[0]).replace(&text(&a[1]), &text(&a[2])),
                    ))
                },
                any(3),
            ),
        ),
        (
            "length",
            FuncDef::new(
                |a: FuncArgs| match &a[0] {
                    hcl::Value::Array(x) => Ok(hcl::Value::from(x.len())),
                    hcl::Value::Object(x) => Ok(hcl::Value::from(x.len())),
                    hcl::Value::String(s) => Ok(hcl::Value::from(s.chars().count())),
                    other => Err(format!("length of {other}")),
                },
                any(1),
            ),
        ),
        (
            "lookup",
            FuncDef::builder()
                .params(any(2))
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let key = text(&a[1]);
                    match &a[0] {
                        hcl::Value::Object(m) => m
                            .get(&key)
                            .cloned()
                            .or_else(|| a.get(2).cloned())
                            .ok_or(format!("no key {key:?}")),
                        _ => Err("lookup takes a map".into()),
                    }
                }),
        ),
        (
            "element",
            FuncDef::new(
                |a: FuncArgs| match &a[0] {
                    hcl::Value::Array(x) if !x.is_empty() => {
                        let i = num(&a[1])? as usize;
                        Ok(x[i % x.len()].clone())
                    }
                    _ => Err("element takes a non-empty list".into()),
                },
                any(2),
            ),
        ),
        (
            "join",
            FuncDef::new(
                |a: FuncArgs| match &a[1] {
                    hcl::Value::Array(x) => Ok(hcl::Value::from(
                        x.iter().map(text).collect::<Vec<_>>().join(&text(&a[0])),
                    )),
                    _ => Err("join takes a list".into()),
                },
                any(2),
            ),
        ),
        (
            "split",
            FuncDef::new(
                |a: FuncArgs| {
                    Ok(hcl::Value::Array(
                        text(&a[1])
                            .split(&text(&a[0]))
                            .map(hcl::Value::from)
                            .collect(),
                    ))
                },
                any(2),
            ),
        ),
        (
            "merge",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let mut out = hcl::Map::new();
                    for v in a.iter() {
                        if let hcl::Value::Object(m) = v {
                            out.extend(m.clone());
                        }
                    }
                    Ok(hcl::Value::Object(out))
                }),
        ),
        (
            "concat",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let mut out = Vec::new();
                    for v in a.iter() {
                        if let hcl::Value::Array(x) = v {
                            out.extend(x.clone());
                        }
                    }
                    Ok(hcl::Value::Array(out))
                }),
        ),
        (
            "coalesce",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    a.iter()
                        .find(|v| !v.is_null() && v.as_str() != Some(""))
                        .cloned()
                        .ok_or("coalesce: no non-null argument".into())
                }),
        ),
        (
            "min",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let mut m = f64::INFINITY;
                    for v in a.iter() {
                        m = m.min(num(v)?);
                    }
                    Ok(hcl::Value::from(m))
                }),
        ),
        (
            "max",
            FuncDef::builder()
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let mut m = f64::NEG_INFINITY;
                    for v in a.iter() {
                        m = m.max(num(v)?);
                    }
                    Ok(hcl::Value::from(m))
                }),
        ),
        (
            "format",
            FuncDef::builder()
                .param(ParamType::Any)
                .variadic_param(ParamType::Any)
                .build(|a: FuncArgs| {
                    let spec = text(&a[0]);
                    let mut out = String::new();
                    let mut args = a.iter().skip(1);
                    let mut chars = spec.chars().peekable();
                    while let Some(c) = chars.next() {
                        if c == '%' {
                            match chars.next() {
                                Some('%') => out.push('%'),
                                Some(_) => out.push_str(&args.next().map(text).unwrap_or_default()),
                                None => out.push('%'),
                            }
                        } else {
                            out.push(c);
                        }
                    }
                    Ok(hcl::Value::from(out))
                }),
        ),
        (
            "file",
            FuncDef::new(
                |a: FuncArgs| {
                    let rel = text(&a[0]);
                    let rel = rel.replace("${path.module}", ".");
                    let path = BASE_DIR.with(|b| b.borrow().join(&rel));
                    std::fs::read_to_string(&path)
                        .map(hcl::Value::from)
                        .map_err(|e| format!("file({rel:?}): {e}"))
                },
                any(1),
            ),
        ),
    ];
    for (name, def) in defs {
        ctx.declare_func(name, def);
    }
}

/// One evaluation pass over a module, using what the previous pass (`prev`) found.
fn evaluate_module(
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
    let build_ctx = |locals: &BTreeMap<String, Value>, ev: &Evaluated| -> Context<'static> {
        let mut ctx = Context::new();
        funcs(&mut ctx);
        ctx.declare_var("var", hcl::Value::Object(var.clone()));
        let mut local = hcl::Map::new();
        for (k, v) in locals {
            local.insert(k.clone(), to_hcl(v));
        }
        ctx.declare_var("local", hcl::Value::Object(local));
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
        ctx.declare_var("module", hcl::Value::Object(modules));
        let mut count = hcl::Map::new();
        count.insert("index".to_string(), hcl::Value::from(0));
        ctx.declare_var("count", hcl::Value::Object(count));
        let mut path = hcl::Map::new();
        path.insert("module".to_string(), hcl::Value::from("."));
        path.insert("root".to_string(), hcl::Value::from("."));
        ctx.declare_var("path", hcl::Value::Object(path));
        ctx
    };
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
    // Child modules.
    for (name, source, args, child) in &m.modules {
        let mut child_inputs = BTreeMap::new();
        let mut shown = Vec::new();
        for (k, e) in args {
            if let Ok(v) = e.evaluate(&ctx) {
                let j = to_json(&v);
                shown.push(format!("{k} = {j}"));
                child_inputs.insert(k.clone(), j);
            }
        }
        match child {
            Some(c) => {
                let p = prev.children.get(name).cloned().unwrap_or_default();
                let ev = evaluate_module(c, &child_inputs, &p, notes, depth + 1)?;
                BASE_DIR.with(|b| *b.borrow_mut() = m.dir.clone());
                out.children.insert(name.clone(), ev);
            }
            None => {
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
            }
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

/// The outputs of remote module `name` that module `m`'s files refer to.
fn remote_outputs(m: &Module, name: &str) -> Vec<String> {
    let needle = format!("module.{name}.");
    let mut outs = Vec::new();
    for (_, text) in &m.files {
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&needle) {
            let after = &rest[i + needle.len()..];
            let o: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !o.is_empty() && !outs.contains(&o) {
                outs.push(o);
            }
            rest = after;
        }
    }
    outs
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

fn collect_resources(
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

/// Where resource `addr` is declared.
fn find_resource(root: &Module, addr: &str) -> (PathBuf, Option<usize>) {
    fn walk(m: &Module, addr: &str) -> Option<(PathBuf, Option<usize>)> {
        for (ty, name, _, fi) in &m.resources {
            if format!("{}{ty}.{name}", m.prefix) == addr {
                let (file, text) = &m.files[*fi];
                return Some((
                    file.clone(),
                    line_of(text, &format!("resource \"{ty}\" \"{name}\"")),
                ));
            }
        }
        m.modules
            .iter()
            .filter_map(|(_, _, _, c)| c.as_deref())
            .find_map(|c| walk(c, addr))
    }
    walk(root, addr).unwrap_or_else(|| (root.dir.clone(), None))
}

/// Reads `terraform show -json` output: `planned_values` holds every known value; a value that is
/// only known after apply (an ARN) is taken from `configuration`'s references instead.
fn read_plan(path: &Path) -> Result<Infra, ImportError> {
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

fn is_modelled(ty: &str) -> bool {
    matches!(
        ty,
        "aws_api_gateway_rest_api"
            | "aws_api_gateway_resource"
            | "aws_api_gateway_method"
            | "aws_api_gateway_integration"
            | "aws_api_gateway_authorizer"
            | "aws_api_gateway_stage"
            | "aws_api_gateway_method_settings"
            | "aws_api_gateway_vpc_link"
            | "aws_apigatewayv2_api"
            | "aws_apigatewayv2_route"
            | "aws_apigatewayv2_integration"
            | "aws_apigatewayv2_authorizer"
            | "aws_apigatewayv2_stage"
            | "aws_apigatewayv2_vpc_link"
            | "aws_lb"
            | "aws_alb"
            | "aws_lb_listener"
            | "aws_alb_listener"
            | "aws_lb_listener_rule"
            | "aws_alb_listener_rule"
            | "aws_lb_target_group"
            | "aws_alb_target_group"
            | "aws_ecs_service"
            | "aws_ecs_task_definition"
            | "aws_service_discovery_service"
            | "aws_appautoscaling_target"
            | "aws_appautoscaling_policy"
            | "aws_cloudwatch_metric_alarm"
            | "aws_cognito_user_pool"
    )
}

/// An ELB `action`/`default_action` block list: the first forward, fixed-response or redirect.
fn tf_action(blocks: &[&Value]) -> Result<Option<Action>, String> {
    let mut other = None;
    for b in blocks {
        let p = Props::of(b, "action");
        match p.str("type")?.unwrap_or_default().as_str() {
            "forward" => {
                if let Some(tg) = p.str("target_group_arn")? {
                    return Ok(Some(Action::Forward(tg)));
                }
                if let Some(f) = p.obj("forward")?
                    && let Some(tg) = Props::of(f, "forward").list("target_group")?.first()
                    && let Some(arn) = Props::of(tg, "target_group").str("arn")?
                {
                    return Ok(Some(Action::Forward(arn)));
                }
            }
            "fixed-response" => {
                let code = p
                    .obj("fixed_response")?
                    .map(|f| Props::of(f, "fixed_response").num("status_code"))
                    .transpose()?
                    .flatten()
                    .ok_or("a fixed-response action needs fixed_response.status_code")?;
                return Ok(Some(Action::Fixed(code as u16)));
            }
            "redirect" => {
                let code = p
                    .obj("redirect")?
                    .map(|f| Props::of(f, "redirect").str("status_code"))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default();
                return Ok(Some(Action::Redirect(if code.ends_with("302") {
                    302
                } else {
                    301
                })));
            }
            t => other = Some(Action::Other(t.to_string())),
        }
    }
    Ok(other)
}

/// Turns the resources into the model; an error carries the resource's address.
fn map_all(
    infra: &mut Infra,
    resources: &[(String, String, Value)],
) -> Result<(), (String, String)> {
    // REST integrations are their own resources, tied to a method by (api, resource, method).
    let mut rest_integrations: Vec<(String, String, String, String)> = Vec::new();
    for (addr, ty, v) in resources {
        map_one(infra, addr, ty, v, &mut rest_integrations).map_err(|m| (addr.clone(), m))?;
    }
    for r in infra.routes.iter_mut() {
        if r.integration.is_some() {
            continue;
        }
        let Some(res) = &r.resource else { continue };
        if let Some((id, ..)) = rest_integrations
            .iter()
            .find(|(_, api, rr, m)| api == &r.api && rr == res && m.eq_ignore_ascii_case(&r.method))
        {
            r.integration = Some(id.clone());
        }
    }
    Ok(())
}

fn tf_throttle(p: &Props, rate: &str, burst: &str) -> Result<Option<(f64, f64)>, String> {
    Ok(match (p.num(rate)?, p.num(burst)?) {
        (Some(r), Some(b)) => Some((r, b)),
        _ => None,
    })
}

fn map_one(
    infra: &mut Infra,
    addr: &str,
    ty: &str,
    v: &Value,
    rest_integrations: &mut Vec<(String, String, String, String)>,
) -> Result<(), String> {
    let p = Props::of(v, "");
    let prov = Prov::new("Terraform", addr);
    let id = addr.to_string();
    let body = |infra: &mut Infra| -> Result<(), String> {
        if let Some(b) = p.str("body")? {
            let doc = parse_document(&b).map_err(|(_, m)| format!("`body`: {m}"))?;
            super::openapi::read_document(&doc, &marker(addr, None), &prov, infra)?;
        }
        Ok(())
    };
    match ty {
        "aws_api_gateway_rest_api" => {
            infra.apis.push(Api {
                id: id.clone(),
                prov: prov.clone(),
                kind: ApiKind::Rest,
            });
            body(infra)?;
        }
        "aws_apigatewayv2_api" => {
            let proto = p.str("protocol_type")?.unwrap_or_default();
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
            body(infra)?;
        }
        "aws_api_gateway_resource" => infra.rest_resources.push(RestResource {
            id,
            parent: p.str("parent_id")?.unwrap_or_default(),
            path_part: p.str("path_part")?.ok_or("`path_part` is required")?,
        }),
        "aws_api_gateway_method" => {
            let auth = p.str("authorization")?;
            let authorizer = p.str("authorizer_id")?;
            infra.routes.push(Route {
                prov,
                api: p.str("rest_api_id")?.unwrap_or_default(),
                method: p.str("http_method")?.ok_or("`http_method` is required")?,
                path: String::new(),
                resource: Some(p.str("resource_id")?.unwrap_or_default()),
                auth: match (auth.as_deref(), authorizer) {
                    (None | Some("NONE"), _) => RouteAuth::None,
                    (_, Some(a)) => RouteAuth::Authorizer(a),
                    (Some(k), None) => RouteAuth::Type(k.to_string()),
                },
                integration: None,
            });
        }
        "aws_api_gateway_integration" => {
            let uri = p.str("uri")?.unwrap_or_default();
            let tls_server_name = uri
                .strip_prefix("https://")
                .map(|r| r.split(['/', ':']).next().unwrap_or(r).to_string())
                .filter(|h| !h.is_empty() && refs(h).is_empty());
            infra.integrations.push(Integration {
                id: id.clone(),
                prov,
                kind: p.str("type")?.unwrap_or_default().to_ascii_uppercase(),
                uri,
                connection_type: p.str("connection_type")?.map(|c| c.to_ascii_uppercase()),
                connection_id: p.str("connection_id")?,
                timeout_ms: p.num("timeout_milliseconds")?,
                tls_server_name,
            });
            rest_integrations.push((
                id,
                p.str("rest_api_id")?.unwrap_or_default(),
                p.str("resource_id")?.unwrap_or_default(),
                p.str("http_method")?.unwrap_or_default(),
            ));
        }
        "aws_api_gateway_authorizer" => {
            let kind = match p.str("type")?.as_deref() {
                Some("COGNITO_USER_POOLS") => AuthorizerKind::Cognito,
                _ => AuthorizerKind::Lambda,
            };
            infra.authorizers.push(Authorizer {
                id,
                prov,
                kind,
                ttl_s: p.num("authorizer_result_ttl_in_seconds")?,
            });
        }
        "aws_apigatewayv2_authorizer" => {
            let kind = match p.str("authorizer_type")?.as_deref() {
                Some("JWT") => AuthorizerKind::Jwt,
                _ => AuthorizerKind::Lambda,
            };
            infra.authorizers.push(Authorizer {
                id,
                prov,
                kind,
                ttl_s: p.num("authorizer_result_ttl_in_seconds")?,
            });
        }
        "aws_api_gateway_stage" => infra.stages.push(Stage {
            prov,
            api: p.str("rest_api_id")?.unwrap_or_default(),
            variables: tf_map(p.get("variables"))?,
            throttle: None,
        }),
        "aws_api_gateway_method_settings" => {
            let all = p.str("method_path")?.as_deref() == Some("*/*");
            let throttle = match p.obj("settings")? {
                Some(s) if all => tf_throttle(
                    &Props::of(s, "settings"),
                    "throttling_rate_limit",
                    "throttling_burst_limit",
                )?,
                _ => None,
            };
            if throttle.is_none() {
                infra.unsupported.push((
                    prov,
                    "only stage-wide (`method_path = \"*/*\"`) throttling is imported".into(),
                ));
                return Ok(());
            }
            infra.stages.push(Stage {
                prov,
                api: p.str("rest_api_id")?.unwrap_or_default(),
                variables: BTreeMap::new(),
                throttle,
            });
        }
        "aws_apigatewayv2_stage" => {
            let throttle = match p.obj("default_route_settings")? {
                Some(s) => tf_throttle(
                    &Props::of(s, "default_route_settings"),
                    "throttling_rate_limit",
                    "throttling_burst_limit",
                )?,
                None => None,
            };
            infra.stages.push(Stage {
                prov,
                api: p.str("api_id")?.unwrap_or_default(),
                variables: tf_map(p.get("stage_variables"))?,
                throttle,
            });
        }
        "aws_api_gateway_vpc_link" => infra.vpc_links.push(VpcLink {
            id,
            targets: p
                .list("target_arns")?
                .iter()
                .filter_map(|x| scalar_text(x))
                .collect(),
        }),
        "aws_apigatewayv2_vpc_link" => infra.vpc_links.push(VpcLink {
            id,
            targets: Vec::new(),
        }),
        "aws_apigatewayv2_route" => {
            let key = p.str("route_key")?.ok_or("`route_key` is required")?;
            let (method, path) = match key.split_once(' ') {
                Some((m, path)) => (m.to_string(), path.to_string()),
                None => (String::new(), key.clone()),
            };
            let auth = p.str("authorization_type")?;
            let authorizer = p.str("authorizer_id")?;
            infra.routes.push(Route {
                prov,
                api: p.str("api_id")?.unwrap_or_default(),
                method,
                path,
                resource: None,
                auth: match (auth.as_deref(), authorizer) {
                    (None | Some("NONE"), _) => RouteAuth::None,
                    (_, Some(a)) => RouteAuth::Authorizer(a),
                    (Some(k), None) => RouteAuth::Type(k.to_string()),
                },
                integration: p.str("target")?,
            });
        }
        "aws_apigatewayv2_integration" => infra.integrations.push(Integration {
            id,
            prov,
            kind: p
                .str("integration_type")?
                .unwrap_or_default()
                .to_ascii_uppercase(),
            uri: p.str("integration_uri")?.unwrap_or_default(),
            connection_type: p.str("connection_type")?.map(|c| c.to_ascii_uppercase()),
            connection_id: p.str("connection_id")?,
            timeout_ms: p.num("timeout_milliseconds")?,
            tls_server_name: p
                .obj("tls_config")?
                .map(|t| Props::of(t, "tls_config").str("server_name_to_verify"))
                .transpose()?
                .flatten(),
        }),
        "aws_api_gateway_usage_plan" => infra.unsupported.push((
            prov,
            "usage plans (per-client throttles and quotas) are not modelled".into(),
        )),
        "aws_lb" | "aws_alb" => {
            let kind = match p.str("load_balancer_type")?.as_deref() {
                None | Some("application") => LbKind::Alb,
                Some("network") => LbKind::Nlb,
                Some(other) => {
                    infra
                        .unsupported
                        .push((prov, format!("{other} load balancers are not modelled")));
                    return Ok(());
                }
            };
            infra.load_balancers.push(LoadBalancer {
                id,
                prov,
                kind,
                name: p.str("name")?.filter(|n| refs(n).is_empty()),
                idle_timeout_s: p.num("idle_timeout")?,
                cross_zone: p.boolean("enable_cross_zone_load_balancing")?,
            });
        }
        "aws_lb_listener" | "aws_alb_listener" => {
            let port = p.num("port")?.ok_or("`port` is required")?;
            infra.listeners.push(Listener {
                id,
                prov,
                lb: p.str("load_balancer_arn")?.unwrap_or_default(),
                port: port as u16,
                port_assumed: false,
                protocol: p.str("protocol")?.map(|x| x.to_ascii_uppercase()),
                default_action: tf_action(&p.list("default_action")?)?,
            });
        }
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => {
            let mut c = Conditions::default();
            for cond in p.list("condition")? {
                let cp = Props::of(cond, "condition");
                let values = |k: &str| -> Result<Vec<String>, String> {
                    Ok(match cp.obj(k)? {
                        Some(o) => Props::of(o, k)
                            .list("values")?
                            .iter()
                            .filter_map(|x| scalar_text(x))
                            .collect(),
                        None => Vec::new(),
                    })
                };
                c.path.extend(values("path_pattern")?);
                c.host.extend(values("host_header")?);
                c.method.extend(values("http_request_method")?);
                if let Some(h) = cp.obj("http_header")? {
                    let hp = Props::of(h, "http_header");
                    c.header = Some((
                        hp.str("http_header_name")?.unwrap_or_default(),
                        hp.list("values")?
                            .iter()
                            .filter_map(|x| scalar_text(x))
                            .collect(),
                    ));
                }
                if let Some(q) = cp.obj("query_string")? {
                    let qp = Props::of(q, "query_string");
                    c.query = Some((
                        qp.str("key")?.unwrap_or_else(|| "*".into()),
                        qp.str("value")?.unwrap_or_default(),
                    ));
                }
                if cp.has("source_ip") {
                    c.other.push("source_ip".into());
                }
            }
            infra.rules.push(ListenerRule {
                prov,
                listener: p.str("listener_arn")?.unwrap_or_default(),
                priority: p.num("priority")?.ok_or("`priority` is required")? as u32,
                conditions: c,
                action: tf_action(&p.list("action")?)?.ok_or("a rule needs an `action`")?,
            });
        }
        "aws_lb_target_group" | "aws_alb_target_group" => {
            let h = p.obj("health_check")?;
            let hp = h.map(|h| Props::of(h, "health_check"));
            let hnum = |k: &str| -> Result<Option<f64>, String> {
                hp.map(|h| h.num(k)).transpose().map(Option::flatten)
            };
            let stick = match p.obj("stickiness")? {
                Some(s) => Props::of(s, "stickiness")
                    .boolean("enabled")?
                    .or(Some(true)),
                None => None,
            };
            infra.target_groups.push(TargetGroup {
                id,
                prov,
                name: p.str("name")?.filter(|n| refs(n).is_empty()),
                protocol: p.str("protocol")?.map(|x| x.to_ascii_uppercase()),
                health: HealthSpec {
                    protocol: hp
                        .map(|h| h.str("protocol"))
                        .transpose()?
                        .flatten()
                        .map(|x| x.to_ascii_uppercase()),
                    interval_s: hnum("interval")?,
                    timeout_s: hnum("timeout")?,
                    healthy: hnum("healthy_threshold")?,
                    unhealthy: hnum("unhealthy_threshold")?,
                },
                dereg_delay_s: p.num("deregistration_delay")?,
                algorithm: p.str("load_balancing_algorithm_type")?,
                anomaly_mitigation: p
                    .str("load_balancing_anomaly_mitigation")?
                    .map(|x| x == "on"),
                slow_start_s: p.num("slow_start")?,
                stickiness: stick,
                connection_termination: p.boolean("connection_termination")?,
                cross_zone: p.str("load_balancing_cross_zone_enabled")?,
            });
        }
        "aws_ecs_service" => {
            let mut tgs = Vec::new();
            for lb in p.list("load_balancer")? {
                if let Some(t) = Props::of(lb, "load_balancer").str("target_group_arn")? {
                    tgs.push(t);
                }
            }
            let mut regs = Vec::new();
            for r in p.list("service_registries")? {
                if let Some(a) = Props::of(r, "service_registries").str("registry_arn")? {
                    regs.push(a);
                }
            }
            let subnets = match p.obj("network_configuration")? {
                Some(n) => Props::of(n, "network_configuration").list("subnets")?.len(),
                None => 0,
            };
            infra.services.push(Service {
                id,
                prov,
                name: p.str("name")?.filter(|n| refs(n).is_empty()),
                desired: p.num("desired_count")?,
                min_healthy_percent: p.num("deployment_minimum_healthy_percent")?,
                max_percent: p.num("deployment_maximum_percent")?,
                grace_s: p.num("health_check_grace_period_seconds")?,
                task_definition: p.str("task_definition")?,
                target_groups: tgs,
                registries: regs,
                subnets,
            });
        }
        "aws_ecs_task_definition" => {
            let defs = p
                .str("container_definitions")?
                .unwrap_or_else(|| "[]".into());
            let defs: Value = serde_json::from_str(&defs)
                .map_err(|e| format!("`container_definitions` is not JSON: {e}"))?;
            let mut containers = Vec::new();
            for c in defs.as_array().into_iter().flatten() {
                let cp = Props::of(c, "container_definitions");
                let mut ports = Vec::new();
                for pm in cp.list("portMappings")? {
                    if let Some(x) = Props::of(pm, "portMappings").num("containerPort")? {
                        ports.push(x);
                    }
                }
                let health = match cp.obj("healthCheck")? {
                    Some(h) => {
                        let hp = Props::of(h, "healthCheck");
                        Some(ContainerHealth {
                            interval_s: hp.num("interval")?,
                            timeout_s: hp.num("timeout")?,
                            retries: hp.num("retries")?,
                            start_period_s: hp.num("startPeriod")?,
                        })
                    }
                    None => None,
                };
                containers.push(Container {
                    name: cp.str("name")?.unwrap_or_default(),
                    image: cp.str("image")?.unwrap_or_default(),
                    ports,
                    health,
                    stop_timeout_s: cp.num("stopTimeout")?,
                });
            }
            infra.task_definitions.push(TaskDefinition {
                id,
                prov,
                containers,
                cpu: p.str("cpu")?,
                memory: p.str("memory")?,
            });
        }
        "aws_service_discovery_service" => {
            let ttl = match p.obj("dns_config")? {
                Some(d) => Props::of(d, "dns_config")
                    .list("dns_records")?
                    .first()
                    .map(|r| Props::of(r, "dns_records").num("ttl"))
                    .transpose()?
                    .flatten(),
                None => None,
            };
            infra.discovery_services.push(DiscoveryService {
                id,
                prov,
                name: p.str("name")?.filter(|n| refs(n).is_empty()),
                ttl_s: ttl,
                custom_health: p.has("health_check_custom_config"),
                route53_health: p.has("health_check_config"),
            });
        }
        "aws_appautoscaling_target" => {
            let dim = p.str("scalable_dimension")?.unwrap_or_default();
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
                resource_id: p.str("resource_id")?.unwrap_or_default(),
                min: p.num("min_capacity")?,
                max: p.num("max_capacity")?,
            });
        }
        "aws_appautoscaling_policy" => {
            let target = p.str("resource_id")?.unwrap_or_default();
            let policy_type = p
                .str("policy_type")?
                .unwrap_or_else(|| "StepScaling".into());
            let (kind, sin, sout) = if policy_type == "TargetTrackingScaling" {
                let c = p
                    .obj("target_tracking_scaling_policy_configuration")?
                    .ok_or("target tracking needs target_tracking_scaling_policy_configuration")?;
                let c = Props::of(c, "target_tracking_scaling_policy_configuration");
                let metric = match c.obj("predefined_metric_specification")? {
                    Some(m) => Props::of(m, "predefined_metric_specification")
                        .str("predefined_metric_type")?
                        .unwrap_or_default(),
                    None => "a custom metric".into(),
                };
                (
                    PolicyKind::Target {
                        metric,
                        value: c.num("target_value")?.ok_or("`target_value` is required")?,
                    },
                    c.num("scale_in_cooldown")?,
                    c.num("scale_out_cooldown")?,
                )
            } else {
                let c = p
                    .obj("step_scaling_policy_configuration")?
                    .ok_or("step scaling needs step_scaling_policy_configuration")?;
                let c = Props::of(c, "step_scaling_policy_configuration");
                let mut steps = Vec::new();
                for s in c.list("step_adjustment")? {
                    let sp = Props::of(s, "step_adjustment");
                    steps.push(Step {
                        lower: sp.num("metric_interval_lower_bound")?,
                        upper: sp.num("metric_interval_upper_bound")?,
                        change: sp
                            .num("scaling_adjustment")?
                            .ok_or("`scaling_adjustment` is required")?,
                    });
                }
                let cd = c.num("cooldown")?;
                (
                    PolicyKind::Steps {
                        adjustment_type: c.str("adjustment_type")?.unwrap_or_default(),
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
        "aws_cloudwatch_metric_alarm" => infra.alarms.push(Alarm {
            prov,
            actions: p
                .list("alarm_actions")?
                .iter()
                .filter_map(|x| scalar_text(x))
                .collect(),
            metric: p.str("metric_name")?.unwrap_or_default(),
            statistic: p.str("statistic")?,
            period_s: p.num("period")?,
            evaluation_periods: p.num("evaluation_periods")?,
            threshold: p.num("threshold")?.unwrap_or(0.0),
            comparison: p.str("comparison_operator")?.unwrap_or_default(),
        }),
        "aws_cognito_user_pool" => infra.user_pools.push(prov),
        _ => infra
            .unsupported
            .push((prov, "resource type not modelled".into())),
    }
    Ok(())
}

fn tf_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, String> {
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

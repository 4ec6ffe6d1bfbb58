//! The Terraform functions the evaluator knows (`jsonencode`, `lookup`, `format`, `file`, ...),
//! declared into an `hcl-rs` evaluation context.

use std::cell::RefCell;
use std::path::PathBuf;

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use serde_json::Value;

use super::{to_hcl, to_json};

thread_local! {
    /// The module directory that `file()` reads relative to.
    pub(super) static BASE_DIR: RefCell<PathBuf> = const { RefCell::new(PathBuf::new()) };
}

/// Declares every function the evaluator knows into `ctx`.
pub(super) fn declare_functions(ctx: &mut Context) {
    for group in [conversions(), strings(), collections(), numbers(), files()] {
        for (name, def) in group {
            ctx.declare_func(name, def);
        }
    }
}

/// `n` parameters of any type.
fn any(n: usize) -> Vec<ParamType> {
    vec![ParamType::Any; n]
}
/// A value as text: a string as is, anything else as HCL writes it.
fn text(v: &hcl::Value) -> String {
    match v {
        hcl::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
/// A number, or a string holding one.
fn num(v: &hcl::Value) -> Result<f64, String> {
    match v {
        hcl::Value::Number(n) => n.as_f64().ok_or("not a number".into()),
        hcl::Value::String(s) => s.parse().map_err(|_| format!("{s:?} is not a number")),
        other => Err(format!("{other} is not a number")),
    }
}

/// Encoding and type conversions.
fn conversions() -> Vec<(&'static str, FuncDef)> {
    vec![
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
    ]
}

/// String functions.
fn strings() -> Vec<(&'static str, FuncDef)> {
    vec![
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
    ]
}

/// Collection functions.
fn collections() -> Vec<(&'static str, FuncDef)> {
    vec![
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
    ]
}

/// Numeric functions.
fn numbers() -> Vec<(&'static str, FuncDef)> {
    let variadic = |f: fn(FuncArgs) -> Result<hcl::Value, String>| {
        FuncDef::builder().variadic_param(ParamType::Any).build(f)
    };
    vec![
        (
            "min",
            variadic(|a: FuncArgs| extreme(&a, f64::INFINITY, f64::min)),
        ),
        (
            "max",
            variadic(|a: FuncArgs| extreme(&a, f64::NEG_INFINITY, f64::max)),
        ),
    ]
}

/// The least or greatest (`pick`) of the arguments, starting from `start`.
fn extreme(a: &FuncArgs, start: f64, pick: fn(f64, f64) -> f64) -> Result<hcl::Value, String> {
    let mut m = start;
    for v in a.iter() {
        m = pick(m, num(v)?);
    }
    Ok(hcl::Value::from(m))
}

/// `file`, relative to the module being evaluated ([`BASE_DIR`]).
fn files() -> Vec<(&'static str, FuncDef)> {
    vec![(
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
    )]
}

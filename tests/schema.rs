//! `simroute schema` prints a JSON Schema generated from the scenario file's types; every shipped
//! scenario validates against it, and a scenario with an unknown field or a wrong type does not.
//!
//! The check is a small validator of the keywords the generated schema uses (`$ref`, `type`,
//! `properties`, `additionalProperties`, `required`, `anyOf`/`oneOf`/`allOf`, `enum`, `const`,
//! `items`, `minimum`, `maximum`); `oneOf` is checked as "at least one" (enough to catch unknown
//! fields and wrong types, which is what editors use the schema for).

use serde_json::Value;

mod common;
use common::ScenarioBuilder;

fn schema() -> Value {
    let o = common::binary::run(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("type {other} not handled"),
    }
}

/// The first failure of `v` against schema `s` (`root` for `$ref`s), as a path and a reason.
fn check(root: &Value, s: &Value, v: &Value, at: &str) -> Option<String> {
    let Some(obj) = s.as_object() else {
        return (s == &Value::Bool(false)).then(|| format!("{at}: not allowed"));
    };
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").expect("local refs");
        if let Some(e) = check(root, &root["$defs"][name], v, at) {
            return Some(e);
        }
    }
    match obj.get("type") {
        Some(Value::String(t)) if !type_ok(t, v) => return Some(format!("{at}: not {t}")),
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)) => {
            return Some(format!("{at}: none of {ts:?}"));
        }
        _ => {}
    }
    if let Some(c) = obj.get("const")
        && c != v
    {
        return Some(format!("{at}: not {c}"));
    }
    if let Some(Value::Array(e)) = obj.get("enum")
        && !e.contains(v)
    {
        return Some(format!("{at}: not one of {e:?}"));
    }
    if let (Some(min), Some(x)) = (obj.get("minimum").and_then(Value::as_f64), v.as_f64())
        && x < min
    {
        return Some(format!("{at}: below {min}"));
    }
    if let (Some(max), Some(x)) = (obj.get("maximum").and_then(Value::as_f64), v.as_f64())
        && x > max
    {
        return Some(format!("{at}: above {max}"));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = obj.get(key)
            && alts.iter().all(|a| check(root, a, v, at).is_some())
        {
            return Some(format!("{at}: matches no alternative of {key}"));
        }
    }
    if let Some(Value::Array(all)) = obj.get("allOf")
        && let Some(e) = all.iter().find_map(|a| check(root, a, v, at))
    {
        return Some(e);
    }
    if let (Some(items), Some(arr)) = (obj.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            if let Some(e) = check(root, items, x, &format!("{at}.{i}")) {
                return Some(e);
            }
        }
    }
    if let Some(map) = v.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(req)) = obj.get("required")
            && let Some(missing) = req.iter().find(|r| !map.contains_key(r.as_str().unwrap()))
        {
            return Some(format!("{at}: {missing} is required"));
        }
        for (k, x) in map {
            let path = format!("{at}.{k}");
            let sub = props
                .and_then(|p| p.get(k))
                .or_else(|| obj.get("additionalProperties"));
            if let Some(sub) = sub
                && let Some(e) = check(root, sub, x, &path)
            {
                return Some(e);
            }
        }
    }
    None
}

fn as_json(toml_text: &str) -> Value {
    serde_json::to_value(toml_text.parse::<toml::Table>().unwrap()).unwrap()
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let schema = schema();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let doc = as_json(&std::fs::read_to_string(&path).unwrap());
        assert_eq!(
            check(&schema, &schema, &doc, ""),
            None,
            "{}",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} scenarios");
}

#[test]
fn the_schema_rejects_unknown_fields_and_wrong_types() {
    let schema = schema();
    let base = ScenarioBuilder::file("scenarios/mmc.toml");
    let typo = base.clone().set("simulation.warmpu_s", 30_u32).text();
    let e = check(&schema, &schema, &as_json(&typo), "").expect("a typo is caught");
    assert!(e.contains("warmpu_s"), "{e}");
    let wrong = base.set("traffic.0.rate_rps", "fast").text();
    let e = check(&schema, &schema, &as_json(&wrong), "").expect("a string rate is caught");
    assert!(e.contains("rate_rps"), "{e}");
}

//! API Gateway access log entries in JSON → [`Record`]s.
//!
//! An access log format is written by the API's owner from `$context` variables (API Gateway
//! developer guide, "Variables for access logging"), so the keys are whatever the format named
//! them; this reader takes the conventional names, the variable without `$context.`:
//!
//! | what | keys tried, in order |
//! |---|---|
//! | arrival | `requestTimeEpoch` (ms since the epoch), `requestTime` (`02/Jul/2018:22:23:00 +0000`) |
//! | route | `routeKey` (HTTP APIs); else `httpMethod` and `resourcePath` (REST APIs) |
//! | status | `status` |
//! | integration latency, ms | `integrationLatency`, `integration.latency` |
//! | response latency, ms | `responseLatency` |
//! | authorizer latency, ms | `authorizer.latency`, `authorizerLatency`, `authorize.latency` |
//!
//! A dotted key may also be nested (`{"authorizer": {"latency": 12}}`). Values may be numbers or
//! strings (formats usually quote every variable); `-` or an empty string means absent, as API
//! Gateway writes a variable that has no value. A line may carry a prefix before the JSON object
//! (a CloudWatch Logs export puts a timestamp there).

use serde_json::Value;

use super::{Record, route_pattern};

fn lookup<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(key) {
        return Some(v);
    }
    let mut cur = obj;
    for part in key.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// The value at the first of `keys` that is present and not `-`/empty/null.
fn present<'a>(obj: &'a Value, keys: &[&'static str]) -> Option<(&'static str, &'a Value)> {
    keys.iter().find_map(|&k| {
        let v = lookup(obj, k)?;
        let absent = match v {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty() || s.trim() == "-",
            _ => false,
        };
        (!absent).then_some((k, v))
    })
}

fn number(key: &str, v: &Value) -> Result<f64, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|x| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| format!("{key} is not a number of 0 or more (got {v})"))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn latency(obj: &Value, keys: &[&'static str]) -> Result<Option<f64>, String> {
    present(obj, keys).map(|(k, v)| number(k, v)).transpose()
}

/// Parses one entry. An error says which field is wrong or missing.
pub fn parse(line: &str) -> Result<Record, String> {
    let start = line
        .find('{')
        .ok_or_else(|| "no JSON object on the line".to_string())?;
    let obj: Value =
        serde_json::from_str(&line[start..]).map_err(|e| format!("not valid JSON: {e}"))?;
    if !obj.is_object() {
        return Err("not a JSON object".into());
    }
    let at_s = if let Some((k, v)) = present(&obj, &["requestTimeEpoch"]) {
        number(k, v)? / 1000.0
    } else if let Some((_, v)) = present(&obj, &["requestTime"]) {
        let t = text(v);
        super::input::parse_clf(&t)
            .or_else(|| super::input::parse_iso8601(&t))
            .ok_or_else(|| {
                format!("requestTime is not a time like 02/Jul/2018:22:23:00 +0000 (got {t:?})")
            })?
    } else {
        return Err("no requestTimeEpoch or requestTime".into());
    };
    let (method, path, route) = if let Some((_, v)) = present(&obj, &["routeKey"]) {
        let key = text(v);
        match key.split_once(' ') {
            Some((m, p)) => (m.to_string(), route_pattern(p), key.clone()),
            None => ("ANY".to_string(), "/".to_string(), key.clone()),
        }
    } else {
        match (
            present(&obj, &["httpMethod"]),
            present(&obj, &["resourcePath"]),
        ) {
            (Some((_, m)), Some((_, p))) => {
                let (m, p) = (text(m), text(p));
                let route = format!("{m} {p}");
                (m, route_pattern(&p), route)
            }
            _ => return Err("no routeKey, or httpMethod and resourcePath".into()),
        }
    };
    let status = match present(&obj, &["status"]) {
        Some((k, v)) => {
            let s = number(k, v)?;
            if !(s.fract() == 0.0 && (100.0..=599.0).contains(&s)) {
                return Err(format!("status is not an HTTP status (got {v})"));
            }
            s as u16
        }
        None => return Err("no status".into()),
    };
    let integration = latency(&obj, &["integrationLatency", "integration.latency"])?;
    let response = latency(&obj, &["responseLatency"])?;
    let authorizer = latency(
        &obj,
        &[
            "authorizer.latency",
            "authorizerLatency",
            "authorize.latency",
        ],
    )?;
    Ok(Record {
        at_s,
        group: Some(route.clone()),
        route,
        method,
        path,
        target: None,
        status,
        // A request that has an integration latency reached the integration, and the status is
        // the integration's; without one the gateway answered itself.
        target_status: integration.map(|_| status),
        service_ms: integration,
        never_reached: integration.is_none(),
        // responseLatency covers the whole request, authorizer included; simroute adds the
        // gateway's latency and the authorizer's separately, so the overhead is what is left.
        overhead_ms: match (response, integration) {
            (Some(r), Some(i)) => Some((r - i - authorizer.unwrap_or(0.0)).max(0.0)),
            _ => None,
        },
        authorizer_ms: authorizer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_api_entry() {
        let r = parse(r#"{"requestId":"a","requestTimeEpoch":"1530570180123","routeKey":"GET /pets/{id}","status":"200","integrationLatency":"31","responseLatency":"35","authorizer.latency":"-"}"#).unwrap();
        assert!((r.at_s - 1_530_570_180.123).abs() < 1e-9);
        assert_eq!(r.route, "GET /pets/{id}");
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/pets/{id}"));
        assert_eq!(r.status, 200);
        assert_eq!(r.service_ms, Some(31.0));
        assert_eq!(r.overhead_ms, Some(4.0));
        assert_eq!(r.authorizer_ms, None);
    }

    #[test]
    fn rest_api_entry_nested_and_prefixed() {
        let r = parse(r#"2018-07-02T22:23:00.000Z {"requestTime":"02/Jul/2018:22:23:00 +0000","httpMethod":"PUT","resourcePath":"/bags/{proxy+}","status":401,"authorizer":{"latency":12},"integrationLatency":"-","responseLatency":14}"#).unwrap();
        assert_eq!(r.at_s, 1_530_570_180.0);
        assert_eq!(r.route, "PUT /bags/{proxy+}");
        assert_eq!(r.authorizer_ms, Some(12.0));
        assert_eq!(r.service_ms, None);
        assert_eq!(r.target_status, None);
        assert!(r.never_reached);
    }

    #[test]
    fn bad_entries_say_why() {
        assert!(parse("hello").unwrap_err().contains("no JSON"));
        assert!(
            parse(r#"{"status":"200"}"#)
                .unwrap_err()
                .contains("requestTime")
        );
        assert!(
            parse(r#"{"requestTimeEpoch":1,"routeKey":"GET /","status":"abc"}"#)
                .unwrap_err()
                .contains("status")
        );
        assert!(
            parse(
                r#"{"requestTimeEpoch":1,"routeKey":"GET /","status":200,"integrationLatency":"x"}"#
            )
            .unwrap_err()
            .contains("integrationLatency")
        );
    }
}

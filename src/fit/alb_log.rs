//! ALB access log entries → [`Record`]s.
//!
//! The format (Elastic Load Balancing user guide, "Access logs for your Application Load
//! Balancer"): one entry per line, fields separated by spaces, some enclosed in double quotes,
//! in this order: `type time elb client:port target:port request_processing_time
//! target_processing_time response_processing_time elb_status_code target_status_code
//! received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol target_group_arn
//! "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority request_creation_time
//! "actions_executed" …`. AWS adds new fields at the end and tells parsers to ignore fields
//! they do not expect, so only the first 17 are required and anything after the 22nd is
//! ignored.

use super::{Record, route_pattern};

/// Splits an entry into its fields: runs of non-spaces, or `"…"` (quotes removed).
fn fields(line: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::with_capacity(32);
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            let end = q
                .find('"')
                .ok_or_else(|| format!("unterminated quoted field after {} fields", out.len()))?;
            out.push(&q[..end]);
            rest = q[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            out.push(&rest[..end]);
            rest = rest[end..].trim_start();
        }
    }
    Ok(out)
}

fn seconds(field: &str, name: &str) -> Result<f64, String> {
    field
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && (*v >= 0.0 || *v == -1.0))
        .ok_or_else(|| format!("{name} is not a time in seconds or -1 (got {field:?})"))
}

fn status(field: &str, name: &str) -> Result<Option<u16>, String> {
    if field == "-" {
        return Ok(None);
    }
    field
        .parse::<u16>()
        .ok()
        .filter(|s| (100..=599).contains(s))
        .map(Some)
        .ok_or_else(|| format!("{name} is not an HTTP status or - (got {field:?})"))
}

/// The target group's name from its ARN (`arn:…:targetgroup/my-targets/73e2d6bc24d8a067` →
/// `my-targets`); `None` for `-` (no target group: the ALB answered from a rule or failed
/// before routing).
pub fn group_name(arn: &str) -> Result<Option<String>, String> {
    if arn == "-" {
        return Ok(None);
    }
    let after = arn
        .split_once(":targetgroup/")
        .map(|(_, rest)| rest)
        .ok_or_else(|| format!("target_group_arn is not a target group ARN or - (got {arn:?})"))?;
    let name = after.split('/').next().unwrap_or("");
    if name.is_empty() {
        return Err(format!("target_group_arn has no name (got {arn:?})"));
    }
    Ok(Some(name.to_string()))
}

/// The method and path of a request line `GET http://host:80/path?q HTTP/1.1`.
fn method_path(request: &str) -> (String, String) {
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("-").to_string();
    let url = parts.next().unwrap_or("-");
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None if url.starts_with('/') => url,
        None => "-",
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    (method, path.to_string())
}

/// Parses one entry. An error says which field is wrong.
pub fn parse(line: &str) -> Result<Record, String> {
    let f = fields(line)?;
    if f.len() < 17 {
        return Err(format!(
            "{} fields, an ALB access log entry has at least 17 (through target_group_arn)",
            f.len()
        ));
    }
    let time = super::input::parse_iso8601(f[1])
        .ok_or_else(|| format!("time is not an ISO 8601 time (got {:?})", f[1]))?;
    let request_s = seconds(f[5], "request_processing_time")?;
    let target_s = seconds(f[6], "target_processing_time")?;
    let response_s = seconds(f[7], "response_processing_time")?;
    let status = status(f[8], "elb_status_code")?
        .ok_or_else(|| "elb_status_code is - (not an HTTP request)".to_string())?;
    let target_status = status_or_dash(f[9])?;
    let (method, path) = method_path(f[12]);
    let group = group_name(f[16])?;
    // request_creation_time is when the request arrived; entries from before that field
    // existed are dated by when the response was sent, less the three processing times.
    let arrival = f
        .get(21)
        .and_then(|t| super::input::parse_iso8601(t))
        .unwrap_or_else(|| {
            time - [request_s, target_s, response_s]
                .iter()
                .filter(|v| **v > 0.0)
                .sum::<f64>()
        });
    let never_reached = request_s == -1.0 || target_s == -1.0;
    Ok(Record {
        at_s: arrival,
        route: format!("{method} {}", route_pattern(&path)),
        method,
        path: route_pattern(&path),
        group,
        target: (f[4] != "-").then(|| f[4].to_string()),
        status,
        target_status,
        service_ms: (target_s >= 0.0 && target_status.is_some()).then_some(target_s * 1000.0),
        never_reached,
        overhead_ms: None,
        authorizer_ms: None,
    })
}

fn status_or_dash(field: &str) -> Result<Option<u16>, String> {
    status(field, "target_status_code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_fields() {
        assert_eq!(
            fields(r#"a "b c" d "" e"#).unwrap(),
            vec!["a", "b c", "d", "", "e"]
        );
        assert!(fields(r#"a "b c"#).is_err());
    }

    #[test]
    fn request_lines() {
        assert_eq!(
            method_path("GET http://www.example.com:80/pets/12?x=1 HTTP/1.1"),
            ("GET".into(), "/pets/12".into())
        );
        assert_eq!(
            method_path("GET https://10.0.2.105:773/ HTTP/2.0"),
            ("GET".into(), "/".into())
        );
        assert_eq!(method_path("- - -"), ("-".into(), "-".into()));
    }

    #[test]
    fn group_names() {
        assert_eq!(
            group_name("arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067")
                .unwrap()
                .as_deref(),
            Some("my-targets")
        );
        assert_eq!(group_name("-").unwrap(), None);
        assert!(group_name("arn:aws:s3:::bucket").is_err());
    }
}
